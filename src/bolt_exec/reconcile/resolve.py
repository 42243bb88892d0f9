"""Resolve discrepancies into corrective events and commands, under a named policy. Pure.

Theory of operation
-------------------
Every discrepancy gets exactly one :class:`Action` with an outcome:

* ``APPLIED`` — corrective ``OrderEvent``s (all ``reconciliation=True``) that
  the OMS applies through its one writer (``on_event``);
* ``COMMAND`` — commands to send (cancels only; the reconciler never creates
  risk on its own), possibly with events;
* ``ESCALATED`` — the policy does not let the resolver settle it; the service
  hands it to the SafetyManager / an operator.

Facts about *our* orders are applied under every policy: a venue fill (real
or inferred), an acknowledgement we missed, a terminal status, an amended
quantity. Policies differ on what is not ours or not provable:

=====================  ====================  ===================  ==================
discrepancy            CONSERVATIVE          CANCEL_UNKNOWN       VENUE_TRUTH
=====================  ====================  ===================  ==================
MissingLocally         escalate              adopt + cancel open  adopt
zombie (done here,     escalate              cancel at venue      cancel at venue
working at venue)
lost cancel request    re-send cancel        re-send cancel       re-send cancel
MissingAtVenue, fill   escalate              resolve              resolve
history incomplete
PositionMismatch       escalate              escalate             synthetic fill
=====================  ====================  ===================  ==================

``MissingAtVenue`` comes after the service asked the venue about the order
(a mass status lists open orders only, so it cannot tell a filled order from a
canceled one). A venue report settles it before it gets here (``diff``
compares it like a listed one: FILLED infers the missing fills, CANCELED /
EXPIRED / REJECTED is a ``StatusMismatch``). An UNANSWERED query (timeout,
transport error) leaves the order in flight and escalates: ambiguous is never
turned into a rejection or a cancel. Otherwise (the venue does not know it, or
the broker cannot be asked) it is resolved by what we know: an order with any
fill becomes CANCELED (its fills stand; never REJECTED); an order the venue
never acknowledged and that never traded becomes REJECTED ("never reached the
venue"); an acknowledged order without fills becomes CANCELED.

The venue's quantity and prices are settled before its fills and its terminal
status, so the order ends exactly as the venue has it. A terminal venue status
for an order whose amend we never heard answered (PENDING_REPLACE) at values
other than ours proves the amend took: the venue's values are applied first, so
an order amended down and then filled ends FILLED at the amended quantity, and
one amended up, partly filled and canceled ends CANCELED at the amended one.
Any other order the venue reports at another quantity gets an ``OrderReplaced``
(a ``QtyMismatch``) before its fills: from PENDING_CANCEL it stays pending (its
cancel then lands); from a working status it works on, and where the venue's
quantity is what already filled the replace is recorded as an amend request and
its answer, the only legal way to FILLED. A CANCELED or EXPIRED order whose
amend we never heard answered takes the venue's values as that late answer (the
table's edge for it keeps the order done) before its fills; any other finished
order takes no quantity: its fills are booked and the status difference is
escalated.

Each candidate event is first applied to a scratch copy of the order; an
event the state machine would refuse is not emitted, and the discrepancy is
escalated instead, so the OMS is never handed an illegal transition.

Event ids are deterministic (``RECON-{client_order_id}-{what}``), so applying
the same resolution twice journals nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bolt_exec.model.commands import CancelOrder
from bolt_exec.model.enums import LiquiditySide, OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderSubmitted,
)
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.order import Order
from bolt_exec.reconcile.actions import (
    EXTERNAL_STRATEGY,
    RECON_STRATEGY,
    Action,
    Outcome,
    ReconcilePolicy,
    Resolution,
)
from bolt_exec.reconcile.corrections import (
    Resolver,
    ack_if_needed,
    cancel_cmd,
    fill_event,
    fill_events,
    stamp,
    venue_differs,
    venue_values,
)
from bolt_exec.reconcile.diff import (
    Discrepancy,
    FillMissing,
    MissingAtVenue,
    MissingLocally,
    PositionMismatch,
    QtyMismatch,
    QueryAnswer,
    StatusMismatch,
    inferred_trade_id,
)

__all__ = ["Action", "Outcome", "ReconcilePolicy", "Resolution", "resolve"]

_WORKING = frozenset({OrderStatus.ACCEPTED, OrderStatus.TRIGGERED, OrderStatus.PARTIALLY_FILLED})


def _status(r: Resolver, d: StatusMismatch) -> Action:
    coid = d.client_order_id
    order = r.order(coid)
    if order is None:
        return Action(d, Outcome.ESCALATED, note="order unknown")
    venue_working = not d.venue.is_terminal
    if venue_working and order.is_terminal:
        if r.policy is ReconcilePolicy.CONSERVATIVE:
            return Action(d, Outcome.ESCALATED, note=f"{order.status} here but working at venue")
        cmd = cancel_cmd(r, coid, order.symbol, d.venue_order_id)
        return Action(d, Outcome.COMMAND, commands=(cmd,), note="cancel the zombie at the venue")
    if venue_working and order.status in (OrderStatus.PENDING_CANCEL,):
        cmd = cancel_cmd(r, coid, order.symbol, d.venue_order_id)
        return Action(d, Outcome.COMMAND, commands=(cmd,), note="cancel request lost; re-sent")
    if order.status is d.venue and not venue_differs(order, d):
        # Settled by the corrections before this one (an amend's late answer, then the
        # fills): nothing is left to apply.
        return Action(d, Outcome.APPLIED, note=f"{d.venue} here too, as the venue has it")
    if order.is_terminal and d.venue.is_terminal and order.status is not d.venue:
        # Late fills completed it here; the venue ended it otherwise at another quantity
        # (an amend up we never heard answered). A finished order takes no new quantity.
        note = f"{order.status} here at qty {order.qty}, {d.venue} at the venue"
        if d.venue_qty is not None:
            note += f" at qty {d.venue_qty}"
        return Action(d, Outcome.ESCALATED, note=note + "; a finished order cannot take it")
    events = ack_if_needed(r, coid, d.venue_order_id, d.ts_venue)
    if venue_working:
        if order.status is OrderStatus.PENDING_REPLACE:
            events.append(venue_values(r, d, order))
        return r.events_action(d, events, f"venue says {d.venue}")
    amended = order.status is OrderStatus.PENDING_REPLACE and venue_differs(order, d)
    if amended:  # it ended at other values than ours: our amend took before it did
        events.append(venue_values(r, d, order))
    if d.venue is OrderStatus.FILLED:
        return _filled(r, d, order, events, amended)
    base = stamp(coid, d.ts_venue, r.ts)
    if d.venue is OrderStatus.EXPIRED:
        events.append(OrderExpired(**base, event_id=r.eid(coid, "EXPIRED")))
    elif d.venue is OrderStatus.REJECTED and order.filled_qty == 0:
        events = [
            OrderRejected(
                **base,
                event_id=r.eid(coid, "REJECTED"),
                reason="venue reports the order rejected",
                code="RECON_REJECTED",
            )
        ]
    elif d.venue in (OrderStatus.CANCELED, OrderStatus.REJECTED):
        events.append(
            OrderCanceled(
                **base,
                event_id=r.eid(coid, "CANCELED"),
                reason=f"venue reports {d.venue}",
            )
        )
    else:
        return Action(d, Outcome.ESCALATED, note=f"venue says {d.venue}; not a venue status")
    return r.events_action(d, events, f"venue says {d.venue}")


def _filled(
    r: Resolver, d: StatusMismatch, order: Order, events: list[OrderEvent], amended: bool
) -> Action:
    # FILLED is proved by fills (the venue's, or inferred from its report), never assigned.
    # A request still pending here was answered "too late" at the venue; that answer (or
    # the venue's values, for an amend that took) completes the order.
    coid = d.client_order_id
    qty = d.venue_qty if amended and d.venue_qty is not None else order.qty
    if order.status is not OrderStatus.FILLED and order.filled_qty < qty:
        return Action(d, Outcome.ESCALATED, note="venue says FILLED; fills do not complete it")
    base = stamp(coid, d.ts_venue, r.ts)
    reason = "too late: the venue says FILLED"
    if order.status is OrderStatus.PENDING_CANCEL:
        events.append(
            OrderCancelRejected(**base, event_id=r.eid(coid, "CANCEL-LATE"), reason=reason)
        )
    elif order.status is OrderStatus.PENDING_REPLACE and not amended:
        events.append(
            OrderReplaceRejected(**base, event_id=r.eid(coid, "AMEND-LATE"), reason=reason)
        )
    return r.events_action(d, events, "venue says FILLED; its fills complete it")


def _qty(r: Resolver, d: QtyMismatch) -> Action:
    if d.venue_filled < d.local_filled:
        return Action(d, Outcome.ESCALATED, note="venue knows fewer fills than we applied")
    coid = d.client_order_id
    what = f"QTY-{d.venue_qty.normalize():f}"
    events = ack_if_needed(r, coid, "", r.ts)
    order = r.order(coid)
    if order is not None and order.status in _WORKING and d.venue_qty == order.filled_qty:
        # The venue's amend down to what already filled completed it there. A working
        # order takes a replace without changing status; only the answer to an amend
        # request completes it, so the amend is recorded as one (both reconciliation).
        events.append(
            OrderPendingReplace(
                **stamp(coid, r.ts, r.ts),
                event_id=r.eid(coid, f"{what}-REQUEST"),
                qty=d.venue_qty,
                limit_px=d.venue_limit_px,
                stop_px=d.venue_stop_px,
            )
        )
    events.append(
        OrderReplaced(
            **stamp(coid, r.ts, r.ts),
            event_id=r.eid(coid, what),
            qty=d.venue_qty,
            limit_px=d.venue_limit_px,
            stop_px=d.venue_stop_px,
        )
    )
    return r.events_action(d, events, f"venue quantity {d.venue_qty}")


def _missing_at_venue(r: Resolver, d: MissingAtVenue) -> Action:
    coid = d.client_order_id
    if d.query is QueryAnswer.UNANSWERED:
        # Ambiguous is not dead: nothing is applied, the order stays in flight.
        note = f"status query unanswered ({d.query_error or 'no answer'}); left in flight"
        return Action(d, Outcome.ESCALATED, note=note)
    if not d.fills_known and r.policy is ReconcilePolicy.CONSERVATIVE:
        return Action(d, Outcome.ESCALATED, note="fill history incomplete; query the order")
    base = stamp(coid, r.ts, r.ts)
    event: OrderEvent
    if d.has_fills or d.status is not OrderStatus.SUBMITTED:
        reason = "not open at the venue" + ("; fills stand" if d.has_fills else "")
        event = OrderCanceled(**base, event_id=r.eid(coid, "CANCELED"), reason=reason)
    else:
        event = OrderRejected(
            **base,
            event_id=r.eid(coid, "REJECTED"),
            reason="never reached the venue (not found at reconciliation)",
            code="RECON_NOT_FOUND",
        )
    return r.events_action(d, [event], "missing at venue")


def _adopt(r: Resolver, d: MissingLocally) -> Action:
    if r.policy is ReconcilePolicy.CONSERVATIVE:
        return Action(d, Outcome.ESCALATED, note="unknown order at the venue")
    rep = d.report
    first = rep if rep is not None else None
    fills = d.fills
    symbol = first.symbol if first else fills[0].symbol
    side = first.side if first else fills[0].side
    filled = sum((f.last_qty for f in fills), ZERO)
    qty = first.qty if first else filled
    coid = d.client_order_id
    ts = (first.ts_accepted or first.ts_last) if first else fills[0].ts_event
    ts = ts or r.ts
    venue_id = first.venue_order_id if first else fills[0].venue_order_id
    base = stamp(coid, ts, r.ts)
    events: list[OrderEvent] = [
        OrderInitialized(
            **base,
            event_id=r.eid(coid, "ADOPT"),
            symbol=symbol,
            side=side,
            order_type=first.order_type if first else OrderType.MARKET,
            qty=qty,
            limit_px=first.limit_px if first else None,
            stop_px=first.stop_px if first else None,
            tif=first.tif if first else TimeInForce.GTC,
            broker=r.broker,
            strategy_id=EXTERNAL_STRATEGY,
            tags={"origin": "external"},
        ),
        OrderSubmitted(**base, event_id=r.eid(coid, "SUBMIT"), broker=r.broker),
        OrderAccepted(**base, event_id=r.eid(coid, "ACK"), venue_order_id=venue_id),
    ]
    for f in fills:
        fm = FillMissing(
            r.broker,
            coid,
            f.trade_id,
            f.symbol,
            f.side,
            f.last_qty,
            f.last_px,
            f.fee,
            f.fee_currency,
            f.liquidity,
            f.venue_order_id,
            f.ts_event,
            False,
        )
        events.append(fill_event(r, fm))
    if first is not None and first.filled_qty > filled:
        px = first.avg_px or first.limit_px
        if px is None:
            return Action(d, Outcome.ESCALATED, note="external fills without a price")
        rest = first.filled_qty - filled
        if filled > 0 and first.avg_px is not None:
            cost = sum((f.last_px * f.last_qty for f in fills), ZERO)
            px = (first.avg_px * first.filled_qty - cost) / rest
        fm = FillMissing(
            r.broker,
            coid,
            inferred_trade_id(coid, first.filled_qty),
            symbol,
            side,
            rest,
            px,
            ZERO,
            "",
            fills[0].liquidity if fills else LiquiditySide.NONE,
            venue_id,
            first.ts_last or r.ts,
            True,
        )
        events.append(fill_event(r, fm))
    commands: tuple[CancelOrder, ...] = ()
    status = first.status if first else OrderStatus.FILLED
    if status in (OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED):
        if first is not None and first.filled_qty < first.qty:
            events.append(
                OrderCanceled(
                    **stamp(coid, first.ts_last or r.ts, r.ts),
                    event_id=r.eid(coid, "CANCELED"),
                    reason=f"external order {status} at the venue",
                )
            )
    elif not status.is_terminal and r.policy is ReconcilePolicy.CANCEL_UNKNOWN:
        commands = (cancel_cmd(r, coid, symbol, venue_id),)
    action = r.events_action(d, events, "adopted external order")
    if commands and action.outcome is Outcome.APPLIED:
        return Action(d, Outcome.COMMAND, action.events, commands, "adopted, cancel sent")
    return action


def _position(r: Resolver, d: PositionMismatch, unknown: set[str]) -> Action:
    if r.policy is not ReconcilePolicy.VENUE_TRUTH:
        return Action(d, Outcome.ESCALATED, note="positions differ")
    if d.symbol in unknown:  # the order's fills, once known, would be booked a second time
        return Action(d, Outcome.ESCALATED, note="positions differ; an order's fate is unknown")
    px = d.venue_avg_px or d.local_avg_px
    if px is None or px <= 0:
        return Action(d, Outcome.ESCALATED, note="positions differ and no price to book it at")
    delta = d.venue_qty - d.local_qty
    side = Side.BUY if delta > 0 else Side.SELL
    coid = f"RECON-POS-{r.broker}-{d.symbol}-{d.ts_venue}"
    base = stamp(coid, d.ts_venue, r.ts)
    events: list[OrderEvent] = [
        OrderInitialized(
            **base,
            event_id=r.eid(coid, "ADOPT"),
            symbol=d.symbol,
            side=side,
            order_type=OrderType.MARKET,
            qty=abs(delta),
            broker=r.broker,
            strategy_id=RECON_STRATEGY,
            tags={"origin": "position reconciliation"},
        ),
        OrderSubmitted(**base, event_id=r.eid(coid, "SUBMIT"), broker=r.broker),
        OrderAccepted(**base, event_id=r.eid(coid, "ACK")),
        OrderFilled(
            **base,
            event_id=r.eid(coid, "FILL"),
            trade_id=coid,
            symbol=d.symbol,
            side=side,
            last_qty=abs(delta),
            last_px=px,
        ),
    ]
    return r.events_action(d, events, f"booked {delta} at {px} to match the venue")


def resolve(
    discrepancies: Iterable[Discrepancy],
    *,
    orders: Mapping[str, Order],
    policy: ReconcilePolicy = ReconcilePolicy.CONSERVATIVE,
    broker: str,
    ts_ns: int,
) -> Resolution:
    """Map each discrepancy to an :class:`Action` under ``policy``.

    Args:
        discrepancies: what :func:`~bolt_exec.reconcile.diff.diff` found, in its order.
        orders: our orders by client order id (read only; scratch copies are used).
        policy: see :class:`ReconcilePolicy` and the module's table.
        broker: the broker reconciled.
        ts_ns: now (``ts_init`` of every corrective event).

    Returns:
        The resolution; apply ``resolution.events`` in order, send
        ``resolution.commands``, escalate ``resolution.unresolved``.
    """
    r = Resolver(orders, policy, broker, ts_ns)
    actions: list[Action] = []
    # The venue's working values settle an unanswered amend before any missing fill lands.
    found = list(discrepancies)
    working = {d.client_order_id: d for d in found if isinstance(d, StatusMismatch)}
    unknown = {
        d.symbol
        for d in found
        if isinstance(d, MissingAtVenue) and d.query is QueryAnswer.UNANSWERED
    }
    for d in found:
        if isinstance(d, FillMissing):
            events = fill_events(r, d, working.get(d.client_order_id))
            actions.append(r.events_action(d, events, "venue fill"))
        elif isinstance(d, StatusMismatch):
            actions.append(_status(r, d))
        elif isinstance(d, QtyMismatch):
            actions.append(_qty(r, d))
        elif isinstance(d, MissingAtVenue):
            actions.append(_missing_at_venue(r, d))
        elif isinstance(d, MissingLocally):
            actions.append(_adopt(r, d))
        else:
            actions.append(_position(r, d, unknown))
    return Resolution(broker, policy, ts_ns, tuple(actions))

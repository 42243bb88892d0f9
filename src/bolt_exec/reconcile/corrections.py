"""Corrective events, each tried on a scratch copy of the order before it is emitted.

The :class:`Resolver` clones the orders a reconciliation touches and applies
every candidate event to the clone first: an event the state machine would
refuse is never handed to the OMS (the discrepancy is escalated instead).
Event ids are deterministic (``RECON-{client_order_id}-{what}``), so applying
the same resolution twice journals nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict

from bolt_exec.errors import InvalidTransition
from bolt_exec.model.commands import CancelOrder
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import (
    OrderAccepted,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderPendingReplace,
    OrderReplaced,
    OrderReplaceRejected,
)
from bolt_exec.model.order import Order
from bolt_exec.reconcile.actions import Action, Outcome, ReconcilePolicy
from bolt_exec.reconcile.diff import Discrepancy, FillMissing, StatusMismatch

__all__ = [
    "Resolver",
    "Stamp",
    "ack_if_needed",
    "cancel_cmd",
    "clone_order",
    "fill_event",
    "fill_events",
    "stamp",
    "venue_differs",
    "venue_values",
]


class Stamp(TypedDict):
    client_order_id: str
    ts_event: int
    ts_init: int
    reconciliation: bool


def stamp(coid: str, ts_event: int, ts_init: int) -> Stamp:
    return {
        "client_order_id": coid,
        "ts_event": ts_event,
        "ts_init": ts_init,
        "reconciliation": True,
    }


class Resolver:
    def __init__(
        self, orders: Mapping[str, Order], policy: ReconcilePolicy, broker: str, ts: int
    ) -> None:
        self.orders = orders
        self.policy = policy
        self.broker = broker
        self.ts = ts
        self.scratch: dict[str, Order] = {}

    def order(self, coid: str) -> Order | None:
        if coid not in self.scratch:
            src = self.orders.get(coid)
            if src is None:
                return None
            self.scratch[coid] = clone_order(src)
        return self.scratch[coid]

    def try_apply(self, events: Sequence[OrderEvent]) -> bool:
        """Apply ``events`` to scratch orders; False (and nothing kept) if any is illegal."""
        touched = {e.client_order_id for e in events}
        saved = {c: self.scratch.get(c) for c in touched}
        for c in touched:  # work on fresh copies so a failure can be undone
            src = saved[c] or self.order(c)
            if src is not None:
                self.scratch[c] = clone_order(src)
        try:
            for e in events:
                if isinstance(e, OrderInitialized):
                    self.scratch[e.client_order_id] = Order(e)
                    continue
                target = self.scratch.get(e.client_order_id)
                if target is None:
                    raise InvalidTransition(e.client_order_id, "UNKNOWN", type(e).__name__)
                target.apply(e)
        except InvalidTransition:
            for c, old in saved.items():
                if old is None:
                    self.scratch.pop(c, None)
                else:
                    self.scratch[c] = old
            return False
        return True

    def events_action(self, d: Discrepancy, events: list[OrderEvent], note: str) -> Action:
        if self.try_apply(events):
            return Action(d, Outcome.APPLIED, tuple(events), note=note)
        return Action(d, Outcome.ESCALATED, note=f"{note}; refused by the state machine")

    def eid(self, coid: str, what: str) -> str:
        return f"RECON-{coid}-{what}"


def fill_event(r: Resolver, d: FillMissing) -> OrderFilled:
    return OrderFilled(
        client_order_id=d.client_order_id,
        ts_event=d.ts_event or r.ts,
        ts_init=r.ts,
        event_id=r.eid(d.client_order_id, f"FILL-{d.trade_id}"),
        reconciliation=True,
        trade_id=d.trade_id,
        symbol=d.symbol,
        side=d.side,
        last_qty=d.last_qty,
        last_px=d.last_px,
        venue_order_id=d.venue_order_id,
        fee=d.fee,
        fee_currency=d.fee_currency,
        liquidity=d.liquidity,
    )


def venue_values(r: Resolver, d: StatusMismatch, order: Order) -> OrderReplaced:
    """We never heard the amend's answer: the venue's working values settle it, whether
    it took (a crash after the venue applied it) or was lost."""
    coid = d.client_order_id
    return OrderReplaced(
        client_order_id=coid,
        ts_event=d.ts_venue,
        ts_init=r.ts,
        reconciliation=True,
        event_id=r.eid(coid, f"VENUE-VALUES-{d.ts_venue}"),
        venue_order_id=d.venue_order_id,
        qty=order.qty if d.venue_qty is None else d.venue_qty,
        limit_px=d.venue_limit_px,
        stop_px=d.venue_stop_px,
    )


def venue_differs(order: Order, d: StatusMismatch) -> bool:
    """True if the venue reports the order at another quantity or price than ours."""
    return (
        (d.venue_qty is not None and d.venue_qty != order.qty)
        or (d.venue_limit_px is not None and d.venue_limit_px != order.limit_px)
        or (d.venue_stop_px is not None and d.venue_stop_px != order.stop_px)
    )


def fill_events(r: Resolver, d: FillMissing, venue: StatusMismatch | None) -> list[OrderEvent]:
    """A venue fill, preceded by the answer to our unanswered amend when it is known.

    Fills counted against the pre-amend quantity would complete (or overrun) an order the
    venue still works with the amended one. The venue's report settles the amend; when the
    venue no longer works the order, a fill beyond the old quantity proves the amend took
    (only our pending amend can have made the venue's quantity larger). Both happen after
    a crash between the venue applying the amend and us journaling its answer.
    """
    order = r.order(d.client_order_id)
    if order is None:
        return [fill_event(r, d)]
    if order.status is not OrderStatus.PENDING_REPLACE:
        if (
            order.status in _LATE_REPLACEABLE
            and venue is not None
            and venue.venue_qty is not None
            and venue_differs(order, venue)
            and unanswered_amend(order)
        ):
            # We heard it end (canceled, expired) but never heard our amend answered: the
            # venue's other values prove the amend took first. Settle it before the fills,
            # or they would count against the old quantity and complete the order.
            return [venue_values(r, venue, order), fill_event(r, d)]
        return [fill_event(r, d)]
    if (
        venue is not None
        and venue.venue_qty is not None
        and (not venue.venue.is_terminal or venue_differs(order, venue))
    ):
        # Working: its values settle the amend. Done at other values than ours: the amend
        # took before it ended (amended down, then filled; amended up, filled, canceled).
        return [venue_values(r, venue, order), fill_event(r, d)]
    if d.last_qty <= order.leaves_qty:
        return [fill_event(r, d)]
    amend = next(e for e in reversed(order.events) if isinstance(e, OrderPendingReplace))
    if amend.qty is None or order.filled_qty + d.last_qty > amend.qty:
        return [fill_event(r, d)]  # not explained by the amend: the state machine escalates it
    replaced = OrderReplaced(
        client_order_id=d.client_order_id,
        ts_event=d.ts_event or r.ts,
        ts_init=r.ts,
        reconciliation=True,
        event_id=r.eid(d.client_order_id, f"AMENDED-{amend.event_id}"),
        venue_order_id=d.venue_order_id,
        qty=amend.qty,
        limit_px=amend.limit_px,
        stop_px=amend.stop_px,
    )
    return [replaced, fill_event(r, d)]


# Finished statuses that still take an amend's late answer (see model/transitions.py).
_LATE_REPLACEABLE = frozenset({OrderStatus.CANCELED, OrderStatus.EXPIRED})


def unanswered_amend(order: Order) -> bool:
    """True if the order's last amend request was never answered (replaced or refused)."""
    for event in reversed(order.events):
        if isinstance(event, OrderReplaced | OrderReplaceRejected):
            return False
        if isinstance(event, OrderPendingReplace):
            return True
    return False


def ack_if_needed(r: Resolver, coid: str, venue_order_id: str, ts: int) -> list[OrderEvent]:
    order = r.order(coid)
    if order is not None and order.status is OrderStatus.SUBMITTED:
        return [
            OrderAccepted(
                client_order_id=coid,
                ts_event=ts,
                ts_init=r.ts,
                event_id=r.eid(coid, "ACK"),
                reconciliation=True,
                venue_order_id=venue_order_id,
            )
        ]
    return []


def cancel_cmd(r: Resolver, coid: str, symbol: str, venue_order_id: str) -> CancelOrder:
    return CancelOrder(
        client_order_id=coid, symbol=symbol, venue_order_id=venue_order_id, ts_init=r.ts
    )


def clone_order(order: Order) -> Order:
    init = order.events[0]
    if not isinstance(init, OrderInitialized):  # pragma: no cover - Order is built from one
        raise InvalidTransition(order.client_order_id, order.status.value, "clone")
    copy = Order(init)
    for e in order.events[1:]:
        copy.apply(e)
    return copy

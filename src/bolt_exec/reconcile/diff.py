"""Diff our view (orders, positions) against what a venue says (MassStatus). Pure.

Theory of operation
-------------------
:func:`diff` compares, for one broker, every order we hold against the
venue's order reports and fills, then net positions, and returns typed
discrepancies in a deterministic order (by client order id, then symbol). It
decides nothing: :mod:`bolt_exec.reconcile.resolve` maps discrepancies to
events or commands under a policy.

Rules:

* Fills are facts. A venue fill whose trade id the order has not applied is a
  :class:`FillMissing`, whatever the order's status. When the venue's
  cumulative filled quantity exceeds ours plus the missing fills, the rest is
  an *inferred* fill (``is_inferred=True``) with the deterministic trade id
  ``RECON-{client_order_id}-{venue filled qty}``, priced so the order's
  average matches the venue's ``avg_px``; a replay of the same diff produces
  the same id, so the journal and the order dedupe it.
* In flight is not missing. An order whose last event is newer than
  ``status.ts - grace_ns`` is skipped for status, quantity and missing-order
  checks (the snapshot may predate our request); fills still count.
* The venue's quantity comes before its fills. A :class:`QtyMismatch` is listed
  ahead of the order's missing fills, and the status is judged at the quantity
  the order will have, so fills that reach our old quantity do not complete an
  order the venue amended up (an amend whose answer was lost). An order that
  late fills would complete here while the venue ended it otherwise is a
  :class:`StatusMismatch` (``resolve`` escalates it: a finished order takes no
  new quantity).
* A PENDING_CANCEL / PENDING_REPLACE order the venue still works is in flight
  until the grace period passes; after that it is a :class:`StatusMismatch`
  (the request was lost).
* Fills are booked once. An inferred fill stands for the venue's fills up to
  its quantity; when the real fills show up later (a lagging trade history, a
  watermark reaching back) those it already counts are not missing.
* Positions are compared after the missing fills (ours + theirs), so a
  position difference that the fills explain is not reported twice.
  Tolerance is per instrument: a difference smaller than one lot cannot be a
  trade, only venue rounding, so only ``|ours - venue| >= lot_size`` is a
  :class:`PositionMismatch` (any difference when the instrument is unknown).
* A mass status lists open orders only, so an order it does not list may have
  filled, been canceled, or never arrived: its fate is unknown. The service
  asks the venue about each such order and passes the answers in
  (``queries``, :class:`~bolt_exec.reconcile.discrepancies.OrderQuery`): a
  FOUND report is compared like a listed one (a FILLED report infers the
  missing fills, at the venue's quantity, which an amend may have lowered);
  otherwise the order is a :class:`MissingAtVenue` that carries the answer
  (NOT_FOUND, UNANSWERED), and ``resolve`` decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Final

from bolt_exec.model.enums import LiquiditySide, OrderStatus
from bolt_exec.model.events import OrderPendingReplace, OrderReplaced, OrderReplaceRejected
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position
from bolt_exec.model.reports import FillReport, MassStatus, OrderStatusReport
from bolt_exec.reconcile.discrepancies import (
    Discrepancy,
    FillMissing,
    MissingAtVenue,
    MissingLocally,
    OrderQuery,
    PositionMismatch,
    QtyMismatch,
    QueryAnswer,
    StatusMismatch,
    external_order_id,
    inferred_qty,
    inferred_trade_id,
)

__all__ = [
    "DEFAULT_GRACE_NS",
    "Discrepancy",
    "FillMissing",
    "MissingAtVenue",
    "MissingLocally",
    "OrderQuery",
    "PositionMismatch",
    "QtyMismatch",
    "QueryAnswer",
    "StatusMismatch",
    "amend_in_doubt",
    "diff",
    "external_order_id",
    "inferred_trade_id",
]

DEFAULT_GRACE_NS: Final = 5_000_000_000
_VENUE_WORKING: Final = frozenset(
    {
        OrderStatus.SUBMITTED,
        OrderStatus.ACCEPTED,
        OrderStatus.TRIGGERED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PENDING_REPLACE,
    }
)
_PENDING: Final = frozenset({OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE})
_FILLABLE: Final = frozenset(
    {
        OrderStatus.SUBMITTED,
        OrderStatus.ACCEPTED,
        OrderStatus.TRIGGERED,
        OrderStatus.PARTIALLY_FILLED,
    }
)


def _fill(report: FillReport, broker: str, coid: str) -> FillMissing:
    return FillMissing(
        broker=broker,
        client_order_id=coid,
        trade_id=report.trade_id,
        symbol=report.symbol,
        side=report.side,
        last_qty=report.last_qty,
        last_px=report.last_px,
        fee=report.fee,
        fee_currency=report.fee_currency,
        liquidity=report.liquidity,
        venue_order_id=report.venue_order_id,
        ts_event=report.ts_event,
        is_inferred=False,
    )


class _Diff:
    def __init__(
        self,
        orders: Iterable[Order],
        status: MassStatus,
        fills_since_ns: int | None,
        grace_ns: int,
    ) -> None:
        self.broker = status.broker
        self.status = status
        self.since = fills_since_ns
        self.horizon = status.ts - grace_ns
        self.ours = {o.client_order_id: o for o in orders if o.broker == status.broker}
        self.by_venue_id = {o.venue_order_id: o for o in self.ours.values() if o.venue_order_id}
        self.out: list[Discrepancy] = []
        self.moves: dict[str, Decimal] = defaultdict(lambda: ZERO)  # signed qty by symbol

    def key_of(self, coid: str, venue_order_id: str) -> str:
        if coid in self.ours:
            return coid
        match = self.by_venue_id.get(venue_order_id) if venue_order_id else None
        if match is not None:
            return match.client_order_id
        return coid or external_order_id(self.broker, venue_order_id)

    def add_fill(self, d: FillMissing) -> None:
        self.out.append(d)
        self.moves[d.symbol] += d.last_qty * d.side.sign

    def order_fills(
        self, order: Order, fills: list[FillReport], report: OrderStatusReport | None
    ) -> Decimal:
        """Emit FillMissing for ``order``; return its filled quantity after them."""
        coid = order.client_order_id
        filled = order.filled_qty
        cost = (order.avg_px or ZERO) * order.filled_qty
        covered = _inferred_upto(order)
        venue_cum = ZERO
        for f in sorted(fills, key=lambda f: (f.ts_event, f.trade_id)):
            venue_cum += f.last_qty
            if order.has_trade(f.trade_id) or venue_cum <= covered:
                continue  # applied, or counted by an inferred fill when it was not reported
            self.add_fill(_fill(f, self.broker, coid))
            filled += f.last_qty
            cost += f.last_px * f.last_qty
        if report is not None and report.filled_qty > filled:
            qty = report.filled_qty - filled
            px = report.avg_px
            if px is not None and filled > 0:
                px = (report.avg_px * report.filled_qty - cost) / qty  # type: ignore[operator]
                if px <= 0:
                    px = report.avg_px
            px = px or order.limit_px or order.avg_px
            if px is not None and px > 0:
                self.add_fill(
                    FillMissing(
                        broker=self.broker,
                        client_order_id=coid,
                        trade_id=inferred_trade_id(coid, report.filled_qty),
                        symbol=order.symbol,
                        side=order.side,
                        last_qty=qty,
                        last_px=px,
                        fee=ZERO,
                        fee_currency="",
                        liquidity=LiquiditySide.NONE,
                        venue_order_id=report.venue_order_id,
                        ts_event=report.ts_last or self.status.ts,
                        is_inferred=True,
                    )
                )
                filled = report.filled_qty
        return filled

    def compare(self, order: Order, report: OrderStatusReport, filled: Decimal, at: int) -> None:
        """Emit ``order``'s quantity and status findings; ``at``: where its fills begin."""
        coid = order.client_order_id
        if report.filled_qty < order.filled_qty or (
            report.qty != order.qty
            and not order.is_terminal
            and order.status is not OrderStatus.PENDING_REPLACE
            and order.ts_last <= self.horizon
        ):
            # Before its fills: the venue's quantity is settled first, so fills that reach
            # our old quantity do not complete an order the venue amended up.
            self.out.insert(
                at,
                QtyMismatch(
                    broker=self.broker,
                    client_order_id=coid,
                    local_qty=order.qty,
                    venue_qty=report.qty,
                    local_filled=order.filled_qty,
                    venue_filled=report.filled_qty,
                    venue_limit_px=report.limit_px,
                    venue_stop_px=report.stop_px,
                ),
            )
        if order.ts_last > self.horizon:
            return
        # The quantity the order will have once resolved: the venue's, when the QtyMismatch
        # above adopts it. An unanswered amend at another quantity is settled by the
        # venue's values through a StatusMismatch, so it stays pending here.
        qty = order.qty
        amended = report.qty != order.qty and report.filled_qty >= order.filled_qty
        if amended and not order.is_terminal:
            qty = report.qty
        local = order.status
        if amended and local is OrderStatus.PENDING_REPLACE:
            pass
        elif filled > order.filled_qty and local in _FILLABLE:
            # What the missing fills will make of it (a fill also proves the venue has it).
            local = OrderStatus.FILLED if filled >= qty else OrderStatus.PARTIALLY_FILLED
        elif filled >= qty and not order.is_terminal:
            local = OrderStatus.FILLED
        elif order.is_terminal and order.filled_qty < filled >= order.qty:
            # Late fills complete a finished order here; the venue may have ended it
            # otherwise (its quantity was larger: an amend up we never heard answered).
            local = OrderStatus.FILLED
        venue = report.status
        working = venue in _VENUE_WORKING
        mismatch = (
            (working and local is OrderStatus.SUBMITTED and venue is not OrderStatus.SUBMITTED)
            or (working and (local.is_terminal or local is OrderStatus.INITIALIZED))
            or (working and local in _PENDING and venue not in _PENDING)
            or (venue.is_terminal and not local.is_terminal)
            or (venue.is_terminal and local is not venue and local is not order.status)
        )
        if mismatch:
            self.out.append(
                StatusMismatch(
                    broker=self.broker,
                    client_order_id=coid,
                    local=local,
                    venue=venue,
                    venue_order_id=report.venue_order_id,
                    ts_venue=report.ts_last or self.status.ts,
                    venue_qty=report.qty,
                    venue_limit_px=report.limit_px,
                    venue_stop_px=report.stop_px,
                )
            )

    def missing_at_venue(self, order: Order, filled: Decimal, query: OrderQuery | None) -> None:
        if filled >= order.qty or order.ts_last > self.horizon:
            return
        if not (order.is_open or order.status is OrderStatus.INITIALIZED):
            return
        if order.status is OrderStatus.INITIALIZED:
            return  # never sent: nothing for the venue to know
        self.out.append(
            MissingAtVenue(
                broker=self.broker,
                client_order_id=order.client_order_id,
                status=order.status,
                filled_qty=filled,
                has_fills=filled > 0,
                fills_known=self.since is None
                or order.ts_init >= self.since
                or (query is not None and query.fills_complete),
                query=QueryAnswer.NOT_ASKED if query is None else query.answer,
                query_error="" if query is None else query.error,
                symbol=order.symbol,
            )
        )


def amend_in_doubt(order: Order) -> bool:
    """True if an amend of ``order`` was sent and not every amend was answered.

    While one is unanswered the order's quantity and prices are in doubt: the venue may
    have applied it (then filled, canceled...) while its answer was lost. Venues answer
    amends in order, so more requests than answers means one answer was lost.
    """
    sent = answered = 0
    for e in order.events:
        if isinstance(e, OrderPendingReplace):
            sent += 1
        elif isinstance(e, OrderReplaced | OrderReplaceRejected):
            answered += 1
    return sent > answered


def _inferred_upto(order: Order) -> Decimal:
    # The venue's cumulative filled quantity that our inferred fills already account for.
    # Venue fills arriving later (a lagging trade history, a watermark reaching back) are
    # counted against it in time order, so a fill is never booked twice. Fills the venue
    # lists only in part make the running sum smaller, never larger: at worst a real fill
    # is left to the report's inference, never double counted.
    upto = ZERO
    for e in order.events:
        trade_id = getattr(e, "trade_id", None)
        if isinstance(trade_id, str):
            q = inferred_qty(order.client_order_id, trade_id)
            if q is not None and q > upto:
                upto = q
    return upto


def diff(
    orders: Iterable[Order],
    positions: Iterable[Position],
    status: MassStatus,
    *,
    instruments: Mapping[str, Instrument] | None = None,
    fills_since_ns: int | None = None,
    grace_ns: int = DEFAULT_GRACE_NS,
    compare_positions: bool = True,
    queries: Mapping[str, OrderQuery] | None = None,
) -> list[Discrepancy]:
    """Return what differs between our view and ``status`` for ``status.broker``.

    Args:
        orders: our orders (any broker; only ``status.broker``'s are compared).
            Pass terminal orders too, so late fills and zombies are seen.
        positions: our positions (only ``status.broker``'s are compared).
        status: the venue's mass status.
        instruments: by symbol, for the position tolerance (one lot).
        fills_since_ns: the watermark ``status.fills`` starts at (None: all history).
        grace_ns: how recent an order's last event may be and still count as in flight.
        compare_positions: False for venues that cannot report positions.
        queries: the venue's answers to targeted status queries, by client order id,
            about orders ``status`` does not list (see the module doc).

    Returns:
        Discrepancies, ordered: per order (by client order id) its quantity, fills
        and status findings; then missing-at-venue; then positions (by symbol).
    """
    d = _Diff(orders, status, fills_since_ns, grace_ns)
    fills_by: dict[str, list[FillReport]] = defaultdict(list)
    for f in status.fills:
        fills_by[d.key_of(f.client_order_id, f.venue_order_id)].append(f)
    reports = {d.key_of(r.client_order_id, r.venue_order_id): r for r in status.orders}
    for coid in sorted(set(reports) | set(fills_by) | set(d.ours)):
        order = d.ours.get(coid)
        report = reports.get(coid)
        fills = fills_by.get(coid, [])
        if order is None:
            _missing_locally(d, coid, report, fills)
            continue
        query = (queries or {}).get(coid) if report is None else None
        if query is not None:
            report = query.report
            seen = {f.trade_id for f in fills}
            fills = fills + [f for f in query.fills if f.trade_id not in seen]
        at = len(d.out)
        filled = d.order_fills(order, fills, report)
        if report is not None:
            d.compare(order, report, filled, at)
        else:
            d.missing_at_venue(order, filled, query)
    if compare_positions:
        _positions(d, positions, status, instruments or {})
    return d.out


def _missing_locally(
    d: _Diff, coid: str, report: OrderStatusReport | None, fills: list[FillReport]
) -> None:
    finished = report is not None and report.status not in _VENUE_WORKING
    if finished and report is not None and report.filled_qty == 0 and not fills:
        return  # finished at the venue without trading: nothing to adopt
    fills_t = tuple(sorted(fills, key=lambda f: (f.ts_event, f.trade_id)))
    d.out.append(MissingLocally(d.broker, coid, report, fills_t))
    filled = sum((f.last_qty for f in fills_t), ZERO)
    for f in fills_t:
        d.moves[f.symbol] += f.last_qty * f.side.sign
    if report is not None and report.filled_qty > filled:
        d.moves[report.symbol] += (report.filled_qty - filled) * report.side.sign


def _positions(
    d: _Diff,
    positions: Iterable[Position],
    status: MassStatus,
    instruments: Mapping[str, Instrument],
) -> None:
    local = {p.symbol: p for p in positions if p.broker == d.broker}
    venue = {p.symbol: p for p in status.positions}
    for symbol in sorted(set(local) | set(venue) | set(d.moves)):
        ours = local.get(symbol)
        theirs = venue.get(symbol)
        lq = (ours.qty if ours else ZERO) + d.moves.get(symbol, ZERO)
        vq = theirs.qty if theirs else ZERO
        inst = instruments.get(symbol)
        gap = abs(lq - vq)
        if gap == 0 or (inst is not None and gap < inst.lot_size):
            continue
        d.out.append(
            PositionMismatch(
                broker=d.broker,
                symbol=symbol,
                local_qty=lq,
                venue_qty=vq,
                venue_avg_px=theirs.avg_px if theirs else None,
                local_avg_px=ours.avg_px if ours and ours.qty != 0 else None,
                ts_venue=status.ts,
            )
        )

"""Projections of the journal: the orders, fills and positions folded from events.

Theory of operation
-------------------
The journal is the truth; projections are a cache of it that readers (frames,
compliance, SQL users, recovery) can query without replaying. Every store folds
events through the same pure functions here, so the memory store and the SQL
store agree row for row.

The fold is *lenient*: it never raises. The OrderManager is the one writer and
validates every event against the order state machine before it journals it;
if a journaled event is nevertheless not a legal transition (a bug, or a
journal written by an older version), the status stays where it was and the
event still counts for the fields it carries. Replaying the journal through
:class:`~bolt_exec.model.order.Order` (``load_orders``) remains the exact
reconstruction.

Fills dedupe on ``(client_order_id, trade_id)``: a repeated trade changes no
projection (design invariant 4), although the journal keeps the message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import cast

from bolt_exec.model.enums import LiquiditySide, OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderReplaced,
    OrderTriggered,
)
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.position import Position
from bolt_exec.model.transitions import TRANSITIONS, Dynamic

__all__ = ["FillRecord", "OrderRecord", "fold_order", "record_from_init"]


@dataclass(slots=True)
class OrderRecord:
    """One row of the orders projection (the order's latest state)."""

    client_order_id: str
    symbol: str
    side: Side
    order_type: OrderType
    qty: Decimal
    limit_px: Decimal | None
    stop_px: Decimal | None
    tif: TimeInForce
    broker: str
    strategy_id: str
    parent_id: str | None
    status: OrderStatus
    filled_qty: Decimal = ZERO
    avg_px: Decimal | None = None
    fees: Decimal = ZERO
    venue_order_id: str = ""
    is_triggered: bool = False
    ts_init: int = 0
    ts_last: int = 0
    version: int = 1
    last_seq: int = 0
    created_seq: int = 0

    @property
    def is_open(self) -> bool:
        """True while the order may still trade."""
        return self.status.is_open or self.status is OrderStatus.INITIALIZED

    def copy(self) -> OrderRecord:
        """Return an independent copy (folds work on copies until a commit succeeds)."""
        return replace(self)


@dataclass(frozen=True, slots=True)
class FillRecord:
    """One row of the fills projection (one venue trade against one order)."""

    client_order_id: str
    trade_id: str
    broker: str
    symbol: str
    side: Side
    last_qty: Decimal
    last_px: Decimal
    fee: Decimal
    fee_currency: str
    liquidity: LiquiditySide
    venue_order_id: str
    ts_event: int
    reconciliation: bool
    seq: int


def record_from_init(event: OrderInitialized, seq: int) -> OrderRecord:
    """Return the projection row an ``OrderInitialized`` creates."""
    # Positional, in OrderRecord's field order: keywords cost twice as much here, and
    # this runs once per new order on the journal's write path.
    return OrderRecord(
        event.client_order_id,  # client_order_id
        event.symbol,  # symbol
        event.side,  # side
        event.order_type,  # order_type
        event.qty,  # qty
        event.limit_px,  # limit_px
        event.stop_px,  # stop_px
        event.tif,  # tif
        event.broker,  # broker
        event.strategy_id,  # strategy_id
        event.parent_id,  # parent_id
        OrderStatus.INITIALIZED,  # status
        ZERO,  # filled_qty
        None,  # avg_px
        ZERO,  # fees
        "",  # venue_order_id
        False,  # is_triggered
        event.ts_init,  # ts_init
        event.ts_event,  # ts_last
        1,  # version
        seq,  # last_seq
        seq,  # created_seq
    )


def fold_order(record: OrderRecord, event: OrderEvent, seq: int) -> None:
    """Fold one (non-duplicate) event into ``record`` in place; never raises.

    The caller has already dropped fills whose trade id the order has seen.
    """
    kind = type(event)  # exact-type dispatch: this runs once per journaled event
    if kind is OrderFilled:
        fill = cast(OrderFilled, event)
        new_filled = record.filled_qty + fill.last_qty
        prev_cost = (record.avg_px or ZERO) * record.filled_qty
        record.filled_qty = new_filled
        if new_filled > 0:
            record.avg_px = (prev_cost + fill.last_px * fill.last_qty) / new_filled
        record.fees += fill.fee
        if fill.venue_order_id and not record.venue_order_id:
            record.venue_order_id = fill.venue_order_id
    elif kind is OrderAccepted:
        venue_order_id = cast(OrderAccepted, event).venue_order_id
        if venue_order_id:
            record.venue_order_id = venue_order_id
    elif kind is OrderReplaced:
        amend = cast(OrderReplaced, event)
        if amend.venue_order_id:
            record.venue_order_id = amend.venue_order_id
        if amend.qty is not None:
            record.qty = amend.qty
        if amend.limit_px is not None:
            record.limit_px = amend.limit_px
        if amend.stop_px is not None:
            record.stop_px = amend.stop_px
    elif kind is OrderTriggered:
        record.is_triggered = True
    target = TRANSITIONS.get((record.status, kind))
    if target is not None:
        record.status = target if type(target) is OrderStatus else _resolve(record, target)
    record.ts_last = event.ts_event
    record.version += 1
    record.last_seq = seq


def _resolve(record: OrderRecord, target: OrderStatus | Dynamic) -> OrderStatus:
    # Mirrors Order._resolve; kept here so the fold never builds an aggregate.
    if isinstance(target, OrderStatus):
        return target
    complete = record.filled_qty >= record.qty
    if target is Dynamic.FILL:
        return OrderStatus.FILLED if complete else OrderStatus.PARTIALLY_FILLED
    if target in (Dynamic.FILL_PENDING, Dynamic.FILL_TERMINAL):
        return OrderStatus.FILLED if complete else record.status
    if complete:
        return OrderStatus.FILLED
    if record.filled_qty > 0:
        return OrderStatus.PARTIALLY_FILLED
    return OrderStatus.TRIGGERED if record.is_triggered else OrderStatus.ACCEPTED


def fill_record(event: OrderFilled, broker: str, seq: int) -> FillRecord:
    """Return the fills-projection row of a fill event."""
    return FillRecord(
        client_order_id=event.client_order_id,
        trade_id=event.trade_id,
        broker=broker,
        symbol=event.symbol,
        side=event.side,
        last_qty=event.last_qty,
        last_px=event.last_px,
        fee=event.fee,
        fee_currency=event.fee_currency,
        liquidity=event.liquidity,
        venue_order_id=event.venue_order_id,
        ts_event=event.ts_event,
        reconciliation=event.reconciliation,
        seq=seq,
    )


def apply_fill_to_position(position: Position, event: OrderFilled) -> None:
    """Move ``position`` by one fill (average cost; see :class:`Position`)."""
    position.apply_fill(event.side, event.last_qty, event.last_px, event.fee, event.ts_event)


@dataclass(slots=True)
class BatchFold:
    """What one appended batch changes: the touched projection rows."""

    orders: dict[str, OrderRecord]
    fills: list[FillRecord]
    positions: dict[tuple[str, str], Position]


def fold_batch(
    events: list[OrderEvent],
    *,
    first_seq: int,
    orders: dict[str, OrderRecord],
    known_trades: set[tuple[str, str]],
    positions: dict[tuple[str, str], Position],
) -> BatchFold:
    """Fold ``events`` (already free of repeated event ids) into the projections, in place.

    The records in ``orders`` and the positions in ``positions`` are mutated
    (copying 100,000 rows per second would cost more than the database write);
    a store whose commit fails must reload them from the committed state.

    Args:
        events: the new events, in append order.
        first_seq: the journal sequence number of ``events[0]``.
        orders: the current rows of every order the batch touches.
        known_trades: ``(client_order_id, trade_id)`` pairs already applied.
        positions: the current positions by ``(broker, symbol)``; new ones are
            returned in the result, not added here.

    Returns:
        Every projection row that changed.
    """
    out = BatchFold(orders={}, fills=[], positions={})
    touched = out.orders
    new_trades: set[tuple[str, str]] = set()
    # Exact-type checks and locals: this loop runs once per journaled event.
    for seq, event in enumerate(events, first_seq):
        coid = event.client_order_id
        record = touched.get(coid) or orders.get(coid)
        kind = type(event)
        if kind is OrderInitialized:
            if record is None:
                touched[coid] = record_from_init(cast(OrderInitialized, event), seq)
            continue  # a repeated initialization of a known order changes nothing
        if record is None:
            continue  # events of an order we never saw initialized stay journal-only
        if kind is OrderFilled:
            fill = cast(OrderFilled, event)
            key = (coid, fill.trade_id)
            if key in known_trades or key in new_trades:
                continue
            new_trades.add(key)
            out.fills.append(fill_record(fill, record.broker, seq))
            pkey = (record.broker, fill.symbol)
            position = out.positions.get(pkey)
            if position is None:
                position = positions.get(pkey) or Position(symbol=fill.symbol, broker=record.broker)
                out.positions[pkey] = position
            apply_fill_to_position(position, fill)
        fold_order(record, event, seq)
        touched[coid] = record
    return out

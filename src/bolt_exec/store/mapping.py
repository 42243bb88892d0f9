"""Explicit mapping between table rows and domain records (the domain never sees a row).

Values bound to the database are plain ``str``/``int``: booleans as 0/1, enums
as their text, and NULL as ``""`` in the ``EMPTY_IS_NULL`` columns (where ``""``
is never a value). The sqlite3 driver binds ``str`` and ``int`` directly;
anything else (``bool``, ``StrEnum``, ``None``) takes its adapter lookup, which
cost more than the row insert itself. ``bulk.BulkInsert`` turns 0/1 back into
booleans for PostgreSQL and ``""`` back into NULL everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from bolt_exec.model.enums import LiquiditySide, OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import OrderEvent, encode_events
from bolt_exec.model.position import Position
from bolt_exec.store.projection import FillRecord, OrderRecord

__all__ = [
    "EMPTY_IS_NULL",
    "FILL_COLUMNS",
    "JOURNAL_COLUMNS",
    "ORDER_COLUMNS",
    "POSITION_COLUMNS",
    "fill_from_row",
    "fill_values",
    "journal_rows",
    "order_from_row",
    "order_values",
    "position_from_row",
    "position_values",
]

Row = Mapping[Any, Any]

# Nullable columns whose rows carry "" for NULL (decimals, event ids and parent order ids
# are never ""; the OMS refuses an empty parent_id).
EMPTY_IS_NULL: Final = frozenset({"event_id", "limit_px", "stop_px", "avg_px", "parent_id"})
JOURNAL_COLUMNS: Final = (
    "seq",
    "event_id",
    "client_order_id",
    "type",
    "payload",
    "ts_event",
    "ts_init",
    "reconciliation",
)
ORDER_COLUMNS: Final = (
    "client_order_id",
    "symbol",
    "side",
    "order_type",
    "qty",
    "limit_px",
    "stop_px",
    "tif",
    "broker",
    "strategy_id",
    "parent_id",
    "status",
    "filled_qty",
    "avg_px",
    "fees",
    "venue_order_id",
    "is_triggered",
    "ts_init",
    "ts_last",
    "version",
    "last_seq",
    "created_seq",
)
FILL_COLUMNS: Final = (
    "client_order_id",
    "trade_id",
    "broker",
    "symbol",
    "side",
    "last_qty",
    "last_px",
    "fee",
    "fee_currency",
    "liquidity",
    "venue_order_id",
    "ts_event",
    "reconciliation",
    "seq",
)
POSITION_COLUMNS: Final = (
    "broker",
    "symbol",
    "multiplier",
    "qty",
    "cost",
    "avg_px",
    "realized_pnl",
    "fees",
    "last_px",
    "buy_qty",
    "sell_qty",
    "ts_last",
)


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def journal_rows(events: Sequence[OrderEvent], first_seq: int) -> list[tuple[Any, ...]]:
    """Return the journal rows of ``events`` numbered from ``first_seq`` (``JOURNAL_COLUMNS``)."""
    payloads = encode_events(events)  # one encoder call for the batch
    return [
        (
            seq,  # seq
            e.event_id,  # event_id ("" is NULL: see EMPTY_IS_NULL)
            e.client_order_id,  # client_order_id
            type(e).__name__,  # type
            payload,  # payload
            e.ts_event,  # ts_event
            e.ts_init,  # ts_init
            1 if e.reconciliation else 0,  # reconciliation
        )
        for (seq, e), payload in zip(enumerate(events, first_seq), payloads, strict=True)
    ]


def order_values(r: OrderRecord) -> tuple[Any, ...]:
    """Return the orders-projection row of ``r`` (values in ``ORDER_COLUMNS`` order)."""
    # Runs once per order per batch: inline None checks, no helper calls.
    limit_px, stop_px, avg_px = r.limit_px, r.stop_px, r.avg_px
    return (
        r.client_order_id,  # client_order_id
        r.symbol,  # symbol
        r.side._value_,  # side (_value_: the plain text, without the slow .value property)
        r.order_type._value_,  # order_type
        str(r.qty),  # qty
        "" if limit_px is None else str(limit_px),  # limit_px ("" is NULL: EMPTY_IS_NULL)
        "" if stop_px is None else str(stop_px),  # stop_px
        r.tif._value_,  # tif
        r.broker,  # broker
        r.strategy_id,  # strategy_id
        r.parent_id or "",  # parent_id ("" is NULL: see EMPTY_IS_NULL)
        r.status._value_,  # status
        str(r.filled_qty),  # filled_qty
        "" if avg_px is None else str(avg_px),  # avg_px
        str(r.fees),  # fees
        r.venue_order_id,  # venue_order_id
        1 if r.is_triggered else 0,  # is_triggered
        r.ts_init,  # ts_init
        r.ts_last,  # ts_last
        r.version,  # version
        r.last_seq,  # last_seq
        r.created_seq,  # created_seq
    )


def order_from_row(row: Row) -> OrderRecord:
    """Return the OrderRecord of an orders-projection row."""
    return OrderRecord(
        client_order_id=row["client_order_id"],
        symbol=row["symbol"],
        side=Side(row["side"]),
        order_type=OrderType(row["order_type"]),
        qty=Decimal(row["qty"]),
        limit_px=_d(row["limit_px"]),
        stop_px=_d(row["stop_px"]),
        tif=TimeInForce(row["tif"]),
        broker=row["broker"],
        strategy_id=row["strategy_id"],
        parent_id=row["parent_id"],
        status=OrderStatus(row["status"]),
        filled_qty=Decimal(row["filled_qty"]),
        avg_px=_d(row["avg_px"]),
        fees=Decimal(row["fees"]),
        venue_order_id=row["venue_order_id"],
        is_triggered=bool(row["is_triggered"]),
        ts_init=int(row["ts_init"]),
        ts_last=int(row["ts_last"]),
        version=int(row["version"]),
        last_seq=int(row["last_seq"]),
        created_seq=int(row["created_seq"]),
    )


def fill_values(f: FillRecord) -> tuple[Any, ...]:
    """Return the fills-projection row of ``f`` (values in ``FILL_COLUMNS`` order)."""
    return (
        f.client_order_id,  # client_order_id
        f.trade_id,  # trade_id
        f.broker,  # broker
        f.symbol,  # symbol
        f.side._value_,  # side
        str(f.last_qty),  # last_qty
        str(f.last_px),  # last_px
        str(f.fee),  # fee
        f.fee_currency,  # fee_currency
        f.liquidity._value_,  # liquidity
        f.venue_order_id,  # venue_order_id
        f.ts_event,  # ts_event
        1 if f.reconciliation else 0,  # reconciliation
        f.seq,  # seq
    )


def fill_from_row(row: Row) -> FillRecord:
    """Return the FillRecord of a fills-projection row."""
    return FillRecord(
        client_order_id=row["client_order_id"],
        trade_id=row["trade_id"],
        broker=row["broker"],
        symbol=row["symbol"],
        side=Side(row["side"]),
        last_qty=Decimal(row["last_qty"]),
        last_px=Decimal(row["last_px"]),
        fee=Decimal(row["fee"]),
        fee_currency=row["fee_currency"],
        liquidity=LiquiditySide(row["liquidity"]),
        venue_order_id=row["venue_order_id"],
        ts_event=int(row["ts_event"]),
        reconciliation=bool(row["reconciliation"]),
        seq=int(row["seq"]),
    )


def position_values(p: Position) -> tuple[Any, ...]:
    """Return the positions-projection row of ``p`` (``POSITION_COLUMNS`` order)."""
    return (
        p.broker,  # broker
        p.symbol,  # symbol
        str(p.multiplier),  # multiplier
        str(p.qty),  # qty
        str(p.cost),  # cost
        str(p.avg_px),  # avg_px (derived; read back from cost)
        str(p.realized_pnl),  # realized_pnl
        str(p.fees),  # fees
        _s(p.last_px),  # last_px
        str(p.buy_qty),  # buy_qty
        str(p.sell_qty),  # sell_qty
        p.ts_last,  # ts_last
    )


def position_from_row(row: Row) -> Position:
    """Return the Position of a positions-projection row."""
    return Position(
        symbol=row["symbol"],
        broker=row["broker"],
        multiplier=Decimal(row["multiplier"]),
        qty=Decimal(row["qty"]),
        cost=Decimal(row["cost"]),
        realized_pnl=Decimal(row["realized_pnl"]),
        fees=Decimal(row["fees"]),
        last_px=_d(row["last_px"]),
        buy_qty=Decimal(row["buy_qty"]),
        sell_qty=Decimal(row["sell_qty"]),
        ts_last=int(row["ts_last"]),
    )

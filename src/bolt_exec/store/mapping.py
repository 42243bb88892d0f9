"""Explicit mapping between table rows and domain records (the domain never sees a row)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bolt_exec.model.enums import LiquiditySide, OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import OrderEvent, encode_event
from bolt_exec.model.position import Position
from bolt_exec.store.projection import FillRecord, OrderRecord

__all__ = [
    "fill_from_row",
    "fill_to_row",
    "journal_row",
    "order_from_row",
    "order_to_row",
    "position_from_row",
    "position_to_row",
]

Row = Mapping[str, Any]


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def journal_row(seq: int, event: OrderEvent) -> dict[str, Any]:
    """Return the journal row of ``event`` at ``seq``."""
    return {
        "seq": seq,
        "event_id": event.event_id or None,
        "client_order_id": event.client_order_id,
        "type": type(event).__name__,
        "payload": encode_event(event).decode(),
        "ts_event": event.ts_event,
        "ts_init": event.ts_init,
        "reconciliation": event.reconciliation,
    }


def order_to_row(r: OrderRecord) -> dict[str, Any]:
    """Return the orders-projection row of ``r``."""
    return {
        "client_order_id": r.client_order_id,
        "symbol": r.symbol,
        "side": r.side.value,
        "order_type": r.order_type.value,
        "qty": str(r.qty),
        "limit_px": _s(r.limit_px),
        "stop_px": _s(r.stop_px),
        "tif": r.tif.value,
        "broker": r.broker,
        "strategy_id": r.strategy_id,
        "parent_id": r.parent_id,
        "status": r.status.value,
        "filled_qty": str(r.filled_qty),
        "avg_px": _s(r.avg_px),
        "fees": str(r.fees),
        "venue_order_id": r.venue_order_id,
        "is_triggered": r.is_triggered,
        "ts_init": r.ts_init,
        "ts_last": r.ts_last,
        "version": r.version,
        "last_seq": r.last_seq,
        "created_seq": r.created_seq,
    }


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


def fill_to_row(f: FillRecord) -> dict[str, Any]:
    """Return the fills-projection row of ``f``."""
    return {
        "client_order_id": f.client_order_id,
        "trade_id": f.trade_id,
        "broker": f.broker,
        "symbol": f.symbol,
        "side": f.side.value,
        "last_qty": str(f.last_qty),
        "last_px": str(f.last_px),
        "fee": str(f.fee),
        "fee_currency": f.fee_currency,
        "liquidity": f.liquidity.value,
        "venue_order_id": f.venue_order_id,
        "ts_event": f.ts_event,
        "reconciliation": f.reconciliation,
        "seq": f.seq,
    }


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


def position_to_row(p: Position) -> dict[str, Any]:
    """Return the positions-projection row of ``p``."""
    return {
        "broker": p.broker,
        "symbol": p.symbol,
        "multiplier": str(p.multiplier),
        "qty": str(p.qty),
        "avg_px": str(p.avg_px),
        "realized_pnl": str(p.realized_pnl),
        "fees": str(p.fees),
        "last_px": _s(p.last_px),
        "buy_qty": str(p.buy_qty),
        "sell_qty": str(p.sell_qty),
        "ts_last": p.ts_last,
    }


def position_from_row(row: Row) -> Position:
    """Return the Position of a positions-projection row."""
    return Position(
        symbol=row["symbol"],
        broker=row["broker"],
        multiplier=Decimal(row["multiplier"]),
        qty=Decimal(row["qty"]),
        avg_px=Decimal(row["avg_px"]),
        realized_pnl=Decimal(row["realized_pnl"]),
        fees=Decimal(row["fees"]),
        last_px=_d(row["last_px"]),
        buy_qty=Decimal(row["buy_qty"]),
        sell_qty=Decimal(row["sell_qty"]),
        ts_last=int(row["ts_last"]),
    )

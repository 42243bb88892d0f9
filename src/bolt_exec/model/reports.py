"""What a venue says about itself: order, fill and position reports (mass status).

Reports describe; they never change state. The reconciler diffs them against
the OMS's view and turns differences into events.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from bolt_exec.model.enums import LiquiditySide, OrderStatus, OrderType, Side, TimeInForce

__all__ = ["FillReport", "MassStatus", "OrderStatusReport", "PositionReport"]


class OrderStatusReport(msgspec.Struct, frozen=True, kw_only=True):
    """The venue's view of one order."""

    client_order_id: str
    venue_order_id: str
    symbol: str
    side: Side
    order_type: OrderType
    status: OrderStatus
    qty: Decimal
    filled_qty: Decimal
    limit_px: Decimal | None = None
    stop_px: Decimal | None = None
    avg_px: Decimal | None = None
    tif: TimeInForce = TimeInForce.GTC
    ts_accepted: int = 0
    ts_last: int = 0


class FillReport(msgspec.Struct, frozen=True, kw_only=True):
    """The venue's record of one trade against one of our orders."""

    trade_id: str
    client_order_id: str
    venue_order_id: str
    symbol: str
    side: Side
    last_qty: Decimal
    last_px: Decimal
    fee: Decimal = Decimal(0)
    fee_currency: str = ""
    liquidity: LiquiditySide = LiquiditySide.NONE
    ts_event: int = 0


class PositionReport(msgspec.Struct, frozen=True, kw_only=True):
    """The venue's net position in one instrument (signed quantity)."""

    symbol: str
    qty: Decimal
    avg_px: Decimal | None = None


class MassStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a venue says at once: open orders, fills since a watermark, positions."""

    broker: str
    ts: int
    orders: tuple[OrderStatusReport, ...] = ()
    fills: tuple[FillReport, ...] = ()
    positions: tuple[PositionReport, ...] = ()
    balances: dict[str, Decimal] = msgspec.field(default_factory=dict)

"""Commands the OMS sends to a broker adapter: imperative, immutable, fully specified."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from bolt_exec.model.enums import OrderType, Side, TimeInForce

__all__ = ["AmendOrder", "CancelOrder", "SubmitOrder"]


class SubmitOrder(msgspec.Struct, frozen=True, kw_only=True):
    """Send a new order. ``client_order_id`` travels to the venue (design invariant 4)."""

    client_order_id: str
    symbol: str
    side: Side
    order_type: OrderType
    qty: Decimal
    limit_px: Decimal | None = None
    stop_px: Decimal | None = None
    tif: TimeInForce = TimeInForce.DAY
    expire_ts: int | None = None
    reduce_only: bool = False
    post_only: bool = False
    ts_init: int = 0


class CancelOrder(msgspec.Struct, frozen=True, kw_only=True):
    """Cancel a working order."""

    client_order_id: str
    symbol: str
    venue_order_id: str = ""
    ts_init: int = 0


class AmendOrder(msgspec.Struct, frozen=True, kw_only=True):
    """Change a working order's quantity and/or prices (None keeps the current value)."""

    client_order_id: str
    symbol: str
    venue_order_id: str = ""
    qty: Decimal | None = None
    limit_px: Decimal | None = None
    stop_px: Decimal | None = None
    ts_init: int = 0

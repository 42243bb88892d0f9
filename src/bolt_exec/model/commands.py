"""Commands the OMS sends to a broker adapter: imperative, immutable, fully specified."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from bolt_exec.model.enums import OrderType, Side, TimeInForce
from bolt_exec.model.events import OrderInitialized

__all__ = ["AmendOrder", "CancelOrder", "SubmitOrder", "submit_command"]


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


def submit_command(init: OrderInitialized) -> SubmitOrder:
    """The venue command for a newly initialized order."""
    return SubmitOrder(
        client_order_id=init.client_order_id,
        symbol=init.symbol,
        side=init.side,
        order_type=init.order_type,
        qty=init.qty,
        limit_px=init.limit_px,
        stop_px=init.stop_px,
        tif=init.tif,
        expire_ts=init.expire_ts,
        reduce_only=init.reduce_only,
        post_only=init.post_only,
        ts_init=init.ts_init,
    )

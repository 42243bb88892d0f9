"""How a child is priced: market, aggressive (cross the spread) or passive (join the near touch).

Every style respects the parent's ``limit_px`` cap: a BUY child never bids above
it and a SELL child never offers below it.

* ``market``: a MARKET order; with a cap, an IOC LIMIT at the cap.
* ``aggressive``: an IOC LIMIT at the far touch (the ask for a BUY), capped.
* ``passive``: a DAY LIMIT at the near touch (the bid for a BUY), capped; the
  algorithm cancels it at its next slice if it has not filled.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from bolt_exec.algos.base import ChildIntent, MarketView, ParentOrder
from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import OrderType, Side, TimeInForce

__all__ = ["STYLES", "check_style", "price_child"]

STYLES: Final = ("market", "aggressive", "passive")


def check_style(style: str) -> str:
    """Return ``style`` if known, else raise ValidationError naming the choices."""
    if style not in STYLES:
        raise ValidationError(
            "style", style, "is not a child pricing style", f"use one of {list(STYLES)}"
        )
    return style


def _cap(parent: ParentOrder, px: Decimal) -> Decimal:
    if parent.limit_px is None:
        return px
    return min(px, parent.limit_px) if parent.side is Side.BUY else max(px, parent.limit_px)


def price_child(
    parent: ParentOrder, qty: Decimal, style: str, market: MarketView | None, tag: str = ""
) -> ChildIntent | None:
    """Return a priced child of ``qty``, or None when the style needs quotes there are none of."""
    inst = parent.instrument
    buy = parent.side is Side.BUY
    if style == "market":
        if parent.limit_px is None:
            return ChildIntent(qty=qty, order_type=OrderType.MARKET, tag=tag)
        return ChildIntent(
            qty=qty,
            order_type=OrderType.LIMIT,
            limit_px=parent.limit_px,
            tif=TimeInForce.IOC,
            tag=tag,
        )
    if market is None:
        return None
    if style == "aggressive":
        far = market.ask if buy else market.bid
        if far is None:
            return None
        return ChildIntent(
            qty=qty,
            order_type=OrderType.LIMIT,
            limit_px=_cap(parent, inst.round_px(far)),
            tif=TimeInForce.IOC,
            tag=tag,
        )
    near = market.bid if buy else market.ask
    if near is None:
        return None
    return ChildIntent(
        qty=qty,
        order_type=OrderType.LIMIT,
        limit_px=_cap(parent, inst.round_px(near)),
        tif=TimeInForce.DAY,
        tag=tag,
    )

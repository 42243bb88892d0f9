"""Pair trades: two legs that stand or fall together.

Both legs are sent through the OMS as market orders tagged with a shared
``pair_id``. If one leg is denied or rejected, the other is unwound at once:
its resting part canceled and its filled part closed with a reduce-only market
order, so the book is never left holding half a spread by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bolt_exec.model.enums import OrderStatus, Side
from bolt_exec.model.numbers import to_decimal
from bolt_exec.oms.handles import OrderHandle
from bolt_exec.oms.manager import OrderManager

__all__ = ["PairResult", "execute_pair"]

_FAILED = (OrderStatus.DENIED, OrderStatus.REJECTED)


@dataclass(slots=True)
class PairResult:
    """Both legs, and the unwind order if a leg failed."""

    pair_id: str
    long_leg: OrderHandle
    short_leg: OrderHandle
    unwinds: list[OrderHandle] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True unless a leg was denied or rejected."""
        return self.long_leg.status not in _FAILED and self.short_leg.status not in _FAILED

    @property
    def message(self) -> str:
        """What happened, in a sentence."""
        if self.ok:
            return f"pair {self.pair_id}: both legs sent"
        bad = self.long_leg if self.long_leg.status in _FAILED else self.short_leg
        return (
            f"pair {self.pair_id}: leg {bad.order.symbol} {bad.status} ({bad.reason}); "
            f"the other leg was unwound"
        )


def execute_pair(
    oms: OrderManager,
    *,
    pair_id: str,
    long_symbol: str,
    long_qty: object,
    short_symbol: str,
    short_qty: object,
    broker: str | None = None,
    strategy_id: str = "pair",
) -> PairResult:
    """Buy ``long_qty`` of one symbol and sell ``short_qty`` of another as one trade.

    Raises:
        ValidationError: a quantity or symbol is malformed (nothing was sent).
    """
    lq, sq = to_decimal(long_qty, "long_qty"), to_decimal(short_qty, "short_qty")
    oms.instrument(long_symbol).check_qty(lq, "long_qty")
    oms.instrument(short_symbol).check_qty(sq, "short_qty")
    tags = {"pair_id": pair_id}
    long_leg = oms.submit(
        long_symbol, Side.BUY, lq, "MARKET", broker=broker, strategy_id=strategy_id, tags=tags
    )
    short_leg = oms.submit(
        short_symbol, Side.SELL, sq, "MARKET", broker=broker, strategy_id=strategy_id, tags=tags
    )
    result = PairResult(pair_id, long_leg, short_leg)
    if not result.ok:
        for leg in (long_leg, short_leg):
            if leg.status not in _FAILED:
                result.unwinds.extend(_unwind(oms, leg, broker, strategy_id, pair_id))
    return result


def _unwind(
    oms: OrderManager, leg: OrderHandle, broker: str | None, strategy_id: str, pair_id: str
) -> list[OrderHandle]:
    if leg.order.is_open:
        oms.cancel(leg.client_order_id)
    filled: Decimal = leg.filled_qty
    if filled == 0:
        return []
    return [
        oms.submit(
            leg.order.symbol,
            leg.order.side.opposite,
            filled,
            "MARKET",
            broker=broker,
            strategy_id=strategy_id,
            reduce_only=True,
            tags={"pair_id": pair_id, "unwind_of": leg.client_order_id},
        )
    ]

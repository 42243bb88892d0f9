"""Fee models for the paper broker: maker/taker basis points plus a fixed fee per order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import LiquiditySide
from bolt_exec.model.numbers import ZERO, to_decimal

__all__ = ["FeeModel"]

_BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class FeeModel:
    """``fee = notional * bps / 10_000`` (maker or taker rate) ``+ per_order`` on an order's
    first fill. Negative maker rates (rebates) are allowed.

    Attributes:
        maker_bps: rate for fills that rested on the book.
        taker_bps: rate for fills that took liquidity.
        per_order: fixed fee charged once per order, on its first fill.
    """

    maker_bps: Decimal = ZERO
    taker_bps: Decimal = ZERO
    per_order: Decimal = ZERO

    def __post_init__(self) -> None:
        for name in ("maker_bps", "taker_bps"):
            value = getattr(self, name)
            try:
                d = value if isinstance(value, Decimal) else Decimal(str(value))
            except ArithmeticError:
                d = Decimal("NaN")
            if not d.is_finite():
                raise ValidationError(name, value, "must be a finite number of basis points")
            object.__setattr__(self, name, d)
        object.__setattr__(
            self, "per_order", to_decimal(self.per_order, "per_order", allow_zero=True)
        )

    @classmethod
    def bps(cls, bps: float | str | Decimal) -> FeeModel:
        """The same rate for makers and takers."""
        d = Decimal(str(bps))
        return cls(maker_bps=d, taker_bps=d)

    def fee(self, notional: Decimal, liquidity: LiquiditySide, first_fill: bool) -> Decimal:
        """Return the fee of one fill."""
        rate = self.maker_bps if liquidity is LiquiditySide.MAKER else self.taker_bps
        fee = notional * rate / _BPS
        return fee + self.per_order if first_fill else fee

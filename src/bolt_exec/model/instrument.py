"""Instrument: what can be traded, and the grid its prices and quantities live on."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import AssetClass
from bolt_exec.model.numbers import ZERO, is_on_grid, to_decimal

__all__ = ["Instrument"]


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable instrument and its venue rules.

    Attributes:
        symbol: the name orders use (``"AAPL"``, ``"BTCUSDT"``).
        venue: the venue's MIC or name (``"XNAS"``, ``"BINANCE"``).
        asset_class: equity, future, crypto...
        currency: the quote currency that prices and PnL are in.
        tick_size: the price increment; every price is a multiple of it.
        lot_size: the quantity increment; every quantity is a multiple of it.
        min_qty: the smallest order quantity the venue takes.
        min_notional: the smallest ``qty * price * multiplier`` the venue takes.
        multiplier: contract multiplier (1 for cash instruments).
        max_qty: the largest order quantity the venue takes, if it says.
        isin: the ISIN, when known (compliance reports need it).
    """

    symbol: str
    venue: str = "PAPER"
    asset_class: AssetClass = AssetClass.EQUITY
    currency: str = "USD"
    tick_size: Decimal = Decimal("0.01")
    lot_size: Decimal = Decimal(1)
    min_qty: Decimal = Decimal(1)
    min_notional: Decimal = ZERO
    multiplier: Decimal = Decimal(1)
    max_qty: Decimal | None = None
    isin: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.symbol or not isinstance(self.symbol, str):
            raise ValidationError("symbol", self.symbol, "must be a non-empty string")
        for name in ("tick_size", "lot_size", "multiplier"):
            object.__setattr__(self, name, to_decimal(getattr(self, name), name))
        object.__setattr__(self, "min_qty", to_decimal(self.min_qty, "min_qty", allow_zero=True))
        object.__setattr__(
            self, "min_notional", to_decimal(self.min_notional, "min_notional", allow_zero=True)
        )
        if self.max_qty is not None:
            object.__setattr__(self, "max_qty", to_decimal(self.max_qty, "max_qty"))

    @property
    def id(self) -> str:
        """``SYMBOL.VENUE``, unique across venues."""
        return f"{self.symbol}.{self.venue}"

    def round_px(self, px: Decimal | float | int | str) -> Decimal:
        """Round a price to the nearest tick (half to even)."""
        d = Decimal(repr(px)) if isinstance(px, float) else Decimal(px)
        return (d / self.tick_size).quantize(Decimal(1), ROUND_HALF_EVEN) * self.tick_size

    def round_qty_down(self, qty: Decimal | float | int | str) -> Decimal:
        """Round a quantity down to the lot (never send more than asked)."""
        d = Decimal(repr(qty)) if isinstance(qty, float) else Decimal(qty)
        return (d / self.lot_size).to_integral_value(ROUND_DOWN) * self.lot_size

    def check_px(self, px: Decimal, field_name: str) -> None:
        """Raise ValidationError unless ``px`` is on the tick grid."""
        if not is_on_grid(px, self.tick_size):
            raise ValidationError(
                field_name,
                str(px),
                f"is not on {self.symbol}'s tick size {self.tick_size}",
                f"use {self.round_px(px)} (Instrument.round_px rounds to the tick)",
            )

    def check_qty(self, qty: Decimal, field_name: str = "qty") -> None:
        """Raise ValidationError unless ``qty`` is on the lot grid and within limits."""
        if not is_on_grid(qty, self.lot_size):
            raise ValidationError(
                field_name,
                str(qty),
                f"is not a multiple of {self.symbol}'s lot size {self.lot_size}",
                f"use {self.round_qty_down(qty)}",
            )
        if qty < self.min_qty:
            raise ValidationError(
                field_name,
                str(qty),
                f"is below {self.symbol}'s minimum quantity {self.min_qty}",
                f"send at least {self.min_qty}",
            )
        if self.max_qty is not None and qty > self.max_qty:
            raise ValidationError(
                field_name,
                str(qty),
                f"is above {self.symbol}'s maximum quantity {self.max_qty}",
                "split the order, or use an execution algorithm",
            )

    def notional(self, qty: Decimal, px: Decimal) -> Decimal:
        """Return ``qty * px * multiplier``."""
        return qty * px * self.multiplier

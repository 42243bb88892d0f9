"""Confidence sizing: a plan's confidence scales its order between a minimum and a maximum."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from bolt_exec.errors import ConfigError
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.numbers import ZERO

__all__ = ["ConfidenceSizing"]


@dataclass(frozen=True, slots=True)
class ConfidenceSizing:
    """``size = min_size + (max_size - min_size) * (confidence - floor) / (1 - floor)``.

    With the default floor of 0.5 this is seed 000's table: 50% gives the minimum,
    100% the maximum, 80% 64% of the way. Below ``floor`` nothing is traded. The
    size is rounded *down* to the instrument's lot, so a plan never trades more
    than its confidence earns; a result below the instrument's minimum is zero.
    """

    min_size: Decimal
    max_size: Decimal
    floor: float = 0.5

    def __post_init__(self) -> None:
        if not (ZERO < self.min_size <= self.max_size):
            raise ConfigError(
                f"min_size={self.min_size}, max_size={self.max_size}: need 0 < min_size <= max_size"
            )
        if not 0.0 <= self.floor < 1.0:
            raise ConfigError(f"floor={self.floor}: must be in [0, 1)")

    def size(self, confidence: float, instrument: Instrument) -> Decimal:
        """The order quantity for ``confidence`` (zero when it is below the floor)."""
        if confidence < self.floor:
            return ZERO
        floor = Decimal(repr(self.floor))
        share = (Decimal(repr(confidence)) - floor) / (1 - floor)
        raw = self.min_size + (self.max_size - self.min_size) * min(share, Decimal(1))
        lots = (raw / instrument.lot_size).to_integral_value(ROUND_DOWN)
        qty = lots * instrument.lot_size
        return qty if qty >= instrument.min_qty else ZERO

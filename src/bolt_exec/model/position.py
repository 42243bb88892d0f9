"""Positions with average-cost accounting, realized and unrealized PnL, and fees."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bolt_exec.model.enums import Side
from bolt_exec.model.numbers import ZERO

__all__ = ["Position"]


@dataclass(slots=True)
class Position:
    """A net position in one instrument on one broker.

    Average cost: adding to a position moves ``avg_px`` to the quantity-weighted
    mean; reducing it realizes ``(px - avg_px) * closed * sign * multiplier``
    and leaves ``avg_px`` unchanged; crossing through zero realizes the closed
    part and opens the rest at the fill price. Fees are kept apart from
    realized PnL (``net_realized_pnl`` subtracts them).

    Attributes:
        qty: signed net quantity (positive long, negative short).
    """

    symbol: str
    broker: str = ""
    multiplier: Decimal = Decimal(1)
    qty: Decimal = ZERO
    avg_px: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    last_px: Decimal | None = None
    buy_qty: Decimal = ZERO
    sell_qty: Decimal = ZERO
    ts_last: int = 0

    def apply_fill(
        self, side: Side, qty: Decimal, px: Decimal, fee: Decimal = ZERO, ts: int = 0
    ) -> Decimal:
        """Apply a fill; return the PnL it realized (before fees)."""
        signed = qty if side is Side.BUY else -qty
        realized = ZERO
        if side is Side.BUY:
            self.buy_qty += qty
        else:
            self.sell_qty += qty
        if self.qty == 0 or (self.qty > 0) == (signed > 0):
            new_qty = self.qty + signed
            self.avg_px = (self.avg_px * abs(self.qty) + px * qty) / abs(new_qty)
            self.qty = new_qty
        else:
            closed = min(qty, abs(self.qty))
            direction = 1 if self.qty > 0 else -1
            realized = (px - self.avg_px) * closed * direction * self.multiplier
            self.realized_pnl += realized
            self.qty += signed
            if self.qty == 0:
                self.avg_px = ZERO
            elif (self.qty > 0) != (direction > 0):
                self.avg_px = px  # crossed through flat: the rest opens at this price
        self.fees += fee
        self.last_px = px
        self.ts_last = ts
        return realized

    def mark(self, px: Decimal) -> None:
        """Set the mark price used for unrealized PnL."""
        self.last_px = px

    @property
    def side(self) -> str:
        """``LONG``, ``SHORT`` or ``FLAT``."""
        return "LONG" if self.qty > 0 else "SHORT" if self.qty < 0 else "FLAT"

    @property
    def unrealized_pnl(self) -> Decimal:
        """``(mark - avg_px) * qty * multiplier``; zero when flat or unmarked."""
        if self.qty == 0 or self.last_px is None:
            return ZERO
        return (self.last_px - self.avg_px) * self.qty * self.multiplier

    @property
    def net_realized_pnl(self) -> Decimal:
        """Realized PnL minus fees."""
        return self.realized_pnl - self.fees

    @property
    def notional(self) -> Decimal:
        """``|qty| * mark * multiplier`` (zero when unmarked)."""
        return abs(self.qty) * (self.last_px or ZERO) * self.multiplier

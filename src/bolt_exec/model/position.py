"""Positions with average-cost accounting, realized and unrealized PnL, and fees."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bolt_exec.model.enums import Side
from bolt_exec.model.numbers import ZERO

__all__ = ["Position"]


@dataclass(slots=True)
class Position:
    """A net position in one instrument on one broker, at average cost.

    The position keeps its signed ``cost`` (the sum of ``qty * px`` of its open
    lots) and derives ``avg_px = cost / qty``. Adding to the position adds to
    the cost; reducing it removes the closed share of the cost and realizes
    ``proceeds - removed cost``; crossing through zero closes the whole cost and
    opens the rest at the fill price. Because every unit of cost is either still
    open or realized, the books balance exactly: for each fill sequence,
    ``cash_flow + qty * mark * multiplier == realized_pnl + unrealized_pnl - fees``
    with no rounding drift. Fees are kept apart (``net_realized_pnl`` subtracts them).

    Attributes:
        qty: signed net quantity (positive long, negative short).
        cost: signed cost of the open lots (``qty * avg_px``).
    """

    symbol: str
    broker: str = ""
    multiplier: Decimal = Decimal(1)
    qty: Decimal = ZERO
    cost: Decimal = ZERO
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
            self.cost += signed * px
            self.qty += signed
        else:
            direction = 1 if self.qty > 0 else -1
            closed = min(qty, abs(self.qty))
            if closed == abs(self.qty):
                removed = self.cost
            else:
                removed = self.cost * closed / abs(self.qty)
                if removed.as_tuple().exponent < _COST_EXPONENT:  # type: ignore[operator]
                    removed = removed.quantize(_COST_QUANTUM)  # inexact share: round finely
            realized = (direction * closed * px - removed) * self.multiplier
            self.realized_pnl += realized
            self.cost -= removed
            self.qty += signed
            if closed < qty:  # crossed through flat: the rest opens at this price
                self.cost = self.qty * px
        self.fees += fee
        self.last_px = px
        self.ts_last = ts
        return realized

    def mark(self, px: Decimal) -> None:
        """Set the mark price used for unrealized PnL."""
        self.last_px = px

    @property
    def avg_px(self) -> Decimal:
        """Average cost per unit of the open position (zero when flat)."""
        return abs(self.cost / self.qty) if self.qty else ZERO

    @property
    def side(self) -> str:
        """``LONG``, ``SHORT`` or ``FLAT``."""
        return "LONG" if self.qty > 0 else "SHORT" if self.qty < 0 else "FLAT"

    @property
    def unrealized_pnl(self) -> Decimal:
        """``(qty * mark - cost) * multiplier``; zero when flat or unmarked."""
        if self.qty == 0 or self.last_px is None:
            return ZERO
        return (self.qty * self.last_px - self.cost) * self.multiplier

    @property
    def net_realized_pnl(self) -> Decimal:
        """Realized PnL minus fees."""
        return self.realized_pnl - self.fees

    @property
    def notional(self) -> Decimal:
        """``|qty| * mark * multiplier`` (zero when unmarked)."""
        return abs(self.qty) * (self.last_px or ZERO) * self.multiplier


# Removed cost is rounded this finely; the rounding stays inside the position (it moves
# between realized and open cost), so the books still balance exactly.
_COST_QUANTUM = Decimal("1e-12")
_COST_EXPONENT = -12

"""Portfolio: positions per (broker, symbol), trading cash flows, marks.

Pure accounting fed by fills and marks. The books balance by construction:
for every currency, ``cash_flow + sum(qty * mark * multiplier)`` equals
``realized + unrealized - fees`` (a property test checks it).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from bolt_exec.model.events import OrderFilled
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.position import Position

__all__ = ["Portfolio"]


class Portfolio:
    """Positions, cash flows and marks."""

    # No __slots__: the optional compiled build (setup.py, BOLT_EXEC_MYPYC=1) makes this a
    # native class with a fixed layout of its own, and mypyc refuses __slots__ there.

    def __init__(self) -> None:
        self._positions: dict[tuple[str, str], Position] = {}
        self._cash: dict[tuple[str, str], Decimal] = {}
        self._marks: dict[str, tuple[Decimal, int]] = {}

    def apply_fill(self, broker: str, instrument: Instrument, fill: OrderFilled) -> Position:
        """Book a fill: the position and the cash it moved (price, multiplier, fee)."""
        key = (broker, fill.symbol)
        pos = self._positions.get(key)
        if pos is None:
            pos = Position(symbol=fill.symbol, broker=broker, multiplier=instrument.multiplier)
            self._positions[key] = pos
        pos.apply_fill(fill.side, fill.last_qty, fill.last_px, fill.fee, fill.ts_event)
        mark = self._marks.get(fill.symbol)
        if mark is not None and mark[1] > fill.ts_event:
            pos.mark(mark[0])  # a newer mark than the fill price stays the mark
        cash_key = (broker, instrument.currency)
        flow = -fill.side.sign * fill.last_qty * fill.last_px * instrument.multiplier - fill.fee
        self._cash[cash_key] = self._cash.get(cash_key, ZERO) + flow
        return pos

    def mark(self, symbol: str, px: Decimal, ts: int) -> None:
        """Set the mark of ``symbol`` on every broker's position."""
        self._marks[symbol] = (px, ts)
        for (_, sym), pos in self._positions.items():
            if sym == symbol:
                pos.mark(px)

    def mark_px(self, symbol: str) -> Decimal | None:
        """The latest mark of ``symbol``."""
        m = self._marks.get(symbol)
        return m[0] if m else None

    def mark_ts(self, symbol: str) -> int | None:
        """When ``symbol`` was last marked."""
        m = self._marks.get(symbol)
        return m[1] if m else None

    def position(self, symbol: str, broker: str = "") -> Position | None:
        """The position on ``broker``; with no broker, the first non-flat one found."""
        if broker:
            return self._positions.get((broker, symbol))
        found = [p for (_, s), p in self._positions.items() if s == symbol]
        if not found:
            return None
        if len(found) == 1:
            return found[0]
        return next((p for p in found if p.qty != 0), found[0])

    def net_qty(self, symbol: str) -> Decimal:
        """Net quantity of ``symbol`` across brokers."""
        return sum((p.qty for (_, s), p in self._positions.items() if s == symbol), ZERO)

    def positions(self) -> Iterator[Position]:
        """Every position, including flat ones."""
        return iter(list(self._positions.values()))

    def cash_flows(self) -> dict[tuple[str, str], Decimal]:
        """Net cash moved by trading, per (broker, currency)."""
        return dict(self._cash)

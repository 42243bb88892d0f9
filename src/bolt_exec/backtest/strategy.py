"""What a backtest strategy sees: a Strategy base class, the per-tick view and the context."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from bolt_exec.algos.base import ExecAlgorithm, ParentOrder
from bolt_exec.model.enums import Side

if TYPE_CHECKING:
    from bolt_exec.algos.runner import AlgoRunner
    from bolt_exec.backtest.clock import BacktestClock
    from bolt_exec.backtest.timeline import Timeline
    from bolt_exec.oms.manager import OrderManager

__all__ = ["BacktestContext", "Strategy", "TickView"]


class TickView:
    """The current market event, read lazily from the engine's arrays (nothing copied per tick).

    ``kind`` is ``"quote"``, ``"trade"`` or ``"bar"``; ``i`` the row in its stream;
    ``ts`` the timestamp (int ns). Quote fields: ``bid``, ``ask``, ``bid_size``,
    ``ask_size``; trade fields: ``px``, ``size``; bar fields: ``open``, ``high``,
    ``low``, ``close``, ``volume`` (floats).
    """

    __slots__ = ("_clk", "_tl")

    def __init__(self, timeline: Timeline, clock: BacktestClock) -> None:
        self._tl = timeline
        self._clk = clock

    @property
    def i(self) -> int:
        """The row of the current event in its own stream."""
        return self._tl.row_at(self._clk.cursor)

    @property
    def kind(self) -> str:
        """``quote``, ``trade`` or ``bar``."""
        return _KINDS[self._tl.kind_at(self._clk.cursor)]

    @property
    def ts(self) -> int:
        """The event's timestamp (UNIX ns)."""
        return int(self._tl.ts[self._clk.cursor])

    def __getattr__(self, name: str) -> float:
        tl = object.__getattribute__(self, "_tl")
        p = object.__getattribute__(self, "_clk").cursor
        stream = (tl.quotes, tl.trades, tl.bars)[tl.kind_at(p)]
        if name.startswith("_") or not hasattr(stream, name):
            raise AttributeError(f"TickView of a {_KINDS[tl.kind_at(p)]} has no field {name!r}")
        return float(getattr(stream, name)[tl.row_at(p)])


_KINDS = ("quote", "trade", "bar")


class Strategy:
    """Base class of backtest strategies. Override only what you need.

    A strategy that defines ``on_quote`` (``on_trade``, ``on_bar``) is called
    for every quote (trade, bar); one that defines none is called only at its
    own timers and order events, and the engine skips the ticks in between.
    """

    def on_start(self, ctx: BacktestContext) -> None:
        """Called once, at the first event, before it is delivered."""

    def on_stop(self, ctx: BacktestContext) -> None:
        """Called once after the last event."""


@dataclass(slots=True)
class BacktestContext:
    """Everything a strategy may use: the OMS, the clock, the algorithm runner."""

    oms: OrderManager
    clock: BacktestClock
    runner: AlgoRunner
    symbol: str
    _parents: int = 0

    def now_ns(self) -> int:
        """The simulated time."""
        return self.clock.now_ns()

    def execute(
        self,
        algo: ExecAlgorithm,
        side: Side | str,
        qty: Decimal | int | str,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit_px: Decimal | str | None = None,
        parent_id: str | None = None,
        strategy_id: str = "",
    ) -> str:
        """Hand a parent order to ``algo``; return the parent id (``P1``, ``P2``... by default)."""
        self._parents += 1
        parent = ParentOrder(
            parent_id=parent_id or f"P{self._parents}",
            instrument=self.oms.instrument(self.symbol),
            side=Side(side),
            qty=Decimal(str(qty)),
            start_ns=self.now_ns() if start_ns is None else start_ns,
            end_ns=end_ns,
            limit_px=None if limit_px is None else Decimal(str(limit_px)),
            strategy_id=strategy_id,
        )
        return self.runner.execute(algo, parent)

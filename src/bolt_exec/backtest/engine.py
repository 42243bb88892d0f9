"""BacktestEngine: replay market data through the live OMS, safety gate and paper broker.

Theory of operation
-------------------
The engine walks a :class:`~bolt_exec.backtest.timeline.Timeline` with a
cursor. Nothing pays per tick for what happens rarely:

* The :class:`~bolt_exec.backtest.clock.BacktestClock` reads time from the
  cursor, so moving to the next tick is one attribute store.
* The paper broker is fed market data lazily: only the event at the cursor,
  and only when something needs the book — a command (submit, cancel, amend),
  a timer, or a tick on which a resting order could fill or trigger.
* Between wake-ups the engine finds the next relevant position with numpy: the
  next timer (``np.searchsorted`` on the timestamps) and the next tick that
  reaches a resting order's price or stop (a vectorised comparison over a
  window of integer-tick prices, widened until it finds one).

A strategy that defines ``on_quote``/``on_trade``/``on_bar`` still gets every
such event; one that defines none only runs at its wake-ups.

Timer rule (``at_or_before``): a timer due at ``t`` fires after every event
stamped ``<= t`` and before the first event stamped ``> t``, with the book as
of the last event ``<= t``. An order sent from a strategy's tick handler sees
that tick.

Deterministic: the same data, parameters and seed give the same fills, byte
for byte (no wall time, no unordered iteration).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import numpy as np

from bolt_exec.adapters.paper import FeeModel, PaperBroker
from bolt_exec.algos.base import MarketView
from bolt_exec.algos.runner import AlgoRunner, AlgoStateStore
from bolt_exec.backtest.clock import BacktestClock
from bolt_exec.backtest.data import BarData, QuoteData, TradeData
from bolt_exec.backtest.results import BacktestResult
from bolt_exec.backtest.strategy import BacktestContext, Strategy, TickView
from bolt_exec.backtest.timeline import BAR, QUOTE, TRADE, Timeline
from bolt_exec.backtest.wakeup import RelevanceScanner
from bolt_exec.errors import UsageError, ValidationError
from bolt_exec.model.instrument import Instrument
from bolt_exec.oms.manager import OrderManager
from bolt_exec.safety.gate import SafetyGate
from bolt_exec.store.base import OrderStore

__all__ = ["BacktestEngine", "backtest"]

_BLOCK = 1 << 16


class BacktestEngine:
    """Run strategies over historical or synthetic data (see the module docstring).

    Args:
        instrument: the instrument traded.
        quotes / trades / bars: the market data (quotes and trades may be combined).
        fees: the paper broker's fee model.
        latency_ns: one-way latency of every command.
        slippage_ticks: ticks added against takers.
        seed: the paper broker's seed.
        safety: the pre-trade gate (the same one a live session uses).
        store: the order journal; in memory when omitted.
        state_store: where algorithm state is saved (crash recovery).
        halted: returns True while the kill switch is on.
        initial_cash: starting balances, e.g. ``{"USD": "1000000"}``.
        session_close: local close time at which DAY orders expire, or None.
        progress: print a progress bar to stderr on long runs.
        start_ns: skip data before this time (resuming after a crash).
        tune_gc: during :meth:`run`, freeze the objects that exist at its start and
            collect the youngest generation less often (restored afterwards). A run
            creates many long-lived order objects, and full collections over them
            can take half the run time; cycles are still collected.
    """

    def __init__(
        self,
        instrument: Instrument,
        *,
        quotes: QuoteData | None = None,
        trades: TradeData | None = None,
        bars: BarData | None = None,
        fees: FeeModel | None = None,
        latency_ns: int = 0,
        slippage_ticks: int = 0,
        seed: int = 0,
        safety: SafetyGate | None = None,
        store: OrderStore | None = None,
        state_store: AlgoStateStore | None = None,
        halted: Callable[[], bool] | None = None,
        initial_cash: Mapping[str, Decimal | str | int] | None = None,
        session_close: str | None = "16:00",
        progress: bool = False,
        start_ns: int | None = None,
        tune_gc: bool = True,
    ) -> None:
        self.instrument = instrument
        self.symbol = instrument.symbol
        for name, data in (("quotes", quotes), ("trades", trades), ("bars", bars)):
            if data is not None and data.symbol and data.symbol != instrument.symbol:
                raise ValidationError(
                    name,
                    data.symbol,
                    f"is data for another symbol than {instrument.symbol!r}",
                    "load the data with the instrument's symbol, or trade the data's symbol",
                )
        self.timeline = tl = Timeline.build(quotes, trades, bars, float(instrument.tick_size))
        self._start = 0 if start_ns is None else int(np.searchsorted(tl.ts, start_ns, "left"))
        self.clock = BacktestClock(tl.ts, start_ns)
        self.paper = PaperBroker(
            [instrument],
            fees=fees,
            latency_ns=latency_ns,
            slippage_ticks=slippage_ticks,
            seed=seed,
            initial_cash=initial_cash,
            session_close=session_close,
        )
        self.paper.before_command = self._on_command
        self.oms = OrderManager(
            {"paper": self.paper},
            clock=self.clock,
            safety=safety,
            store=store,
            instruments=[instrument],
        )
        self.runner = AlgoRunner(
            self.oms, self.clock, market=self, state_store=state_store, halted=halted
        )
        self.ctx = BacktestContext(self.oms, self.clock, self.runner, self.symbol)
        self.progress = progress
        self.tune_gc = tune_gc
        self.strategies: list[Strategy] = []
        self._fed = -1
        self._scanner = RelevanceScanner(tl, self.paper, self.symbol)
        self._cumvol, self._vol_ts = self._volume_series()
        self._feeders = {QUOTE: self._feed_quote, TRADE: self._feed_trade, BAR: self._feed_bar}
        self.wakeups = 0
        self.feeds = 0
        self._has_run = False

    # -- set-up --------------------------------------------------------------------------------
    def add_strategy(self, strategy: Strategy) -> None:
        """Add a strategy; strategies run in the order added."""
        self.strategies.append(strategy)

    def _volume_series(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        tl = self.timeline
        src = tl.trades if tl.trades is not None else tl.bars
        if src is None:
            return np.zeros(1), np.zeros(0, dtype=np.int64)
        vol = src.size if isinstance(src, TradeData) else src.volume
        return np.concatenate(([0.0], np.cumsum(vol))), src.ts

    # -- market data for algorithms ------------------------------------------------------------
    def market_view(self, symbol: str) -> MarketView | None:
        """Return the market at the cursor (the runner's MarketSource)."""
        tl, p = self.timeline, self.clock.cursor
        if symbol != self.symbol or p < 0:
            return None
        now = self.clock.now_ns()
        bid = ask = bsz = asz = last = None
        if tl.quotes is not None and (q := tl.last_row(QUOTE, p)) >= 0:
            qd = tl.quotes
            bid, ask = float(qd.bid[q]), float(qd.ask[q])
            bsz, asz = float(qd.bid_size[q]), float(qd.ask_size[q])
        if tl.trades is not None and (t := tl.last_row(TRADE, p)) >= 0:
            last = float(tl.trades.px[t])
        if tl.bars is not None:
            b = tl.last_row(BAR, p)
            last = bid = ask = float(tl.bars.close[b])
        k = int(np.searchsorted(self._vol_ts, now, side="right"))
        return MarketView(
            ts=now,
            bid=bid,
            ask=ask,
            bid_size=bsz,
            ask_size=asz,
            last_px=last,
            volume=float(self._cumvol[k]),
        )

    # -- feeding the paper broker --------------------------------------------------------------
    def _feed_quote(self, r: int) -> None:
        q = self.timeline.quotes
        assert q is not None
        self.paper.on_quote(
            self.symbol,
            float(q.bid[r]),
            float(q.ask[r]),
            float(q.bid_size[r]),
            float(q.ask_size[r]),
            int(q.ts[r]),
        )

    def _feed_trade(self, r: int) -> None:
        t = self.timeline.trades
        assert t is not None
        self.paper.on_trade(self.symbol, float(t.px[r]), float(t.size[r]), int(t.ts[r]))

    def _feed_bar(self, r: int) -> None:
        b = self.timeline.bars
        assert b is not None
        self.paper.on_bar(
            self.symbol,
            float(b.open[r]),
            float(b.high[r]),
            float(b.low[r]),
            float(b.close[r]),
            float(b.volume[r]),
            int(b.ts[r]),
        )

    def _feed(self, p: int) -> None:
        tl = self.timeline
        kind = tl.kind_at(p)
        self._feeders[kind](tl.row_at(p))
        self._fed = p
        self.feeds += 1

    def _sync(self, p: int) -> None:
        """Bring the paper book up to position ``p`` (the latest quote, or the event itself)."""
        if p < 0 or self._fed == p:
            return
        tl = self.timeline
        if tl.kind is not None and tl.kind_at(p) == TRADE and tl.quotes is not None:
            q = tl.last_row(QUOTE, p)
            if q >= 0 and (qp := int(tl.pos[QUOTE][q])) > self._fed:
                self._feed(qp)
        self._feed(p)
        # mark on every sync (not only on a price change): safety checks that fail closed on a
        # stale reference price must see it as fresh as the book the order meets
        mark = self.market_view(self.symbol)
        if mark is not None and (m := mark.mid) is not None:
            self.oms.update_mark(self.symbol, m, mark.ts)

    def _on_command(self) -> None:
        clk = self.clock
        if self._fed != clk.cursor:
            self._sync(clk.cursor)
        self._scanner.invalidate()
        clk.is_dirty = True

    # -- the loop ------------------------------------------------------------------------------
    def _next_wake(self, p: int) -> int:
        clk, n = self.clock, len(self.timeline)
        clk.is_dirty = False
        t = clk.next_timer_ns()
        ti = n if t is None else max(p, int(np.searchsorted(self.timeline.ts, t, side="right")))
        return min(ti, self._scanner.next_relevant(p))

    def _wake(self, p: int) -> int:
        clk = self.clock
        self.wakeups += 1
        limit = int(self.timeline.ts[p])
        nxt = clk.next_timer_ns()
        if nxt is not None and nxt < limit:
            clk.cursor = p - 1
            self._sync(p - 1)
            clk.fire_before(limit)
        clk.cursor = p
        if self._scanner.next_relevant(p) == p:
            self._sync(p)
        return self._next_wake(p + 1)

    def run(self) -> BacktestResult:
        """Run every strategy over the data; return the results.

        Raises:
            UsageError: if the engine already ran (build a new one: runs are not resumable).
        """
        if self._has_run:
            raise UsageError("this BacktestEngine already ran; build a new engine for a new run")
        self._has_run = True
        if not self.tune_gc:
            return self._run()
        threshold = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(max(threshold[0], 50_000), threshold[1], max(threshold[2], 100))
        try:
            return self._run()
        finally:
            gc.set_threshold(*threshold)
            gc.unfreeze()

    def _run(self) -> BacktestResult:
        tl, clk = self.timeline, self.clock
        n = len(tl)
        handlers = self._tick_handlers()
        clk.cursor = self._start - 1
        if self._start < n:
            clk.cursor = self._start
            for s in self.strategies:
                s.on_start(self.ctx)
            clk.cursor = self._start - 1
        if handlers is None:
            self._run_jumping(self._start, n)
        else:
            self._run_every_tick(self._start, n, handlers)
        if n:
            clk.cursor = n - 1
            self._sync(n - 1)
            clk.fire_before(int(tl.ts[n - 1]) + 1)  # timers up to the last tick
        for s in self.strategies:
            s.on_stop(self.ctx)
        if self.progress:
            self._show(n, n)
            sys.stderr.write("\n")
        return BacktestResult(self)

    def _run_jumping(self, p: int, n: int) -> None:
        wake = self._next_wake(p)
        while wake < n:
            wake = self._wake(wake)
            if self.progress:
                self._show(wake, n)

    def _run_every_tick(
        self, p0: int, n: int, handlers: Callable[[TickView], None] | list[Any]
    ) -> None:
        clk = self.clock
        view = TickView(self.timeline, clk)
        wake = self._next_wake(p0)
        wake_ = self._wake
        kinds = self.timeline.kind
        for b0 in range(p0, n, _BLOCK):
            b1 = min(n, b0 + _BLOCK)
            if callable(handlers):
                h = handlers
                for p in range(b0, b1):
                    if p >= wake or clk.is_dirty:
                        wake = wake_(p)
                    clk.cursor = p
                    h(view)
            else:
                assert kinds is not None
                assert isinstance(handlers, list)
                ks = kinds[b0:b1].tolist()
                for p, k in zip(range(b0, b1), ks, strict=True):
                    if p >= wake or clk.is_dirty:
                        wake = wake_(p)
                    clk.cursor = p
                    h = handlers[k]
                    if h is not None:
                        h(view)
            if self.progress:
                self._show(b1, n)

    def _tick_handlers(self) -> Callable[[TickView], None] | list[Any] | None:
        names = {QUOTE: "on_quote", TRADE: "on_trade", BAR: "on_bar"}
        per_kind: list[Any] = [None, None, None]
        for kind, name in names.items():
            fns = [getattr(s, name) for s in self.strategies if hasattr(s, name)]
            if fns:
                per_kind[kind] = (
                    fns[0]
                    if len(fns) == 1
                    else (lambda v, fs=tuple(fns): [f(v) for f in fs] and None)
                )
        present = [k for k in self.timeline.pos if per_kind[k] is not None]
        if not present:
            return None
        if self.timeline.kind is None:
            (k,) = self.timeline.pos
            return per_kind[k]  # type: ignore[no-any-return]
        return per_kind

    def _show(self, p: int, n: int) -> None:
        done = int(40 * p / max(n, 1))
        sys.stderr.write(f"\r[{'#' * done}{'.' * (40 - done)}] {p:,}/{n:,}")
        sys.stderr.flush()


def backtest(
    instrument: Instrument,
    strategy: Strategy,
    *,
    quotes: QuoteData | None = None,
    trades: TradeData | None = None,
    bars: BarData | None = None,
    **kwargs: Any,
) -> BacktestResult:
    """Run one strategy over the data and return the results (see :class:`BacktestEngine`)."""
    engine = BacktestEngine(instrument, quotes=quotes, trades=trades, bars=bars, **kwargs)
    engine.add_strategy(strategy)
    return engine.run()

"""BacktestClock: a SimClock whose 'now' follows the engine's data cursor without per-tick cost.

The engine moves a cursor over the market-data timeline; ``now_ns()`` is the
later of the cursor's timestamp and the last timer time, so moving to the next
tick costs one attribute store, not a clock call. Timers behave exactly as on
:class:`~bolt_exec.clock.SimClock`; setting one raises ``is_dirty`` so the
engine recomputes its next wake-up.
"""

from __future__ import annotations

import heapq

import numpy as np
import numpy.typing as npt

from bolt_exec.clock import SimClock, Timer, TimerCallback

__all__ = ["BacktestClock"]


class BacktestClock(SimClock):
    """A simulated clock driven by the backtest engine's cursor."""

    # No __slots__: the optional compiled build (setup.py, BOLT_EXEC_MYPYC=1) makes this a
    # native class with a fixed layout of its own, and mypyc refuses __slots__ there.

    def __init__(self, ts: npt.NDArray[np.int64], start_ns: int | None = None) -> None:
        first = int(ts[0]) if len(ts) else 0
        super().__init__(first if start_ns is None else start_ns)
        self._ts = ts
        self.cursor = -1
        self.is_dirty = False
        self._cached = (-1, 0)  # (cursor, its timestamp as an int): numpy scalar reads are slow

    def now_ns(self) -> int:
        """Return the simulated time: the current tick's, or a firing timer's if later."""
        c = self.cursor
        if c < 0:
            return self._now
        cc, t = self._cached
        if cc != c:
            t = int(self._ts[c])
            self._cached = (c, t)
        return t if t > self._now else self._now

    def set_timer(self, ts_ns: int, callback: TimerCallback, name: str = "") -> Timer:
        """Schedule ``callback`` at ``ts_ns`` (a past time fires at the next wake-up)."""
        self.is_dirty = True
        now = self.now_ns()
        if now > self._now:
            self._now = now  # keep SimClock's own notion in step before it compares times
        return super().set_timer(ts_ns, callback, name)

    def fire_before(self, limit_ns: int) -> int:
        """Fire every timer due strictly before ``limit_ns``, in (time, insertion) order.

        Unlike ``advance_to`` this never moves time backwards or raises when
        several ticks share a timestamp; it returns how many timers fired.
        """
        fired = 0
        timers = self._timers
        while timers and timers[0].ts_ns < limit_ns:
            timer = heapq.heappop(timers)
            if timer.is_cancelled:
                continue
            if timer.ts_ns > self._now:
                self._now = timer.ts_ns
            timer.callback(timer.ts_ns)
            fired += 1
        return fired

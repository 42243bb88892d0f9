"""Clocks: the only place in bolt_exec that reads wall time.

Every component takes a :class:`Clock` and calls ``clock.now_ns()``. A
:class:`SimClock` makes backtests deterministic: time moves only when the
engine advances it, and due timers fire in (time, insertion) order.
A :class:`LiveClock` reads the system clock; its timers run on the asyncio
loop of the live runtime.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from mypy_extensions import mypyc_attr

__all__ = ["Clock", "LiveClock", "SimClock", "Timer", "ns_to_datetime"]

TimerCallback = Callable[[int], None]


def ns_to_datetime(ts_ns: int) -> datetime:
    """Return the aware UTC datetime of a UNIX-nanosecond timestamp."""
    return datetime.fromtimestamp(ts_ns / 1e9, tz=UTC)


@dataclass(order=True, slots=True)
class Timer:
    """A scheduled callback. Cancel it with :meth:`cancel`."""

    ts_ns: int
    seq: int
    callback: TimerCallback = field(compare=False)
    name: str = field(default="", compare=False)
    is_cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        """Stop the timer from firing."""
        self.is_cancelled = True


class Clock(Protocol):
    """What components need from time."""

    def now_ns(self) -> int:
        """Return the current time in UNIX nanoseconds."""
        ...

    def set_timer(self, ts_ns: int, callback: TimerCallback, name: str = "") -> Timer:
        """Call ``callback(ts_ns)`` at ``ts_ns`` (at once if it is past)."""
        ...


# Subclassed by adapters, tests and users: keep that possible in the compiled build.
@mypyc_attr(allow_interpreted_subclasses=True)
class SimClock:
    """A simulated clock for backtests and tests.

    Time never moves by itself. :meth:`advance_to` runs every timer due up to
    the target, in time order, moving ``now`` to each timer's time before it
    fires, then settles at the target.
    """

    # No __slots__: the optional compiled build (setup.py, BOLT_EXEC_MYPYC=1) makes this a
    # native class with a fixed layout of its own, and mypyc refuses __slots__ there.

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns
        self._timers: list[Timer] = []
        self._seq = itertools.count()

    def now_ns(self) -> int:
        """Return the simulated time."""
        return self._now

    def set_timer(self, ts_ns: int, callback: TimerCallback, name: str = "") -> Timer:
        """Schedule ``callback`` at ``ts_ns``; a past time fires on the next advance."""
        timer = Timer(max(ts_ns, self._now), next(self._seq), callback, name)
        heapq.heappush(self._timers, timer)
        return timer

    def next_timer_ns(self) -> int | None:
        """Return the time of the earliest pending timer, or None."""
        while self._timers and self._timers[0].is_cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].ts_ns if self._timers else None

    def advance_to(self, ts_ns: int) -> int:
        """Fire every timer due at or before ``ts_ns``; return how many fired.

        Raises:
            ValueError: if ``ts_ns`` is before the current time.
        """
        if ts_ns < self._now:
            raise ValueError(
                f"ts_ns={ts_ns}: a SimClock cannot go back in time (now is {self._now})"
            )
        fired = 0
        timers = self._timers
        while timers and timers[0].ts_ns <= ts_ns:
            timer = heapq.heappop(timers)
            if timer.is_cancelled:
                continue
            self._now = timer.ts_ns
            timer.callback(timer.ts_ns)
            fired += 1
        self._now = ts_ns
        return fired

    def advance_by(self, delta_ns: int) -> int:
        """Advance by ``delta_ns``; see :meth:`advance_to`."""
        return self.advance_to(self._now + delta_ns)


class LiveClock:
    """The system clock. Timers need a running asyncio loop (the live runtime's)."""

    __slots__ = ()

    def now_ns(self) -> int:
        """Return the system time in UNIX nanoseconds."""
        return time.time_ns()

    def set_timer(self, ts_ns: int, callback: TimerCallback, name: str = "") -> Timer:
        """Schedule ``callback`` on the running asyncio loop."""
        loop = asyncio.get_running_loop()
        timer = Timer(ts_ns, 0, callback, name)

        def fire() -> None:
            if not timer.is_cancelled:
                callback(ts_ns)

        delay = max(0.0, (ts_ns - time.time_ns()) / 1e9)
        loop.call_later(delay, fire)
        return timer

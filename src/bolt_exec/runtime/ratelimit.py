"""Token buckets that keep each broker inside its published rate limits.

A :class:`RateBudget` holds one :class:`TokenBucket` per
:class:`~bolt_exec.adapters.base.RateLimit` of a broker and is handed to the
adapter as its throttle: ``await budget.acquire("orders")`` waits until every
bucket of that scope has a token, then takes one from each. Time is read from
the injected :class:`~bolt_exec.clock.Clock`, so the arithmetic is tested on a
SimClock; only the waiting uses asyncio.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from bolt_exec.adapters.base import RateLimit
from bolt_exec.clock import Clock
from bolt_exec.errors import RateLimited

__all__ = ["RateBudget", "TokenBucket"]

_NS = 1_000_000_000


class TokenBucket:
    """``capacity`` tokens; each spent token comes back exactly ``period_s`` after it was spent.

    Why not the textbook continuous refill: a bucket of 10 refilling at 10/s lets
    19 requests through in one second (a full burst, then the refill), and venues
    count requests per window. Returning each token one period after its use
    guarantees at most ``capacity`` requests in *any* window of ``period_s``.
    Starts full. :meth:`take` returns 0 when a token was taken, otherwise the
    nanoseconds until one comes back (and takes nothing).
    """

    __slots__ = ("_spent", "capacity", "period_ns")

    def __init__(self, capacity: int, period_s: float) -> None:
        if capacity < 1 or period_s <= 0:
            raise ValueError(
                f"RateLimit(count={capacity}, per_seconds={period_s}): count must be >= 1 and "
                "per_seconds > 0"
            )
        self.capacity = capacity
        self.period_ns = int(period_s * _NS)
        self._spent: deque[int] = deque()

    def wait_ns(self, now_ns: int) -> int:
        """Return how long until a token is available (0 if one is)."""
        spent = self._spent
        while spent and spent[0] + self.period_ns <= now_ns:
            spent.popleft()
        if len(spent) < self.capacity:
            return 0
        return spent[0] + self.period_ns - now_ns

    def take(self, now_ns: int) -> int:
        """Take a token if one is available; else return the wait in ns."""
        wait = self.wait_ns(now_ns)
        if wait == 0:
            self._spent.append(now_ns)
        return wait


class RateBudget:
    """All the rate limits of one broker, by scope.

    Args:
        limits: the broker's ``BrokerLimits.rates``.
        clock: where "now" comes from.
        sleep: how to wait (``asyncio.sleep``; tests pass one that advances a SimClock).
        max_wait_s: the longest a request may wait for its slot. A longer wait (the
            per-minute or daily cap is spent) raises RateLimited instead: an order sent
            minutes after it was decided is a surprise order.
        venue: the broker's name, for the error.
    """

    def __init__(
        self,
        limits: Iterable[RateLimit],
        clock: Clock,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_wait_s: float = 5.0,
        venue: str = "",
    ) -> None:
        self._buckets: dict[str, list[TokenBucket]] = {}
        for limit in limits:
            self._buckets.setdefault(limit.scope, []).append(
                TokenBucket(limit.count, limit.per_seconds)
            )
        self._clock = clock
        self._sleep = sleep
        self._max_wait_ns = int(max_wait_s * _NS)
        self._venue = venue
        self._lock = asyncio.Lock()
        self.waited_ns = 0

    def try_acquire(self, scope: str) -> int:
        """Take a token from every bucket of ``scope`` if all have one; else return the wait.

        An unknown scope has no limit (returns 0).
        """
        now = self._clock.now_ns()
        buckets = self._buckets.get(scope, [])
        wait = max((b.wait_ns(now) for b in buckets), default=0)
        if wait == 0:
            for bucket in buckets:
                bucket.take(now)
        return wait

    async def acquire(self, scope: str) -> None:
        """Wait until a request of ``scope`` fits every limit, then spend it (FIFO).

        Raises:
            RateLimited: the wait would exceed ``max_wait_s``; nothing was spent.
        """
        async with self._lock:
            while (wait := self.try_acquire(scope)) > 0:
                if wait > self._max_wait_ns:
                    raise RateLimited(
                        f"{self._venue or 'broker'} {scope!r} rate budget spent: the next slot "
                        f"is in {wait / _NS:.1f} s, beyond the {self._max_wait_ns / _NS:.1f} s "
                        "a request may wait; it was not sent (retry later, or slow down)",
                        venue=self._venue,
                        retry_after=wait / _NS,
                    )
                self.waited_ns += wait
                await self._sleep(wait / _NS)

"""Rate limiters: token buckets for policy throttles, exact sliding windows for venue caps.

Both are pure (time is passed in) and split *peek* from *take*: the chain asks
:meth:`allows` while it checks, and the SafetyManager calls :meth:`take` only
once the whole chain approved, so a denied order never spends budget.

Why two kinds: a token bucket of capacity N refilled at N per T lets up to 2N
through in one window of length T (a full bucket, then the refill). That is a
good smoothing throttle, but it would break a venue's hard "N per T" cap, so
published venue caps use :class:`SlidingWindow`, which never admits more than
N in any window of T.
"""

from __future__ import annotations

from collections import deque

__all__ = ["SlidingWindow", "TokenBucket", "take_all"]


class TokenBucket:
    """``burst`` tokens, refilled continuously at ``rate_per_s``; one token per order."""

    __slots__ = ("_last_ns", "_tokens", "burst", "rate_per_ns")

    def __init__(self, rate_per_s: float, burst: int, now_ns: int = 0) -> None:
        self.rate_per_ns = rate_per_s / 1e9
        self.burst = float(burst)
        self._tokens = float(burst)
        self._last_ns = now_ns

    def tokens(self, now_ns: int) -> float:
        """Return the tokens available at ``now_ns``."""
        elapsed = now_ns - self._last_ns
        if elapsed <= 0:
            return self._tokens
        # min(burst, refilled), spelt out: min() parses keyword arguments on every call
        refilled = self._tokens + elapsed * self.rate_per_ns
        return refilled if refilled < self.burst else self.burst

    def allows(self, now_ns: int) -> bool:
        """True if one token is available (does not take it)."""
        return self.tokens(now_ns) >= 1.0

    def take(self, now_ns: int) -> None:
        """Spend one token (the caller checked :meth:`allows`)."""
        self._tokens = self.tokens(now_ns) - 1.0
        if now_ns > self._last_ns:
            self._last_ns = now_ns

    def retry_after_s(self, now_ns: int) -> float:
        """Seconds until one token is available."""
        missing = 1.0 - self.tokens(now_ns)
        return max(0.0, missing / (self.rate_per_ns * 1e9))


def take_all(buckets: tuple[TokenBucket, ...], now_ns: int) -> bool:
    """Take one token from each bucket if every one has a token; else take none.

    The arithmetic of :meth:`TokenBucket.allows` on each, then of :meth:`~TokenBucket.take`
    on each (so the same floats), inlined: for a caller that has nothing left to check but
    the buckets, this runs for every order it approves.
    """
    available = []
    for bucket in buckets:
        tokens = bucket._tokens
        last = bucket._last_ns
        if now_ns > last:
            tokens += (now_ns - last) * bucket.rate_per_ns
            if tokens >= bucket.burst:
                tokens = bucket.burst
        if tokens < 1.0:
            return False
        available.append(tokens)
    i = 0  # not zip(): its strict= keyword is parsed on every call
    for bucket in buckets:
        bucket._tokens = available[i] - 1.0
        if now_ns > bucket._last_ns:
            bucket._last_ns = now_ns
        i += 1  # noqa: SIM113 - enumerate() builds a tuple per step, on every order
    return True


class SlidingWindow:
    """At most ``count`` events in any half-open window ``(t - window_ns, t]``."""

    __slots__ = ("_times", "count", "label", "window_ns")

    def __init__(self, count: int, window_ns: int, label: str = "") -> None:
        self.count = count
        self.window_ns = window_ns
        self.label = label
        self._times: deque[int] = deque()

    def _expire(self, now_ns: int) -> None:
        times = self._times
        horizon = now_ns - self.window_ns
        while times and times[0] <= horizon:
            times.popleft()

    def used(self, now_ns: int) -> int:
        """Return how many events fall in the window ending at ``now_ns``."""
        self._expire(now_ns)
        return len(self._times)

    def allows(self, now_ns: int) -> bool:
        """True if one more event at ``now_ns`` stays within the cap."""
        return self.used(now_ns) < self.count

    def take(self, now_ns: int) -> None:
        """Record one event at ``now_ns``."""
        self._times.append(now_ns)

    def retry_after_s(self, now_ns: int) -> float:
        """Seconds until the oldest event in the window expires."""
        self._expire(now_ns)
        if len(self._times) < self.count:
            return 0.0
        return (self._times[0] + self.window_ns - now_ns) / 1e9

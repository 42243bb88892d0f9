"""Exponential backoff with seeded full jitter, for reconnecting brokers.

Delay ``n`` (from 0) is drawn uniformly from ``[0, min(cap, base * 2**n)]``
("full jitter": many clients restarting together do not reconnect in step).
The generator is seeded, so a run's delays are reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

__all__ = ["Backoff"]


class Backoff:
    """Reconnect delays in seconds.

    Args:
        base_s: the first delay's upper bound.
        cap_s: the largest upper bound.
        seed: the jitter's seed.
        floor_s: a minimum delay (never hammer a venue with zero waits).
    """

    def __init__(
        self, base_s: float = 0.5, cap_s: float = 30.0, seed: int = 0, floor_s: float = 0.05
    ) -> None:
        if base_s <= 0 or cap_s < base_s or floor_s < 0:
            raise ValueError(
                f"Backoff(base_s={base_s}, cap_s={cap_s}, floor_s={floor_s}): need "
                "0 < base_s <= cap_s and floor_s >= 0"
            )
        self.base_s = base_s
        self.cap_s = cap_s
        self.floor_s = floor_s
        self._rng = random.Random(seed)
        self.attempt = 0

    def next_delay(self) -> float:
        """Return the next delay and count the attempt."""
        bound = min(self.cap_s, self.base_s * 2**self.attempt)
        self.attempt += 1
        return max(self.floor_s, self._rng.uniform(0, bound))

    def reset(self) -> None:
        """Start again from the first delay (after a success)."""
        self.attempt = 0

    def delays(self, n: int) -> Iterator[float]:
        """Yield the next ``n`` delays."""
        for _ in range(n):
            yield self.next_delay()

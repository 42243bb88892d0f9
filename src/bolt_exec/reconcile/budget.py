"""The reconciler's request budget: how many queries a run may send, and the pause after it.

Pure: numbers in, numbers out.

Theory of operation
-------------------
A broker publishes its rate limits (``BrokerLimits.rates``). Reconciliation may
use ``budget_share`` of the tightest of them, which makes one request worth
``seconds_per_request = per_seconds / (count * budget_share)`` seconds of the
timer (the largest over the limits that count queries: all but order limits
when the broker publishes any, so Kite's 3,000 orders a day do not stretch a
run that sends no order to a quarter of an hour).

A run costs its requests: the mass status (``REQUESTS_PER_RUN``) plus one per
targeted status query it made (and whatever was asked between runs, such as
``check_order``). After a run of cost ``c`` the next one waits
``max(interval_s, c * seconds_per_request)``: an expensive run stretches the
pause, so over any run of runs the requests per second stay within the share.

A run may ask ``floor(interval_s / seconds_per_request) - REQUESTS_PER_RUN``
queries (what one period affords beyond the mass status), at least one (so an
order's fate is always learned eventually; the pause after pays for it) and at
most ``max_queries``. The rest wait for the next run, in flight.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Protocol

__all__ = ["REQUESTS_PER_RUN", "Rate", "RequestBudget"]

REQUESTS_PER_RUN: Final = 3
"""What one mass status costs: open orders, fills and positions."""


class Rate(Protocol):
    """A published rate limit (``adapters.base.RateLimit``): ``count`` per ``per_seconds``."""

    @property
    def count(self) -> int: ...
    @property
    def per_seconds(self) -> float: ...
    @property
    def scope(self) -> str: ...


@dataclass(frozen=True, slots=True)
class RequestBudget:
    """The reconciler's share of a broker's rate limits (see the module doc).

    Attributes:
        seconds_per_request: timer seconds one request is worth (0: no published limit).
        interval_s: the period between runs when they send no query; at least what a
            mass status costs.
    """

    seconds_per_request: float
    interval_s: float

    @classmethod
    def of(cls, rates: Iterable[Rate], budget_share: float, interval_s: float) -> RequestBudget:
        """Return the budget for a broker publishing ``rates``.

        ``seconds_per_request = max(per_seconds / (count * budget_share))`` over the
        limits that are not order limits (all of them when only order limits are
        published); ``interval_s`` is raised to ``REQUESTS_PER_RUN`` requests' worth.
        """
        limits = [r for r in rates if r.count > 0]
        queries = [r for r in limits if r.scope != "orders"]
        per = max(
            (r.per_seconds / (r.count * budget_share) for r in queries or limits),
            default=0.0,
        )
        return cls(per, max(interval_s, REQUESTS_PER_RUN * per))

    @property
    def min_interval_s(self) -> float:
        """The shortest period a run without queries may have."""
        return REQUESTS_PER_RUN * self.seconds_per_request

    def queries_allowed(self, max_queries: int) -> int:
        """Return how many targeted queries one run may send (at least 1, at most
        ``max_queries``): ``floor(interval_s / seconds_per_request) - REQUESTS_PER_RUN``."""
        if self.seconds_per_request <= 0:
            return max_queries
        # The small epsilon keeps 36 / 12 at 3 despite binary floating point.
        affordable = math.floor(self.interval_s / self.seconds_per_request + 1e-9)
        return min(max_queries, max(1, affordable - REQUESTS_PER_RUN))

    def pause_s(self, cost: int) -> float:
        """Return the pause after a run that sent ``cost`` requests:
        ``max(interval_s, cost * seconds_per_request)``."""
        return max(self.interval_s, cost * self.seconds_per_request)

"""Token buckets on a SimClock: exact waits, and never more than N requests in any window."""

from __future__ import annotations

import asyncio
from bisect import bisect_left

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.adapters.base import RateLimit
from bolt_exec.clock import SimClock
from bolt_exec.errors import RateLimited
from bolt_exec.runtime.ratelimit import RateBudget, TokenBucket

NS = 1_000_000_000


def test_token_bucket_burst_then_exact_wait() -> None:
    bucket = TokenBucket(10, 1.0)
    assert [bucket.take(0) for _ in range(10)] == [0] * 10
    assert bucket.take(100) == NS - 100  # tokens spent at t=0 return at t=1 s
    assert bucket.take(NS - 1) == 1
    assert [bucket.take(NS) for _ in range(10)] == [0] * 10
    assert bucket.take(NS) == NS


@given(
    st.lists(st.integers(min_value=0, max_value=5 * NS), min_size=1, max_size=80),
    st.integers(min_value=1, max_value=12),
    st.sampled_from([0.5, 1.0, 60.0]),
)
def test_token_bucket_never_exceeds_capacity_in_any_window(
    arrivals: list[int], capacity: int, period_s: float
) -> None:
    bucket = TokenBucket(capacity, period_s)
    period = int(period_s * NS)
    accepted: list[int] = []
    now = 0
    for t in sorted(arrivals):
        now = max(now, t)
        while (wait := bucket.take(now)) > 0:
            now += wait  # the caller waits, then retries
        accepted.append(now)
    for i, start in enumerate(accepted):
        in_window = bisect_left(accepted, start + period) - i
        assert in_window <= capacity


def test_rate_budget_waits_on_the_tightest_limit_of_the_scope() -> None:
    clock = SimClock(0)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance_by(int(seconds * NS))

    limits = (
        RateLimit(10, 1.0, "orders"),
        RateLimit(12, 60.0, "orders"),
        RateLimit(1, 1.0, "quote"),
    )
    budget = RateBudget(limits, clock, sleep, max_wait_s=120)

    async def burst() -> None:
        for _ in range(13):
            await budget.acquire("orders")
        await budget.acquire("unlimited-scope")

    asyncio.run(burst())
    # 10 at t=0, the 11th and 12th wait for the per-second bucket, the 13th for the minute one
    assert clock.now_ns() == 60 * NS
    assert budget.waited_ns == 60 * NS
    assert budget.try_acquire("quote") == 0
    assert budget.try_acquire("quote") == NS


def test_rate_budget_refuses_a_wait_beyond_max_wait_instead_of_sending_late() -> None:
    clock = SimClock(0)

    async def sleep(seconds: float) -> None:
        clock.advance_by(int(seconds * NS))

    budget = RateBudget(
        (RateLimit(2, 86_400.0, "orders"),), clock, sleep, max_wait_s=5, venue="zerodha"
    )

    async def three() -> None:
        await budget.acquire("orders")
        await budget.acquire("orders")
        await budget.acquire("orders")

    with pytest.raises(RateLimited, match=r"zerodha 'orders' rate budget spent.*not sent") as e:
        asyncio.run(three())
    assert e.value.retry_after == 86_400.0
    assert clock.now_ns() == 0  # it did not sit waiting

"""RequestBudget: how many queries a run may send, and the pause after it. Pure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.adapters.base import RateLimit
from bolt_exec.reconcile.budget import REQUESTS_PER_RUN, RequestBudget

# Kite: order caps, and 10 requests a second for everything else.
KITE = (
    RateLimit(10, 1.0, "orders"),
    RateLimit(3000, 86_400.0, "orders"),
    RateLimit(10, 1.0, "requests"),
)
TIGHT = (RateLimit(10, 60.0, "requests"),)  # at half of it: one request per 12 s


def test_budget_uses_the_tightest_query_limit_not_order_caps() -> None:
    budget = RequestBudget.of(KITE, 0.1, 1.0)

    assert budget.seconds_per_request == pytest.approx(1.0)
    assert budget.interval_s == pytest.approx(3.0)  # raised to a mass status's worth


def test_budget_of_a_broker_with_order_limits_only_is_judged_by_them() -> None:
    budget = RequestBudget.of((RateLimit(100, 10.0, "orders"),), 0.1, 0.0)

    assert budget.seconds_per_request == pytest.approx(1.0)


def test_broker_without_limits_has_no_budget_to_keep() -> None:
    budget = RequestBudget.of((), 0.1, 30.0)

    assert (budget.seconds_per_request, budget.interval_s) == (0.0, 30.0)
    assert budget.queries_allowed(10) == 10
    assert budget.pause_s(500) == 30.0


def test_expensive_run_stretches_the_pause_after_it() -> None:
    budget = RequestBudget.of(TIGHT, 0.5, 30.0)  # interval raised to 36 s

    assert budget.pause_s(REQUESTS_PER_RUN) == pytest.approx(36.0)
    assert budget.pause_s(REQUESTS_PER_RUN + 1) == pytest.approx(48.0)


@pytest.mark.parametrize(
    ("interval_s", "max_queries", "allowed"),
    [
        (36.0, 10, 1),  # the period affords no query: one still goes (the pause pays)
        (120.0, 10, 7),  # 10 requests' worth, 3 of them the mass status
        (600.0, 10, 10),  # capped by max_queries
        (600.0, 0, 0),  # queries turned off
    ],
)
def test_queries_allowed_per_run_is_what_the_period_affords(
    interval_s: float, max_queries: int, allowed: int
) -> None:
    assert RequestBudget.of(TIGHT, 0.5, interval_s).queries_allowed(max_queries) == allowed


@given(
    interval_s=st.floats(0.0, 600.0),
    share=st.floats(0.01, 1.0),
    count=st.integers(1, 100),
    per_seconds=st.floats(0.1, 3600.0),
    queries=st.lists(st.integers(0, 50), min_size=1, max_size=20),
)
def test_runs_spaced_by_the_budget_stay_within_the_share_of_the_limit(
    interval_s: float, share: float, count: int, per_seconds: float, queries: list[int]
) -> None:
    """Whatever each run finds to ask, the requests sent over the runs and their pauses
    stay within ``share`` of the limit on average."""
    budget = RequestBudget.of((RateLimit(count, per_seconds, "requests"),), share, interval_s)
    sent = elapsed = 0.0
    for wanted in queries:
        cost = REQUESTS_PER_RUN + min(wanted, budget.queries_allowed(10))
        sent += cost
        elapsed += budget.pause_s(cost)

    assert sent / elapsed <= count * share / per_seconds * (1 + 1e-9)

"""Properties of the limiters and of scope resolution."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bolt_exec.safety.config import LimitSet
from bolt_exec.safety.policy import Policy
from bolt_exec.safety.throttle import SlidingWindow, TokenBucket

gaps = st.lists(st.integers(0, 2_000_000_000), min_size=1, max_size=200)


@settings(max_examples=200, deadline=None)
@given(count=st.integers(1, 20), window_s=st.integers(1, 10), gaps=gaps)
def test_sliding_window_never_admits_more_than_count_in_any_window(
    count: int, window_s: int, gaps: list[int]
) -> None:
    window_ns = window_s * 1_000_000_000
    limiter = SlidingWindow(count, window_ns)
    now = 0
    admitted: list[int] = []
    for gap in gaps:
        now += gap
        if limiter.allows(now):
            limiter.take(now)
            admitted.append(now)
    for i, start in enumerate(admitted):
        inside = [t for t in admitted[i:] if t < start + window_ns]
        assert len(inside) <= count


@settings(max_examples=200, deadline=None)
@given(rate=st.integers(1, 50), burst=st.integers(1, 50), gaps=gaps)
def test_token_bucket_admits_at_most_burst_plus_rate_times_elapsed(
    rate: int, burst: int, gaps: list[int]
) -> None:
    bucket = TokenBucket(float(rate), burst)
    now = 0
    admitted = 0
    for gap in gaps:
        now += gap
        if bucket.allows(now):
            bucket.take(now)
            admitted += 1
        assert admitted <= burst + rate * now / 1e9 + 1e-6


limit_values = st.none() | st.integers(1, 1000).map(Decimal)


@given(g=limit_values, b=limit_values, s=limit_values, i=limit_values)
def test_scope_precedence_instrument_strategy_broker_global(
    g: Decimal | None, b: Decimal | None, s: Decimal | None, i: Decimal | None
) -> None:
    def scope(v: Decimal | None) -> dict[str, object]:
        return {} if v is None else {"max_order_qty": v}

    config = Policy.from_mapping(
        {
            "version": 1,
            "limits": {
                "global": scope(g),
                "brokers": {"B": scope(b)},
                "strategies": {"S": scope(s)},
                "instruments": {"I": scope(i)},
            },
        }
    ).compile()
    expected = next((v for v in (i, s, b, g) if v is not None), None)
    assert config.limits_for("B", "S", "I").max_order_qty == expected
    assert config.limits_for("x", "y", "z").max_order_qty == g
    assert LimitSet().overlay(config.limits_for("B", "S", "I")) == config.limits_for("B", "S", "I")

"""Reconnect backoff: bounded, growing, seeded (same seed, same delays)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.runtime.backoff import Backoff


def test_backoff_same_seed_same_delays_other_seed_differs() -> None:
    assert list(Backoff(seed=7).delays(8)) == list(Backoff(seed=7).delays(8))
    assert list(Backoff(seed=7).delays(8)) != list(Backoff(seed=8).delays(8))


@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=40))
def test_backoff_delays_stay_within_the_exponential_bound(seed: int, n: int) -> None:
    backoff = Backoff(base_s=0.5, cap_s=30.0, seed=seed, floor_s=0.05)
    for attempt, delay in enumerate(backoff.delays(n)):
        assert 0.05 <= delay <= max(0.05, min(30.0, 0.5 * 2**attempt))


def test_backoff_reset_starts_again_from_the_base() -> None:
    backoff = Backoff(base_s=1.0, cap_s=100.0, seed=1, floor_s=0.0)
    list(backoff.delays(10))
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_backoff_rejects_nonsense_bounds() -> None:
    with pytest.raises(ValueError, match="base_s"):
        Backoff(base_s=0)

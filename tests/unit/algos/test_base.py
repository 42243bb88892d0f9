"""Every algorithm's state is JSON and restores to an algorithm that decides the same."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bolt_exec.algos import POV, TWAP, VWAP, AdaptiveVWAP, Iceberg, algo_from_state
from bolt_exec.algos.base import MarketView, ParentOrder, Progress
from bolt_exec.algos.profiles import u_shaped_profile
from bolt_exec.errors import ValidationError

MIN = 60 * 10**9

ALGOS = {
    "twap": lambda: TWAP(slices=10, interval_ns=MIN, size_jitter=0.2, seed=3, max_child=150),
    "vwap": lambda: VWAP(profile=u_shaped_profile(30), interval_ns=MIN, max_participation=0.3),
    "adaptive": lambda: AdaptiveVWAP(interval_ns=MIN),
    "pov": lambda: POV(rate=0.2, min_child=50, max_child=400, style="aggressive"),
    "iceberg": lambda: Iceberg(display_qty=100, display_jitter=0.2, seed=9),
}


@pytest.mark.parametrize("name", sorted(ALGOS))
def test_state_is_json_and_restored_algorithm_decides_the_same(inst, name):
    parent = ParentOrder(
        parent_id="P",
        instrument=inst,
        side="BUY",
        qty=Decimal(1000),
        start_ns=0,
        end_ns=10 * MIN,
        limit_px=Decimal("100.05"),
    )
    algo = ALGOS[name]()
    algo.start(parent, 0)
    market = MarketView(ts=0, bid=100.0, ask=100.02, volume=500.0)
    algo.step(0, market, Progress())
    copy = algo_from_state(json.loads(json.dumps(algo.state())))
    later = MarketView(ts=3 * MIN, bid=100.01, ask=100.03, volume=2500.0)
    progress = Progress(filled_qty=Decimal(100))
    assert copy.step(3 * MIN, later, progress) == algo.step(3 * MIN, later, progress)
    assert copy.state() == algo.state()


def test_unknown_algorithm_state_is_refused():
    with pytest.raises(ValidationError, match="registered"):
        algo_from_state({"algo": "martingale", "params": {}, "parent": {}, "vars": {}})


def test_state_before_start_is_a_clear_error():
    with pytest.raises(ValidationError, match="start"):
        TWAP(slices=2).state()

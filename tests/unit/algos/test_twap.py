from __future__ import annotations

import itertools
from collections import Counter
from decimal import Decimal

import pytest

from bolt_exec.algos.base import MarketView, ParentOrder, Progress, algo_from_state
from bolt_exec.algos.twap import TWAP
from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import OrderType, TimeInForce

MIN = 60 * 10**9


def _parent(inst, qty=100_000, **kw):
    return ParentOrder(
        parent_id="P1", instrument=inst, side="BUY", qty=Decimal(qty), start_ns=0, **kw
    )


def test_twap_w1_schedule_is_230_of_256_and_160_of_257(inst, sim_cls):
    algo = TWAP(slices=390, interval_ns=MIN)
    algo.start(_parent(inst), 0)
    sim = sim_cls(algo)
    sim.run([k * MIN for k in range(391)], lambda t: None)
    sizes = Counter(c.qty for _, c in sim.sent)
    assert sizes == {Decimal(256): 230, Decimal(257): 160}
    assert [t for t, _ in sim.sent] == [k * MIN for k in range(390)]
    assert all(c.order_type is OrderType.MARKET for _, c in sim.sent)
    assert sim.filled == 100_000
    assert sim.done_reason == "filled"


def test_twap_catches_up_after_missed_slices(inst, sim_cls):
    algo = TWAP(slices=10, interval_ns=MIN)
    algo.start(_parent(inst, 1000), 0)
    misses = {0, 1}
    sim = sim_cls(algo, fill_rule=lambda c, m: Decimal(0) if len(sim.sent) - 1 in misses else c.qty)
    sim.run([k * MIN for k in range(10)], lambda t: None)
    assert [c.qty for _, c in sim.sent][:3] == [100, 200, 300]  # slice 2 carries 0 and 1
    assert sim.filled == 1000


def test_twap_without_catch_up_never_sends_more_than_a_slice(inst, sim_cls):
    algo = TWAP(slices=10, interval_ns=MIN, catch_up=False, complete_at_end=False)
    algo.start(_parent(inst, 1000), 0)
    sim = sim_cls(algo, fill_rule=lambda c, m: Decimal(0) if len(sim.sent) == 1 else c.qty)
    sim.run([k * MIN for k in range(11)], lambda t: None)
    assert max(c.qty for _, c in sim.sent) == 100
    assert sim.filled == 900
    assert "100 unfilled" in sim.done_reason


def test_twap_limit_cap_makes_ioc_limit_children(inst, sim_cls):
    algo = TWAP(slices=4, interval_ns=MIN)
    algo.start(_parent(inst, 400, limit_px=Decimal("190.00")), 0)
    step = algo.step(0, None, Progress())
    (child,) = step.children
    assert child.order_type is OrderType.LIMIT
    assert child.limit_px == Decimal("190.00")
    assert child.tif is TimeInForce.IOC


def test_twap_passive_prices_at_near_touch_capped(inst, sim_cls):
    algo = TWAP(slices=4, interval_ns=MIN, style="passive")
    algo.start(_parent(inst, 400, limit_px=Decimal("100.02")), 0)
    sim = sim_cls(algo, fill_rule=lambda c, m: Decimal(0))
    sim.run([0], lambda t: MarketView(ts=t, bid=100.05, ask=100.07))
    assert sim.sent[0][1].limit_px == Decimal("100.02")
    sim2 = sim_cls(TWAP(slices=4, interval_ns=MIN, style="passive"))
    sim2.algo.start(_parent(inst, 400), 0)
    sim2.run([0], lambda t: MarketView(ts=t, bid=100.05, ask=100.07))
    assert sim2.sent[0][1].limit_px == Decimal("100.05")


def test_twap_randomisation_is_seeded_and_keeps_the_total(inst, sim_cls):
    def sched(seed):
        a = TWAP(slices=50, interval_ns=MIN, size_jitter=0.3, time_jitter=0.5, seed=seed)
        a.start(_parent(inst, 10_000), 0)
        return a.schedule()

    s1, s2, s3 = sched(7), sched(7), sched(8)
    assert s1 == s2
    assert s1 != s3
    assert s1[-1][1] == 10_000
    times = [t for t, _ in s1]
    assert times == sorted(times)
    assert len({b - a for (_, a), (_, b) in itertools.pairwise(s1)}) > 2


def test_twap_state_round_trips_through_json(inst, sim_cls):
    import json

    algo = TWAP(slices=10, interval_ns=MIN, seed=3, size_jitter=0.1)
    algo.start(_parent(inst, 1000), 0)
    copy = algo_from_state(json.loads(json.dumps(algo.state())))
    assert isinstance(copy, TWAP)
    assert copy.schedule() == algo.schedule()
    assert copy.parent == algo.parent


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "slices"),
        ({"slices": 0}, "slices"),
        ({"interval_ns": -1}, "interval_ns"),
        ({"slices": 3, "size_jitter": 1.5}, "size_jitter"),
    ],
)
def test_twap_bad_parameters_name_the_field(kwargs, field):
    with pytest.raises(ValidationError) as e:
        TWAP(**kwargs)
    assert e.value.field == field


def test_twap_needs_a_horizon(inst, sim_cls):
    algo = TWAP(slices=3)
    with pytest.raises(ValidationError, match="horizon"):
        algo.start(_parent(inst, 300), 0)

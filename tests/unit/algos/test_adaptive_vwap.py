from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.algos.adaptive_vwap import AdaptiveVWAP
from bolt_exec.algos.base import MarketView, ParentOrder, algo_from_state
from bolt_exec.algos.profiles import VolumeProfile
from bolt_exec.errors import ValidationError

MIN = 60 * 10**9


def _run(inst, sim_cls, market):
    parent = ParentOrder(
        parent_id="A", instrument=inst, side="BUY", qty=Decimal(10_000), start_ns=0, end_ns=20 * MIN
    )
    algo = AdaptiveVWAP(
        profile=VolumeProfile((1.0,)), interval_ns=MIN, min_speed=0.5, max_speed=2.0
    )
    algo.start(parent, 0)
    sim = sim_cls(algo)
    sim.run([k * MIN for k in range(21)], market)
    return algo, sim


def test_adaptive_vwap_speeds_up_when_volume_beats_forecast(inst, sim_cls):
    calm = lambda t: MarketView(ts=t, bid=10.0, ask=10.01, volume=1 + 1000.0 * (t // MIN))  # noqa: E731

    def busy(t):
        k = t // MIN
        v = 1000.0 * k if k <= 5 else 5000 + 4000.0 * (k - 5)  # volume x4 from minute 6
        return MarketView(ts=t, bid=10.0, ask=10.01, volume=1 + v)

    a_calm, s_calm = _run(inst, sim_cls, calm)
    a_busy, s_busy = _run(inst, sim_cls, busy)
    assert s_calm.filled == s_busy.filled == 10_000
    assert a_busy.vars["speeds"][6] == 2.0  # clipped at max_speed
    assert all(abs(s - 1.0) < 1e-9 for s in a_calm.vars["speeds"])
    done_busy = sum(c.qty for t, c in s_busy.sent if t <= 8 * MIN)
    done_calm = sum(c.qty for t, c in s_calm.sent if t <= 8 * MIN)
    assert done_busy > done_calm


def test_adaptive_vwap_slows_down_when_spread_widens(inst, sim_cls):
    def wide(t):
        k = t // MIN
        bid, ask = (10.0, 10.01) if k < 5 else (9.96, 10.05)  # same mid, wider spread
        return MarketView(ts=t, bid=bid, ask=ask, volume=1 + 1000.0 * k)

    algo, sim = _run(inst, sim_cls, wide)
    assert algo.vars["speeds"][5] < 1.0
    assert min(algo.vars["speeds"]) >= 0.5
    assert sim.filled == 10_000


def test_adaptive_vwap_state_round_trip(inst, sim_cls):
    algo, _ = _run(inst, sim_cls, lambda t: None)
    copy = algo_from_state(algo.state())
    assert copy.vars == algo.vars
    assert type(copy) is AdaptiveVWAP


def test_adaptive_vwap_bounds_are_checked():
    with pytest.raises(ValidationError):
        AdaptiveVWAP(min_speed=1.5, max_speed=2.0)

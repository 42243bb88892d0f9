from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from bolt_exec.algos.base import MarketView, ParentOrder
from bolt_exec.algos.profiles import VolumeProfile, u_shaped_profile
from bolt_exec.algos.vwap import VWAP
from bolt_exec.errors import ValidationError

MIN = 60 * 10**9


def _parent(inst, qty=39_000, end=390 * MIN):
    return ParentOrder(
        parent_id="V1", instrument=inst, side="SELL", qty=Decimal(qty), start_ns=0, end_ns=end
    )


def test_vwap_tracks_its_profile_slice_by_slice(inst, sim_cls):
    prof = u_shaped_profile(390)
    algo = VWAP(profile=prof, interval_ns=MIN)
    algo.start(_parent(inst), 0)
    sim = sim_cls(algo)
    sim.run([k * MIN for k in range(391)], lambda t: None)
    got = np.array([float(c.qty) for _, c in sim.sent])
    want = np.array(prof.weights) / sum(prof.weights) * 39_000
    assert len(got) == 390
    assert np.max(np.abs(got - want)) <= 1.0  # rounding to the lot only
    assert sim.filled == 39_000
    # U shape: the open and the close trade more than mid-session
    assert got[0] > 1.5 * got[195]
    assert got[-1] > 1.5 * got[195]


def test_vwap_with_anchored_profile_uses_time_of_day(inst, sim_cls):
    # a profile where only the second hour (UTC 15:30-16:30) trades
    w = tuple([0.0] * 60 + [1.0] * 60 + [0.0] * 270)
    prof = VolumeProfile(w, 60 * 10**9, session_open_ns=(14 * 60 + 30) * MIN)
    day = 19_000 * 86_400 * 10**9
    start = day + (14 * 60 + 30) * MIN
    algo = VWAP(profile=prof, interval_ns=MIN)
    parent = ParentOrder(
        parent_id="V2",
        instrument=inst,
        side="BUY",
        qty=Decimal(6000),
        start_ns=start,
        end_ns=start + 390 * MIN,
    )
    algo.start(parent, start)
    sched = algo.schedule()
    cum = dict(sched)
    assert cum[start + 59 * MIN] == 0
    assert cum[start + 119 * MIN] == 6000
    assert cum[start + 89 * MIN] == 3000


def test_vwap_participation_cap_limits_to_share_of_volume(inst, sim_cls):
    algo = VWAP(interval_ns=MIN, max_participation=0.1, complete_at_end=False)
    algo.start(_parent(inst, 100_000, end=10 * MIN), 0)
    sim = sim_cls(algo)
    # 20,000 shares trade per minute: the cap allows 2,000 a minute, the schedule wants ~10,000
    sim.run([k * MIN for k in range(11)], lambda t: MarketView(ts=t, volume=1 + 20_000 * t // MIN))
    sent = 0
    for t, c in sim.sent:
        sent += int(c.qty)
        assert sent <= 0.1 * 20_000 * (t // MIN)
    assert sim.filled == 18_000  # 9 minutes of volume seen before the end


def test_vwap_bad_participation_names_the_field():
    with pytest.raises(ValidationError) as e:
        VWAP(max_participation=1.5)
    assert e.value.field == "max_participation"

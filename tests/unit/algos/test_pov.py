from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from bolt_exec.algos.base import MarketView, ParentOrder
from bolt_exec.algos.pov import POV
from bolt_exec.backtest.synthetic import splitmix64
from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import OrderType

SEC = 10**9


@pytest.mark.parametrize("rate", [0.05, 0.1, 0.25])
def test_pov_participation_within_tolerance_on_synthetic_volume(inst, sim_cls, rate):
    # Arrange: random per-second volume, 0 .. 5,000 shares
    vol = (splitmix64(42, 3600) % np.uint64(5000)).astype(np.int64)
    cum = np.concatenate(([0], np.cumsum(vol)))
    parent = ParentOrder(
        parent_id="P",
        instrument=inst,
        side="BUY",
        qty=Decimal(10**7),
        start_ns=0,
        end_ns=3600 * SEC,
    )
    algo = POV(rate=rate, min_child=100, max_child=5_000)
    algo.start(parent, 0)
    sim = sim_cls(algo)
    # Act
    sim.run([k * SEC for k in range(3601)], lambda t: MarketView(ts=t, volume=float(cum[t // SEC])))
    # Assert: after warm-up, filled stays within one min_child of rate * traded volume
    for t, _ in sim.fills[10:]:
        target = rate * cum[t // SEC]
        filled_then = sum(q for u, q in sim.fills if u <= t)
        assert target - 100 - 5_000 <= filled_then <= target
    assert abs(float(sim.filled) / cum[-2] - rate) < 0.01
    assert all(100 <= c.qty <= 5_000 for _, c in sim.sent)


def test_pov_limit_price_makes_capped_ioc_children(inst, sim_cls):
    parent = ParentOrder(
        parent_id="P",
        instrument=inst,
        side="SELL",
        qty=Decimal(1000),
        start_ns=0,
        limit_px=Decimal("50.00"),
    )
    algo = POV(rate=0.5)
    algo.start(parent, 0)
    sim = sim_cls(algo)
    sim.run([0, SEC], lambda t: MarketView(ts=t, volume=float(t // SEC * 400)))
    ((_, child),) = sim.sent
    assert child.order_type is OrderType.LIMIT
    assert child.limit_px == Decimal("50.00")
    assert child.qty == 200


def test_pov_min_child_above_max_child_is_refused():
    with pytest.raises(ValidationError) as e:
        POV(rate=0.1, min_child=500, max_child=100)
    assert e.value.field == "min_child"


def test_pov_stops_at_end_time(inst, sim_cls):
    parent = ParentOrder(
        parent_id="P", instrument=inst, side="BUY", qty=Decimal(10**6), start_ns=0, end_ns=5 * SEC
    )
    algo = POV(rate=0.1)
    algo.start(parent, 0)
    sim = sim_cls(algo)
    sim.run([k * SEC for k in range(10)], lambda t: MarketView(ts=t, volume=float(t // SEC * 1000)))
    assert "unfilled" in sim.done_reason
    assert sim.filled == 400

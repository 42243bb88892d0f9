from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from bolt_exec.errors import ValidationError
from bolt_exec.ledger.tca import MarketTape, parent_tca, tca_frame


def _tape():
    # mid 100.00 at t=0, 100.10 at t=10, 100.20 at t=20, 100.40 at t=30; trades at 5, 15, 25
    return MarketTape(
        ts=np.array([0, 10, 20, 30]),
        mid=np.array([100.0, 100.1, 100.2, 100.4]),
        volume_ts=np.array([5, 15, 25]),
        volume_px=np.array([100.0, 100.2, 100.3]),
        volume_qty=np.array([1000.0, 2000.0, 1000.0]),
    )


def test_buy_shortfall_splits_into_delay_impact_fees_and_opportunity():
    # Arrange: decided at 0 (P_d=100), started at 10 (P_0=100.1), ended at 30 (P_e=100.4)
    fills = pd.DataFrame(
        {
            "ts": [15, 25],
            "qty": [Decimal(300), Decimal(500)],
            "px": [Decimal("100.15"), Decimal("100.25")],
            "fee": [Decimal("1.5"), Decimal("2.5")],
        }
    )
    # Act
    r = parent_tca("P", "BUY", 1000, fills, _tape(), decision_ts=0, start_ts=10, end_ts=30)
    # Assert: base = 1000 * 100 / 1e4 = 10 $ per bp
    assert r.filled_qty == 800
    assert r.avg_px == pytest.approx((300 * 100.15 + 500 * 100.25) / 800)
    assert r.delay_bps == pytest.approx(0.1 * 800 / 10)
    assert r.impact_bps == pytest.approx((300 * 100.15 + 500 * 100.25 - 800 * 100.1) / 10)
    assert r.fees_bps == pytest.approx(4.0 / 10)
    assert r.opportunity_bps == pytest.approx(0.4 * 200 / 10)
    assert r.shortfall_bps == pytest.approx(
        r.delay_bps + r.impact_bps + r.fees_bps + r.opportunity_bps
    )
    vwap = (100.2 * 2000 + 100.3 * 1000) / 3000  # trades in (10, 30]
    assert r.interval_vwap == pytest.approx(vwap)
    assert r.vwap_slippage_bps == pytest.approx((r.avg_px - vwap) / vwap * 1e4)
    assert r.participation == pytest.approx(800 / 3000)


def test_sell_costs_have_the_opposite_sign():
    fills = pd.DataFrame({"ts": [15], "qty": [1000], "px": [100.05]})
    r = parent_tca("S", "SELL", 1000, fills, _tape(), decision_ts=0, start_ts=10, end_ts=30)
    assert r.delay_bps == pytest.approx(-0.1 * 1000 / 10)  # the price rose before we sold: a gain
    assert r.impact_bps == pytest.approx(-(100.05 - 100.1) * 1000 / 10)
    assert r.opportunity_bps == 0


def test_schedule_deviation_is_filled_minus_plan_in_percent():
    fills = pd.DataFrame({"ts": [5, 25], "qty": [100, 100], "px": [100.0, 100.0]})
    sched = [(10, 100), (20, 200), (30, 200)]
    r = parent_tca("P", "BUY", 200, fills, _tape(), decision_ts=0, schedule=sched)
    assert r.schedule_max_dev_pct == pytest.approx(-50.0)
    assert r.schedule_mean_abs_dev_pct == pytest.approx(50.0 / 3)


def test_tca_frame_and_validation():
    fills = pd.DataFrame({"ts": [5], "qty": [10], "px": [100.0]})
    rows = [parent_tca(p, "BUY", 10, fills, _tape(), decision_ts=0) for p in ("A", "B")]
    df = tca_frame(rows)
    assert list(df.index) == ["A", "B"]
    assert "shortfall_bps" in df.columns
    with pytest.raises(ValidationError):
        parent_tca("X", "HOLD", 10, fills, _tape(), decision_ts=0)
    with pytest.raises(ValidationError, match="px"):
        parent_tca("X", "BUY", 10, fills.drop(columns=["px"]), _tape(), decision_ts=0)

"""Pure kill-switch monitors at their thresholds, and the reconciliation fail-closed hook."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.clock import SimClock
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.monitors import (
    ConnectivityMonitor,
    PnLMonitor,
    daily_loss_reason,
    exposure_breach_reason,
)

from .conftest import base_policy, manager_for

D = Decimal


@pytest.mark.parametrize(("value", "trips"), [("104.99", False), ("105", True), ("105.01", True)])
def test_pnl_monitor_gain_boundary(value: str, trips: bool) -> None:
    m = PnLMonitor(gain_frac=D("0.05"))
    assert m.update(D(100), 0) is None
    assert (m.update(D(value), 1) is not None) is trips


@pytest.mark.parametrize(("value", "trips"), [("98.01", False), ("98", True), ("97.99", True)])
def test_pnl_monitor_loss_boundary(value: str, trips: bool) -> None:
    m = PnLMonitor(loss_frac=D("0.02"))
    m.update(D(100), 0)
    assert (m.update(D(value), 1) is not None) is trips


def test_pnl_monitor_drawdown_is_from_the_peak() -> None:
    m = PnLMonitor(drawdown_frac=D("0.05"))
    m.update(D(100), 0)
    assert m.update(D(200), 1) is None
    assert m.update(D("190.01"), 2) is None
    reason = m.update(D(190), 3)
    assert reason is not None
    assert "drawdown" in reason


@pytest.mark.parametrize(("now", "trips"), [("900.01", False), ("900", True)])
def test_daily_loss_reason_boundary(now: str, trips: bool) -> None:
    assert (daily_loss_reason(D(1000), D(now), D(100), None) is not None) is trips
    assert (daily_loss_reason(D(1000), D(now), None, D("0.1")) is not None) is trips


def test_exposure_breach_tolerance() -> None:
    args = (D(0), None, D(100), None, None, D("0.1"))
    assert exposure_breach_reason(D(110), *args) is None
    assert exposure_breach_reason(D("110.01"), *args) is not None
    assert exposure_breach_reason(D(10), D(0), D(0), None, None, D(3), D(0)) is not None


def test_connectivity_monitor_reconnect_clears() -> None:
    m = ConnectivityMonitor(disconnect_ns=10, stale_data_ns=5)
    m.on_broker("b", False, 0)
    m.on_broker("b", True, 5)
    assert m.check(100) is None  # reconnected, and no data was ever expected yet
    m.on_broker("c", False, 100)
    assert m.check(109) is None
    assert "'c' disconnected" in (m.check(110) or "")
    m.on_broker("c", True, 110)
    m.on_data(200)
    assert m.check(204) is None
    assert "no market data" in (m.check(205) or "")


def test_reconciliation_discrepancy_tightens_never_loosens(clock: SimClock) -> None:
    manager = manager_for(base_policy(), clock)
    manager.on_reconciliation(0)
    assert manager.trading_state is TradingState.ACTIVE
    manager.on_reconciliation(2, "qty mismatch AAPL")
    assert manager.trading_state is TradingState.REDUCING
    manager.set_trading_state("HALTED", "op", "drill")
    manager.on_reconciliation(1)
    assert manager.trading_state is TradingState.HALTED
    halting = manager_for(base_policy(on_reconcile_discrepancy="HALTED"), clock)
    halting.on_reconciliation(1)
    assert halting.trading_state is TradingState.HALTED

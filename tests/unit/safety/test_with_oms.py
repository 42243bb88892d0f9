"""The SafetyManager behind the real OrderManager and PaperBroker (demo policy.yaml)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.clock import SimClock
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderDenied
from bolt_exec.model.instrument import Instrument
from bolt_exec.oms.manager import OrderManager
from bolt_exec.safety.codes import ReasonCode as R
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.latch import JsonFileLatchStore
from bolt_exec.safety.manager import SafetyManager
from bolt_exec.safety.policy import Policy

from .conftest import ROOT, T0

S = 1_000_000_000


def _session(
    tmp_path: Path, flatten: bool = True
) -> tuple[SimClock, PaperBroker, OrderManager, SafetyManager]:
    clock = SimClock(T0)
    aapl = Instrument("AAPL", venue="XNAS")
    paper = PaperBroker([aapl], initial_cash={"USD": 100_000})
    policy = Policy.from_yaml(ROOT / "policy.yaml")
    config = policy.compile()
    config = replace(config, kill_switch=replace(config.kill_switch, flatten_on_trip=flatten))
    safety = SafetyManager(
        config,
        clock,
        cash=Decimal(100_000),
        latch_store=JsonFileLatchStore(tmp_path / "latch.json"),
    )
    oms = OrderManager(paper, clock=clock, safety=safety, strict=True)
    safety.attach(oms.bus)
    safety.bind(oms)
    safety.sync(oms)
    return clock, paper, oms, safety


def _quote(clock: SimClock, paper: PaperBroker, oms: OrderManager, bid: str, ask: str) -> None:
    clock.advance_by(S)
    ts = clock.now_ns()
    paper.on_quote("AAPL", Decimal(bid), Decimal(ask), 1000, 1000, ts)
    oms.update_mark("AAPL", (Decimal(bid) + Decimal(ask)) / 2, ts)


def test_denial_is_journaled_as_order_denied_with_its_code(tmp_path: Path) -> None:
    clock, paper, oms, safety = _session(tmp_path)
    _quote(clock, paper, oms, "100.00", "100.02")
    h = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="120.00")
    assert h.order.status is OrderStatus.DENIED
    denied = [e for e in oms.store.events() if isinstance(e, OrderDenied)]
    assert [e.code for e in denied] == [R.PRICE_COLLAR.value]
    assert "collar_pct" in denied[0].reason
    ok = oms.submit("AAPL", "BUY", 10, "MARKET")
    assert ok.order.status is OrderStatus.FILLED
    assert safety.state.book.qty("AAPL") == Decimal(10)
    assert safety.state.book.cash == Decimal(100_000) - Decimal(10) * Decimal("100.02")
    assert safety.check_counts["direct"] == 2


def test_kill_switch_cancels_and_flattens_through_the_oms(tmp_path: Path) -> None:
    # Arrange: a long position and a resting order
    clock, paper, oms, safety = _session(tmp_path)
    _quote(clock, paper, oms, "100.00", "100.02")
    assert oms.submit("AAPL", "BUY", 50, "MARKET").order.status is OrderStatus.FILLED
    resting = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="99.00", tif="GTC")
    assert resting.order.is_open
    # Act
    safety.kill_switch.trip("drill", actor="alice")
    _quote(clock, paper, oms, "100.00", "100.02")
    # Assert: halted, resting order canceled, position flattened by a reduce-only order
    assert safety.trading_state is TradingState.HALTED
    assert resting.order.status is OrderStatus.CANCELED
    pos = oms.position("AAPL")
    assert pos is not None
    assert pos.qty == 0
    flatten = [o for o in oms.orders() if o.reduce_only]
    assert len(flatten) == 1
    assert flatten[0].status is OrderStatus.FILLED
    assert safety.check_counts["flatten"] == 1
    # nothing new passes; a restarted session on the same latch is halted too
    assert oms.submit("AAPL", "BUY", 1, "MARKET").order.status is OrderStatus.DENIED
    _, _, oms2, safety2 = _session(tmp_path)
    assert safety2.trading_state is TradingState.HALTED
    assert oms2.submit("AAPL", "BUY", 1, "MARKET").order.status is OrderStatus.DENIED


def test_amend_denied_by_the_gate_leaves_the_order_working(tmp_path: Path) -> None:
    clock, paper, oms, safety = _session(tmp_path)
    _quote(clock, paper, oms, "100.00", "100.02")
    h = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="99.00", tif="GTC")
    assert oms.amend(h.client_order_id, limit_px="150.00") is False
    assert h.order.is_open
    assert h.order.limit_px == Decimal("99.00")
    assert safety.amend_count == 1


def test_loss_monitor_trips_on_the_timer_and_flattens_at_a_loss(tmp_path: Path) -> None:
    # Arrange: 490 shares (the demo's 50 % allocation cap allows up to 499) and a timer
    clock, paper, oms, safety = _session(tmp_path)
    safety.start()
    _quote(clock, paper, oms, "100.00", "100.02")
    assert oms.submit("AAPL", "BUY", 490, "MARKET").order.status is OrderStatus.FILLED
    assert oms.submit("AAPL", "BUY", 10, "MARKET").order.status is OrderStatus.DENIED  # 50 %
    # Act: the price falls 10 %: a 4.9 % portfolio loss, beyond the demo's loss_pct of 2
    _quote(clock, paper, oms, "90.00", "90.02")
    _quote(clock, paper, oms, "90.00", "90.02")
    # Assert
    assert safety.kill_switch.is_tripped
    assert safety.kill_switch.latch.actor == "monitor:pnl"
    pos = oms.position("AAPL")
    assert pos is not None
    assert pos.qty == 0


def test_the_paper_demo_trades_under_the_demo_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every order of ``bolt-exec demo`` passes the shipped policy.yaml."""
    import bolt_exec.demo as demo

    managers: list[SafetyManager] = []

    class GatedOms(OrderManager):
        def __init__(self, broker: PaperBroker, **kwargs: Any) -> None:
            clock = kwargs["clock"]
            safety = SafetyManager.from_policy(
                Policy.from_yaml(ROOT / "policy.yaml"), clock, cash=Decimal(1_000_000)
            )
            super().__init__(broker, safety=safety, **kwargs)
            safety.attach(self.bus)
            safety.bind(self)
            safety.sync(self)
            safety.start()
            managers.append(safety)

    monkeypatch.setattr(demo, "OrderManager", GatedOms)
    result = demo.run_demo()
    statuses = [o.status for o in result.oms.orders()]
    assert OrderStatus.DENIED not in statuses
    assert statuses.count(OrderStatus.FILLED) >= 3
    assert managers[0].check_count == len(statuses)
    assert not managers[0].kill_switch.is_tripped

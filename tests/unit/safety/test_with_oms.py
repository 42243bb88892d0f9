"""The SafetyManager behind the real OrderManager and PaperBroker (demo policy.yaml)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

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


def test_the_paper_demo_trades_under_the_demo_policy() -> None:
    """Every order of ``bolt-exec demo`` passes the shipped policy.yaml."""
    import bolt_exec.demo as demo

    result = demo.run_demo(policy=ROOT / "policy.yaml")
    safety = result.oms.safety
    assert isinstance(safety, SafetyManager)
    statuses = [o.status for o in result.oms.orders()]
    assert OrderStatus.DENIED not in statuses
    assert statuses.count(OrderStatus.FILLED) >= 3
    assert safety.check_count == len(statuses)
    assert not safety.kill_switch.is_tripped


def test_packaged_demo_policy_is_the_documented_one() -> None:
    """``bolt-exec demo`` outside a checkout uses a copy of policy.yaml; it must not drift."""
    packaged = ROOT / "src" / "bolt_exec" / "data" / "policy.yaml"
    assert packaged.read_text() == (ROOT / "policy.yaml").read_text()


def test_a_blocklisted_symbol_we_hold_can_still_be_closed_and_flattened(tmp_path: Path) -> None:
    # Arrange: 50 AAPL bought, then the policy blocks AAPL (a delisting, a compliance hold)
    clock, paper, oms, safety = _session(tmp_path)
    _quote(clock, paper, oms, "100.00", "100.02")
    assert oms.submit("AAPL", "BUY", 50, "MARKET").order.status is OrderStatus.FILLED
    safety.config = replace(safety.config, block=frozenset({"AAPL"}))
    _quote(clock, paper, oms, "100.00", "100.02")
    # Act / Assert: new risk and a plain sell are refused, naming how to exit
    buy = oms.submit("AAPL", "BUY", 1, "MARKET")
    plain_sell = oms.submit("AAPL", "SELL", 10, "MARKET")
    for h in (buy, plain_sell):
        assert h.order.status is OrderStatus.DENIED
        assert h.order.last_event.code == R.BLOCKLISTED.value  # type: ignore[attr-defined]
    assert "reduce_only" in plain_sell.order.last_event.reason  # type: ignore[attr-defined]
    # a reduce-only exit passes; one that would flip the position does not
    exit_ = oms.submit("AAPL", "SELL", 20, "MARKET", reduce_only=True)
    assert exit_.order.status is OrderStatus.FILLED
    flip = oms.submit("AAPL", "SELL", 40, "MARKET", reduce_only=True)
    assert flip.order.status is OrderStatus.DENIED
    # the kill switch's flattening order closes the rest
    safety.kill_switch.trip("drill", actor="alice")
    _quote(clock, paper, oms, "100.00", "100.02")
    pos = oms.position("AAPL")
    assert pos is not None
    assert pos.qty == 0

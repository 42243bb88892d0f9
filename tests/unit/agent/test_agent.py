"""Plans, confidence sizing, pair trades and TP/SL brackets against the real OMS + paper venue."""

from __future__ import annotations

from decimal import Decimal

import pydantic
import pytest

from bolt_exec.agent import (
    ConfidenceSizing,
    ExecutionStatus,
    Plan,
    PlanExecutor,
    attach_bracket,
    execute_pair,
)
from bolt_exec.errors import ConfigError, ValidationError
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.order import Order
from bolt_exec.oms.manager import OrderManager
from bolt_exec.safety.decision import APPROVED, Decision
from bolt_exec.safety.gate import PassThroughSafety, PortfolioView
from bolt_exec.testing.builders import make_instrument, make_oms

BTC = make_instrument(
    "BTC",
    venue="OKX",
    lot_size=Decimal("0.0001"),
    min_qty=Decimal("0.0001"),
    tick_size=Decimal("0.1"),
)


@pytest.mark.parametrize(
    ("confidence", "expected"),
    [
        (0.5, "0.001"),
        (0.6, "0.0028"),
        (0.7, "0.0046"),
        (0.8, "0.0064"),
        (0.9, "0.0082"),
        (1.0, "0.01"),
        (0.49, "0"),
    ],
)
def test_confidence_sizing_matches_the_seed_table(confidence: float, expected: str) -> None:
    sizing = ConfidenceSizing(Decimal("0.001"), Decimal("0.01"))
    assert sizing.size(confidence, BTC) == Decimal(expected)


def test_sizing_rounds_down_to_the_lot_and_refuses_bad_config() -> None:
    coarse = make_instrument("X", lot_size=Decimal(10), min_qty=Decimal(10))
    assert ConfidenceSizing(Decimal(10), Decimal(100)).size(0.77, coarse) == 50  # 58.6 -> 50
    with pytest.raises(ConfigError, match="min_size"):
        ConfidenceSizing(Decimal(5), Decimal(1))


def _executor() -> tuple[PlanExecutor, OrderManager]:
    oms, paper, clock = make_oms(BTC)
    paper.on_quote("BTC", "50000.0", "50000.1", 1, 1, clock.now_ns())
    return PlanExecutor(oms, ConfidenceSizing(Decimal("0.001"), Decimal("0.01"))), oms


def test_buy_plan_becomes_a_sized_market_order_with_plan_tags() -> None:
    executor, oms = _executor()
    results = []
    oms.bus.subscribe("plan.result.*", lambda _t, r: results.append(r))
    res = executor.execute(Plan(symbol="BTC", action="BUY", confidence=0.85, plan_id="p1"))
    assert res.status is ExecutionStatus.SUCCESS and res.executed
    assert res.order_size == Decimal("0.0073")
    order = oms.order(res.order_id or "")
    assert order.status is OrderStatus.FILLED
    assert order.tags == {"plan_id": "p1", "confidence": "0.85", "source": "plan"}
    assert results == [res]


def test_hold_and_low_confidence_send_nothing() -> None:
    executor, oms = _executor()
    assert executor.execute(Plan(symbol="BTC", action="HOLD", confidence=0.9)).status is (
        ExecutionStatus.HOLD
    )
    assert executor.execute(Plan(symbol="BTC", action="SELL", confidence=0.3)).status is (
        ExecutionStatus.SKIPPED
    )
    assert list(oms.orders()) == []


def test_unknown_symbol_is_an_error_result_not_an_exception() -> None:
    executor, _ = _executor()
    res = executor.execute(Plan(symbol="DOGE", action="BUY", confidence=0.9))
    assert res.status is ExecutionStatus.ERROR and "DOGE" in res.message


class _DenyAll:
    def check_submit(self, order: Order, view: PortfolioView) -> Decision:
        return Decision.deny("TRADING_DISABLED", "enable_trading is false")

    def check_amend(
        self,
        order: Order,
        qty: Decimal | None,
        limit_px: Decimal | None,
        stop_px: Decimal | None,
        view: PortfolioView,
    ) -> Decision:
        return APPROVED


def test_denied_plan_reports_the_reason_code() -> None:
    _, paper, clock = make_oms(BTC)
    oms = OrderManager(paper, clock=clock, safety=_DenyAll())
    paper.on_quote("BTC", "50000.0", "50000.1", 1, 1, clock.now_ns())
    res = PlanExecutor(oms, ConfidenceSizing(Decimal("0.001"), Decimal("0.01"))).execute(
        Plan(symbol="BTC", action="BUY", confidence=0.9)
    )
    assert res.status is ExecutionStatus.DENIED and "TRADING_DISABLED" in res.message


@pytest.mark.parametrize(
    "bad",
    [
        {"symbol": "BTC", "action": "BUY", "confidence": 1.5},
        {"symbol": "BTC", "action": "YOLO", "confidence": 0.5},
        {"symbol": "BTC", "action": "BUY", "confidence": float("nan")},
        {"symbol": "BTC", "action": "BUY", "confidence": 0.5, "size": 3},
    ],
)
def test_bad_plans_are_refused_naming_the_field(bad: dict[str, object]) -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        Plan(**bad)  # type: ignore[arg-type]
    field = next(k for k in bad if k in str(info.value))
    assert field in ("confidence", "action", "size")


def _pair_oms(gate: object | None = None) -> OrderManager:
    a, b = make_instrument("KO"), make_instrument("PEP")
    oms, paper, clock = make_oms(a, b)
    for sym in ("KO", "PEP"):
        paper.on_quote(sym, "60.00", "60.02", 1000, 1000, clock.now_ns())
    if gate is not None:
        return OrderManager(paper, clock=clock, safety=gate)  # type: ignore[arg-type]
    return oms


def test_pair_trade_sends_both_legs() -> None:
    oms = _pair_oms()
    res = execute_pair(
        oms, pair_id="P1", long_symbol="KO", long_qty=100, short_symbol="PEP", short_qty=80
    )
    assert res.ok and res.long_leg.status is OrderStatus.FILLED
    assert oms.position("PEP").qty == -80  # type: ignore[union-attr]


class _DenyPep(PassThroughSafety):
    def check_submit(self, order: Order, view: PortfolioView) -> Decision:
        if order.symbol == "PEP" and not order.reduce_only:
            return Decision.deny("BLOCKLIST", "PEP is blocked")
        return APPROVED


def test_pair_trade_unwinds_the_filled_leg_when_the_other_is_denied() -> None:
    oms = _pair_oms(_DenyPep())
    res = execute_pair(
        oms, pair_id="P2", long_symbol="KO", long_qty=100, short_symbol="PEP", short_qty=80
    )
    assert not res.ok and "BLOCKLIST" in res.message
    assert len(res.unwinds) == 1 and res.unwinds[0].order.reduce_only
    assert oms.position("KO").qty == 0  # type: ignore[union-attr]


def test_bracket_exits_follow_fills_and_one_cancels_the_other() -> None:
    oms, paper, clock = make_oms()
    paper.on_quote("AAPL", "100.00", "100.02", 1000, 60, clock.now_ns())
    entry = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="100.02", tif="GTC")
    bracket = attach_bracket(oms, entry, take_profit_px="101.00", stop_loss_px="99.00")
    assert entry.filled_qty == 60
    assert bracket.take_profit is not None and bracket.take_profit.order.qty == 60
    paper.on_quote("AAPL", "100.00", "100.02", 1000, 1000, clock.now_ns())
    assert entry.status is OrderStatus.FILLED
    assert bracket.take_profit.order.qty == 100 and bracket.stop_loss is not None
    assert bracket.stop_loss.order.qty == 100
    paper.on_quote("AAPL", "101.00", "101.02", 30, 1000, clock.now_ns())  # TP fills 30
    assert bracket.open_qty == 70 and bracket.stop_loss.order.leaves_qty == 70
    paper.on_quote("AAPL", "101.10", "101.12", 1000, 1000, clock.now_ns())  # TP fills the rest
    assert bracket.open_qty == 0
    assert bracket.stop_loss.status is OrderStatus.CANCELED
    assert oms.position("AAPL").qty == 0  # type: ignore[union-attr]


def test_bracket_refuses_prices_on_the_wrong_side() -> None:
    oms, paper, clock = make_oms()
    paper.on_quote("AAPL", "100.00", "100.02", 1000, 1000, clock.now_ns())
    entry = oms.submit("AAPL", "BUY", 10)
    with pytest.raises(ValidationError, match="take_profit_px"):
        attach_bracket(oms, entry, take_profit_px="98.00", stop_loss_px="99.00")

"""Every order path goes through the SafetyManager (issue 4, item 5), proved by counting.

The real OrderManager, PaperBroker and SafetyManager (the demo ``policy.yaml``, a
latch file under ``tmp_path``). For each path (direct ``oms.submit``, algorithm
children, plan-driven orders, the reconciler's corrective actions, kill-switch
flattening) one test shows the SafetyManager's per-path counter moved by exactly
the orders that path sent to the venue, and one shows that a denial on that path
stops the order before the venue: the broker's command counters do not move.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.agent import ConfidenceSizing, Plan, PlanExecutor
from bolt_exec.agent.plan import ExecutionStatus
from bolt_exec.algos import TWAP, AlgoRunner, ParentOrder
from bolt_exec.clock import SimClock
from bolt_exec.errors import ReconciliationError
from bolt_exec.model.commands import CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderStatus, OrderType, Side
from bolt_exec.model.instrument import Instrument
from bolt_exec.oms.manager import OrderManager
from bolt_exec.reconcile import ReconcilePolicy
from bolt_exec.reconcile.service import ReconcileService
from bolt_exec.runtime.reconcile_wiring import CorrectiveActions, reconcile_service
from bolt_exec.safety.codes import ReasonCode as R
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.context import order_path
from bolt_exec.safety.manager import SafetyManager
from bolt_exec.safety.policy import Policy

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_704_205_800_000_000_000  # 2024-01-02 14:30 UTC, a Tuesday in the session
S = 1_000_000_000


class CountingPaper(PaperBroker):
    """The paper venue, recording every command that reaches it (the wire-level count)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.submitted: list[SubmitOrder] = []
        self.cancels: list[CancelOrder] = []

    def submit(self, command: SubmitOrder) -> None:
        self.submitted.append(command)
        super().submit(command)

    def cancel(self, command: CancelOrder) -> None:
        self.cancels.append(command)
        super().cancel(command)


class Session:
    """One OMS session behind the demo policy (optionally with a blocklist or flattening)."""

    def __init__(
        self, tmp_path: Path, *, block: tuple[str, ...] = (), flatten: bool = False
    ) -> None:
        data = yaml.safe_load((ROOT / "policy.yaml").read_text())
        data["instruments"]["block"] = list(block)
        data["kill_switch"]["flatten_on_trip"] = flatten
        self.clock = SimClock(T0)
        self.paper = CountingPaper(
            [Instrument("AAPL", venue="XNAS"), Instrument("MSFT", venue="XNAS")],
            initial_cash={"USD": 100_000},
        )
        self.oms = OrderManager(
            self.paper,
            clock=self.clock,
            policy=Policy.from_mapping(data),
            latch_path=tmp_path / "kill_switch.json",
        )
        assert isinstance(self.oms.safety, SafetyManager)
        self.safety: SafetyManager = self.oms.safety
        self.quote()

    def quote(self, seconds: int = 1) -> None:
        """Advance the clock and quote both symbols around 100 (marks follow)."""
        for _ in range(seconds):
            self.clock.advance_by(S)
            ts = self.clock.now_ns()
            for sym in ("AAPL", "MSFT"):
                self.paper.on_quote(sym, Decimal("100.00"), Decimal("100.02"), 1000, 1000, ts)
                self.oms.update_mark(sym, Decimal("100.01"), ts)

    def sent_on(self, path: str) -> list[str]:
        """Client order ids of the orders of ``path`` that reached the venue."""
        ours = {o.client_order_id for o in self.oms.orders() if order_path(o) == path}
        return [c.client_order_id for c in self.paper.submitted if c.client_order_id in ours]

    def orders_on(self, path: str) -> list[str]:
        return [o.client_order_id for o in self.oms.orders() if order_path(o) == path]


def only(counts: Counter[str], path: str, n: int) -> None:
    """``counts`` has ``n`` checks on ``path`` and none on any other path."""
    assert {k: v for k, v in counts.items() if v} == ({path: n} if n else {})


# -- direct ---------------------------------------------------------------------------------
def test_direct_orders_are_each_checked_once(tmp_path: Path) -> None:
    s = Session(tmp_path)
    handles = [s.oms.submit("AAPL", "BUY", q, "MARKET") for q in (1, 2, 3)]
    assert [h.status for h in handles] == [OrderStatus.FILLED] * 3
    only(s.safety.check_counts, "direct", 3)
    assert s.sent_on("direct") == [h.client_order_id for h in handles]
    assert len(s.paper.submitted) == 3


def test_direct_order_denied_never_reaches_the_venue(tmp_path: Path) -> None:
    s = Session(tmp_path, block=("MSFT",))
    before = s.paper.commands_received
    h = s.oms.submit("MSFT", "BUY", 5, "MARKET")
    assert h.status is OrderStatus.DENIED
    assert h.order.last_event.code == R.BLOCKLISTED.value  # type: ignore[attr-defined]
    assert s.paper.commands_received == before
    only(s.safety.check_counts, "direct", 1)


# -- algorithm children -----------------------------------------------------------------------
def _twap(s: Session, symbol: str, qty: int, slices: int) -> tuple[AlgoRunner, str]:
    runner = AlgoRunner(s.oms, s.clock, halted=lambda: s.safety.kill_switch.is_tripped)
    now = s.clock.now_ns()
    parent = ParentOrder(
        parent_id="P1",
        instrument=s.oms.instrument(symbol),
        side=Side.BUY,
        qty=Decimal(qty),
        start_ns=now,
        end_ns=now + slices * 2 * S,
        strategy_id="twap",
    )
    return runner, runner.execute(TWAP(slices=slices), parent)


def test_algorithm_children_are_each_checked_once(tmp_path: Path) -> None:
    s = Session(tmp_path)
    runner, pid = _twap(s, "AAPL", 30, slices=3)
    s.quote(10)
    assert runner.status(pid).is_done
    assert runner.status(pid).filled_qty == 30
    children = runner.children(pid)
    assert len(children) == 3
    only(s.safety.check_counts, "algo", 3)
    assert s.sent_on("algo") == children
    assert len(s.paper.submitted) == 3


def test_algorithm_child_denied_never_reaches_the_venue_and_stops_the_parent(
    tmp_path: Path,
) -> None:
    s = Session(tmp_path, block=("MSFT",))
    before = s.paper.commands_received
    runner, pid = _twap(s, "MSFT", 30, slices=3)
    s.quote(10)
    status = runner.status(pid)
    assert status.is_done
    assert "BLOCKLISTED" in status.reason
    assert status.children == 1  # the first child was denied; no second ask
    assert s.paper.commands_received == before
    only(s.safety.check_counts, "algo", 1)


# -- plan-driven --------------------------------------------------------------------------------
def _executor(s: Session) -> PlanExecutor:
    return PlanExecutor(s.oms, ConfidenceSizing(Decimal(1), Decimal(10)), strategy_id="planner")


def test_plan_driven_orders_are_each_checked_once(tmp_path: Path) -> None:
    s = Session(tmp_path)
    ex = _executor(s)
    results = [
        ex.execute(Plan(symbol="AAPL", action="BUY", confidence=0.9, plan_id="p1")),
        ex.execute(Plan(symbol="AAPL", action="HOLD", confidence=0.9, plan_id="p2")),
        ex.execute(Plan(symbol="AAPL", action="BUY", confidence=0.4, plan_id="p3")),
        ex.execute(Plan(symbol="AAPL", action="SELL", confidence=0.7, plan_id="p4")),
    ]
    assert [r.status for r in results] == [
        ExecutionStatus.SUCCESS,
        ExecutionStatus.HOLD,
        ExecutionStatus.SKIPPED,  # below the sizing floor: no order at all
        ExecutionStatus.SUCCESS,
    ]
    only(s.safety.check_counts, "plan", 2)
    assert s.sent_on("plan") == [results[0].order_id, results[3].order_id]
    assert len(s.paper.submitted) == 2


def test_plan_driven_orders_denied_for_low_confidence_or_blocklist_never_reach_the_venue(
    tmp_path: Path,
) -> None:
    s = Session(tmp_path, block=("MSFT",))
    ex = _executor(s)
    before = s.paper.commands_received
    # 0.55 clears the sizing floor (0.5) but not the policy's plans.min_confidence (0.6)
    low = ex.execute(Plan(symbol="AAPL", action="BUY", confidence=0.55, plan_id="low"))
    blocked = ex.execute(Plan(symbol="MSFT", action="BUY", confidence=0.9, plan_id="blk"))
    assert low.status is ExecutionStatus.DENIED
    assert R.LOW_CONFIDENCE.value in low.message
    assert blocked.status is ExecutionStatus.DENIED
    assert R.BLOCKLISTED.value in blocked.message
    assert s.paper.commands_received == before
    only(s.safety.check_counts, "plan", 2)


# -- reconciler corrective actions ----------------------------------------------------------------
def _lose_a_cancel(s: Session) -> str:
    """A resting order whose cancel request the venue never received (connection down)."""
    resting = s.oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="99.00", tif="GTC")
    assert resting.status is OrderStatus.ACCEPTED
    asyncio.run(s.paper.disconnect())
    s.oms.cancel(resting.client_order_id)
    asyncio.run(s.paper.connect())
    assert s.oms.order(resting.client_order_id).status is OrderStatus.PENDING_CANCEL
    s.quote(6)  # past the reconciler's grace period: the request is lost, not in flight
    return resting.client_order_id


def _external_order(s: Session) -> str:
    """An order placed at the venue by another platform while nobody listened."""
    events: list[object] = []
    s.paper.bind(events.append, s.clock)
    s.paper.submit(
        SubmitOrder(
            client_order_id="EXT1",
            symbol="AAPL",
            side=Side.SELL,
            order_type=OrderType.LIMIT,
            qty=Decimal(5),
            limit_px=Decimal("101.00"),
        )
    )
    s.paper.bind(s.oms.on_event, s.clock)
    assert events  # the venue accepted it
    return "EXT1"


def test_reconciler_corrective_cancels_are_each_checked_once(tmp_path: Path) -> None:
    s = Session(tmp_path)
    lost = _lose_a_cancel(s)
    external = _external_order(s)
    cancels_before = len(s.paper.cancels)
    submits_before = len(s.paper.submitted)
    checks_before = Counter(s.safety.check_counts)
    service = reconcile_service(s.oms, "paper", policy=ReconcilePolicy.CANCEL_UNKNOWN)
    outcome = asyncio.run(service.run_once())
    assert outcome.is_ok, outcome.summary()
    sent = [c.client_order_id for c in s.paper.cancels[cancels_before:]]
    assert sorted(sent) == sorted([lost, external])  # the lost cancel re-sent; the unknown one
    assert s.safety.cancel_counts["reconcile"] == 2
    assert s.oms.order(lost).status is OrderStatus.CANCELED
    assert s.oms.order(external).status is OrderStatus.CANCELED  # adopted, then canceled
    assert len(s.paper.submitted) == submits_before  # the resolver never creates risk
    assert s.safety.check_counts == checks_before
    assert s.safety.trading_state is TradingState.ACTIVE


def test_reconciler_corrective_order_goes_through_the_gate_and_a_denial_never_reaches_the_venue(
    tmp_path: Path,
) -> None:
    s = Session(tmp_path, block=("MSFT",))
    act = CorrectiveActions(s.oms, "paper")
    order = SubmitOrder(
        client_order_id="unused",
        symbol="AAPL",
        side=Side.BUY,
        order_type=OrderType.MARKET,
        qty=Decimal(2),
    )
    act(order)
    only(s.safety.check_counts, "reconcile", 1)
    assert s.sent_on("reconcile") == s.orders_on("reconcile")
    assert len(s.paper.submitted) == 1
    before = s.paper.commands_received
    with pytest.raises(ReconciliationError, match="BLOCKLISTED"):
        act(SubmitOrder(**{**_fields(order), "symbol": "MSFT"}))
    assert s.paper.commands_received == before
    only(s.safety.check_counts, "reconcile", 2)


def test_reconciler_cancel_passes_while_halted_when_new_orders_are_denied(
    tmp_path: Path,
) -> None:
    s = Session(tmp_path)
    lost = _lose_a_cancel(s)
    s.safety.kill_switch.trip("drill", actor="alice")  # its cancel_all skips PENDING_CANCEL
    assert s.safety.trading_state is TradingState.HALTED
    before = s.paper.commands_received
    assert s.oms.submit("AAPL", "BUY", 1, "MARKET").status is OrderStatus.DENIED
    assert s.paper.commands_received == before
    outcome = asyncio.run(reconcile_service(s.oms, "paper").run_once())
    assert outcome.is_ok, outcome.summary()
    assert s.paper.cancels[-1].client_order_id == lost
    assert s.paper.commands_received == before + 1
    assert s.safety.cancel_counts["reconcile"] == 1
    assert s.oms.order(lost).status is OrderStatus.CANCELED


def _fields(cmd: SubmitOrder) -> dict[str, Any]:
    return {f: getattr(cmd, f) for f in cmd.__struct_fields__}


# -- kill-switch flattening ------------------------------------------------------------------------
def test_flattening_orders_are_each_checked_once_as_reduce_only(tmp_path: Path) -> None:
    s = Session(tmp_path, flatten=True)
    s.oms.submit("AAPL", "BUY", 20, "MARKET")
    s.oms.submit("MSFT", "SELL", 10, "MARKET")
    submits_before = len(s.paper.submitted)
    s.safety.kill_switch.trip("drill", actor="alice")
    assert s.safety.check_counts["flatten"] == 2
    assert s.safety.check_counts["direct"] == 2
    flattening = s.paper.submitted[submits_before:]
    assert [c.client_order_id for c in flattening] == s.sent_on("flatten")
    assert [(c.symbol, c.side, c.qty, c.reduce_only) for c in flattening] == [
        ("AAPL", Side.SELL, Decimal(20), True),
        ("MSFT", Side.BUY, Decimal(10), True),
    ]
    assert all(p.qty == 0 for p in s.oms.positions())


def test_flatten_tagged_order_without_the_kill_switchs_ticket_is_denied(tmp_path: Path) -> None:
    s = Session(tmp_path, flatten=True)
    s.oms.submit("AAPL", "BUY", 20, "MARKET")
    s.safety.kill_switch.trip("drill", actor="alice")
    assert s.safety.check_counts["flatten"] == 1
    before = s.paper.commands_received
    s.oms.submit("AAPL", "BUY", 20, "MARKET")  # re-open... denied: HALTED
    sneaky = s.oms.submit("AAPL", "SELL", 5, "MARKET", reduce_only=True, tags={"path": "flatten"})
    assert sneaky.status is OrderStatus.DENIED
    assert sneaky.order.last_event.code == R.KILL_SWITCH.value  # type: ignore[attr-defined]
    assert s.paper.commands_received == before
    assert s.safety.check_counts["flatten"] == 2


# -- all paths in one session -------------------------------------------------------------------
def test_every_path_in_one_session_checks_each_order_exactly_once(tmp_path: Path) -> None:
    s = Session(tmp_path, flatten=True)
    s.oms.submit("AAPL", "BUY", 5, "MARKET")
    runner, pid = _twap(s, "MSFT", 6, slices=2)
    s.quote(6)
    _executor(s).execute(Plan(symbol="AAPL", action="BUY", confidence=0.8, plan_id="p"))
    CorrectiveActions(s.oms, "paper")(
        SubmitOrder(
            client_order_id="x",
            symbol="AAPL",
            side=Side.BUY,
            order_type=OrderType.MARKET,
            qty=Decimal(1),
        )
    )
    s.safety.kill_switch.trip("end of drill", actor="alice")
    counts = {k: v for k, v in s.safety.check_counts.items() if v}
    assert counts == {"direct": 1, "algo": 2, "plan": 1, "reconcile": 1, "flatten": 2}
    assert s.safety.check_count == sum(counts.values()) == len(s.paper.submitted)
    assert sorted(c.client_order_id for c in s.paper.submitted) == sorted(
        o.client_order_id for o in s.oms.orders()
    )
    assert runner.status(pid).filled_qty == 6


# -- a reconciler built by hand -------------------------------------------------------------------
def test_hand_built_reconciler_cannot_be_given_a_broker_to_send_to(tmp_path: Path) -> None:
    """The old form (a broker and callbacks, commands defaulting to ``broker.cancel``)
    bypassed the gate; it is refused with what to write instead."""
    s = Session(tmp_path)
    with pytest.raises(TypeError, match=r"ReconcileService\(oms, 'paper'\)"):
        ReconcileService(s.paper)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ReconcileService(  # type: ignore[call-arg]
            s.oms, "paper", send_command=s.paper.cancel
        )


def test_hand_built_reconciler_corrective_cancels_reach_the_gate(tmp_path: Path) -> None:
    # Arrange: a lost cancel request and an unknown venue order, the demo policy.
    s = Session(tmp_path)
    lost = _lose_a_cancel(s)
    external = _external_order(s)
    cancels_before = len(s.paper.cancels)
    service = ReconcileService(s.oms, "paper", policy=ReconcilePolicy.CANCEL_UNKNOWN)

    # Act
    outcome = asyncio.run(service.run_once())

    # Assert: every cancel it sent was shown to the SafetyManager first.
    assert outcome.is_ok, outcome.summary()
    sent = [c.client_order_id for c in s.paper.cancels[cancels_before:]]
    assert sorted(sent) == sorted([lost, external])
    assert s.safety.cancel_counts["reconcile"] == len(sent)


def test_hand_built_reconciler_corrective_order_denied_by_policy_never_reaches_the_venue(
    tmp_path: Path,
) -> None:
    s = Session(tmp_path, block=("MSFT",))
    service = ReconcileService(s.oms, "paper")
    before = s.paper.commands_received
    order = SubmitOrder(
        client_order_id="unused",
        symbol="MSFT",
        side=Side.BUY,
        order_type=OrderType.MARKET,
        qty=Decimal(2),
    )

    with pytest.raises(ReconciliationError, match="BLOCKLISTED"):
        service.corrective(order)

    assert s.paper.commands_received == before
    only(s.safety.check_counts, "reconcile", 1)


def test_hand_built_reconciler_escalates_to_the_safety_manager_by_default(
    tmp_path: Path,
) -> None:
    s = Session(tmp_path)
    _external_order(s)

    outcome = asyncio.run(ReconcileService(s.oms, "paper").run_once())

    assert outcome.unresolved  # CONSERVATIVE: an unknown venue order is escalated
    assert s.safety.trading_state is s.safety.config.on_reconcile_discrepancy
    assert s.safety.trading_state is not TradingState.ACTIVE

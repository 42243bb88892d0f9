"""LiveNode's default reconciliation: a ReconcileService per broker at start-up and on its
timer (within the broker's request budget), escalating what it cannot settle to the
SafetyManager. The real OMS, PaperBroker and SafetyManager on a real asyncio loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.adapters.zerodha.venue import KITE_LIMITS
from bolt_exec.clock import LiveClock
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.model.enums import OrderStatus, OrderType, Side
from bolt_exec.model.events import OrderEvent
from bolt_exec.model.instrument import Instrument
from bolt_exec.oms.manager import OrderManager
from bolt_exec.reconcile.service import min_interval_s
from bolt_exec.runtime.config import NodeConfig
from bolt_exec.runtime.node import LiveNode
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.latch import JsonFileLatchStore
from bolt_exec.safety.manager import SafetyManager
from bolt_exec.safety.policy import Policy

ROOT = Path(__file__).resolve().parents[3]
FAST = NodeConfig(brokers={}, heartbeat_s=0.01, reconcile_every_s=0.05)


async def wait_for(predicate: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.01)


class Rig:
    def __init__(self, tmp_path: Path, paper: PaperBroker | None = None) -> None:
        self.clock = LiveClock()
        self.paper = paper or PaperBroker(
            [Instrument("AAPL", venue="XNAS")], initial_cash={"USD": 100_000}
        )
        self.safety = SafetyManager.from_policy(
            Policy.from_yaml(ROOT / "policy.yaml"),
            self.clock,
            cash=Decimal(100_000),
            latch_store=JsonFileLatchStore(tmp_path / "latch.json"),
        )
        self.lost: list[OrderEvent] = []

    def node(self, config: NodeConfig = FAST) -> LiveNode:
        return LiveNode({"paper": self.paper}, clock=self.clock, safety=self.safety, config=config)

    def quote(self, oms: OrderManager, bid: str, ask: str) -> None:
        ts = self.clock.now_ns()
        self.paper.on_quote("AAPL", Decimal(bid), Decimal(ask), 1000, 1000, ts)
        oms.update_mark("AAPL", (Decimal(bid) + Decimal(ask)) / 2, ts)

    def deaf(self) -> None:
        """The venue's events stop reaching the OMS (a dropped stream)."""
        self.paper.bind(self.lost.append, self.clock)

    def hear(self, oms: OrderManager) -> None:
        self.paper.bind(oms.on_event, self.clock)


@pytest.mark.asyncio
async def test_timer_reconciliation_applies_a_fill_the_stream_lost(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    node = rig.node()
    oms = await node.start()
    try:
        assert node.outcomes["paper"].is_ok  # reconciled before start() returned
        assert node.services["paper"].interval_s == pytest.approx(0.05)  # no published limits
        rig.quote(oms, "100.00", "100.02")
        resting = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="99.00", tif="GTC")
        coid = resting.client_order_id
        assert oms.order(coid).status is OrderStatus.ACCEPTED
        rig.deaf()
        rig.quote(oms, "98.80", "98.90")  # the venue fills the resting buy; nobody hears it
        rig.hear(oms)
        assert rig.lost
        await wait_for(lambda: oms.order(coid).status is OrderStatus.FILLED)
        assert oms.order(coid).events[-1].reconciliation
        pos = oms.position("AAPL")
        assert pos is not None
        assert pos.qty == Decimal(10)
        assert rig.safety.trading_state is TradingState.ACTIVE  # settled, nothing escalated
        assert oms.anomalies == []
    finally:
        await node.stop()


@pytest.mark.asyncio
async def test_timer_escalates_an_unknown_venue_order_to_the_safety_manager(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    node = rig.node()
    oms = await node.start()
    try:
        assert rig.safety.is_attached
        rig.quote(oms, "100.00", "100.02")
        rig.deaf()
        rig.paper.submit(
            SubmitOrder(
                client_order_id="ELSEWHERE1",
                symbol="AAPL",
                side=Side.BUY,
                order_type=OrderType.LIMIT,
                qty=Decimal(3),
                limit_px=Decimal("95.00"),
            )
        )
        rig.hear(oms)
        await wait_for(lambda: rig.safety.trading_state is TradingState.REDUCING)
        last = node.services["paper"].last  # the timer's latest run
        assert last is not None
        assert [getattr(d, "client_order_id", "") for d in last.unresolved] == ["ELSEWHERE1"]
        assert any("ELSEWHERE1" in r.detail for r in rig.safety.audit)
        before = rig.paper.commands_received
        assert oms.submit("AAPL", "BUY", 1, "MARKET").status is OrderStatus.DENIED
        assert rig.paper.commands_received == before
    finally:
        await node.stop()


class KiteLimitedPaper(PaperBroker):
    """A paper venue that publishes Kite's limits (order caps and a 10/s request limit)."""

    limits = KITE_LIMITS


@pytest.mark.asyncio
async def test_timer_period_stays_within_the_brokers_request_budget(tmp_path: Path) -> None:
    paper = KiteLimitedPaper([Instrument("AAPL", venue="XNAS")])
    # 3 requests a run, 10% of 10 requests/s: one run per 3 s. Kite's 3,000 orders a day
    # would make it 864 s, but a reconciliation sends no orders.
    assert min_interval_s(paper, 0.1) == pytest.approx(3.0)
    assert min_interval_s(PaperBroker(), 0.1) == 0.0
    rig = Rig(tmp_path, paper)
    node = rig.node(FAST.model_copy(update={"reconcile_every_s": 0.1}))
    await node.start()
    try:
        assert node.services["paper"].interval_s == pytest.approx(3.0)
    finally:
        await node.stop()

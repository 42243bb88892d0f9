"""Recovery: an OrderManager reopened on a SQLite store rebuilds its book, and the
reconciler adopts what the venue did while we were down."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.clock import SimClock
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderEvent
from bolt_exec.oms.manager import OrderManager
from bolt_exec.reconcile import ReconcilePolicy
from bolt_exec.reconcile.service import ReconcileService
from bolt_exec.store import SqlOrderStore
from bolt_exec.testing.builders import T0, make_instrument


@pytest.mark.asyncio
async def test_reopened_oms_recovers_and_reconciles_a_fill_missed_while_down(
    tmp_path: Path,
) -> None:
    # Arrange: a session that rests a buy and fills a market buy, then dies.
    db = tmp_path / "bolt.db"
    clock = SimClock(T0)
    paper = PaperBroker([make_instrument()], latency_ns=0)
    store = SqlOrderStore(db)
    oms = OrderManager(paper, clock=clock, store=store, strict=True)
    paper.on_quote("AAPL", "100.00", "100.02", 1000, 1000, clock.now_ns())
    resting = oms.submit("AAPL", "BUY", 50, "LIMIT", limit_px="99.00", tif="GTC")
    oms.submit("AAPL", "BUY", 100)
    store.trip_kill_switch(reason="drill", actor="ops", ts_ns=clock.now_ns())
    store.close()
    lost: list[OrderEvent] = []
    paper.bind(lost.append, clock)  # nobody listens while we are down
    clock.advance_by(60_000_000_000)
    paper.on_quote("AAPL", "98.90", "98.95", 1000, 1000, clock.now_ns())  # fills the resting buy
    assert lost, "the venue should have filled the resting order while we were down"
    clock.advance_by(60_000_000_000)

    # Act: reopen, recover, reconcile.
    store2 = SqlOrderStore(db)
    oms2 = OrderManager(paper, clock=clock, store=store2, strict=True)
    before = oms2.order(resting.client_order_id).status
    service = ReconcileService(oms2, "paper", policy=ReconcilePolicy.CONSERVATIVE)
    outcome = await service.run_once()
    again = await service.run_once()

    # Assert
    assert before is OrderStatus.ACCEPTED
    assert outcome.is_ok, outcome.summary()
    assert oms2.order(resting.client_order_id).status is OrderStatus.FILLED
    pos = oms2.position("AAPL")
    assert pos is not None
    assert pos.qty == Decimal(150)
    assert again.resolution is not None and again.resolution.is_clean
    assert store2.kill_switch().is_latched
    assert store2.load_positions()[("paper", "AAPL")].qty == Decimal(150)
    assert any(f.reconciliation for f in store2.fills())
    store2.close()

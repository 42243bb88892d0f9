"""LiveNode + OrderManager + KiteBroker + FakeKite over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bolt_exec.adapters.zerodha.codec import tag_for
from bolt_exec.clock import LiveClock
from bolt_exec.errors import AuthenticationError, ReconciliationError
from bolt_exec.model.enums import OrderStatus, OrderType, Side
from bolt_exec.model.events import OrderInitialized, OrderSubmitted
from bolt_exec.model.reports import MassStatus
from bolt_exec.runtime.config import NodeConfig
from bolt_exec.runtime.node import LiveNode
from bolt_exec.runtime.startup import StartupReport, check_mass_status
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.latch import JsonFileLatchStore
from bolt_exec.safety.manager import SafetyManager
from bolt_exec.safety.policy import Policy
from bolt_exec.store.base import MemoryOrderStore
from bolt_exec.testing.fakes.kite import FakeKite

from .runtime_helpers import kite, wait_for

ROOT = Path(__file__).resolve().parents[2]
FAST = NodeConfig(
    brokers={},
    heartbeat_s=0.05,
    reconnect_base_s=0.05,
    reconnect_cap_s=0.2,
    reconcile_wait_s=0.1,
    reconcile_attempts=3,
)


def place_requests(fake: FakeKite) -> int:
    return sum(1 for m, path, _ in fake.requests if m == "POST" and path.startswith("/orders/"))


@pytest.mark.asyncio
async def test_node_trades_through_kite_and_the_oms_sees_fills(fake: FakeKite) -> None:
    node = LiveNode({"zerodha": kite(fake)}, config=FAST)
    oms = await node.start()
    try:
        assert node.reports["zerodha"].is_clean
        fake.script.partial_parts = 2
        handle = oms.submit("INFY", "BUY", 3, "MARKET")
        await wait_for(lambda: oms.order(handle.order.client_order_id).status is OrderStatus.FILLED)
        order = oms.order(handle.order.client_order_id)
        assert order.filled_qty == 3
        assert len(order.trade_ids) == 2
        assert len(fake.order_by_tag(tag_for(order.client_order_id))) == 1
        assert oms.anomalies == []
    finally:
        await node.stop()


@pytest.mark.asyncio
async def test_restart_after_crash_recovers_fills_and_never_resends(fake: FakeKite) -> None:
    """A working order, a crash, a fill while down: the restart reports it, sends nothing."""
    # Arrange: session 1 places a resting order, then dies
    store = MemoryOrderStore()
    first = LiveNode({"zerodha": kite(fake)}, store=store, config=FAST)
    oms1 = await first.start()
    handle = oms1.submit("INFY", "BUY", 5, "LIMIT", limit_px="1400.05")
    coid = handle.order.client_order_id
    await wait_for(lambda: oms1.order(coid).status is OrderStatus.ACCEPTED)
    await first.stop()
    fake.fill(fake.book.orders[next(iter(fake.book.orders))]["order_id"], 5)
    # Act: session 2 recovers from the same journal
    second = LiveNode({"zerodha": kite(fake)}, store=store, config=FAST)
    oms2 = await second.start()
    try:
        # Assert
        assert oms2.order(coid).status is OrderStatus.FILLED
        assert oms2.order(coid).filled_qty == 5
        assert second.reports["zerodha"].is_clean
        assert place_requests(fake) == 1
        assert len(fake.book.orders) == 1
        assert oms1.anomalies == []
        assert oms2.anomalies == []
    finally:
        await second.stop()


def ghost_journal() -> MemoryOrderStore:
    """A journal whose last session sent GHOST1 (SUBMITTED) that never reached the venue."""
    store = MemoryOrderStore()
    store.append(
        [
            OrderInitialized(
                client_order_id="GHOST1",
                ts_event=1,
                ts_init=1,
                symbol="INFY",
                side=Side.BUY,
                order_type=OrderType.MARKET,
                qty=Decimal(1),
                broker="zerodha",
                event_id="GHOST1-1",
            ),
            OrderSubmitted(
                client_order_id="GHOST1",
                ts_event=2,
                ts_init=2,
                broker="zerodha",
                event_id="GHOST1-2",
            ),
        ]
    )
    return store


def place_untagged(fake: FakeKite, qty: int = 2) -> str:
    """An order placed on the account from another platform (no bolt_exec tag)."""
    from kiteconnect import KiteConnect

    raw = KiteConnect(fake.api_key, access_token=fake.access_token, root=fake.url)
    return str(
        raw.place_order(
            variety="regular",
            exchange="NSE",
            tradingsymbol="INFY",
            transaction_type="BUY",
            quantity=qty,
            product="CNC",
            order_type="LIMIT",
            price=1400.05,
        )
    )


def safety_manager(tmp_path: Path, clock: LiveClock) -> SafetyManager:
    return SafetyManager.from_policy(
        Policy.from_yaml(ROOT / "policy.yaml"),
        clock,
        cash=Decimal(1_000_000),
        latch_store=JsonFileLatchStore(tmp_path / "latch.json"),
    )


@pytest.mark.asyncio
async def test_start_reconciles_a_journaled_order_the_venue_never_saw_as_rejected(
    fake: FakeKite,
) -> None:
    node = LiveNode({"zerodha": kite(fake)}, store=ghost_journal(), config=FAST)
    oms = await node.start()
    try:
        ghost = oms.order("GHOST1")
        assert ghost.status is OrderStatus.REJECTED
        assert "never reached the venue" in str(getattr(ghost.last_event, "reason", ""))
        assert ghost.last_event.reconciliation
        assert node.reports["zerodha"].is_clean
        assert node.outcomes["zerodha"].is_ok
        assert place_requests(fake) == 0  # nothing re-sent
    finally:
        await node.stop()


@pytest.mark.asyncio
async def test_start_halts_on_a_venue_order_it_cannot_settle(fake: FakeKite) -> None:
    venue_id = place_untagged(fake)
    node = LiveNode({"zerodha": kite(fake)}, config=FAST)
    with pytest.raises(ReconciliationError, match=rf"EXT-zerodha-{venue_id}.*unknown order"):
        await node.start()
    await node.stop()
    assert place_requests(fake) == 1  # only the foreign order; we sent nothing
    assert node.outcomes["zerodha"].unresolved  # every attempt left it open


@pytest.mark.asyncio
async def test_start_with_warn_escalates_the_unsettled_order_to_the_safety_manager(
    fake: FakeKite, tmp_path: Path
) -> None:
    place_untagged(fake)
    clock = LiveClock()
    safety = safety_manager(tmp_path, clock)
    config = FAST.model_copy(update={"on_discrepancy": "warn"})
    node = LiveNode({"zerodha": kite(fake)}, config=config, clock=clock, safety=safety)
    oms = await node.start()
    try:
        assert safety.is_attached
        assert safety.trading_state is TradingState.REDUCING  # policy on_reconcile_discrepancy
        assert any("unresolved" in r.detail for r in safety.audit)
        denied = oms.submit("INFY", "BUY", 1, "LIMIT", limit_px="1400.05")
        assert denied.status is OrderStatus.DENIED  # it would add risk
        assert place_requests(fake) == 1
    finally:
        await node.stop()


@pytest.mark.asyncio
async def test_start_with_cancel_unknown_adopts_and_cancels_through_the_oms_and_the_gate(
    fake: FakeKite, tmp_path: Path
) -> None:
    venue_id = place_untagged(fake)
    clock = LiveClock()
    safety = safety_manager(tmp_path, clock)
    config = FAST.model_copy(update={"reconcile_policy": "CANCEL_UNKNOWN"})
    node = LiveNode({"zerodha": kite(fake)}, config=config, clock=clock, safety=safety)
    oms = await node.start()
    try:
        coid = f"EXT-zerodha-{venue_id}"
        assert node.reports["zerodha"].is_clean
        assert node.reports["zerodha"].external  # adopted, reported
        assert safety.cancel_counts["reconcile"] == 1
        assert safety.trading_state is TradingState.ACTIVE
        # journaled as our cancel request, and the venue canceled it. (The Kite adapter
        # routes updates by tag, so an untagged order's ack reaches the OMS through the
        # next reconciliation once the grace period has passed.)
        assert oms.order(coid).status is OrderStatus.PENDING_CANCEL
        await wait_for(lambda: fake.book.orders[venue_id]["status"] == "CANCELLED")
        deletes = [p for m, p, _ in fake.requests if m == "DELETE"]
        assert deletes == [f"/orders/regular/{venue_id}"]
    finally:
        await node.stop()


@pytest.mark.asyncio
async def test_expired_token_at_start_fails_fast_with_relogin_message(fake: FakeKite) -> None:
    broker = kite(fake)
    fake.expire_token()
    node = LiveNode({"zerodha": broker}, config=FAST)
    with pytest.raises(AuthenticationError, match="Log in to Kite again"):
        await node.start()
    await node.stop()
    assert sum(1 for _, path, _ in fake.requests if path.startswith("/instruments")) == 1


@pytest.mark.asyncio
async def test_node_reconnects_a_dropped_stream_and_keeps_reporting(fake: FakeKite) -> None:
    broker = kite(fake)
    node = LiveNode({"zerodha": broker}, config=FAST)
    oms = await node.start()
    try:
        fake.drop_streams()
        await wait_for(lambda: not broker.is_connected)
        await wait_for(lambda: broker.is_connected)  # the supervisor reconnected it
        handle = oms.submit("INFY", "SELL", 2, "LIMIT", limit_px="1600")
        coid = handle.order.client_order_id
        await wait_for(lambda: oms.order(coid).status is OrderStatus.ACCEPTED)
        fake.fill(fake.book.orders[oms.order(coid).venue_order_id]["order_id"], 2)
        await wait_for(lambda: oms.order(coid).status is OrderStatus.FILLED)
        assert oms.anomalies == []
    finally:
        await node.stop()


@pytest.mark.asyncio
async def test_node_rate_budget_spaces_a_burst_of_orders(fake: FakeKite) -> None:
    node = LiveNode({"zerodha": kite(fake)}, config=FAST)
    oms = await node.start()
    try:
        handles = [oms.submit("INFY", "BUY", 1, "LIMIT", limit_px="1400") for _ in range(12)]
        await wait_for(
            lambda: all(
                oms.order(h.order.client_order_id).status is OrderStatus.ACCEPTED for h in handles
            )
        )
        assert node.budgets["zerodha"].waited_ns > 0  # 12 orders > 10 per second
        assert place_requests(fake) == 12
    finally:
        await node.stop()


@pytest.mark.asyncio
async def test_crash_between_send_and_ack_is_adopted_not_resent(fake: FakeKite) -> None:
    """The journal says SUBMITTED, Kite has the order (the ack was lost): adopt it by tag."""
    # Arrange: the crashed session journaled the intent and its request reached Kite
    from kiteconnect import KiteConnect

    coid = "Ocrash-7"
    store = MemoryOrderStore()
    store.append(
        [
            OrderInitialized(
                client_order_id=coid,
                ts_event=1,
                ts_init=1,
                symbol="INFY",
                side=Side.BUY,
                order_type=OrderType.LIMIT,
                qty=Decimal(3),
                limit_px=Decimal("1400.05"),
                broker="zerodha",
                event_id=f"{coid}-1",
            ),
            OrderSubmitted(
                client_order_id=coid, ts_event=2, ts_init=2, broker="zerodha", event_id=f"{coid}-2"
            ),
        ]
    )
    raw = KiteConnect(fake.api_key, access_token=fake.access_token, root=fake.url)
    order_id = raw.place_order(
        variety="regular",
        exchange="NSE",
        tradingsymbol="INFY",
        transaction_type="BUY",
        quantity=3,
        product="CNC",
        order_type="LIMIT",
        price=1400.05,
        tag=tag_for(coid),
    )
    fake.fill(order_id, 1)
    # Act
    node = LiveNode({"zerodha": kite(fake)}, store=store, config=FAST)
    oms = await node.start()
    try:
        # Assert: adopted with its partial fill, clean, nothing re-sent
        order = oms.order(coid)
        assert order.status is OrderStatus.PARTIALLY_FILLED
        assert order.venue_order_id == order_id
        assert order.filled_qty == 1
        assert node.reports["zerodha"].is_clean
        assert place_requests(fake) == 1
        assert oms.anomalies == []
    finally:
        await node.stop()


@pytest.mark.asyncio
async def test_oms_amend_partial_fill_and_cancel_race_through_kite(fake: FakeKite) -> None:
    node = LiveNode({"zerodha": kite(fake)}, config=FAST)
    oms = await node.start()
    try:
        # amend, then a partial fill, then a cancel
        a = oms.submit("INFY", "BUY", 4, "LIMIT", limit_px="1400.05").order.client_order_id
        await wait_for(lambda: oms.order(a).status is OrderStatus.ACCEPTED)
        oms.amend(a, limit_px="1400.10")
        await wait_for(lambda: oms.order(a).limit_px == Decimal("1400.10"))
        fake.fill(oms.order(a).venue_order_id, 1)
        await wait_for(lambda: oms.order(a).status is OrderStatus.PARTIALLY_FILLED)
        oms.cancel(a)
        await wait_for(lambda: oms.order(a).status is OrderStatus.CANCELED)
        # a fill that wins the race with the cancel request
        b = oms.submit("INFY", "BUY", 2, "LIMIT", limit_px="1400.05").order.client_order_id
        await wait_for(lambda: oms.order(b).status is OrderStatus.ACCEPTED)
        fake.script.fill_on_cancel = True
        oms.cancel(b)
        await wait_for(lambda: oms.order(b).status is OrderStatus.FILLED)
        await asyncio.sleep(0.2)  # the cancel's rejection arrives after the fill
        assert oms.order(a).filled_qty == 1
        assert oms.order(b).filled_qty == 2
        assert oms.anomalies == []
    finally:
        await node.stop()


@pytest.mark.asyncio
async def test_node_reconciles_on_a_timer_while_running(fake: FakeKite) -> None:
    calls: list[str] = []

    async def hook(oms: Any, broker: str, status: MassStatus) -> StartupReport:
        calls.append(broker)
        return await check_mass_status(oms, broker, status)

    config = FAST.model_copy(update={"reconcile_every_s": 0.1})
    node = LiveNode({"zerodha": kite(fake)}, config=config, reconcile=hook)
    await node.start()
    try:
        await wait_for(lambda: len(calls) >= 3)
        assert node.reports["zerodha"].is_clean
    finally:
        await node.stop()


@pytest.mark.asyncio
async def test_node_with_a_policy_file_gates_orders_with_its_limits(
    fake: FakeKite,
    tmp_path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    from pathlib import Path

    from bolt_exec.safety.manager import SafetyManager
    from bolt_exec.safety.policy import Policy

    policy = Policy.from_yaml(Path(__file__).resolve().parents[2] / "policy.yaml")
    monkeypatch.chdir(tmp_path)  # the policy's relative latch path lands here
    node = LiveNode({"zerodha": kite(fake)}, policy=policy, config=FAST)
    oms = await node.start()
    try:
        assert isinstance(oms.safety, SafetyManager)
        before = place_requests(fake)
        denied = oms.submit("INFY", "BUY", 20_000, "MARKET")  # policy max_order_qty is 10,000
        assert denied.status is OrderStatus.DENIED
        assert place_requests(fake) == before
    finally:
        await node.stop()

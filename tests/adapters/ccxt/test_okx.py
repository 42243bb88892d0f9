"""CcxtBroker on ccxt's ``okx`` class against FakeOkx: clOrdId, ack-only creates, amends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bolt_exec.adapters.ccxt import CcxtBroker, CcxtConfig
from bolt_exec.clock import LiveClock
from bolt_exec.errors import RateLimited
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
)
from bolt_exec.testing.fake_okx import FakeOkx
from bolt_exec.testing.recorder import EventRecorder

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]

SECRET = "canary-okx-Pq4-never-log-me"


class Okx(EventRecorder):
    def __init__(self, broker: CcxtBroker, fake: FakeOkx) -> None:
        super().__init__()
        self.broker, self.fake = broker, fake


@pytest_asyncio.fixture
async def okx() -> AsyncIterator[Okx]:
    fake = FakeOkx(api_key="k1", secret=SECRET, passphrase="p1")
    await fake.start()
    config = CcxtConfig(
        exchange="okx",
        api_key=SecretStr("k1"),
        secret=SecretStr(SECRET),
        password=SecretStr("p1"),
        rest_url=f"http://127.0.0.1:{fake.port}",
        symbols=("BTC/USDT",),
        poll_interval_s=0.03,
        enable_rate_limit=False,
    )
    broker = CcxtBroker(config)
    harness = Okx(broker, fake)
    broker.bind(harness.events.append, LiveClock())
    await broker.connect()
    yield harness
    await broker.disconnect()
    await fake.stop()


def order(coid: str, kind: OrderType = OrderType.LIMIT, qty: str = "0.01") -> SubmitOrder:
    return SubmitOrder(
        client_order_id=coid,
        symbol="BTC/USDT",
        side=Side.BUY,
        order_type=kind,
        qty=Decimal(qty),
        limit_px=Decimal(30000) if kind is OrderType.LIMIT else None,
        tif=TimeInForce.GTC,
    )


async def test_okx_instrument_and_capabilities(okx: Okx) -> None:
    [inst] = okx.broker.instruments()
    assert inst.tick_size == Decimal("0.1")
    assert inst.min_qty == Decimal("0.00001")
    assert not okx.broker.capabilities.amend_is_cancel_replace  # OKX amends in place


async def test_market_order_ack_then_fill_by_polling_with_escaped_client_id(okx: Okx) -> None:
    okx.broker.submit(order("O1a-1", OrderType.MARKET))
    await okx.wait_for(lambda: bool(okx.of(OrderFilled, "O1a-1")))
    [ack] = okx.of(OrderAccepted, "O1a-1")
    [fill] = okx.of(OrderFilled, "O1a-1")
    assert fill.last_qty == Decimal("0.01")
    [venue_order] = okx.fake.orders.values()
    assert venue_order.cl_ord_id == "O1aZd1"  # OKX takes letters and digits only
    assert venue_order.ord_id == ack.venue_order_id  # type: ignore[attr-defined]


async def test_amend_in_place_keeps_order_id_and_sends_total_size(okx: Okx) -> None:
    okx.broker.submit(order("O1a-2", qty="0.03"))
    await okx.wait_for(lambda: bool(okx.of(OrderAccepted, "O1a-2")))
    [ack] = okx.of(OrderAccepted, "O1a-2")
    okx.fake.fill(ack.venue_order_id, "0.01")  # type: ignore[attr-defined]
    await okx.wait_for(lambda: bool(okx.of(OrderFilled, "O1a-2")))
    okx.broker.amend(
        AmendOrder(
            client_order_id="O1a-2",
            symbol="BTC/USDT",
            qty=Decimal("0.02"),
            limit_px=Decimal("30100"),
        )
    )
    await okx.wait_for(lambda: bool(okx.of(OrderReplaced, "O1a-2")))
    [rep] = okx.of(OrderReplaced, "O1a-2")
    assert rep.venue_order_id == ack.venue_order_id  # type: ignore[attr-defined]
    venue_order = okx.fake.orders[ack.venue_order_id]  # type: ignore[attr-defined]
    assert venue_order.sz == Decimal("0.02")  # the total, 0.01 of it already filled
    assert venue_order.px == Decimal(30100)


async def test_cancel_and_cancel_of_unknown_order(okx: Okx) -> None:
    okx.broker.submit(order("O1a-3"))
    await okx.wait_for(lambda: bool(okx.of(OrderAccepted, "O1a-3")))
    okx.broker.cancel(CancelOrder(client_order_id="O1a-3", symbol="BTC/USDT"))
    await okx.wait_for(lambda: bool(okx.of(OrderCanceled, "O1a-3")))
    okx.broker.cancel(CancelOrder(client_order_id="nope", symbol="BTC/USDT"))
    await okx.wait_for(lambda: bool(okx.of(OrderCancelRejected, "nope")))


async def test_rejection_and_rate_limit(okx: Okx) -> None:
    okx.fake.script.reject_next = ("51008", "Order failed. Insufficient USDT balance")
    okx.broker.submit(order("O1a-4"))
    await okx.wait_for(lambda: bool(okx.of(OrderRejected, "O1a-4")))
    assert "Insufficient" in okx.of(OrderRejected, "O1a-4")[0].reason  # type: ignore[attr-defined]
    okx.fake.script.rate_limit_next = True
    with pytest.raises(RateLimited):
        await okx.broker.mass_status()


async def test_mass_status_decodes_our_client_ids(okx: Okx) -> None:
    okx.broker.submit(order("O1a-5", OrderType.MARKET))
    okx.broker.submit(order("O1a-6"))
    await okx.wait_for(lambda: bool(okx.of(OrderFilled, "O1a-5")))
    await okx.wait_for(lambda: bool(okx.of(OrderAccepted, "O1a-6")))
    restarted = CcxtBroker(okx.broker.config)  # a fresh session knows nothing
    restarted.bind(okx.events.append, LiveClock())
    await restarted.connect()
    try:
        status = await restarted.mass_status()
    finally:
        await restarted.disconnect()
    by_coid = {o.client_order_id: o.status for o in status.orders}
    assert by_coid == {"O1a-5": OrderStatus.FILLED, "O1a-6": OrderStatus.ACCEPTED}
    assert [f.client_order_id for f in status.fills] == ["O1a-5"]
    assert status.balances["BTC"] == Decimal("0.00999")


async def test_clock_skew_resyncs(okx: Okx) -> None:
    okx.fake.script.skew_ms = -60_000
    okx.broker.submit(order("O1a-7"))
    await okx.wait_for(lambda: bool(okx.of(OrderAccepted, "O1a-7")))
    assert okx.broker.time_resyncs == 1
    assert len(okx.fake.orders) == 1


async def test_resend_after_restart_reports_the_working_order(okx: Okx) -> None:
    okx.broker.submit(order("O1a-8"))
    await okx.wait_for(lambda: bool(okx.of(OrderAccepted, "O1a-8")))
    okx.broker.submit(order("O1a-8"))  # same session: ignored, never sent twice
    fresh = CcxtBroker(okx.broker.config)  # a new session resends the same id
    seen: list[OrderEvent] = []
    fresh.bind(seen.append, LiveClock())
    await fresh.connect()
    try:
        fresh.submit(order("O1a-8"))
        await okx.wait_for(lambda: any(isinstance(e, OrderAccepted) for e in seen))
    finally:
        await fresh.disconnect()
    assert not any(isinstance(e, OrderRejected) for e in seen)
    assert len(okx.fake.orders) == 1
    creates = [r for r in okx.fake.requests if r[1] == "trade/batch-orders"]
    assert len(creates) == 2  # the first session once, the new session once (refused)

"""The OrderManager driving CcxtBroker (ccxt's okx class) against FakeOkx, end to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bolt_exec.adapters.ccxt import CcxtBroker, CcxtConfig
from bolt_exec.clock import LiveClock
from bolt_exec.model.enums import OrderStatus
from bolt_exec.oms import OrderManager
from bolt_exec.testing.fake_okx import FakeOkx

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]


@pytest_asyncio.fixture
async def setup() -> AsyncIterator[tuple[OrderManager, FakeOkx]]:
    fake = FakeOkx(api_key="k", secret="s", passphrase="p")
    await fake.start()
    broker = CcxtBroker(
        CcxtConfig(
            exchange="okx",
            api_key=SecretStr("k"),
            secret=SecretStr("s"),
            password=SecretStr("p"),
            rest_url=f"http://127.0.0.1:{fake.port}",
            symbols=("BTC/USDT",),
            poll_interval_s=0.03,
            enable_rate_limit=False,
        )
    )
    await broker.connect()
    yield OrderManager(brokers={"okx": broker}, clock=LiveClock(), strict=True), fake
    await broker.disconnect()
    await fake.stop()


async def until(predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(3):
        while not predicate():
            await asyncio.sleep(0.005)


async def test_oms_limit_amend_in_place_partial_fill_cancel(
    setup: tuple[OrderManager, FakeOkx],
) -> None:
    oms, fake = setup
    h = oms.submit("BTC/USDT", "BUY", "0.03", "LIMIT", limit_px="30000", tif="GTC")
    await until(lambda: h.status is OrderStatus.ACCEPTED)
    venue_id = h.order.venue_order_id
    oms.amend(h.client_order_id, limit_px="30100.5")
    await until(lambda: h.order.limit_px == Decimal("30100.5"))
    assert h.order.venue_order_id == venue_id  # OKX amends in place
    fake.fill(venue_id, "0.01")
    await until(lambda: h.status is OrderStatus.PARTIALLY_FILLED)
    oms.cancel(h.client_order_id)
    await until(lambda: h.status is OrderStatus.CANCELED)
    assert h.order.filled_qty == Decimal("0.01")
    assert oms.position("BTC/USDT", broker="okx").qty == Decimal("0.01")


async def test_oms_market_order_fills_by_polling(setup: tuple[OrderManager, FakeOkx]) -> None:
    oms, _fake = setup
    h = oms.submit("BTC/USDT", "SELL", "0.02", "MARKET", tif="GTC")
    await until(lambda: h.status is OrderStatus.FILLED)
    assert h.order.avg_px == Decimal(40000)

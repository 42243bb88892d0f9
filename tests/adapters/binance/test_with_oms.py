"""The OrderManager driving BinanceSpotBroker against FakeBinance: ids, fills, amends end to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio

from bolt_exec.adapters.binance import BinanceSpotBroker
from bolt_exec.clock import LiveClock
from bolt_exec.model.enums import OrderStatus
from bolt_exec.oms import OrderManager
from bolt_exec.testing.fake_binance import FakeBinance
from tests.adapters.binance.conftest import make_config

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]


@pytest_asyncio.fixture
async def oms(fake: FakeBinance) -> AsyncIterator[OrderManager]:
    broker = BinanceSpotBroker(make_config(fake))
    await broker.connect()  # instruments come from exchangeInfo, so connect first
    manager = OrderManager(brokers={"binance": broker}, clock=LiveClock(), strict=True)
    yield manager
    await broker.disconnect()


async def until(predicate: object, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.005)


async def test_oms_market_order_fills_with_duplicates_absorbed(
    oms: OrderManager, fake: FakeBinance
) -> None:
    fake.script.duplicate_events = True
    fake.script.fill_parts = 2
    h = oms.submit("BTCUSDT", "BUY", "0.02", "MARKET", tif="GTC")
    await until(lambda: h.status is OrderStatus.FILLED)
    await asyncio.sleep(0.05)
    order = oms.order(h.order.client_order_id)
    assert order.filled_qty == Decimal("0.02")
    assert len(h.fills) == 2
    # The id the OMS assigned is the one the venue holds (design invariant 4).
    assert [o.client_order_id for o in fake.venue.orders.values()] == [order.client_order_id]
    assert oms.position("BTCUSDT", broker="binance").qty == Decimal("0.02")


async def test_oms_amend_then_cancel_limit_order(oms: OrderManager, fake: FakeBinance) -> None:
    h = oms.submit("BTCUSDT", "BUY", "0.01", "LIMIT", limit_px="30000", tif="GTC")
    await until(lambda: h.status is OrderStatus.ACCEPTED)
    oms.amend(h.order.client_order_id, limit_px="30100")
    await until(lambda: h.order.limit_px == Decimal(30100) and h.status is OrderStatus.ACCEPTED)
    [live] = fake.venue.open_orders(None)
    assert str(live.order_id) == h.order.venue_order_id
    oms.cancel(h.order.client_order_id)
    await until(lambda: h.status is OrderStatus.CANCELED)
    assert fake.venue.open_orders(None) == []

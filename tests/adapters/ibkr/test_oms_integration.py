"""The real OrderManager driving IbkrBroker, ib_async and the fake TWS end to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio

from bolt_exec.adapters.ibkr import IbkrBroker
from bolt_exec.clock import SimClock
from bolt_exec.model.enums import OrderStatus
from bolt_exec.oms.manager import OrderManager
from bolt_exec.testing.fake_tws import FakeTWS
from bolt_exec.testing.ibkr import AAPL, START_NS, make_config


@pytest_asyncio.fixture
async def oms_and_tws() -> AsyncIterator[tuple[OrderManager, FakeTWS]]:
    async with FakeTWS(prices={"AAPL": Decimal("190")}, clock=SimClock(START_NS)) as tws:
        broker = IbkrBroker(make_config(tws.port), instruments=[AAPL])
        oms = OrderManager({"ibkr": broker}, clock=SimClock(START_NS), strict=True)
        await broker.connect()
        try:
            yield oms, tws
        finally:
            await broker.disconnect()


@pytest.mark.asyncio
async def test_oms_market_order_fills_and_position_follows(
    oms_and_tws: tuple[OrderManager, FakeTWS],
) -> None:
    oms, tws = oms_and_tws
    tws.script.fill_parts = [Decimal(2)]

    handle = oms.submit("AAPL", "BUY", 5, "MARKET")
    status = await handle.done(timeout=5)

    assert status is OrderStatus.FILLED
    assert [f.last_qty for f in handle.fills] == [Decimal(2), Decimal(3)]
    assert sum((f.fee for f in handle.fills), Decimal(0)) == sum(
        (e.commission for e in tws.executions), Decimal(0)
    )
    assert tws.find(handle.client_order_id, None).order_ref == handle.client_order_id
    position = oms.position("AAPL")
    assert position is not None
    assert position.qty == Decimal(5)
    assert oms.anomalies == []


@pytest.mark.asyncio
async def test_oms_limit_amend_then_cancel(oms_and_tws: tuple[OrderManager, FakeTWS]) -> None:
    oms, tws = oms_and_tws
    handle = oms.submit("AAPL", "BUY", 3, "LIMIT", limit_px="180")
    while handle.status is not OrderStatus.ACCEPTED:
        await asyncio.sleep(0.005)

    assert oms.amend(handle.client_order_id, limit_px="181.5")
    while tws.find(handle.client_order_id, None).lmt_price != Decimal("181.5") or (
        handle.status is not OrderStatus.ACCEPTED
    ):
        await asyncio.sleep(0.005)
    assert oms.cancel(handle.client_order_id)
    status = await handle.done(timeout=5)

    assert status is OrderStatus.CANCELED
    assert oms.order(handle.client_order_id).limit_px == Decimal("181.5")
    assert oms.anomalies == []

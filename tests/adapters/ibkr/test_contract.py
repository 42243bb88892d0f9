"""The adapter contract suite, run for IbkrBroker against the fake TWS over a real socket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bolt_exec.adapters.ibkr import IbkrBroker
from bolt_exec.clock import SimClock
from bolt_exec.testing.contract import AdapterContract, EventRecorder
from bolt_exec.testing.drivers import IbkrDriver
from bolt_exec.testing.fake_tws import FakeTWS
from bolt_exec.testing.ibkr import AAPL, START_NS, make_config

pytestmark = pytest.mark.timeout(30)


class TestIbkrContract(AdapterContract):
    @pytest_asyncio.fixture
    async def tws(self) -> AsyncIterator[FakeTWS]:
        async with FakeTWS(prices={"AAPL": IbkrDriver.market_px}, clock=SimClock(START_NS)) as tws:
            yield tws

    @pytest_asyncio.fixture
    async def adapter(self, tws: FakeTWS, recorder: EventRecorder) -> AsyncIterator[IbkrBroker]:
        broker = IbkrBroker(make_config(tws.port), instruments=[AAPL])
        broker.bind(recorder, SimClock(START_NS))
        await broker.connect()
        yield broker
        await broker.disconnect()

    @pytest.fixture
    def venue(self, tws: FakeTWS, adapter: IbkrBroker) -> IbkrDriver:
        return IbkrDriver(tws, adapter)

"""The adapter contract suite, run for BinanceSpotBroker against FakeBinance (REST + WS API)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bolt_exec.adapters.binance import BinanceSpotBroker
from bolt_exec.clock import LiveClock
from bolt_exec.testing.contract import AdapterContract, EventRecorder
from bolt_exec.testing.drivers import BinanceDriver
from bolt_exec.testing.fake_binance import FakeBinance

from .conftest import make_config

pytestmark = pytest.mark.timeout(30)


class TestBinanceContract(AdapterContract):
    @pytest_asyncio.fixture
    async def adapter(
        self, fake: FakeBinance, recorder: EventRecorder
    ) -> AsyncIterator[BinanceSpotBroker]:
        broker = BinanceSpotBroker(make_config(fake))
        broker.bind(recorder, LiveClock())
        await broker.connect()
        yield broker
        await broker.disconnect()

    @pytest.fixture
    def venue(self, fake: FakeBinance, adapter: BinanceSpotBroker) -> BinanceDriver:
        return BinanceDriver(fake, adapter)

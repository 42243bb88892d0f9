"""The adapter contract suite, run for CcxtBroker on ccxt's ``binance`` and ``okx`` classes.

Both venues are wire-level fakes on 127.0.0.1 (FakeBinance's signed REST, FakeOkx's
v5 REST), so ccxt's own signing, parsing and error mapping run under the adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bolt_exec.adapters.ccxt import CcxtBroker, CcxtConfig
from bolt_exec.clock import LiveClock
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.model.enums import OrderType, Side, TimeInForce
from bolt_exec.model.events import OrderAccepted
from bolt_exec.testing.contract import AdapterContract, EventRecorder
from bolt_exec.testing.drivers import CcxtBinanceDriver, OkxDriver
from bolt_exec.testing.fake_binance import FakeBinance
from bolt_exec.testing.fake_okx import FakeOkx

from .conftest import make_config

pytestmark = pytest.mark.timeout(30)


class TestCcxtBinanceContract(AdapterContract):
    @pytest_asyncio.fixture
    async def adapter(
        self, fake: FakeBinance, recorder: EventRecorder
    ) -> AsyncIterator[CcxtBroker]:
        broker = CcxtBroker(make_config(fake))
        broker.bind(recorder, LiveClock())
        await broker.connect()
        yield broker
        await broker.disconnect()

    @pytest.fixture
    def venue(self, fake: FakeBinance, adapter: CcxtBroker) -> CcxtBinanceDriver:
        return CcxtBinanceDriver(fake, adapter)


class TestCcxtOkxContract(AdapterContract):
    @pytest_asyncio.fixture
    async def okx(self) -> AsyncIterator[FakeOkx]:
        fake = FakeOkx(api_key="k1", secret="okx-contract-secret", passphrase="p1")
        await fake.start()
        yield fake
        await fake.stop()

    @pytest_asyncio.fixture
    async def adapter(self, okx: FakeOkx, recorder: EventRecorder) -> AsyncIterator[CcxtBroker]:
        config = CcxtConfig(
            exchange="okx",
            api_key=SecretStr("k1"),
            secret=SecretStr("okx-contract-secret"),
            password=SecretStr("p1"),
            rest_url=f"http://127.0.0.1:{okx.port}",
            symbols=("BTC/USDT",),
            poll_interval_s=0.03,
            enable_rate_limit=False,
        )
        broker = CcxtBroker(config)
        broker.bind(recorder, LiveClock())
        await broker.connect()
        yield broker
        await broker.disconnect()

    @pytest.fixture
    def venue(self, okx: FakeOkx, adapter: CcxtBroker) -> OkxDriver:
        return OkxDriver(okx, adapter)


@pytest.mark.asyncio
async def test_ccxt_reports_fills_made_while_the_venue_was_unreachable(
    fake: FakeBinance,
) -> None:
    """Beyond the contract: the poller survives the outage and reports the gap's fill itself."""
    recorder = EventRecorder()
    broker = CcxtBroker(make_config(fake))
    broker.bind(recorder, LiveClock())
    await broker.connect()
    try:
        driver = CcxtBinanceDriver(fake, broker)
        broker.submit(
            SubmitOrder(
                client_order_id="gap-1",
                symbol="BTC/USDT",
                side=Side.BUY,
                order_type=OrderType.LIMIT,
                qty=Decimal("0.004"),
                limit_px=Decimal("30000.00"),
                tif=TimeInForce.GTC,
            )
        )
        await driver.wait_for(lambda: bool(recorder.of("gap-1", OrderAccepted)))
        await driver.disconnect()
        driver.fill("gap-1", Decimal("0.004"))
        await driver.wait_for(lambda: recorder.filled_qty("gap-1") == Decimal("0.004"))
        assert broker.is_connected
    finally:
        await broker.disconnect()

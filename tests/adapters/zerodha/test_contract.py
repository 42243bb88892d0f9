"""The adapter contract suite, run for KiteBroker against FakeKite over real sockets."""

from __future__ import annotations

import pytest

from bolt_exec.adapters.zerodha import KiteBroker
from bolt_exec.testing.contract import AdapterContract
from bolt_exec.testing.fakes.kite import FakeKite

from .helpers import KiteDriver


class TestKiteContract(AdapterContract):
    @pytest.fixture
    def adapter(self, broker: KiteBroker) -> KiteBroker:
        return broker

    @pytest.fixture
    def venue(self, fake: FakeKite, broker: KiteBroker) -> KiteDriver:
        return KiteDriver(fake, broker)


@pytest.mark.asyncio
async def test_kite_reports_fills_missed_during_a_disconnect(
    fake: FakeKite, broker: KiteBroker
) -> None:
    """Beyond the contract: Kite's adapter itself reports the gap's fills after reconnect."""
    from decimal import Decimal

    from bolt_exec.model.commands import SubmitOrder
    from bolt_exec.model.enums import OrderType, Side
    from bolt_exec.model.events import OrderAccepted
    from bolt_exec.testing.contract import EventRecorder

    recorder = broker._sink
    assert isinstance(recorder, EventRecorder)
    driver = KiteDriver(fake, broker)
    broker.submit(
        SubmitOrder(
            client_order_id="D1",
            symbol="INFY",
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            qty=Decimal(4),
            limit_px=Decimal("1400.05"),
        )
    )
    await driver.wait_for(lambda: bool(recorder.of("D1", OrderAccepted)))
    await driver.disconnect()
    driver.fill("D1", Decimal(4))
    await broker.connect()
    await driver.wait_for(lambda: recorder.filled_qty("D1") == 4)

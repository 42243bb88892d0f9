"""Property: whatever the venue's delivery does, each venue trade becomes exactly one fill."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bolt_exec.adapters.binance import BinanceSpotBroker
from bolt_exec.clock import LiveClock
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.model.enums import OrderType, Side, TimeInForce
from bolt_exec.model.events import OrderAccepted, OrderEvent, OrderFilled
from bolt_exec.testing.fake_binance import FakeBinance
from tests.adapters.binance.conftest import API_KEY, API_SECRET, make_config

pytestmark = pytest.mark.timeout(120)


async def scenario(
    orders: list[tuple[int, int]], duplicate: bool, out_of_order: bool
) -> tuple[list[OrderEvent], FakeBinance]:
    fake = FakeBinance(clock=LiveClock(), api_key=API_KEY, api_secret=API_SECRET)
    await fake.start()
    broker = BinanceSpotBroker(make_config(fake))
    events: list[OrderEvent] = []
    broker.bind(events.append, LiveClock())
    await broker.connect()
    try:
        fake.script.duplicate_events = duplicate
        for n, (lots, parts) in enumerate(orders):
            fake.script.fill_parts = parts
            fake.script.out_of_order = out_of_order
            broker.submit(
                SubmitOrder(
                    client_order_id=f"p-{n}",
                    symbol="BTCUSDT",
                    side=Side.BUY,
                    order_type=OrderType.MARKET,
                    qty=Decimal(lots) * Decimal("0.001"),
                    tif=TimeInForce.GTC,
                )
            )
            await asyncio.sleep(0)  # let the request go out before re-arming the script
            async with asyncio.timeout(5):
                while (
                    sum(1 for e in events if isinstance(e, OrderFilled)) < len(fake.venue.trades)
                    or len(fake.venue.orders) <= n
                ):
                    await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)  # any late duplicates
    finally:
        await broker.disconnect()
        await fake.stop()
    return events, fake


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    orders=st.lists(st.tuples(st.integers(1, 9), st.integers(1, 4)), min_size=1, max_size=3),
    duplicate=st.booleans(),
    out_of_order=st.booleans(),
)
def test_each_venue_trade_is_exactly_one_fill(
    orders: list[tuple[int, int]], duplicate: bool, out_of_order: bool
) -> None:
    events, fake = asyncio.run(scenario(orders, duplicate, out_of_order))
    fills = [e for e in events if isinstance(e, OrderFilled)]
    assert sorted(f.trade_id for f in fills) == sorted(str(t.trade_id) for t in fake.venue.trades)
    for n, (lots, _) in enumerate(orders):
        mine = [f for f in fills if f.client_order_id == f"p-{n}"]
        assert sum(f.last_qty for f in mine) == Decimal(lots) * Decimal("0.001")
        assert (
            sum(1 for e in events if isinstance(e, OrderAccepted) and e.client_order_id == f"p-{n}")
            == 1
        )

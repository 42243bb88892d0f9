"""CcxtBroker against FakeBinance through ccxt's real ``binance`` class on loopback."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import pytest

from bolt_exec.errors import AuthenticationError, RateLimited
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
from bolt_exec.testing.fake_binance import FakeBinance
from tests.adapters.ccxt.conftest import API_SECRET, CcxtHarness, make_config

pytestmark = pytest.mark.timeout(20)


def market(coid: str, qty: str = "0.01") -> SubmitOrder:
    return SubmitOrder(
        client_order_id=coid,
        symbol="BTC/USDT",
        side=Side.BUY,
        order_type=OrderType.MARKET,
        qty=Decimal(qty),
        tif=TimeInForce.GTC,
    )


def limit(coid: str, px: str = "30000", qty: str = "0.01") -> SubmitOrder:
    return SubmitOrder(
        client_order_id=coid,
        symbol="BTC/USDT",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        qty=Decimal(qty),
        limit_px=Decimal(px),
        tif=TimeInForce.GTC,
    )


def posts(v: CcxtHarness) -> list[dict[str, str]]:
    return [p for m, path, p in v.fake.requests if m == "POST" and path == "/api/v3/order"]


def test_exchange_rules_are_data() -> None:
    from bolt_exec.adapters.ccxt import rules_for

    assert rules_for("okx").client_id_param == "clOrdId"
    assert rules_for("okx").edit_in_place
    assert rules_for("binance").client_id_param == "newClientOrderId"
    assert not rules_for("binanceus").edit_in_place
    assert rules_for("coinbase").client_id_param == "client_order_id"
    assert rules_for("kraken").client_id_param == "clientOrderId"  # ccxt's unified name


@pytest.mark.asyncio
async def test_market_order_fills_once_with_client_id(venue: CcxtHarness) -> None:
    venue.broker.submit(market("cx-1"))
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "cx-1")))
    await venue.settle()
    assert len(venue.of(OrderAccepted, "cx-1")) == 1
    [fill] = venue.of(OrderFilled, "cx-1")
    assert fill.last_qty == Decimal("0.01")
    assert fill.last_px == Decimal(40000)
    assert [p["newClientOrderId"] for p in posts(venue)] == ["cx-1"]
    assert venue.broker.capabilities.amend_is_cancel_replace  # binance edits by replace


@pytest.mark.asyncio
async def test_limit_accepted_then_cancelled(venue: CcxtHarness) -> None:
    venue.broker.submit(limit("cx-2"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "cx-2")))
    venue.broker.cancel(CancelOrder(client_order_id="cx-2", symbol="BTC/USDT"))
    await venue.wait_for(lambda: bool(venue.of(OrderCanceled, "cx-2")))
    await venue.settle()
    assert len(venue.of(OrderCanceled, "cx-2")) == 1
    assert venue.fake.venue.open_orders(None) == []


@pytest.mark.asyncio
async def test_amend_is_cancel_replace_with_same_client_id(venue: CcxtHarness) -> None:
    venue.broker.submit(limit("cx-3"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "cx-3")))
    venue.broker.amend(
        AmendOrder(client_order_id="cx-3", symbol="BTC/USDT", limit_px=Decimal("30500"))
    )
    await venue.wait_for(lambda: bool(venue.of(OrderReplaced, "cx-3")))
    [ack] = venue.of(OrderAccepted, "cx-3")
    [rep] = venue.of(OrderReplaced, "cx-3")
    assert rep.venue_order_id != ack.venue_order_id
    assert rep.limit_px == Decimal(30500)
    [live] = venue.fake.venue.open_orders(None)
    assert live.client_order_id == "cx-3"
    assert str(live.order_id) == rep.venue_order_id


@pytest.mark.asyncio
async def test_amend_without_edit_support_cancels_then_places(venue: CcxtHarness) -> None:
    venue.broker._ex.has["editOrder"] = False  # as on an exchange ccxt cannot edit
    venue.broker.submit(limit("cx-4", qty="0.02"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "cx-4")))
    venue.broker.amend(AmendOrder(client_order_id="cx-4", symbol="BTC/USDT", qty=Decimal("0.03")))
    await venue.wait_for(lambda: bool(venue.of(OrderReplaced, "cx-4")))
    [live] = venue.fake.venue.open_orders(None)
    assert live.qty == Decimal("0.03")
    assert live.client_order_id == "cx-4"
    assert [path for m, path, _ in venue.fake.requests if m == "DELETE"] == ["/api/v3/order"]
    assert venue.of(OrderCanceled, "cx-4") == []


@pytest.mark.asyncio
async def test_venue_rejection_is_an_event(venue: CcxtHarness) -> None:
    venue.fake.script.reject_next = (-2010, "Account has insufficient balance.")
    venue.broker.submit(market("cx-5"))
    await venue.wait_for(lambda: bool(venue.of(OrderRejected, "cx-5")))
    [rej] = venue.of(OrderRejected, "cx-5")
    assert "insufficient balance" in rej.reason


@pytest.mark.asyncio
async def test_resting_order_partial_fills_arrive_by_polling(venue: CcxtHarness) -> None:
    venue.broker.submit(limit("cx-6", qty="0.03"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "cx-6")))
    vid = int(venue.fake.venue.open_orders(None)[0].order_id)
    venue.fake.venue.fill(vid, "0.01")
    await venue.wait_for(lambda: len(venue.of(OrderFilled, "cx-6")) == 1)
    await venue.settle()  # the order works on: every poll re-reads the same trade
    assert venue.broker._book.dropped > 0
    venue.fake.venue.fill(vid, "0.02")
    await venue.wait_for(lambda: len(venue.of(OrderFilled, "cx-6")) == 2)
    await venue.settle()
    fills = venue.of(OrderFilled, "cx-6")
    assert len(fills) == 2  # each trade emitted once
    assert sum(f.last_qty for f in fills) == Decimal("0.03")  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_fill_racing_cancel(venue: CcxtHarness) -> None:
    venue.broker.submit(limit("cx-7"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "cx-7")))
    venue.fake.script.fill_on_cancel = "full"
    venue.broker.cancel(CancelOrder(client_order_id="cx-7", symbol="BTC/USDT"))
    await venue.wait_for(lambda: bool(venue.of(OrderCancelRejected, "cx-7")))
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "cx-7")))
    assert venue.of(OrderCanceled, "cx-7") == []


@pytest.mark.asyncio
async def test_fill_just_before_a_successful_cancel_is_still_reported(venue: CcxtHarness) -> None:
    """Regression (contract suite): a successful cancel used to stop polling the order at
    once, so a partial fill the venue matched just before the cancel was never reported."""
    venue.broker.submit(limit("cx-7b", qty="0.04"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "cx-7b")))
    venue.fake.script.fill_on_cancel = "late"  # half fills, then the cancel takes effect
    venue.broker.cancel(CancelOrder(client_order_id="cx-7b", symbol="BTC/USDT"))
    await venue.wait_for(lambda: bool(venue.of(OrderCanceled, "cx-7b")))
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "cx-7b")))
    await venue.settle()
    [fill] = venue.of(OrderFilled, "cx-7b")
    assert fill.last_qty == Decimal("0.02")
    assert venue.broker._book.working() == []  # and polling stops once the fill is counted


@pytest.mark.asyncio
async def test_order_seen_closed_before_its_last_trade_keeps_being_polled(
    venue: CcxtHarness,
) -> None:
    """Regression (contract suite): the poll reads trades, then the order; a fill landing
    between the two used to end polling with that trade never reported."""
    venue.broker.submit(limit("cx-7c", qty="0.04"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "cx-7c")))
    vid = int(venue.of(OrderAccepted, "cx-7c")[0].venue_order_id)
    venue.fake.venue.fill(vid, "0.02")
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "cx-7c")))
    # the order poll reports the order closed with 0.04 filled; only 0.02 is counted yet
    order = await venue.broker._require().fetch_order(str(vid), "BTC/USDT")
    order = {**order, "status": "closed", "filled": 0.04}
    venue.broker._on_order("cx-7c", order, ack=False)
    assert [c for c, _ in venue.broker._book.working()] == ["cx-7c"]
    venue.fake.venue.fill(vid, "0.02")
    await venue.wait_for(lambda: len(venue.of(OrderFilled, "cx-7c")) == 2)
    await venue.wait_for(lambda: venue.broker._book.working() == [])


@pytest.mark.asyncio
async def test_disconnect_mid_order_then_mass_status_shows_truth(venue: CcxtHarness) -> None:
    venue.fake.script.drop_next_order = True
    venue.broker.submit(market("cx-8"))
    await venue.wait_for(lambda: len(posts(venue)) == 1)
    await venue.settle()
    assert [e for e in venue.events if e.client_order_id == "cx-8"] == []  # unknown: silent
    assert len(posts(venue)) == 1  # and never re-sent
    status = await venue.broker.mass_status()
    [report] = [o for o in status.orders if o.client_order_id == "cx-8"]
    assert report.status is OrderStatus.FILLED
    assert [f.client_order_id for f in status.fills] == ["cx-8"]
    assert status.balances["BTC"] == Decimal("0.00999")
    assert {p.symbol: p.qty for p in status.positions} == {"BTC/USDT": Decimal("0.00999")}


@pytest.mark.asyncio
async def test_rate_limit_rejects_and_backs_off(venue: CcxtHarness) -> None:
    venue.fake.script.rate_limit_next = 7
    venue.broker.submit(market("cx-9"))
    await venue.wait_for(lambda: bool(venue.of(OrderRejected, "cx-9")))
    sent = len(posts(venue))
    venue.broker.submit(market("cx-10"))
    [rej] = venue.of(OrderRejected, "cx-10")
    assert rej.code == "RATE_LIMITED"
    assert len(posts(venue)) == sent
    venue.fake.script.rate_limit_next = 9
    with pytest.raises(RateLimited) as info:
        await venue.broker.mass_status()
    assert info.value.retry_after == 9.0


@pytest.mark.asyncio
async def test_clock_skew_resyncs_and_sends_once_more(venue: CcxtHarness) -> None:
    venue.fake.script.skew_ms = -30_000
    venue.broker.submit(market("cx-11"))
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "cx-11")))
    assert venue.broker.time_resyncs == 1
    assert len(venue.fake.venue.orders) == 1


@pytest.mark.asyncio
async def test_secret_never_in_logs_reprs_or_errors(
    venue: CcxtHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    venue.fake.script.rate_limit_next = 1
    venue.broker.submit(market("cx-12"))
    await venue.wait_for(lambda: bool(venue.of(OrderRejected, "cx-12")))
    wrong = CcxtBrokerFactory(venue)
    with pytest.raises(AuthenticationError) as info:
        await wrong.connect_and_fetch()
    texts = [r.getMessage() for r in caplog.records] + [
        repr(venue.broker),
        repr(venue.broker.config),
        str(info.value),
        repr(venue.events),
    ]
    assert caplog.records
    for text in texts:
        assert API_SECRET not in text
        assert "canary-wrong" not in text


class CcxtBrokerFactory:
    """A second broker with a wrong secret, to provoke an authentication failure."""

    def __init__(self, venue: CcxtHarness) -> None:
        from pydantic import SecretStr

        from bolt_exec.adapters.ccxt import CcxtBroker
        from bolt_exec.clock import LiveClock

        self.broker = CcxtBroker(make_config(venue.fake, secret=SecretStr("canary-wrong-s3")))
        self.broker.bind(venue.events.append, LiveClock())

    async def connect_and_fetch(self) -> None:
        await self.broker.connect()
        try:
            await self.broker.mass_status()
        finally:
            await self.broker.disconnect()


@pytest.mark.asyncio
async def test_resend_of_working_id_through_ccxt_binance_is_not_a_rejection(
    venue: CcxtHarness,
) -> None:
    venue.broker.submit(limit("cx-13"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "cx-13")))
    from bolt_exec.adapters.ccxt import CcxtBroker
    from bolt_exec.clock import LiveClock

    fresh = CcxtBroker(venue.broker.config)
    seen: list[OrderEvent] = []
    fresh.bind(seen.append, LiveClock())
    await fresh.connect()
    try:
        fresh.submit(limit("cx-13"))
        await venue.wait_for(lambda: any(isinstance(e, OrderAccepted) for e in seen))
    finally:
        await fresh.disconnect()
    assert not any(isinstance(e, OrderRejected) for e in seen)
    assert len(venue.fake.venue.orders) == 1


@pytest.mark.asyncio
async def test_binanceus_speaks_the_same_wire(fake: FakeBinance) -> None:
    from bolt_exec.adapters.ccxt import CcxtBroker
    from bolt_exec.clock import LiveClock

    broker = CcxtBroker(make_config(fake, exchange="binanceus"))
    events: list[OrderEvent] = []
    broker.bind(events.append, LiveClock())
    await broker.connect()
    try:
        broker.submit(market("us-1"))
        async with asyncio.timeout(3):
            while not any(isinstance(e, OrderFilled) for e in events):
                await asyncio.sleep(0.005)
    finally:
        await broker.disconnect()
    assert [
        p["newClientOrderId"]
        for m, path, p in fake.requests
        if m == "POST" and path == "/api/v3/order"
    ] == ["us-1"]

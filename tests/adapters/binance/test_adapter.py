"""BinanceSpotBroker against FakeBinance: the real python-binance client on loopback."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.adapters.binance import BinanceSpotBroker
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
    OrderReplaceRejected,
)
from tests.adapters.binance.conftest import VenueHarness, make_config

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]


def market(coid: str, qty: str = "0.01", side: Side = Side.BUY) -> SubmitOrder:
    return SubmitOrder(
        client_order_id=coid,
        symbol="BTCUSDT",
        side=side,
        order_type=OrderType.MARKET,
        qty=Decimal(qty),
        tif=TimeInForce.GTC,
    )


def limit(coid: str, px: str = "30000", qty: str = "0.01") -> SubmitOrder:
    return SubmitOrder(
        client_order_id=coid,
        symbol="BTCUSDT",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        qty=Decimal(qty),
        limit_px=Decimal(px),
        tif=TimeInForce.GTC,
    )


def order_posts(v: VenueHarness) -> list[dict[str, str]]:
    return [p for m, path, p in v.fake.requests if m == "POST" and path == "/api/v3/order"]


async def test_market_order_fills_once_and_carries_client_id(venue: VenueHarness) -> None:
    venue.broker.submit(market("mkt-1"))
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "mkt-1")))
    await venue.settle()
    # REST response and user stream both reported the ack and the fill: one event each.
    assert len(venue.of(OrderAccepted, "mkt-1")) == 1
    [fill] = venue.of(OrderFilled, "mkt-1")
    assert fill.last_qty == Decimal("0.01")
    assert fill.last_px == Decimal(40000)
    assert fill.trade_id == str(venue.fake.venue.trades[0].trade_id)
    assert fill.fee_currency == "BTC"
    assert [p["newClientOrderId"] for p in order_posts(venue)] == ["mkt-1"]


async def test_limit_order_accepted_then_cancelled(venue: VenueHarness) -> None:
    venue.broker.submit(limit("lmt-1"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "lmt-1")))
    [ack] = venue.of(OrderAccepted, "lmt-1")
    venue.broker.cancel(CancelOrder(client_order_id="lmt-1", symbol="BTCUSDT"))
    await venue.wait_for(lambda: bool(venue.of(OrderCanceled, "lmt-1")))
    await venue.settle()
    assert len(venue.of(OrderCanceled, "lmt-1")) == 1  # REST + stream, reported once
    assert venue.fake.venue.orders[int(ack.venue_order_id)].status == "CANCELED"


async def test_amend_quantity_down_keeps_priority_and_order_id(venue: VenueHarness) -> None:
    venue.broker.submit(limit("amd-1", qty="0.02"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "amd-1")))
    venue.broker.amend(AmendOrder(client_order_id="amd-1", symbol="BTCUSDT", qty=Decimal("0.01")))
    await venue.wait_for(lambda: bool(venue.of(OrderReplaced, "amd-1")))
    await venue.settle()
    [ack] = venue.of(OrderAccepted, "amd-1")
    [rep] = venue.of(OrderReplaced, "amd-1")
    assert rep.venue_order_id == ack.venue_order_id
    assert rep.qty == Decimal("0.01")
    assert any(path.endswith("amend/keepPriority") for _, path, _ in venue.fake.requests)


async def test_amend_price_is_one_replace_with_new_venue_id(venue: VenueHarness) -> None:
    venue.broker.submit(limit("amd-2"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "amd-2")))
    venue.broker.amend(
        AmendOrder(client_order_id="amd-2", symbol="BTCUSDT", limit_px=Decimal("31000.5"))
    )
    await venue.wait_for(lambda: bool(venue.of(OrderReplaced, "amd-2")))
    await venue.settle()
    [ack] = venue.of(OrderAccepted, "amd-2")
    [rep] = venue.of(OrderReplaced, "amd-2")
    assert rep.venue_order_id != ack.venue_order_id
    assert rep.limit_px == Decimal("31000.5")
    assert rep.qty == Decimal("0.01")
    # The venue's CANCELED for the old leg and NEW for the new one are absorbed.
    assert venue.of(OrderCanceled, "amd-2") == []
    new = venue.fake.venue.orders[int(rep.venue_order_id)]
    assert new.client_order_id == "amd-2"
    assert new.is_open


async def test_amend_after_partial_fill_keeps_total_quantity(venue: VenueHarness) -> None:
    venue.broker.submit(limit("amd-3", qty="0.03"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "amd-3")))
    vid = int(venue.of(OrderAccepted, "amd-3")[0].venue_order_id)  # type: ignore[attr-defined]
    venue.fake.venue.fill(vid, "0.01")
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "amd-3")))
    venue.broker.amend(
        AmendOrder(client_order_id="amd-3", symbol="BTCUSDT", limit_px=Decimal("30100"))
    )
    await venue.wait_for(lambda: bool(venue.of(OrderReplaced, "amd-3")))
    [rep] = venue.of(OrderReplaced, "amd-3")
    assert rep.qty == Decimal("0.03")  # 0.01 filled on the old leg + 0.02 on the new
    assert venue.fake.venue.orders[int(rep.venue_order_id)].qty == Decimal("0.02")


async def test_amend_refused_when_order_filled_meanwhile(venue: VenueHarness) -> None:
    venue.broker.submit(limit("amd-4"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "amd-4")))
    venue.fake.script.fill_on_cancel = "full"
    venue.broker.amend(
        AmendOrder(client_order_id="amd-4", symbol="BTCUSDT", limit_px=Decimal("30100"))
    )
    await venue.wait_for(lambda: bool(venue.of(OrderReplaceRejected, "amd-4")))
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "amd-4")))
    assert venue.of(OrderReplaced, "amd-4") == []
    assert len(venue.fake.venue.open_orders(None)) == 0  # STOP_ON_FAILURE placed nothing


async def test_venue_rejection_is_an_event(venue: VenueHarness) -> None:
    venue.fake.script.reject_next = (
        -2010,
        "Account has insufficient balance for requested action.",
    )
    venue.broker.submit(market("rej-1"))
    await venue.wait_for(lambda: bool(venue.of(OrderRejected, "rej-1")))
    [rej] = venue.of(OrderRejected, "rej-1")
    assert rej.code == "-2010"
    assert "insufficient balance" in rej.reason


async def test_off_grid_order_is_rejected_before_the_venue(venue: VenueHarness) -> None:
    venue.broker.submit(limit("rej-2", px="30000.005"))
    [rej] = venue.of(OrderRejected, "rej-2")
    assert rej.code == "INVALID"
    assert "limit_px" in rej.reason
    assert "0.01" in rej.reason
    assert order_posts(venue) == []


async def test_market_order_partial_fills_sum_to_quantity(venue: VenueHarness) -> None:
    venue.fake.script.fill_parts = 3
    venue.broker.submit(market("part-1", qty="0.03"))
    await venue.wait_for(lambda: len(venue.of(OrderFilled, "part-1")) == 3)
    await venue.settle()
    fills = venue.of(OrderFilled, "part-1")
    assert len({f.trade_id for f in fills}) == 3  # type: ignore[attr-defined]
    assert sum(f.last_qty for f in fills) == Decimal("0.03")  # type: ignore[attr-defined]


async def test_fill_racing_cancel_reports_cancel_rejected_and_fill(venue: VenueHarness) -> None:
    venue.broker.submit(limit("race-1"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "race-1")))
    venue.fake.script.fill_on_cancel = "full"
    venue.broker.cancel(CancelOrder(client_order_id="race-1", symbol="BTCUSDT"))
    await venue.wait_for(lambda: bool(venue.of(OrderCancelRejected, "race-1")))
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "race-1")))
    assert venue.of(OrderCanceled, "race-1") == []


async def test_fill_reported_after_cancel_is_still_emitted(venue: VenueHarness) -> None:
    venue.broker.submit(limit("race-2", qty="0.02"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "race-2")))
    venue.fake.script.fill_on_cancel = "late"
    venue.broker.cancel(CancelOrder(client_order_id="race-2", symbol="BTCUSDT"))
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "race-2")))
    kinds = [type(e) for e in venue.events if e.client_order_id == "race-2"]
    assert kinds.index(OrderCanceled) < kinds.index(OrderFilled)  # the late fill counts


async def test_duplicate_stream_events_are_emitted_once(venue: VenueHarness) -> None:
    venue.fake.script.duplicate_events = True
    venue.fake.script.fill_parts = 2
    venue.broker.submit(market("dup-1", qty="0.02"))
    await venue.wait_for(lambda: len(venue.of(OrderFilled, "dup-1")) == 2)
    await venue.settle()
    assert len(venue.of(OrderFilled, "dup-1")) == 2
    assert len(venue.of(OrderAccepted, "dup-1")) == 1
    assert venue.broker._filter.dropped > 0  # the repeats arrived and were absorbed


async def test_out_of_order_fill_before_ack(venue: VenueHarness) -> None:
    venue.fake.script.out_of_order = True
    venue.broker.submit(limit("ooo-1", px="41000"))  # marketable: fills at once
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "ooo-1")))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "ooo-1")))
    await venue.settle()
    assert len(venue.of(OrderFilled, "ooo-1")) == 1
    assert len(venue.of(OrderAccepted, "ooo-1")) == 1


async def test_mass_status_reports_orders_fills_balances(venue: VenueHarness) -> None:
    venue.broker.submit(market("ms-1", qty="0.02"))
    venue.broker.submit(limit("ms-2"))
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "ms-1")))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "ms-2")))
    status = await venue.broker.mass_status(since_ns=None)
    by_coid = {o.client_order_id: o for o in status.orders}
    assert by_coid["ms-2"].status is OrderStatus.ACCEPTED
    assert by_coid["ms-1"].status is OrderStatus.FILLED
    assert by_coid["ms-1"].avg_px == Decimal(40000)
    assert [f.client_order_id for f in status.fills] == ["ms-1"]
    btc = Decimal("0.02") - Decimal("0.00002")  # the fake charges 0.1 % in the base asset
    assert status.balances["BTC"] == btc
    assert {p.symbol: p.qty for p in status.positions}["BTCUSDT"] == btc


async def test_disconnect_mid_order_is_never_a_rejection_and_truth_arrives(
    venue: VenueHarness,
) -> None:
    # Arrange: the venue takes the order, then drops HTTP and the stream before answering.
    venue.fake.script.drop_next_order = True
    before = venue.broker._stream.reconnects  # type: ignore[union-attr]
    # Act
    venue.broker.submit(market("dc-1"))
    await venue.wait_for(lambda: venue.broker._stream.reconnects > before)  # type: ignore[union-attr]
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "dc-1")))
    await venue.settle()
    # Assert: no rejection, no resend; the catch-up after the reconnect reported the venue's
    # own ack and trade, once each.
    assert venue.of(OrderRejected, "dc-1") == []
    assert len(order_posts(venue)) == 1
    assert [type(e) for e in venue.events if e.client_order_id == "dc-1"] == [
        OrderAccepted,
        OrderFilled,
    ]
    [fill] = venue.of(OrderFilled, "dc-1")
    assert fill.trade_id == str(venue.fake.venue.trades[0].trade_id)  # type: ignore[attr-defined]
    status = await venue.broker.mass_status()
    [report] = [o for o in status.orders if o.client_order_id == "dc-1"]
    assert report.status is OrderStatus.FILLED
    assert report.filled_qty == Decimal("0.01")
    assert [f.client_order_id for f in status.fills] == ["dc-1"]
    assert await venue.broker.query_order("BTCUSDT", "dc-1") == report
    assert await venue.broker.query_order("BTCUSDT", "never-sent") is None


async def test_cancel_while_stream_down_is_learned_on_reconnect(venue: VenueHarness) -> None:
    venue.broker.submit(limit("dc-2"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "dc-2")))
    [ack] = venue.of(OrderAccepted, "dc-2")
    # Arrange: the stream drops; meanwhile the venue cancels the order (maintenance, say).
    await venue.fake.drop_streams()
    order = venue.fake.venue.orders[int(ack.venue_order_id)]  # type: ignore[attr-defined]
    venue.fake.venue.cancel(order, "venue-cancel")
    # Act / Assert: the reconnect's catch-up asks the venue and reports the cancel once.
    await venue.wait_for(lambda: bool(venue.of(OrderCanceled, "dc-2")))
    await venue.settle()
    assert len(venue.of(OrderCanceled, "dc-2")) == 1
    assert await venue.broker.catch_up() == 0  # nothing left working to ask about


async def test_rate_limit_backs_off_without_retrying(venue: VenueHarness) -> None:
    venue.fake.script.rate_limit_next = 2.0
    venue.broker.submit(market("rl-1"))
    await venue.wait_for(lambda: bool(venue.of(OrderRejected, "rl-1")))
    [rej] = venue.of(OrderRejected, "rl-1")
    assert rej.code == "RATE_LIMITED"
    assert "2.0 s" in rej.reason
    assert venue.broker.rate_limited_until_ns > 0
    # The next order is refused locally: nothing reaches the venue during the back-off.
    posts = len(order_posts(venue))
    venue.broker.submit(market("rl-2"))
    [rej2] = venue.of(OrderRejected, "rl-2")
    assert rej2.code == "RATE_LIMITED"
    assert len(order_posts(venue)) == posts


async def test_mass_status_rate_limited_raises_with_retry_after(venue: VenueHarness) -> None:
    venue.fake.script.ban_next = 120
    with pytest.raises(RateLimited) as info:
        await venue.broker.mass_status()
    assert info.value.retry_after == 120.0
    assert info.value.code == -1003
    assert isinstance(info.value.__cause__, Exception)


async def test_clock_skew_resyncs_time_and_sends_once_more(venue: VenueHarness) -> None:
    venue.fake.script.skew_ms = -30_000  # the venue's clock is 30 s behind ours
    venue.broker.submit(market("skew-1"))
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "skew-1")))
    assert venue.broker.time_resyncs == 1
    assert len(venue.fake.venue.orders) == 1  # -1021 was refused unprocessed: one order


async def test_new_session_amends_and_cancels_an_order_from_before_a_restart(
    venue: VenueHarness,
) -> None:
    # Arrange: the order was placed by a session that has since gone away.
    venue.broker.submit(limit("rs-1", qty="0.02"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "rs-1")))
    fresh = BinanceSpotBroker(make_config(venue.fake))
    seen: list[OrderEvent] = []
    fresh.bind(seen.append, LiveClock())
    await fresh.connect()
    try:
        # Act: amend by our client id only (the new session learns the rest from the venue).
        fresh.amend(AmendOrder(client_order_id="rs-1", symbol="BTCUSDT", limit_px=Decimal(30200)))
        await venue.wait_for(lambda: any(isinstance(e, OrderReplaced) for e in seen))
        fresh.amend(AmendOrder(client_order_id="nope", symbol="BTCUSDT", qty=Decimal(1)))
        await venue.wait_for(lambda: any(isinstance(e, OrderReplaceRejected) for e in seen))
        fresh.cancel(CancelOrder(client_order_id="rs-1", symbol="BTCUSDT"))
        await venue.wait_for(lambda: any(isinstance(e, OrderCanceled) for e in seen))
    finally:
        await fresh.disconnect()
    # Assert
    [rep] = [e for e in seen if isinstance(e, OrderReplaced)]
    assert rep.qty == Decimal("0.02")
    assert rep.limit_px == Decimal(30200)
    assert venue.fake.venue.open_orders(None) == []
    assert {o.client_order_id for o in venue.fake.venue.orders.values()} == {"rs-1"}


async def test_same_client_id_twice_in_a_session_is_sent_once(venue: VenueHarness) -> None:
    venue.broker.submit(market("idem-1"))
    venue.broker.submit(market("idem-1"))  # a retry, a bug, a double click
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "idem-1")))
    await venue.settle()
    assert len(order_posts(venue)) == 1
    assert len(venue.fake.venue.trades) == 1
    assert venue.of(OrderRejected, "idem-1") == []


async def test_resend_after_restart_reports_the_working_order_not_a_rejection(
    venue: VenueHarness,
) -> None:
    # Arrange: an earlier session placed rs-2; it is still working at the venue.
    venue.broker.submit(limit("rs-2"))
    await venue.wait_for(lambda: bool(venue.of(OrderAccepted, "rs-2")))
    [first_ack] = venue.of(OrderAccepted, "rs-2")
    fresh = BinanceSpotBroker(make_config(venue.fake))
    seen: list[OrderEvent] = []
    fresh.bind(seen.append, LiveClock())
    await fresh.connect()
    try:
        # Act: the new session sends the same order again; Binance says -2010 duplicate.
        fresh.submit(limit("rs-2"))
        await venue.wait_for(lambda: any(isinstance(e, OrderAccepted) for e in seen))
        await venue.settle()
    finally:
        await fresh.disconnect()
    # Assert: the existing order is reported; nothing is rejected, nothing new is placed.
    assert not any(isinstance(e, OrderRejected) for e in seen)
    [ack] = [e for e in seen if isinstance(e, OrderAccepted)]
    assert ack.venue_order_id == first_ack.venue_order_id  # type: ignore[attr-defined]
    assert len(venue.fake.venue.orders) == 1

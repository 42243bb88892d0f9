"""KiteBroker against FakeKite: auth expiry, rate limits, ambiguous outcomes, caps, mapping."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from kiteconnect import exceptions as kx

from bolt_exec.adapters.zerodha import KiteBroker
from bolt_exec.adapters.zerodha.failures import RELOGIN_HINT, is_ambiguous, map_exception
from bolt_exec.clock import LiveClock
from bolt_exec.errors import (
    AuthenticationError,
    BrokerError,
    BrokerTimeout,
    BrokerUnavailable,
    LocalProtocolError,
    RateLimited,
    RemoteProtocolError,
)
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderType, Side
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
)
from bolt_exec.testing.contract import EventRecorder
from bolt_exec.testing.fakes.kite import FakeKite

from .helpers import KiteDriver, kite_config, wait_until


def limit(coid: str, px: str = "1400.05", qty: int = 2) -> SubmitOrder:
    return SubmitOrder(
        client_order_id=coid,
        symbol="INFY",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        qty=Decimal(qty),
        limit_px=Decimal(px),
    )


def placed(fake: FakeKite) -> list[tuple[str, str, dict[str, str]]]:
    return [r for r in fake.requests if r[0] == "POST" and r[1].startswith("/orders/")]


@pytest.mark.asyncio
async def test_connect_with_expired_token_raises_relogin_error(fake: FakeKite) -> None:
    fake.expire_token()
    broker = KiteBroker(kite_config(fake, access_token="faketoken"))
    broker.bind(EventRecorder(), LiveClock())
    with pytest.raises(AuthenticationError, match="Log in to Kite again") as info:
        await broker.connect()
    assert isinstance(info.value.__cause__, kx.TokenException)
    assert info.value.code == 403
    assert not broker.is_connected
    await broker.disconnect()


@pytest.mark.asyncio
async def test_token_expiring_mid_session_rejects_order_with_relogin_hint(
    fake: FakeKite, broker: KiteBroker, recorder: EventRecorder
) -> None:
    driver = KiteDriver(fake, broker)
    fake.expire_token()
    broker.submit(limit("T1"))
    await driver.wait_for(lambda: bool(recorder.of("T1", OrderRejected)))
    assert RELOGIN_HINT in recorder.of("T1", OrderRejected)[0].reason
    assert isinstance(broker.last_error, AuthenticationError)
    assert not broker.is_connected  # the runtime will not send more until reconnected
    assert placed(fake) == [r for r in placed(fake) if r[2].get("tag") == "T1"]
    assert fake.orders == {}


@pytest.mark.asyncio
async def test_single_429_is_retried_and_places_exactly_one_order(
    fake: FakeKite, broker: KiteBroker, recorder: EventRecorder
) -> None:
    driver = KiteDriver(fake, broker)
    fake.script.rate_limit_next = 1
    broker.submit(limit("R1"))
    await driver.wait_for(lambda: bool(recorder.of("R1", OrderAccepted)))
    assert len(placed(fake)) == 2  # the 429, then the retry
    assert len(fake.order_by_tag("R1")) == 1


@pytest.mark.asyncio
async def test_persistent_429_rejects_with_rate_limit_reason(
    fake: FakeKite, broker: KiteBroker, recorder: EventRecorder
) -> None:
    driver = KiteDriver(fake, broker)
    fake.script.rate_limit_next = 10
    broker.submit(limit("R2"))
    await driver.wait_for(lambda: bool(recorder.of("R2", OrderRejected)), timeout=8)
    assert "rate limited" in recorder.of("R2", OrderRejected)[0].reason
    assert isinstance(broker.last_error, RateLimited)
    assert fake.order_by_tag("R2") == []


@pytest.mark.asyncio
async def test_ambiguous_504_never_places_a_second_order(
    fake: FakeKite, broker: KiteBroker, recorder: EventRecorder
) -> None:
    """The order exists although Kite answered 504: find it by tag, never resend."""
    # Arrange
    driver = KiteDriver(fake, broker)
    fake.script.ambiguous_next = 1
    coid = "strategy-7:order-000042"
    # Act
    broker.submit(
        SubmitOrder(
            client_order_id=coid,
            symbol="INFY",
            side=Side.BUY,
            order_type=OrderType.MARKET,
            qty=Decimal(3),
        )
    )
    await driver.wait_for(lambda: recorder.filled_qty(coid) == 3)
    # Assert
    assert len(placed(fake)) == 1
    (order,) = fake.orders.values()
    assert order["tag"] == broker_tag(coid)
    assert not recorder.of(coid, OrderRejected)
    assert recorder.of(coid, OrderAccepted)[0].venue_order_id == order["order_id"]


def broker_tag(coid: str) -> str:
    from bolt_exec.adapters.zerodha.codec import tag_for

    return tag_for(coid)


@pytest.mark.asyncio
async def test_off_tick_price_is_rejected_locally_without_a_request(
    fake: FakeKite, broker: KiteBroker, recorder: EventRecorder
) -> None:
    driver = KiteDriver(fake, broker)
    broker.submit(limit("X1", px="1400.03"))
    await driver.wait_for(lambda: bool(recorder.of("X1", OrderRejected)))
    assert "tick size 0.05" in recorder.of("X1", OrderRejected)[0].reason
    assert placed(fake) == []


@pytest.mark.asyncio
async def test_modification_cap_of_25_is_enforced_before_kite(
    fake: FakeKite, broker: KiteBroker, recorder: EventRecorder
) -> None:
    driver = KiteDriver(fake, broker)
    broker.submit(limit("M1"))
    await driver.wait_for(lambda: bool(recorder.of("M1", OrderAccepted)))
    for i in range(26):
        px = Decimal("1400.05") + Decimal("0.05") * (i + 1)
        broker.amend(AmendOrder(client_order_id="M1", symbol="INFY", limit_px=px))
    await driver.wait_for(lambda: bool(recorder.of("M1", OrderReplaceRejected)))
    await driver.wait_for(lambda: len(recorder.of("M1", OrderReplaced)) == 25)
    assert "at most 25 modifications" in recorder.of("M1", OrderReplaceRejected)[0].reason
    assert fake.modifications[fake.order_by_tag("M1")[0]["order_id"]] == 25


@pytest.mark.asyncio
async def test_polling_mode_without_ticker_reports_fills(fake: FakeKite) -> None:
    recorder = EventRecorder()
    broker = KiteBroker(kite_config(fake, use_ticker=False))
    broker.bind(recorder, LiveClock())
    await broker.connect()
    driver = KiteDriver(fake, broker)
    try:
        broker.submit(limit("P1", qty=3))
        await driver.wait_for(lambda: bool(recorder.of("P1", OrderAccepted)))
        fake.fill("P1", 1)
        fake.fill("P1", 2)
        await driver.wait_for(lambda: recorder.filled_qty("P1") == 3)
        assert len(recorder.fills("P1")) == 2
    finally:
        await broker.disconnect()


@pytest.mark.asyncio
async def test_orders_from_other_platforms_are_ignored_but_reported_in_mass_status(
    fake: FakeKite, broker: KiteBroker, recorder: EventRecorder
) -> None:
    from kiteconnect import KiteConnect

    driver = KiteDriver(fake, broker)
    other = KiteConnect(fake.api_key, access_token=fake.access_token, root=fake.url)
    other.place_order(
        variety="regular",
        exchange="NSE",
        tradingsymbol="TCS",
        transaction_type="SELL",
        quantity=1,
        product="CNC",
        order_type="LIMIT",
        price=3500,
    )
    broker.submit(limit("O1"))
    await driver.wait_for(lambda: bool(recorder.of("O1", OrderAccepted)))
    assert {e.client_order_id for e in recorder.events} == {"O1"}
    status = await broker.mass_status()
    assert sorted(o.client_order_id for o in status.orders) == ["", "O1"]


@pytest.mark.asyncio
async def test_restart_adopts_journal_ids_and_reports_missed_fills(fake: FakeKite) -> None:
    """After a restart, tags map back to the journal's ids and fills in the gap arrive."""
    coid = "session-1/order-9"
    first = KiteBroker(kite_config(fake))
    first.bind(EventRecorder(), LiveClock())
    await first.connect()
    first.submit(limit(coid))
    await KiteDriver(fake, first).wait_for(lambda: bool(fake.order_by_tag(broker_tag(coid))))
    await first.disconnect()
    fake.fill(broker_tag(coid), 2)  # fills while we were down
    recorder = EventRecorder()
    second = KiteBroker(kite_config(fake))
    second.bind(recorder, LiveClock())
    second.adopt_client_order_ids([coid])
    await second.connect()
    try:
        await KiteDriver(fake, second).wait_for(lambda: recorder.filled_qty(coid) == 2)
        assert all(isinstance(e, OrderAccepted | OrderFilled) for e in recorder.events)
        assert len(placed(fake)) == 1
    finally:
        await second.disconnect()


def test_map_exception_picks_the_most_specific_broker_error() -> None:
    cases: list[tuple[BaseException, type[BrokerError]]] = [
        (kx.TokenException("Token is invalid or has expired", 403), AuthenticationError),
        (kx.PermissionException("no", 403), AuthenticationError),
        (kx.NetworkException("Too many requests", 429), RateLimited),
        (kx.InputException("Invalid `price`", 400), LocalProtocolError),
        (kx.OrderException("cannot cancel", 400), BrokerError),
        (kx.DataException("bad json", 502), RemoteProtocolError),
        (kx.NetworkException("OMS down", 503), BrokerUnavailable),
        (kx.GeneralException("boom", 500), BrokerUnavailable),
        (requests.Timeout("read timed out"), BrokerTimeout),
        (requests.ConnectionError("refused"), BrokerUnavailable),
        (KeyError("content-type"), RemoteProtocolError),
    ]
    for exc, kind in cases:
        err = map_exception(exc, "place_order")
        assert type(err) is kind, (exc, err)
        assert "Kite place_order failed" in str(err)
    assert is_ambiguous(map_exception(requests.Timeout("t"), "x"))
    assert not is_ambiguous(map_exception(kx.NetworkException("slow", 429), "x"))
    assert not is_ambiguous(map_exception(kx.InputException("bad", 400), "x"))


def test_repr_and_config_never_show_credentials(fake: FakeKite) -> None:
    cfg = kite_config(fake, access_token="canary-token-123", api_key="canary-key-456")
    broker = KiteBroker(cfg)
    for text in (repr(broker), str(broker), repr(cfg), str(cfg)):
        assert "canary" not in text


@pytest.mark.asyncio
async def test_production_root_without_live_flag_refuses_orders_before_any_request() -> None:
    """Kite has no paper venue: a non-live config pointed at api.kite.trade never trades."""
    from bolt_exec.adapters.zerodha import KiteConfig

    broker = KiteBroker(KiteConfig(api_key="k", access_token="t"))  # production roots
    recorder = EventRecorder()
    broker.bind(recorder, LiveClock())
    assert not broker.is_live
    broker.submit(limit("NL1"))
    broker.amend(AmendOrder(client_order_id="NL1", symbol="INFY", limit_px=Decimal(1)))
    await wait_until(lambda: len(recorder.events) == 2)
    rejected = recorder.of("NL1", OrderRejected)[0]
    assert rejected.code == "NOT_LIVE"
    assert "live" in rejected.reason
    assert "Kite has no paper venue" in recorder.of("NL1", OrderReplaceRejected)[0].reason


@pytest.mark.asyncio
async def test_every_update_pushed_twice_still_gives_one_fill_per_trade(
    fake: FakeKite, broker: KiteBroker, recorder: EventRecorder
) -> None:
    driver = KiteDriver(fake, broker)
    fake.script.duplicate_updates = True
    fake.script.partial_parts = 3
    broker.submit(
        SubmitOrder(
            client_order_id="DU1",
            symbol="INFY",
            side=Side.BUY,
            order_type=OrderType.MARKET,
            qty=Decimal(3),
        )
    )
    await driver.wait_for(lambda: recorder.filled_qty("DU1") == 3)
    await broker.resync()  # and once more from REST, for good measure
    marker = limit("DU2")
    broker.submit(marker)
    await driver.wait_for(lambda: bool(recorder.of("DU2", OrderAccepted)))
    fills = recorder.of("DU1", OrderFilled)
    assert len(fills) == 3
    assert len({f.trade_id for f in fills}) == 3
    assert len(recorder.of("DU1", OrderAccepted)) == 1


@pytest.mark.asyncio
async def test_stream_dropped_mid_order_fills_arrive_by_polling(
    fake: FakeKite, broker: KiteBroker, recorder: EventRecorder
) -> None:
    driver = KiteDriver(fake, broker)
    fake.script.drop_streams_on_place = True
    broker.submit(limit("DM1", qty=3))
    await driver.wait_for(lambda: not broker.is_connected)
    fake.fill("DM1", 3)
    await driver.wait_for(lambda: recorder.filled_qty("DM1") == 3)
    assert recorder.of("DM1", OrderAccepted)
    assert len(fake.order_by_tag("DM1")) == 1


@pytest.mark.asyncio
async def test_cancel_after_a_lost_ack_finds_the_order_by_tag(
    fake: FakeKite, broker: KiteBroker, recorder: EventRecorder
) -> None:
    """The place timed out and the stream is down, yet the cancel reaches the right order."""
    driver = KiteDriver(fake, broker)
    fake.script.ambiguous_next = 1
    fake.script.drop_streams_on_place = True
    broker.submit(limit("LA1"))
    await driver.wait_for(lambda: len(fake.order_by_tag("LA1")) == 1)
    broker._tracker.order_ids.pop("LA1", None)  # as if the ack never made it back
    broker.cancel(CancelOrder(client_order_id="LA1", symbol="INFY"))
    await driver.wait_for(lambda: fake.order_by_tag("LA1")[0]["status"] == "CANCELLED")
    await driver.wait_for(lambda: bool(recorder.of("LA1", OrderCanceled)))
    assert not recorder.of("LA1", OrderCancelRejected)


@pytest.mark.asyncio
async def test_spent_rate_budget_rejects_instead_of_sending_late(
    fake: FakeKite, broker: KiteBroker, recorder: EventRecorder
) -> None:
    from bolt_exec.adapters.base import RateLimit
    from bolt_exec.runtime.ratelimit import RateBudget

    driver = KiteDriver(fake, broker)
    budget = RateBudget(
        (RateLimit(1, 3600.0, "orders"),), LiveClock(), max_wait_s=0.1, venue="zerodha"
    )
    broker.use_throttle(budget.acquire)
    broker.submit(limit("B1"))
    broker.submit(limit("B2"))
    await driver.wait_for(lambda: bool(recorder.of("B2", OrderRejected)))
    await driver.wait_for(lambda: bool(recorder.of("B1", OrderAccepted)))
    assert "rate budget spent" in recorder.of("B2", OrderRejected)[0].reason
    assert len(placed(fake)) == 1

"""The API secret never appears in a log line, a repr or an exception message."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from pydantic import SecretStr

from bolt_exec.adapters.binance import BinanceConfig, BinanceSpotBroker
from bolt_exec.clock import LiveClock
from bolt_exec.errors import AuthenticationError, BoltExecError
from bolt_exec.model.commands import CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderType, Side, TimeInForce
from bolt_exec.model.events import OrderCancelRejected, OrderEvent, OrderFilled, OrderRejected
from bolt_exec.testing.fake_binance import FakeBinance
from tests.adapters.binance.conftest import API_SECRET, VenueHarness, make_config

pytestmark = pytest.mark.timeout(20)


def assert_no_canary(text: str) -> None:
    assert API_SECRET not in text
    assert API_SECRET[:12] not in text  # not even a prefix


@pytest.mark.asyncio
async def test_secret_absent_from_logs_reprs_and_errors(
    venue: VenueHarness, caplog: pytest.LogCaptureFixture
) -> None:
    # Arrange: log everything, including python-binance and aiohttp internals.
    caplog.set_level(logging.DEBUG)
    # Act: a fill, a rejection, a refused cancel, a rate limit, a clock skew, a disconnect.
    venue.broker.submit(
        SubmitOrder(
            client_order_id="sec-1",
            symbol="BTCUSDT",
            side=Side.BUY,
            order_type=OrderType.MARKET,
            qty=Decimal("0.01"),
            tif=TimeInForce.GTC,
        )
    )
    await venue.wait_for(lambda: bool(venue.of(OrderFilled, "sec-1")))
    venue.fake.script.reject_next = (
        -2010,
        "Account has insufficient balance for requested action.",
    )
    venue.broker.submit(
        SubmitOrder(
            client_order_id="sec-2",
            symbol="BTCUSDT",
            side=Side.BUY,
            order_type=OrderType.MARKET,
            qty=Decimal("0.01"),
            tif=TimeInForce.GTC,
        )
    )
    await venue.wait_for(lambda: bool(venue.of(OrderRejected, "sec-2")))
    venue.broker.cancel(CancelOrder(client_order_id="missing", symbol="BTCUSDT"))
    await venue.wait_for(lambda: bool(venue.of(OrderCancelRejected, "missing")))
    venue.fake.script.skew_ms = -20_000
    await venue.broker.mass_status()
    await venue.fake.drop_streams()
    await venue.wait_for(lambda: venue.broker._stream.reconnects > 0)  # type: ignore[union-attr]
    # Assert
    assert caplog.records, "the scenario should have logged something"
    for record in caplog.records:
        assert_no_canary(record.getMessage())
        assert_no_canary(str(record.args))
    assert_no_canary(repr(venue.broker))
    assert_no_canary(repr(venue.broker.config))
    assert_no_canary(str(venue.broker.config.model_dump()))
    assert_no_canary(repr(venue.broker._stream))
    for event in venue.events:
        assert_no_canary(repr(event))


@pytest.mark.asyncio
async def test_wrong_secret_fails_with_authentication_error_without_leaking(
    fake: FakeBinance,
) -> None:
    wrong = "canary-wrong-" + API_SECRET
    broker = BinanceSpotBroker(make_config(fake, api_secret=SecretStr(wrong)))
    events: list[OrderEvent] = []
    broker.bind(events.append, LiveClock())
    with pytest.raises(AuthenticationError) as info:
        await broker.connect()
    assert isinstance(info.value, BoltExecError)
    assert info.value.code == -1022
    for text in (str(info.value), repr(info.value), str(info.value.__cause__ or "")):
        assert wrong not in text
        assert_no_canary(text)
    assert not broker.is_connected


def test_config_is_testnet_unless_it_says_live(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOLT_BINANCE_API_KEY", "k")
    monkeypatch.setenv("BOLT_BINANCE_API_SECRET", API_SECRET)
    cfg = BinanceConfig()
    assert cfg.mode == "testnet"
    assert not cfg.is_live
    assert "testnet.binance.vision" in cfg.resolved_rest_url
    assert cfg.api_secret.get_secret_value() == API_SECRET
    assert_no_canary(repr(cfg))
    monkeypatch.setenv("BOLT_BINANCE_MODE", "live")
    live = BinanceConfig()
    assert live.is_live
    assert live.resolved_rest_url == "https://api.binance.com/api"
    assert BinanceSpotBroker(live).is_live


def test_config_refuses_unknown_fields_and_bad_windows() -> None:
    with pytest.raises(ValueError, match="recv_window_ms"):
        BinanceConfig(recv_window_ms=70_000)
    with pytest.raises(ValueError, match="mode"):
        BinanceConfig(mode="production")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="apikey"):
        BinanceConfig(apikey="x")  # type: ignore[call-arg]

"""Golden decode/encode tests of the Kite codec on recorded payloads, plus properties."""

from __future__ import annotations

import json
import string
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kiteconnect import KiteConnect

from bolt_exec.adapters.zerodha import codec, translate, wire
from bolt_exec.errors import RemoteProtocolError, UnsupportedError, ValidationError
from bolt_exec.model.commands import AmendOrder, SubmitOrder
from bolt_exec.model.enums import OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderRejected,
    OrderReplaced,
    OrderTriggered,
)
from bolt_exec.model.instrument import Instrument

FIXTURES = Path(__file__).parent / "fixtures"
INFY = Instrument(symbol="INFY", venue="NSE", currency="INR", tick_size=Decimal("0.05"))


def ws_order(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())["data"]
    return data


def instruments() -> list[dict[str, Any]]:
    # the library's own CSV parser, exactly what the adapter receives
    rows: list[dict[str, Any]] = KiteConnect("k")._parse_instruments(
        (FIXTURES / "instruments_nse.csv").read_bytes()
    )
    return rows


# --- tag mapping ------------------------------------------------------------------------------
def test_tag_for_short_alphanumeric_id_is_identity() -> None:
    assert codec.tag_for("C000001") == "C000001"


def test_tag_for_long_or_punctuated_id_is_20_char_hash() -> None:
    tag = codec.tag_for("strat-A:2026-11-22-000001")
    assert len(tag) == 20
    assert tag.isalnum()
    assert tag.startswith("z")
    assert tag == codec.tag_for("strat-A:2026-11-22-000001")


def test_tag_for_empty_id_raises_naming_field() -> None:
    with pytest.raises(ValidationError, match="client_order_id"):
        codec.tag_for("")


@given(st.text(min_size=1, max_size=60))
def test_tag_for_is_always_a_valid_kite_tag(coid: str) -> None:
    tag = codec.tag_for(coid)
    assert 1 <= len(tag) <= codec.TAG_MAX_LEN
    assert all(c in string.ascii_letters + string.digits for c in tag)


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_tag_for_distinct_ids_get_distinct_tags(a: str, b: str) -> None:
    if a != b:
        assert codec.tag_for(a) != codec.tag_for(b)


# --- commands -> library arguments -------------------------------------------------------------
def test_place_params_limit_order_golden() -> None:
    cmd = SubmitOrder(
        client_order_id="C1",
        symbol="INFY",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        qty=Decimal(10),
        limit_px=Decimal("1400.05"),
    )
    params = codec.place_params(
        cmd, INFY, default_exchange="NSE", product="CNC", market_protection=-1
    )
    assert params == {
        "variety": "regular",
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "quantity": 10,
        "product": "CNC",
        "order_type": "LIMIT",
        "validity": "DAY",
        "tag": "C1",
        "price": 1400.05,
    }
    assert str(params["price"]) == "1400.05"  # kiteconnect sends str(value)


def test_place_params_stop_orders_map_to_sl_and_slm() -> None:
    base: dict[str, Any] = {
        "client_order_id": "C2",
        "symbol": "NSE:INFY",
        "side": Side.SELL,
        "qty": Decimal(1),
        "stop_px": Decimal("1390"),
    }
    slm = codec.place_params(
        SubmitOrder(order_type=OrderType.STOP, **base),
        INFY,
        default_exchange="NFO",
        product="MIS",
        market_protection=-1,
    )
    sl = codec.place_params(
        SubmitOrder(order_type=OrderType.STOP_LIMIT, limit_px=Decimal("1389.5"), **base),
        INFY,
        default_exchange="NFO",
        product="MIS",
    )
    assert (slm["order_type"], slm["trigger_price"], slm["market_protection"]) == (
        "SL-M",
        1390.0,
        -1,
    )
    assert slm["exchange"] == "NSE"
    assert (sl["order_type"], sl["price"], sl["trigger_price"]) == ("SL", 1389.5, 1390.0)


@given(st.integers(min_value=1, max_value=10_000_000))
def test_place_params_price_prints_exactly_as_the_decimal(ticks: int) -> None:
    px = Decimal("0.05") * ticks
    cmd = SubmitOrder(
        client_order_id="C3",
        symbol="INFY",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        qty=Decimal(1),
        limit_px=px,
    )
    params = codec.place_params(cmd, INFY, default_exchange="NSE", product="CNC")
    assert Decimal(str(params["price"])) == px


def test_place_params_off_tick_price_raises_with_fix() -> None:
    cmd = SubmitOrder(
        client_order_id="C4",
        symbol="INFY",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        qty=Decimal(1),
        limit_px=Decimal("1400.03"),
    )
    with pytest.raises(ValidationError, match=r"limit_px.*tick size 0.05.*1400.05"):
        codec.place_params(cmd, INFY, default_exchange="NSE", product="CNC")


def test_place_params_unsupported_tif_and_flags_raise() -> None:
    gtc = SubmitOrder(
        client_order_id="C5",
        symbol="INFY",
        side=Side.BUY,
        qty=Decimal(1),
        order_type=OrderType.LIMIT,
        limit_px=Decimal(1),
        tif=TimeInForce.GTC,
    )
    post = SubmitOrder(
        client_order_id="C6",
        symbol="INFY",
        side=Side.BUY,
        qty=Decimal(1),
        order_type=OrderType.LIMIT,
        limit_px=Decimal(1),
        post_only=True,
    )
    with pytest.raises(UnsupportedError, match="GTC"):
        codec.place_params(gtc, INFY, default_exchange="NSE", product="CNC")
    with pytest.raises(UnsupportedError, match="post_only"):
        codec.place_params(post, INFY, default_exchange="NSE", product="CNC")


def test_amend_params_only_changed_fields() -> None:
    cmd = AmendOrder(client_order_id="C7", symbol="INFY", limit_px=Decimal("1400.10"))
    assert codec.amend_params(cmd, INFY, order_id="9") == {
        "variety": "regular",
        "order_id": "9",
        "price": 1400.1,
    }
    with pytest.raises(ValidationError, match="changes nothing"):
        codec.amend_params(AmendOrder(client_order_id="C7", symbol="INFY"), INFY, order_id="9")


# --- instruments -------------------------------------------------------------------------------
def test_instrument_from_row_takes_tick_and_lot_from_dump() -> None:
    rows = instruments()
    got = {
        i.symbol: i for i in (codec.instrument_from_row(r, default_exchange="NSE") for r in rows)
    }
    assert got["INFY"].tick_size == Decimal("0.05")
    assert got["TCS"].tick_size == Decimal("0.1")
    fut = got["NFO:NIFTY26DECFUT"]
    assert (fut.lot_size, fut.min_qty) == (Decimal(75), Decimal(75))
    assert (fut.venue, fut.currency) == ("NFO", "INR")
    assert ("expiry", "2026-12-29") in fut.extra


# --- snapshots -> events -----------------------------------------------------------------------
def test_translate_open_then_partial_then_cancel_golden() -> None:
    # Arrange
    opened = wire.parse_order(ws_order("ws_order_open.json"))
    partial = wire.parse_order(ws_order("ws_order_partial.json"))
    cancelled = wire.parse_order(ws_order("ws_order_cancelled.json"))
    # Act
    t1 = translate.translate_order(None, opened, "C000001", 7)
    t2 = translate.translate_order(t1.view, partial, "C000001", 8)
    t3 = translate.translate_order(t2.view, cancelled, "C000001", 9)
    # Assert
    assert t1.events == (
        OrderAccepted(
            client_order_id="C000001",
            ts_event=1735703102 * 10**9,
            ts_init=7,
            venue_order_id="250101000000123",
        ),
    )
    assert not t1.fills_behind
    assert t2.events == ()
    assert t2.fills_behind
    assert t2.view.filled == 4
    assert t3.events == ()
    assert t3.terminal == (
        OrderCanceled(
            client_order_id="C000001", ts_event=1735703400 * 10**9, ts_init=9, reason="canceled"
        ),
    )
    assert not t3.fills_behind


def test_translate_rejected_carries_rms_reason() -> None:
    rejected = wire.parse_order(ws_order("ws_order_rejected.json"))
    result = translate.translate_order(None, rejected, "C000002", 1)
    assert result.events == ()
    (event,) = result.terminal
    assert isinstance(event, OrderRejected)
    assert event.reason.startswith("RMS:Margin Exceeds")


def test_translate_terminal_is_sticky_and_fills_only_grow() -> None:
    cancelled = wire.parse_order(ws_order("ws_order_cancelled.json"))
    opened = wire.parse_order(ws_order("ws_order_open.json"))
    done = translate.translate_order(None, cancelled, "C1", 1)
    late = translate.translate_order(done.view, opened, "C1", 2)  # stale OPEN after CANCELLED
    assert (late.events, late.terminal, late.fills_behind) == ((), (), False)
    assert late.view.filled == 4
    assert late.view.status == "CANCELLED"


def test_translate_duplicate_snapshot_emits_nothing() -> None:
    partial = wire.parse_order(ws_order("ws_order_partial.json"))
    first = translate.translate_order(None, partial, "C1", 1)
    again = translate.translate_order(first.view, partial, "C1", 2)
    assert (again.events, again.terminal, again.fills_behind) == ((), (), False)


def test_translate_modify_and_trigger() -> None:
    raw = ws_order("ws_order_open.json") | {
        "status": "TRIGGER PENDING",
        "order_type": "SL",
        "trigger_price": 1401,
    }
    pending = translate.translate_order(None, wire.parse_order(raw), "C1", 1)
    moved = wire.parse_order(raw | {"status": "OPEN", "price": 1400.5})
    result = translate.translate_order(pending.view, moved, "C1", 2)
    assert [type(e) for e in result.events] == [OrderTriggered, OrderReplaced]
    replaced = result.events[1]
    assert isinstance(replaced, OrderReplaced)
    assert (replaced.limit_px, replaced.qty, replaced.stop_px) == (Decimal("1400.5"), None, None)


def test_fill_from_trade_golden() -> None:
    raw = json.loads((FIXTURES / "rest_order_trades.json").read_text())["data"][0]
    fill = translate.fill_from_trade(wire.parse_trade(raw), "C000001", "INFY", 5)
    assert (fill.trade_id, fill.last_qty, fill.last_px, fill.side) == (
        "10000001",
        Decimal(4),
        Decimal("1400.05"),
        Side.BUY,
    )
    assert fill.ts_event == 1735703200 * 10**9
    assert fill.venue_order_id == "250101000000123"


def test_order_report_partial_fill_is_derived_from_quantities() -> None:
    report = translate.order_report(
        wire.parse_order(ws_order("ws_order_partial.json")), "C1", "INFY"
    )
    assert report.status is OrderStatus.PARTIALLY_FILLED
    assert (report.qty, report.filled_qty) == (Decimal(10), Decimal(4))
    assert report.limit_px == Decimal("1400.05")


def test_order_report_unknown_status_is_remote_protocol_error() -> None:
    odd = wire.parse_order(ws_order("ws_order_open.json") | {"status": "SOMETHING NEW"})
    with pytest.raises(RemoteProtocolError, match="SOMETHING NEW"):
        translate.order_report(odd, "C1", "INFY")


def test_parse_order_missing_id_is_remote_protocol_error() -> None:
    raw = ws_order("ws_order_open.json")
    del raw["order_id"]
    with pytest.raises(RemoteProtocolError, match="order_id"):
        wire.parse_order(raw)


def test_kite_ts_to_ns_is_ist() -> None:
    assert wire.kite_ts_to_ns("2025-01-01 09:15:02") == 1735703102 * 10**9
    assert wire.kite_ts_to_ns("09:15:02", default=3) == 3
    assert wire.kite_ts_to_ns(None, default=4) == 4

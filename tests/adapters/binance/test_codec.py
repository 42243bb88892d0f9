"""Golden and property tests of the pure Binance codec on recorded payloads.

Goldens live in ``fixtures/golden``; regenerate them only deliberately with
``BOLT_UPDATE_GOLDENS=1`` and review the diff.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.adapters.base import RateLimit
from bolt_exec.adapters.binance import codec, snapshots
from bolt_exec.errors import ValidationError
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.model.enums import LiquiditySide, OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderReplaced,
)
from tests.adapters.golden_json import as_plain

FIXTURES = Path(__file__).parent / "fixtures"
TS_INIT = 1_700_000_000_000_000_000


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def check_golden(name: str, value: object) -> None:
    """Compare ``value`` (encoded as JSON) with ``fixtures/golden/<name>.json``."""
    path = FIXTURES / "golden" / f"{name}.json"
    encoded = as_plain(value)
    if os.environ.get("BOLT_UPDATE_GOLDENS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(encoded, indent=2, sort_keys=True) + "\n")
    assert encoded == json.loads(path.read_text())


def test_instrument_from_exchange_info_maps_filters() -> None:
    inst = snapshots.instrument_from_symbol(load("exchange_info_btcusdt.json"))
    assert inst.tick_size == Decimal("0.01")
    assert inst.lot_size == Decimal("0.00001")
    assert inst.min_qty == Decimal("0.00001")
    assert inst.max_qty == Decimal(9000)
    assert inst.min_notional == Decimal(5)
    assert inst.currency == "USDT"
    assert dict(inst.extra) == {"base_asset": "BTC", "quote_asset": "USDT"}
    check_golden("instrument_btcusdt", inst)


def test_instrument_legacy_min_notional_and_disabled_price_filter() -> None:
    inst = snapshots.instrument_from_symbol(load("exchange_info_legacy_min_notional.json"))
    assert inst.min_notional == Decimal(10)  # MIN_NOTIONAL, the pre-2023 filter
    assert inst.tick_size == Decimal("0.0001")  # tickSize 0 = disabled: quote precision


def test_order_response_full_yields_ack_then_each_fill() -> None:
    events = codec.order_response_events(load("order_response_full_market.json"), TS_INIT)
    assert [type(e) for e in events] == [OrderAccepted, OrderFilled, OrderFilled]
    fills = [e for e in events if isinstance(e, OrderFilled)]
    assert [f.trade_id for f in fills] == ["56", "57"]
    assert sum(f.last_qty for f in fills) == Decimal("0.003")
    assert fills[0].side is Side.SELL
    assert fills[0].fee == Decimal("0.04001")
    assert events[0].ts_event == 1507725176595 * 1_000_000
    check_golden("order_response_full_market", events)


def test_market_order_expired_with_partial_fill() -> None:
    events = codec.order_response_events(load("order_response_expired_partial.json"), TS_INIT)
    assert [type(e) for e in events] == [OrderAccepted, OrderFilled, OrderExpired]


def test_execution_reports_map_by_execution_type() -> None:
    reports = load("execution_reports.json")
    events = [e for r in reports for e in codec.execution_report_events(r, TS_INIT)]
    kinds = [type(e) for e in events]
    assert kinds == [OrderAccepted, OrderFilled, OrderReplaced, OrderCanceled, OrderExpired]
    fill = events[1]
    assert isinstance(fill, OrderFilled)
    assert fill.liquidity is LiquiditySide.MAKER
    assert fill.fee_currency == "ETH"
    # A cancel's "c" is the cancel request's id; the order's id is in "C".
    assert events[3].client_order_id == "oms-7"
    check_golden("execution_reports", events)


def test_order_report_of_open_order() -> None:
    report = snapshots.order_report(load("open_order.json"))
    assert report.status is OrderStatus.PARTIALLY_FILLED
    assert report.avg_px == Decimal("0.1")
    assert report.limit_px == Decimal("0.1")
    assert report.stop_px is None
    check_golden("open_order", report)


def test_fill_report_side_from_is_buyer() -> None:
    fill = snapshots.fill_report(load("my_trade.json"), "oms-3")
    assert fill.side is Side.BUY
    assert fill.liquidity is LiquiditySide.TAKER
    assert fill.client_order_id == "oms-3"
    check_golden("my_trade", fill)


def test_balances_and_positions_derive_from_base_asset() -> None:
    balances = snapshots.balances_from_account(load("account.json"))
    assert balances == {"BTC": Decimal("4723846.89208129"), "LTC": Decimal("4763369.18006011")}
    inst = snapshots.instrument_from_symbol(load("exchange_info_btcusdt.json"))
    positions = snapshots.positions_from_balances(balances, [inst], ["BTCUSDT", "UNKNOWN"])
    assert [(p.symbol, p.qty) for p in positions] == [("BTCUSDT", balances["BTC"])]


def test_rate_limits_are_data() -> None:
    limits = snapshots.rate_limits_from_exchange_info(load("rate_limits.json"))
    assert RateLimit(count=100, per_seconds=10.0, scope="orders") in limits
    assert RateLimit(count=200_000, per_seconds=86_400.0, scope="orders") in limits
    assert RateLimit(count=6000, per_seconds=60.0, scope="request_weight") in limits
    check_golden("rate_limits", list(limits))


def submit(**kw: Any) -> SubmitOrder:
    base: dict[str, Any] = {
        "client_order_id": "oms-1",
        "symbol": "BTCUSDT",
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "qty": Decimal("0.0015"),
        "limit_px": Decimal("40000.10"),
        "tif": TimeInForce.GTC,
    }
    base.update(kw)
    return SubmitOrder(**base)


def test_new_order_params_carry_client_id_and_plain_decimals() -> None:
    inst = snapshots.instrument_from_symbol(load("exchange_info_btcusdt.json"))
    params = codec.new_order_params(submit(), inst)
    assert params == {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "quantity": "0.0015",
        "price": "40000.1",
        "timeInForce": "GTC",
        "newClientOrderId": "oms-1",
        "newOrderRespType": "FULL",
    }


def test_post_only_is_limit_maker_without_tif() -> None:
    params = codec.new_order_params(submit(post_only=True))
    assert params["type"] == "LIMIT_MAKER"
    assert "timeInForce" not in params


def test_stop_limit_maps_to_stop_loss_limit() -> None:
    params = codec.new_order_params(
        submit(order_type=OrderType.STOP_LIMIT, stop_px=Decimal("39000"))
    )
    assert params["type"] == "STOP_LOSS_LIMIT"
    assert params["stopPrice"] == "39000"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tif": TimeInForce.DAY}, "tif"),
        ({"reduce_only": True}, "reduce_only"),
        ({"client_order_id": "x" * 37}, "client_order_id"),
        ({"client_order_id": "has space"}, "client_order_id"),
        ({"limit_px": Decimal("40000.001")}, "limit_px"),
        ({"qty": Decimal("0.000015")}, "qty"),
        ({"qty": Decimal("0.0001"), "limit_px": Decimal(100)}, "qty"),  # notional 0.01 < 5
    ],
)
def test_new_order_params_refuse_what_binance_cannot_carry(
    overrides: dict[str, Any], field: str
) -> None:
    inst = snapshots.instrument_from_symbol(load("exchange_info_btcusdt.json"))
    with pytest.raises(ValidationError) as info:
        codec.new_order_params(submit(**overrides), inst)
    assert info.value.field == field


@given(st.decimals(min_value=Decimal("1e-8"), max_value=Decimal("1e9"), places=8))
def test_fmt_never_uses_exponent_and_round_trips(value: Decimal) -> None:
    text = codec.fmt(value)
    assert "E" not in text.upper()
    assert Decimal(text) == value


def test_cancel_replace_reuses_client_id_and_stops_on_failure() -> None:
    params = codec.cancel_replace_params(
        symbol="BTCUSDT",
        client_order_id="oms-1",
        venue_order_id="77",
        side=Side.SELL,
        binance_type="LIMIT",
        tif="GTC",
        leg_qty=Decimal("0.50"),
        limit_px=Decimal("41000.00"),
        stop_px=None,
    )
    assert params["cancelReplaceMode"] == "STOP_ON_FAILURE"
    assert params["newClientOrderId"] == "oms-1"
    assert params["cancelOrderId"] == "77"
    assert params["quantity"] == "0.5"
    assert params["price"] == "41000"

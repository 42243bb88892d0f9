"""Golden and property tests of the pure ccxt codec.

The fixtures are ccxt 4.5's own unified output for documented OKX v5 payloads
(``okx.parse_market`` / ``parse_order`` / ``parse_trade`` /
``parse_trading_balance``, run offline). Goldens live in ``fixtures/golden``;
regenerate them only deliberately with ``BOLT_UPDATE_GOLDENS=1``.
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

from bolt_exec.adapters.ccxt import codec
from bolt_exec.errors import ValidationError
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.model.enums import LiquiditySide, OrderStatus, OrderType, Side, TimeInForce
from tests.adapters.golden_json import as_plain

FIXTURES = Path(__file__).parent / "fixtures"
TS_INIT = 1_700_000_000_000_000_000
OKX = codec.rules_for("okx")


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def check_golden(name: str, value: object) -> None:
    path = FIXTURES / "golden" / f"{name}.json"
    encoded = as_plain(value)
    if os.environ.get("BOLT_UPDATE_GOLDENS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(encoded, indent=2, sort_keys=True) + "\n")
    assert encoded == json.loads(path.read_text())


def test_okx_market_becomes_instrument_on_the_tick_grid() -> None:
    inst = codec.instrument_from_market(load("okx_market.json"), precision_mode=4)
    assert inst.symbol == "BTC/USDT"
    assert inst.tick_size == Decimal("0.1")
    assert inst.lot_size == Decimal("0.00000001")
    assert inst.min_qty == Decimal("0.00001")
    assert dict(inst.extra)["venue_symbol"] == "BTC-USDT"
    check_golden("okx_instrument", inst)


def test_decimal_places_precision_mode_converts_digits_to_increments() -> None:
    market = {**load("okx_market.json"), "precision": {"price": 2, "amount": 5}}
    inst = codec.instrument_from_market(market, precision_mode=2)
    assert inst.tick_size == Decimal("0.01")
    assert inst.lot_size == Decimal("0.00001")


def test_partially_filled_order_is_derived_from_filled() -> None:
    order = load("okx_order_partial.json")
    assert order["status"] == "open"  # ccxt says open; the fill makes it partial
    report = codec.order_report(order, codec.decode_client_id(order["clientOrderId"], OKX))
    assert report.status is OrderStatus.PARTIALLY_FILLED
    assert report.client_order_id == "O1a-7"
    assert report.filled_qty == Decimal("0.00192834")
    assert report.qty == Decimal("0.005")
    check_golden("okx_order_partial", report)


def test_trade_becomes_fill_with_exact_fee() -> None:
    fill = codec.fill_event(load("okx_trade.json"), "O1a-7", TS_INIT)
    assert fill.trade_id == "744876980"
    assert fill.fee == Decimal("0.00000192834")
    assert fill.side is Side.BUY
    assert fill.liquidity is LiquiditySide.TAKER
    check_golden("okx_fill", fill)


def test_nested_trade_takes_side_and_symbol_from_its_order() -> None:
    nested = {"id": "56", "price": 40010.0, "amount": 0.001, "fee": None, "timestamp": None}
    order = {"id": "28", "side": "sell", "symbol": "BTC/USDT"}
    fill = codec.fill_event(nested, "oms-1", TS_INIT, order)
    assert fill.side is Side.SELL
    assert fill.venue_order_id == "28"
    assert fill.last_px == Decimal("40010.0")


def test_balances_keep_non_zero_totals() -> None:
    balances = codec.balances_from_ccxt(load("okx_balance.json"))
    assert balances == {"USDT": Decimal(100), "BTC": Decimal("0.00192834")}


def cmd(**kw: Any) -> SubmitOrder:
    base: dict[str, Any] = {
        "client_order_id": "O1a-7",
        "symbol": "BTC/USDT",
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "qty": Decimal("0.01"),
        "limit_px": Decimal("30000.1"),
        "tif": TimeInForce.GTC,
    }
    base.update(kw)
    return SubmitOrder(**base)


@pytest.mark.parametrize(
    ("exchange", "param", "sent"),
    [
        ("okx", "clOrdId", "O1aZd7"),  # OKX takes letters and digits only: escaped
        ("binance", "newClientOrderId", "O1a-7"),
        ("binanceus", "newClientOrderId", "O1a-7"),
        ("coinbase", "client_order_id", "O1a-7"),
        ("kraken", "clientOrderId", "O1a-7"),
    ],
)
def test_client_id_travels_in_each_exchanges_own_parameter(
    exchange: str, param: str, sent: str
) -> None:
    symbol, otype, side, amount, price, params = codec.create_order_args(
        cmd(), codec.rules_for(exchange)
    )
    assert params[param] == sent
    assert (symbol, otype, side, amount, price) == (
        "BTC/USDT",
        "limit",
        "buy",
        Decimal("0.01"),
        Decimal("30000.1"),
    )
    assert params["timeInForce"] == "GTC"


def test_client_id_too_long_for_okx_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        codec.create_order_args(cmd(client_order_id="A-" * 12), OKX)  # escapes to 36 chars
    assert info.value.field == "client_order_id"


def test_day_orders_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        codec.create_order_args(cmd(tif=TimeInForce.DAY), OKX)
    assert info.value.field == "tif"


@given(st.text(alphabet="AZaz09-_.:Zd", min_size=1, max_size=36))
def test_client_id_escape_round_trips(client_order_id: str) -> None:
    encoded = codec.encode_client_id(client_order_id, OKX)
    assert encoded.isalnum()
    assert codec.decode_client_id(encoded, OKX) == client_order_id


def test_foreign_client_ids_decode_unchanged() -> None:
    assert codec.decode_client_id("6b9ad766b55dBCDEab12", OKX) == "6b9ad766b55dBCDEab12"
    assert codec.decode_client_id("ZQ", OKX) == "ZQ"  # not an escape of ours

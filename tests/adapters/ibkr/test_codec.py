"""The IBKR codec: golden tests on recorded library payloads, decision tables, properties.

Goldens live next to their inputs (``fixtures/*.json``, key ``expected``). After a
deliberate change, regenerate them with ``BOLT_UPDATE_GOLDENS=1`` and review the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.adapters.golden_json import as_plain

from bolt_exec.adapters.ibkr import codec
from bolt_exec.adapters.ibkr._lib import load_library
from bolt_exec.adapters.ibkr.codec import OrderView
from bolt_exec.errors import RemoteProtocolError, UnsupportedError, ValidationError
from bolt_exec.model.commands import AmendOrder, SubmitOrder
from bolt_exec.model.enums import OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderRejected,
    OrderReplaceRejected,
)

FIXTURES = Path(__file__).parent / "fixtures"
TS = 1_790_000_000_000_000_000
UPDATE = os.environ.get("BOLT_UPDATE_GOLDENS") == "1"


def _as_json(value: Any) -> Any:
    return as_plain(value)


def _check_golden(name: str, decode: Callable[[Any], Any]) -> None:
    path = FIXTURES / f"{name}.json"
    payload = json.loads(path.read_text())
    actual = [_as_json(decode(case)) for case in payload["cases"]]
    if UPDATE:
        payload["expected"] = actual
        path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    assert payload["expected"] is not None, f"{path.name} has no goldens; see module docstring"
    assert actual == payload["expected"]


@pytest.mark.parametrize("name", ["fills", "fills_extra"])
def test_decode_fill_matches_golden(name: str) -> None:
    _check_golden(
        name,
        lambda case: codec.decode_fill(
            case["execution"], case["commission"], case["contract"]["symbol"], ts_init=TS
        ),
    )


@pytest.mark.parametrize("name", ["orders", "orders_extra"])
def test_decode_order_report_matches_golden(name: str) -> None:
    _check_golden(
        name,
        lambda case: codec.decode_order_report(
            case["order"], case["status"], case["contract"]["symbol"]
        ),
    )


@pytest.mark.parametrize("name", ["positions", "positions_extra"])
def test_decode_position_matches_golden(name: str) -> None:
    _check_golden(
        name,
        lambda case: codec.decode_position(
            case["position"], case["contract"], case["contract"]["localSymbol"]
        ),
    )


@pytest.mark.parametrize("name", ["account_values", "account_values_extra"])
def test_decode_balances_matches_golden(name: str) -> None:
    _check_golden(name, codec.decode_balances)


def test_recorded_fill_carries_order_ref_exec_id_and_commission() -> None:
    """Spot-check the recorded goldens against their own inputs (not only against themselves)."""
    payload = json.loads((FIXTURES / "fills.json").read_text())
    for case in payload["cases"]:
        event = codec.decode_fill(case["execution"], case["commission"], "AAPL", ts_init=TS)
        assert event is not None
        assert event.client_order_id == case["execution"]["orderRef"]
        assert event.trade_id == case["execution"]["execId"]
        assert event.fee == Decimal(str(case["commission"]["commission"]))
        assert event.side is (Side.BUY if case["execution"]["side"] == "BOT" else Side.SELL)


# --- outbound -----------------------------------------------------------------------------
def _submit(**overrides: Any) -> SubmitOrder:
    fields: dict[str, Any] = {
        "client_order_id": "c-1",
        "symbol": "AAPL",
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "qty": Decimal(100),
        "limit_px": Decimal("189.50"),
    }
    return SubmitOrder(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, {"orderType": "LMT", "lmtPrice": 189.5, "tif": "DAY"}),
        ({"order_type": OrderType.MARKET, "limit_px": None}, {"orderType": "MKT", "tif": "DAY"}),
        (
            {"order_type": OrderType.STOP, "limit_px": None, "stop_px": Decimal("185")},
            {"orderType": "STP", "auxPrice": 185.0, "tif": "DAY"},
        ),
        (
            {"order_type": OrderType.STOP_LIMIT, "stop_px": Decimal("190"), "tif": TimeInForce.GTC},
            {"orderType": "STP LMT", "lmtPrice": 189.5, "auxPrice": 190.0, "tif": "GTC"},
        ),
        (
            {"tif": TimeInForce.GTD, "expire_ts": 1_790_000_000_000_000_000},
            {
                "orderType": "LMT",
                "lmtPrice": 189.5,
                "tif": "GTD",
                "goodTillDate": "20260921 14:13:20 UTC",
            },
        ),
    ],
)
def test_encode_order_maps_type_prices_and_tif(
    overrides: dict[str, Any], expected: dict[str, Any]
) -> None:
    kwargs = codec.encode_order(_submit(**overrides), account="ACC")
    assert kwargs == {
        "action": "BUY",
        "totalQuantity": 100.0,
        "orderRef": "c-1",
        "transmit": True,
        "account": "ACC",
        **expected,
    }


def test_encoded_order_builds_a_library_order() -> None:
    order = load_library().Order(orderId=5, **codec.encode_order(_submit()))
    assert (order.orderRef, order.lmtPrice, order.orderType) == ("c-1", 189.5, "LMT")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"reduce_only": True}, UnsupportedError),
        ({"post_only": True}, UnsupportedError),
        ({"limit_px": None}, ValidationError),
        ({"order_type": OrderType.STOP, "limit_px": None}, ValidationError),
        ({"tif": TimeInForce.GTD}, ValidationError),
    ],
)
def test_encode_order_refuses_what_ib_cannot_take(
    overrides: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        codec.encode_order(_submit(**overrides))


def test_encode_amend_lists_only_changes_and_refuses_empty() -> None:
    amend = AmendOrder(client_order_id="c-1", symbol="AAPL", limit_px=Decimal("190.05"))
    assert codec.encode_amend(amend) == {"lmtPrice": 190.05}
    with pytest.raises(ValidationError, match="changes nothing"):
        codec.encode_amend(AmendOrder(client_order_id="c-1", symbol="AAPL"))


# --- inbound decisions --------------------------------------------------------------------
NEW = OrderView(client_order_id="c-1", venue_order_id="77")
WORKING = OrderView(client_order_id="c-1", venue_order_id="77", is_accepted=True)


@pytest.mark.parametrize(
    ("status", "view", "expected"),
    [
        ("PendingSubmit", NEW, None),
        ("PreSubmitted", NEW, OrderAccepted),
        ("Submitted", NEW, OrderAccepted),
        ("Submitted", WORKING, None),
        ("PendingCancel", WORKING, None),
        ("Filled", WORKING, None),  # fills come from executions, never from statuses
        ("Cancelled", WORKING, OrderCanceled),
        ("ApiCancelled", NEW, OrderCanceled),
        ("Inactive", NEW, OrderRejected),
        (
            "Inactive",
            OrderView(client_order_id="c-1", is_accepted=True, has_fills=True),
            OrderCanceled,
        ),
        ("Cancelled", OrderView(client_order_id="c-1", is_done=True), None),
        ("Submitted", OrderView(client_order_id="c-1", is_done=True), None),
    ],
)
def test_status_event_table(status: str, view: OrderView, expected: type | None) -> None:
    event = codec.status_event(status, view, ts=TS)
    assert (type(event) if event is not None else None) is expected


CANCELLING = OrderView(client_order_id="c-1", is_accepted=True, is_cancel_pending=True)
AMENDING = OrderView(client_order_id="c-1", is_accepted=True, is_amend_pending=True)
FILLED_SOME = OrderView(client_order_id="c-1", is_accepted=True, has_fills=True)


@pytest.mark.parametrize(
    ("code", "view", "expected"),
    [
        (201, NEW, OrderRejected),
        (103, NEW, OrderRejected),
        (110, NEW, OrderRejected),  # off-tick new order
        (110, WORKING, None),  # off-tick on a live order: a warning
        (202, WORKING, OrderCanceled),
        (202, OrderView(client_order_id="c-1", is_done=True), None),
        (10148, CANCELLING, OrderCancelRejected),
        (10147, CANCELLING, OrderCancelRejected),
        (10148, WORKING, None),  # a stray refusal says nothing new
        (201, AMENDING, OrderReplaceRejected),
        (104, AMENDING, OrderReplaceRejected),
        (201, FILLED_SOME, OrderCanceled),  # IB killed the rest; the fills stand
        (399, WORKING, None),
        (404, NEW, None),  # shares being located: the order is held, not refused
        (2104, WORKING, None),
        (1100, WORKING, None),
    ],
)
def test_error_event_table(code: int, view: OrderView, expected: type | None) -> None:
    event = codec.error_event(code, "text", view, ts=TS)
    assert (type(event) if event is not None else None) is expected
    if isinstance(event, OrderRejected):
        assert event.code == str(code)


def test_decode_fill_rejects_garbage_execution() -> None:
    payload = json.loads((FIXTURES / "fills.json").read_text())["cases"][0]
    bad = {**payload["execution"], "side": "SSHORT?"}
    with pytest.raises(RemoteProtocolError, match="SSHORT"):
        codec.decode_fill(bad, None, "AAPL", ts_init=TS)


# --- numbers ------------------------------------------------------------------------------
@given(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999999"), places=4))
def test_price_survives_the_float_round_trip(px: Decimal) -> None:
    """What we send as float(px) comes back from TWS as the same Decimal."""
    assert codec.to_decimal(float(px)) == px


@pytest.mark.parametrize("unset", [1.7976931348623157e308, 2147483647, "", None])
def test_ib_unset_sentinels_become_none(unset: object) -> None:
    assert codec.to_decimal(unset) is None


def test_to_ns_reads_aware_naive_and_epoch_times() -> None:
    assert codec.to_ns("2026-09-21T14:13:20+00:00") == TS
    assert codec.to_ns("2026-09-21T10:13:20-04:00") == TS
    assert codec.to_ns("2026-09-21T14:13:20") == TS
    assert codec.to_ns(1_790_000_000) == TS

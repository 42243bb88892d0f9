"""Bad input: each error names the field and the value, and nothing reaches the broker."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.errors import UnsupportedError, ValidationError
from bolt_exec.testing.builders import T0, make_instrument, make_oms

GOOD: dict[str, object] = {
    "symbol": "AAPL",
    "side": "BUY",
    "qty": 100,
    "order_type": "LIMIT",
    "limit_px": "100.00",
}

CASES = [
    ("qty", float("nan"), "finite"),
    ("qty", float("inf"), "finite"),
    ("qty", -5, "positive"),
    ("qty", 0, "positive"),
    ("qty", "ten", "not a number"),
    ("qty", [100], "must be a number"),
    ("qty", True, "must be a number"),
    ("qty", Decimal("10.5"), "lot size"),
    ("qty", 5, "minimum quantity"),
    ("limit_px", float("nan"), "finite"),
    ("limit_px", "-1.00", "positive"),
    ("limit_px", "100.001", "tick size"),
    ("limit_px", {"px": 1}, "must be a number"),
    ("side", "LONG", "is not one of BUY, SELL"),
    ("side", 1, "is not one of"),
    ("order_type", "ICEBERG", "is not one of"),
    ("tif", "FOREVER", "is not one of"),
    ("symbol", "NOPE", "not a known instrument"),
    ("expire_ts", T0 + 10, "only used with tif=GTD"),
    ("stop_px", "99.00", "must not be set on a LIMIT order"),
]


@pytest.mark.parametrize(
    ("field", "value", "words"), CASES, ids=[f"{f}={v!r}" for f, v, _ in CASES]
)
def test_bad_field_is_named_with_its_value_and_nothing_is_sent(
    field: str, value: object, words: str
) -> None:
    inst = make_instrument(min_qty=Decimal(10), min_notional=Decimal(500))
    oms, paper, clock = make_oms(inst)
    paper.on_quote("AAPL", "100.00", "100.02", 1000, 1000, clock.now_ns())
    kwargs = dict(GOOD, **{field: value})
    with pytest.raises(ValidationError) as info:
        oms.submit(**kwargs)  # type: ignore[arg-type]
    err = info.value
    assert err.field == field and words in str(err)
    assert f"{field}=" in str(err) and (repr(value) in str(err) or str(value) in str(err))
    assert paper.commands_received == 0 and list(oms.orders()) == []
    assert list(oms.store.events()) == []


def test_below_min_notional_names_qty_and_the_minimum() -> None:
    inst = make_instrument(min_notional=Decimal(1000))
    oms, paper, _ = make_oms(inst)
    with pytest.raises(ValidationError, match=r"qty='5'.*minimum notional 1000"):
        oms.submit("AAPL", "BUY", 5, "LIMIT", limit_px="100.00")
    assert paper.commands_received == 0


def test_gtd_needs_a_future_expiry() -> None:
    oms, paper, clock = make_oms()
    with pytest.raises(ValidationError, match="expire_ts"):
        oms.submit("AAPL", "BUY", 5, "LIMIT", limit_px="100.00", tif="GTD")
    with pytest.raises(ValidationError, match="not in the future"):
        oms.submit(
            "AAPL", "BUY", 5, "LIMIT", limit_px="100.00", tif="GTD", expire_ts=clock.now_ns()
        )
    assert paper.commands_received == 0


def test_limit_order_without_price_says_how_to_fix() -> None:
    oms, paper, _ = make_oms()
    with pytest.raises(ValidationError, match="limit_px=None: is required for LIMIT orders"):
        oms.submit("AAPL", "BUY", 5, "LIMIT")
    assert paper.commands_received == 0


def test_unsupported_order_type_is_refused_before_the_adapter() -> None:
    from bolt_exec.adapters.base import Capabilities
    from bolt_exec.model.enums import OrderType

    oms, paper, _ = make_oms()
    paper.capabilities = Capabilities(order_types=frozenset({OrderType.MARKET, OrderType.LIMIT}))
    with pytest.raises(UnsupportedError, match="STOP"):
        oms.submit("AAPL", "BUY", 5, "STOP", stop_px="101.00")
    assert paper.commands_received == 0


def test_bad_client_order_id_is_refused() -> None:
    oms, paper, _ = make_oms()
    with pytest.raises(ValidationError, match="client_order_id"):
        oms.submit("AAPL", "BUY", 5, "LIMIT", limit_px="100.00", client_order_id="has space")
    assert paper.commands_received == 0

"""Instrument grids and the boundary number parser."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.errors import ValidationError
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.numbers import to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, Decimal(1)),
        ("189.50", Decimal("189.50")),
        (0.1, Decimal("0.1")),
        (Decimal("2.5"), Decimal("2.5")),
    ],
)
def test_to_decimal_accepts_numbers_exactly(value: object, expected: Decimal) -> None:
    assert to_decimal(value, "qty") == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        ("NaN", "finite"),
        (-1, "positive"),
        (0, "positive"),
        ("abc", "not a number"),
        (True, "number"),
        ([1], "number"),
        (None, "number"),
    ],
)
def test_to_decimal_names_field_and_value(value: object, problem: str) -> None:
    with pytest.raises(ValidationError) as info:
        to_decimal(value, "limit_px")
    assert info.value.field == "limit_px" and problem in str(info.value)
    assert "limit_px=" in str(info.value) and repr(value) in str(info.value)


def test_round_px_rounds_half_even_to_tick() -> None:
    inst = Instrument("X", tick_size=Decimal("0.05"))
    assert inst.round_px("1.025") == Decimal("1.00")  # 20.5 ticks, half to even: 20
    assert inst.round_px("1.074") == Decimal("1.05")
    assert inst.round_px(1.076) == Decimal("1.10")


def test_round_qty_down_never_rounds_up() -> None:
    inst = Instrument("BTC", lot_size=Decimal("0.001"), min_qty=Decimal("0.001"))
    assert inst.round_qty_down("0.0019") == Decimal("0.001")


def test_check_px_off_tick_suggests_the_rounded_price() -> None:
    inst = Instrument("X")
    with pytest.raises(ValidationError, match=r"limit_px='1.005'.*use 1\.00"):
        inst.check_px(Decimal("1.005"), "limit_px")


def test_check_qty_enforces_lot_min_and_max() -> None:
    inst = Instrument("X", lot_size=Decimal(10), min_qty=Decimal(20), max_qty=Decimal(100))
    for bad, words in [
        (Decimal(15), "lot size"),
        (Decimal(10), "minimum"),
        (Decimal(110), "maximum"),
    ]:
        with pytest.raises(ValidationError, match=words):
            inst.check_qty(bad)
    inst.check_qty(Decimal(20))


def test_instrument_refuses_bad_grid_values() -> None:
    with pytest.raises(ValidationError, match="tick_size"):
        Instrument("X", tick_size=Decimal(0))
    with pytest.raises(ValidationError, match="symbol"):
        Instrument("")

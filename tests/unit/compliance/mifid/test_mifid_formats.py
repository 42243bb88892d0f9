"""{DECIMAL-n/m} rendering (rounded, not truncated) and UTC timestamps."""

from __future__ import annotations

from decimal import Decimal

import pytest
from _mifid_helpers import ts
from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.compliance.mifid.formats import DecimalFormat, format_decimal, format_utc, reduce_ns

PRICE = DecimalFormat(18, 13)
UNITS = DecimalFormat(18, 17)
PCT = DecimalFormat(11, 10)


@pytest.mark.parametrize(
    ("value", "fmt", "rounding", "expected"),
    [
        ("1.00000000000005", PRICE, "ROUND_HALF_UP", "1.0000000000001"),  # half rounds up
        ("1.00000000000005", PRICE, "ROUND_HALF_EVEN", "1"),  # banker's: to even
        ("1.000000000000049", PRICE, "ROUND_HALF_UP", "1"),
        ("-1.00000000000005", PRICE, "ROUND_HALF_UP", "-1.0000000000001"),  # away from zero
        ("99.99999999995", PCT, "ROUND_HALF_UP", "100"),
        ("10.50", PRICE, "ROUND_HALF_UP", "10.5"),  # no trailing zeros
        ("100", PRICE, "ROUND_HALF_UP", "100"),
        ("-0.00000000000001", PRICE, "ROUND_HALF_UP", "0"),  # never "-0"
        ("1E+3", PRICE, "ROUND_HALF_UP", "1000"),  # never an exponent
    ],
)
def test_format_decimal_rounds_not_truncates(
    value: str, fmt: DecimalFormat, rounding: str, expected: str
) -> None:
    text, problem = format_decimal(Decimal(value), fmt, rounding)

    assert text == expected
    assert problem is None


def test_format_decimal_18_digits_with_17_decimals_fits() -> None:
    text, problem = format_decimal(Decimal("0.12345678901234567"), UNITS, "ROUND_HALF_UP")

    assert text == "0.12345678901234567"
    assert problem is None


def test_format_decimal_keeps_fewer_decimals_when_the_integer_part_is_long() -> None:
    text, problem = format_decimal(Decimal("12.12345678901234567"), UNITS, "ROUND_HALF_UP")

    assert text == "12.1234567890123457"  # 18 digits: 2 + 16 decimals, rounded
    assert problem is None


def test_format_decimal_rounding_up_into_a_new_integer_digit_still_fits() -> None:
    text, problem = format_decimal(Decimal("9.99999999996"), PCT, "ROUND_HALF_UP")

    assert text == "10"
    assert problem is None


def test_format_decimal_overflow_names_the_limit() -> None:
    text, problem = format_decimal(Decimal("1234567890123456789.5"), PRICE, "ROUND_HALF_UP")

    assert text == "1234567890123456790"
    assert problem is not None
    assert "DECIMAL-18/13" in problem
    assert "19 integer digits" in problem


@given(
    st.decimals(
        min_value=Decimal("-1e5"),
        max_value=Decimal("1e5"),
        allow_nan=False,
        allow_infinity=False,
        places=20,
    )
)
def test_format_decimal_within_half_a_unit_of_last_place(value: Decimal) -> None:
    text, problem = format_decimal(value, PRICE, "ROUND_HALF_UP")

    digits = sum(ch.isdigit() for ch in text.lstrip("-0.")) if "." in text else len(text)
    assert problem is None
    assert digits <= 18
    # 6 integer digits at most here, so 12 decimals always fit: error below half of 1e-12.
    assert abs(Decimal(text) - value) <= Decimal("0.5e-12")


@pytest.mark.parametrize(
    ("granularity", "expected"),
    [
        (1_000_000_000, "2026-11-20T08:00:00Z"),
        (1_000_000, "2026-11-20T08:00:00.123Z"),
        (1_000, "2026-11-20T08:00:00.123456Z"),
        (1, "2026-11-20T08:00:00.123456789Z"),
    ],
)
def test_format_utc_granularities_truncate(granularity: int, expected: str) -> None:
    stamp = ts(2026, 11, 20, 8, 0, 0, 123456) + 789

    assert format_utc(stamp, granularity) == expected


def test_format_utc_truncation_never_rolls_into_next_second() -> None:
    stamp = ts(2026, 12, 31, 23, 59, 59, 999999) + 999

    assert format_utc(stamp, 1_000_000) == "2026-12-31T23:59:59.999Z"
    assert format_utc(stamp, 1_000_000, "round") == "2027-01-01T00:00:00.000Z"


def test_format_utc_around_a_leap_second_is_always_valid_iso() -> None:
    # 2016-12-31 had a leap second; POSIX time has no 23:59:60, so none can be produced.
    before = ts(2016, 12, 31, 23, 59, 59, 999999)
    after = ts(2017, 1, 1, 0, 0, 0)

    assert format_utc(before, 1000) == "2016-12-31T23:59:59.999999Z"
    assert format_utc(after, 1000) == "2017-01-01T00:00:00.000000Z"
    assert after - before == 1000  # one microsecond apart, not a second


def test_reduce_ns_rejects_non_positive_granularity() -> None:
    with pytest.raises(ValueError, match="granularity_ns=0"):
        reduce_ns(1, 0)

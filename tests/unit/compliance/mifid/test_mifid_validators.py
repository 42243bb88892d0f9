"""Check-digit and code validators (ISO 17442 LEI, ISO 6166 ISIN, MIC, CFI, ISO code lists)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.compliance.mifid.rules import MifidRules
from bolt_exec.compliance.mifid.validators import (
    check_cfi,
    check_country,
    check_currency,
    check_isin,
    check_lei,
    check_mic,
    check_text,
    is_valid_isin,
    is_valid_lei,
    isin_check_digit,
    lei_check_digits,
)

# Real, published codes (GLEIF's own LEI, Apple Inc.; Apple, TotalEnergies and SAP ISINs).
REAL_LEIS = ["506700GE1G29325QX363", "HWUPKR0MPOU8FGXBT394"]
REAL_ISINS = ["US0378331005", "FR0000120271", "DE0007164600"]
ALNUM = string.ascii_uppercase + string.digits


@pytest.mark.parametrize("lei", REAL_LEIS)
def test_check_lei_real_codes_pass(lei: str) -> None:
    assert check_lei(lei) is None
    assert lei_check_digits(lei[:18]) == lei[18:]


@pytest.mark.parametrize("isin", REAL_ISINS)
def test_check_isin_real_codes_pass(isin: str) -> None:
    assert check_isin(isin) is None
    assert isin_check_digit(isin[:11]) == isin[11]


@pytest.mark.parametrize(
    ("lei", "fragment"),
    [
        ("506700GE1G29325QX364", "check digits"),
        ("506700GE1G29325QX3", "not an LEI"),
        ("506700ge1g29325qx363", "not an LEI"),
        ("506700GE1G29325QXAB", "not an LEI"),
    ],
)
def test_check_lei_bad_codes_name_the_problem(lei: str, fragment: str) -> None:
    problem = check_lei(lei)

    assert problem is not None
    assert fragment in problem


def test_check_lei_wrong_digits_suggests_the_right_ones() -> None:
    assert "506700GE1G29325QX363" in (check_lei("506700GE1G29325QX399") or "")


@pytest.mark.parametrize(
    ("isin", "fragment"),
    [
        ("US0378331006", "check digit"),
        ("US037833100", "not an ISIN"),
        ("1S0378331005", "not an ISIN"),
    ],
)
def test_check_isin_bad_codes_name_the_problem(isin: str, fragment: str) -> None:
    assert fragment in (check_isin(isin) or "")


@st.composite
def valid_leis(draw: st.DrawFn) -> str:
    base = draw(st.text(alphabet=ALNUM, min_size=18, max_size=18))
    return base + lei_check_digits(base)


@st.composite
def valid_isins(draw: st.DrawFn) -> str:
    prefix = draw(st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2))
    body = draw(st.text(alphabet=ALNUM, min_size=9, max_size=9))
    return prefix + body + isin_check_digit(prefix + body)


def _change_one_digit(code: str, data: st.DataObject) -> str:
    positions = [i for i, ch in enumerate(code) if ch.isdigit()]
    i = data.draw(st.sampled_from(positions))
    new = data.draw(st.sampled_from([d for d in string.digits if d != code[i]]))
    return code[:i] + new + code[i + 1 :]


@given(valid_leis(), st.data())
def test_lei_one_digit_changed_fails(lei: str, data: st.DataObject) -> None:
    assert is_valid_lei(lei)

    assert not is_valid_lei(_change_one_digit(lei, data))


@given(valid_isins(), st.data())
def test_isin_one_digit_changed_fails(isin: str, data: st.DataObject) -> None:
    assert is_valid_isin(isin)

    assert not is_valid_isin(_change_one_digit(isin, data))


@given(st.text(alphabet=string.digits, min_size=18, max_size=18), st.data())
def test_lei_two_adjacent_digits_swapped_fails(base: str, data: st.DataObject) -> None:
    """MOD 97-10 catches every adjacent transposition of digits (not of letters, worth 10..35)."""
    lei = base + lei_check_digits(base)
    i = data.draw(st.integers(min_value=0, max_value=18))
    swapped = lei[:i] + lei[i + 1] + lei[i] + lei[i + 2 :]

    assert swapped == lei or not is_valid_lei(swapped)


def test_check_mic_format_and_known_list() -> None:
    assert check_mic("XPAR") is None
    assert check_mic("XPA") is not None
    assert check_mic("xpar") is not None
    assert "MIC list" in (check_mic("ABCD", known={"XPAR"}) or "")


@pytest.mark.parametrize(
    ("cfi", "ok"),
    [("ESVUFR", True), ("HESCVP", True), ("ESVUF", False), ("ZSVUFR", False), ("ES1UFR", False)],
)
def test_check_cfi(cfi: str, ok: bool) -> None:
    assert (check_cfi(cfi) is None) is ok


def test_country_and_currency_lists_in_force(rules: MifidRules) -> None:
    assert check_country("NO", rules.countries) is None  # Norway survives YAML loading
    assert check_country("XX", rules.countries) is not None
    assert check_currency("EUR", rules.currencies, rules.code_lists.forbidden_currencies) is None
    assert check_currency("EUX", rules.currencies) is not None
    assert "precious-metal" in (
        check_currency("XAU", rules.currencies, rules.code_lists.forbidden_currencies) or ""
    )


def test_check_text_limits() -> None:
    assert check_text("a" * 52, 52) is None
    assert "53 characters" in (check_text("a" * 53, 52) or "")
    assert check_text("  ", 52) == "is blank"

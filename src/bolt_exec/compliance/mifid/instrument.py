"""RTS 22 instrument fields 41-56.

Field 41 carries the ISIN. Fields 42-56 describe the instrument only when it
is *not* identified by an ISIN found in ESMA's FIRDS reference data (mostly
bespoke OTC derivatives); then which of them are required depends on the CFI
category: derivatives need a price multiplier, expiry and delivery type,
options also their type, strike and exercise style, debt a maturity date.
"""

from __future__ import annotations

from typing import Final

from bolt_exec.compliance.mifid.record import Draft
from bolt_exec.compliance.mifid.refdata import InstrumentRef
from bolt_exec.compliance.mifid.validators import (
    check_cfi,
    check_code,
    check_currency,
    check_isin,
    check_text,
)

__all__ = ["fill_instrument"]

_DERIVATIVES: Final = frozenset("OFSHJ")
_OPTIONS: Final = frozenset("OH")


def fill_instrument(draft: Draft, instrument: InstrumentRef) -> None:
    """Fill fields 41-56 from the instrument's reference data."""
    if instrument.isin is not None:
        draft.put(41, instrument.isin, check_isin(instrument.isin))
    if instrument.isin is not None and instrument.in_firds:
        return  # ESMA already holds 42-56 for this ISIN; they must stay blank
    if instrument.isin is None and draft.get(36) not in draft.rules.code_lists.off_venue_mics:
        draft.issue(41, "", "is required for an instrument traded on a venue; add its ISIN")
    _fill_description(draft, instrument)


def _fill_description(draft: Draft, inst: InstrumentRef) -> None:
    rules = draft.rules
    codes = rules.code_lists
    why = "when the instrument is not in FIRDS"
    name = draft.require(42, inst.full_name, why)
    if name is not None:
        draft.put(42, name, check_text(name, 350))
    cfi = draft.require(43, inst.cfi, why)
    if cfi is not None:
        draft.put(43, cfi, check_cfi(cfi))
    currency = draft.require(44, inst.notional_currency, why)
    if currency is not None:
        draft.put(44, currency, check_currency(currency, rules.currencies))
    if inst.notional_currency_2 is not None:
        draft.put(
            45, inst.notional_currency_2, check_currency(inst.notional_currency_2, rules.currencies)
        )
    category = (cfi or " ")[0]
    derivative = category in _DERIVATIVES
    option = category in _OPTIONS
    if inst.price_multiplier is not None:
        draft.decimal(46, inst.price_multiplier, "price_multiplier")
    elif derivative:
        draft.issue(46, "", f"is required for a derivative {why}")
    if inst.underlying_isin is not None:
        draft.put(47, inst.underlying_isin, check_isin(inst.underlying_isin))
    if inst.underlying_index is not None:
        draft.put(48, inst.underlying_index, check_text(inst.underlying_index, 25))
    if inst.underlying_index_term is not None:
        draft.put(49, inst.underlying_index_term, _check_term(inst.underlying_index_term))
    _put_code(draft, 50, inst.option_type, codes.option_type, option)
    if inst.strike_price is not None:
        draft.decimal(51, inst.strike_price, "price_money")
    elif option:
        draft.issue(51, "", f"is required for an option {why} (or PNDG)")
    if inst.strike_currency is not None:
        draft.put(52, inst.strike_currency, check_currency(inst.strike_currency, rules.currencies))
    _put_code(draft, 53, inst.exercise_style, codes.exercise_style, option)
    if inst.maturity_date is not None:
        draft.set(54, inst.maturity_date.isoformat())
    elif category == "D":
        draft.issue(54, "", f"is required for a debt instrument {why}")
    if inst.expiry_date is not None:
        draft.set(55, inst.expiry_date.isoformat())
    elif derivative:
        draft.issue(55, "", f"is required for a derivative {why}")
    _put_code(draft, 56, inst.delivery_type, codes.delivery_type, derivative)


def _put_code(
    draft: Draft, number: int, value: str | None, allowed: frozenset[str], required: bool
) -> None:
    if value is not None:
        draft.put(number, value, check_code(value, allowed))
    elif required:
        draft.issue(number, "", "is required for this instrument type when it is not in FIRDS")


def _check_term(term: str) -> str | None:
    # {INTEGER-3} followed by DAYS / WEEK / MNTH / YEAR, e.g. "3MNTH".
    number, unit = term[:-4], term[-4:]
    if not (number.isdigit() and len(number) <= 3 and unit in {"DAYS", "WEEK", "MNTH", "YEAR"}):
        return "is not a term: up to 3 digits then DAYS, WEEK, MNTH or YEAR (e.g. 3MNTH)"
    return None

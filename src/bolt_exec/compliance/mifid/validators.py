"""Field validators for RTS 22 data types (compliance-facts 1.2.2).

Each ``check_*`` returns ``None`` when the value is valid, or one sentence that
says what is wrong and how to fix it; the report builder turns that sentence
into a :class:`~bolt_exec.compliance.mifid.issues.ValidationIssue`. Returning a
problem instead of raising lets one report name *every* bad field at once.

Check digits:

* LEI (ISO 17442): 18 characters plus two check digits under ISO 7064
  MOD 97-10; letters count as 10..35 and the whole number mod 97 must be 1.
* ISIN (ISO 6166): 2-letter prefix, 9 alphanumerics and a Luhn check digit
  computed over the digit string (letters as 10..35).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Final

__all__ = [
    "check_cfi",
    "check_code",
    "check_country",
    "check_currency",
    "check_isin",
    "check_lei",
    "check_mic",
    "check_text",
    "is_valid_isin",
    "is_valid_lei",
    "isin_check_digit",
    "lei_check_digits",
]

_LEI_RE: Final = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")
_ISIN_RE: Final = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")
_MIC_RE: Final = re.compile(r"^[A-Z0-9]{4}$")
_CFI_RE: Final = re.compile(r"^[A-Z]{6}$")
# ISO 10962:2015 categories: equities, CIVs, debt, entitlements, listed options,
# futures, swaps, non-listed options, spot, forwards, strategies, financing,
# referential instruments, others.
_CFI_CATEGORIES: Final = frozenset("ECDROFSHIJKLTM")


def _alnum_to_digits(text: str) -> str:
    # "A" -> "10" ... "Z" -> "35"; digits stay as they are.
    return "".join(str(int(ch, 36)) for ch in text)


def lei_check_digits(base: str) -> str:
    """Return the two ISO 7064 MOD 97-10 check digits for an 18-character LEI base."""
    remainder = int(_alnum_to_digits(base.upper() + "00")) % 97
    return f"{98 - remainder:02d}"


def is_valid_lei(value: str) -> bool:
    """Return True for a well-formed LEI whose check digits are right."""
    return bool(_LEI_RE.match(value)) and int(_alnum_to_digits(value)) % 97 == 1


def check_lei(value: str) -> str | None:
    """Validate an ISO 17442 LEI (format and mod-97 check digits)."""
    if not _LEI_RE.match(value):
        return "is not an LEI: 18 upper-case letters or digits followed by 2 check digits"
    if int(_alnum_to_digits(value)) % 97 != 1:
        return (
            f"fails the ISO 17442 check digits (expected {value[:18]}"
            f"{lei_check_digits(value[:18])} if the first 18 characters are right); "
            "copy the LEI from GLEIF"
        )
    return None


def isin_check_digit(base: str) -> str:
    """Return the Luhn check digit for an 11-character ISIN base."""
    digits = _alnum_to_digits(base.upper())
    total = 0
    # Luhn: double every second digit counting from the right of the payload,
    # starting with the rightmost (the check digit will sit to its right).
    for position, ch in enumerate(reversed(digits)):
        d = int(ch)
        if position % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def is_valid_isin(value: str) -> bool:
    """Return True for a well-formed ISIN whose Luhn check digit is right."""
    return bool(_ISIN_RE.match(value)) and isin_check_digit(value[:11]) == value[11]


def check_isin(value: str) -> str | None:
    """Validate an ISO 6166 ISIN (format and Luhn check digit)."""
    if not _ISIN_RE.match(value):
        return "is not an ISIN: 2 letters, 9 letters or digits, then 1 check digit"
    expected = isin_check_digit(value[:11])
    if expected != value[11]:
        return f"fails the ISIN check digit (expected {value[:11]}{expected}); copy it from FIRDS"
    return None


def check_mic(value: str, known: Collection[str] = ()) -> str | None:
    """Validate an ISO 10383 MIC: 4 letters or digits, and in ``known`` when given."""
    if not _MIC_RE.match(value):
        return "is not a MIC: 4 upper-case letters or digits (ISO 10383)"
    if known and value not in known:
        return "is not in the configured ISO 10383 MIC list; check the segment MIC"
    return None


def check_cfi(value: str) -> str | None:
    """Validate an ISO 10962 CFI code: 6 letters, the first a known category."""
    if not _CFI_RE.match(value):
        return "is not a CFI code: 6 upper-case letters (ISO 10962)"
    if value[0] not in _CFI_CATEGORIES:
        return (
            f"has an unknown CFI category {value[0]!r} (known: {''.join(sorted(_CFI_CATEGORIES))})"
        )
    return None


def check_country(value: str, countries: Collection[str]) -> str | None:
    """Validate an ISO 3166-1 alpha-2 country code against the list in force."""
    if value not in countries:
        return "is not an ISO 3166-1 alpha-2 country code in force on the trade date"
    return None


def check_currency(
    value: str, currencies: Collection[str], forbidden: Collection[str] = ()
) -> str | None:
    """Validate an ISO 4217 currency code; ``forbidden`` lists codes ARMs refuse."""
    if value not in currencies:
        return "is not an ISO 4217 currency code in force on the trade date"
    if value in forbidden:
        return "is a precious-metal or special ISO 4217 code, not accepted for RTS 22 amounts"
    return None


def check_code(value: str, allowed: Collection[str]) -> str | None:
    """Validate a value from a closed code list."""
    if value not in allowed:
        return f"is not one of the allowed codes ({', '.join(sorted(allowed))})"
    return None


def check_text(value: str, max_len: int) -> str | None:
    """Validate ``{ALPHANUM-n}``: non-empty, printable, at most ``max_len`` characters."""
    if not value.strip():
        return "is blank"
    if len(value) > max_len:
        return f"is {len(value)} characters long; the format allows at most {max_len}"
    if not value.isprintable():
        return "contains control characters"
    return None

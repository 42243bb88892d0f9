"""National identifiers of natural persons (2017/590 Art. 6 and Annex II).

Theory of operation:

1. Pick the nationality: the EEA one whose ISO code sorts first; with no EEA
   nationality, the "all other countries" row applies.
2. Walk that country's Annex II priorities (kept as data in ``mifid.yaml``).
   ``CONCAT`` is built from the person's name and birth date; any other kind
   must be on file as a :class:`~bolt_exec.compliance.mifid.refdata.PersonId`.
3. The regulation wants the highest-priority identifier the person *has*,
   even if the firm does not hold it yet, so skipping a higher priority that is
   merely missing from the file is reported as an issue (record it, or list it
   in ``Person.confirmed_absent`` once the person confirmed not having one).

CONCAT = country + birth date ``YYYYMMDD`` + first 5 letters of the first name
+ first 5 letters of the surname, padded with ``#`` (20 characters). The
character rules beyond that (titles, prefixes, accents, apostrophes) are
UNVERIFIED and configurable in ``ConcatRules``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final

from bolt_exec.compliance.mifid.refdata import Person
from bolt_exec.compliance.mifid.rules import ConcatRules, NationalIdRules

__all__ = [
    "PersonCode",
    "build_concat",
    "check_concat",
    "normalise_name",
    "person_code",
    "untransliterated",
]

_CONCAT_RE: Final = re.compile(r"^[A-Z]{2}[0-9]{8}[A-Z][A-Z#]{4}[A-Z][A-Z#]{4}$")
# Letters NFKD does not decompose into a base letter plus accents.
_TRANSLITERATE: Final = str.maketrans(
    {"ß": "SS", "Æ": "AE", "æ": "AE", "Ø": "O", "ø": "O", "Œ": "OE", "œ": "OE",
     "Ł": "L", "ł": "L", "Đ": "D", "đ": "D", "Þ": "TH", "þ": "TH"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PersonCode:
    """A person's reportable identifier and the scheme it belongs to.

    Attributes:
        code: the identifier, country prefix included (``FR19800502ANNA#LI###``).
        scheme: ``CONCAT`` or the Annex II kind (``NIDN``, ``CCPT``...).
        problems: issues met on the way (a skipped higher priority...).
    """

    code: str
    scheme: str
    problems: tuple[str, ...] = ()


def normalise_name(name: str, rules: ConcatRules, *, first_name: bool) -> str:
    """Reduce a name to the upper-case letters CONCAT takes from it.

    Titles and (for any name) leading prefixes such as ``VAN DER`` or ``O'``
    are dropped, accents are removed, apostrophes, hyphens, dots and spaces
    are squeezed out.
    """
    text = name.translate(_TRANSLITERATE)
    if rules.strip_accents:
        text = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        )
    text = text.upper()
    tokens = [t for t in re.split(r"[\s'’`,]+", text) if t]
    tokens = [t for t in tokens if t.rstrip(".") not in rules.titles]
    if first_name and rules.first_name_only and tokens:
        tokens = tokens[:1]
    # Drop the longest matching prefix, but never the whole name.
    for width in range(min(3, len(tokens) - 1), 0, -1):
        if " ".join(tokens[:width]) in rules.prefixes:
            tokens = tokens[width:]
            break
    return "".join(ch for ch in "".join(tokens) if "A" <= ch <= "Z")


def untransliterated(name: str, rules: ConcatRules) -> str:
    """Return the letters of ``name`` that CONCAT had to drop (no A-Z equivalent known)."""
    text = name.translate(_TRANSLITERATE)
    if rules.strip_accents:
        text = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        )
    return "".join(sorted({ch for ch in text.upper() if ch.isalpha() and not "A" <= ch <= "Z"}))


def build_concat(
    country: str, birth_date: date, first_name: str, surname: str, rules: ConcatRules
) -> str:
    """Return the CONCAT identifier (20 characters)."""
    width = rules.name_length

    def part(name: str, is_first: bool) -> str:
        letters = normalise_name(name, rules, first_name=is_first)[:width]
        return letters.ljust(width, rules.pad)

    return f"{country}{birth_date:%Y%m%d}{part(first_name, True)}{part(surname, False)}"


def check_concat(value: str) -> str | None:
    """Validate a CONCAT code's shape (2 letters, 8 digits, 2 x 5 letters or ``#``)."""
    if not _CONCAT_RE.match(value):
        return (
            "is not a CONCAT code: country, YYYYMMDD, then 5 + 5 name characters "
            "(letters, '#' padding, each part starting with a letter)"
        )
    return None


def _nationality(person: Person, ids: NationalIdRules) -> tuple[str, tuple[str, ...]]:
    eea = sorted(n for n in person.nationalities if n in ids.eea)
    if eea:
        return eea[0], ids.for_country(eea[0])
    return sorted(person.nationalities)[0], ids.other_countries


def person_code(person: Person, ids: NationalIdRules, concat: ConcatRules) -> PersonCode | None:
    """Choose a person's identifier by Annex II priority.

    Returns:
        The identifier (with any problems met), or ``None`` when no priority
        can be satisfied from the data on file.
    """
    country, priorities = _nationality(person, ids)
    skipped: list[str] = []
    for kind in priorities:
        if kind == "CONCAT":
            code = build_concat(
                country, person.birth_date, person.first_name, person.surname, concat
            )
            problems = _skipped_problems(skipped, country)
            dropped = untransliterated(person.first_name + person.surname, concat)
            if dropped:
                problems += (
                    f"the name has letters with no A-Z transliteration ({dropped}); "
                    "check the CONCAT by hand or record another identifier",
                )
            return PersonCode(code, "CONCAT", problems)
        held = next(
            (i for i in person.identifiers if i.kind == kind and i.country == country), None
        )
        if held is not None:
            return PersonCode(f"{country}{held.value}", kind, _skipped_problems(skipped, country))
        if kind not in person.confirmed_absent:
            skipped.append(kind)
    return None


def _skipped_problems(skipped: list[str], country: str) -> tuple[str, ...]:
    return tuple(
        f"Annex II gives {kind} priority for {country} nationals but none is on file; "
        "record it, or list it in Person.confirmed_absent"
        for kind in skipped
    )

"""CONCAT and Annex II national identifiers (2017/590 Art. 6).

The name-cleaning rules beyond the regulation's text (titles, prefixes, accents,
apostrophes) are UNVERIFIED; the cases below pin the configured behaviour as fixtures.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bolt_exec.compliance.mifid import MifidRules, Person, PersonId
from bolt_exec.compliance.mifid.persons import (
    build_concat,
    check_concat,
    normalise_name,
    person_code,
)


def test_build_concat_facts_file_example(rules: MifidRules) -> None:
    code = build_concat("FR", date(1980, 5, 2), "Anna", "Li", rules.concat)

    assert code == "FR19800502ANNA#LI###"
    assert len(code) == 20
    assert code[10].isalpha() and code[15].isalpha()  # positions 11 and 16 are letters
    assert check_concat(code) is None


@pytest.mark.parametrize(
    ("first", "surname", "expected_names"),
    [
        ("Jean-Pierre", "Dupont", "JEANPDUPON"),  # hyphen squeezed out
        ("Jürgen", "von Müller", "JURGEMULLE"),  # accents stripped, prefix dropped
        ("Dr. Seán", "O'Brian", "SEAN#BRIAN"),  # title and O' prefix dropped
        ("Mary Anne", "Van der Berg", "MARY#BERG#"),  # first of several first names
        ("Øystein", "Strauß", "OYSTESTRAU"),  # letters NFKD cannot decompose
        ("Li", "De", "LI###DE###"),  # a prefix alone is the name
    ],
)
def test_build_concat_name_rules(
    rules: MifidRules, first: str, surname: str, expected_names: str
) -> None:
    code = build_concat("DE", date(1975, 1, 31), first, surname, rules.concat)

    assert code == f"DE19750131{expected_names}"
    assert check_concat(code) is None


def test_check_concat_rejects_bad_shapes() -> None:
    assert check_concat("FR19800502#ANNALI####") is not None
    assert check_concat("FR1980050ANNA#LI###") is not None


def test_person_code_several_eea_nationalities_uses_first_alphabetically(rules: MifidRules) -> None:
    person = Person(
        first_name="Anna",
        surname="Li",
        birth_date=date(1980, 5, 2),
        nationalities=("SE", "DE", "US"),
    )

    code = person_code(person, rules.national_ids, rules.concat)

    assert code is not None
    assert code.code == "DE19800502ANNA#LI###"  # DE sorts before SE; DE is CONCAT-only


def test_person_code_non_eea_uses_passport_first(rules: MifidRules) -> None:
    person = Person(
        first_name="Ken",
        surname="Sato",
        birth_date=date(1990, 1, 1),
        nationalities=("JP",),
        identifiers=(PersonId(kind="CCPT", country="JP", value="TK1234567"),),
    )

    code = person_code(person, rules.national_ids, rules.concat)

    assert code is not None
    assert (code.code, code.scheme, code.problems) == ("JPTK1234567", "CCPT", ())


def test_person_code_missing_higher_priority_is_reported(rules: MifidRules) -> None:
    person = Person(
        first_name="Ken", surname="Sato", birth_date=date(1990, 1, 1), nationalities=("JP",)
    )

    code = person_code(person, rules.national_ids, rules.concat)

    assert code is not None
    assert code.scheme == "CONCAT"
    assert len(code.problems) == 1 and "CCPT" in code.problems[0]


def test_person_code_confirmed_absent_silences_the_problem(rules: MifidRules) -> None:
    person = Person(
        first_name="Ken",
        surname="Sato",
        birth_date=date(1990, 1, 1),
        nationalities=("JP",),
        confirmed_absent=("CCPT",),
    )

    code = person_code(person, rules.national_ids, rules.concat)

    assert code is not None and code.problems == ()


def test_person_code_no_concat_fallback_returns_none(rules: MifidRules) -> None:
    person = Person(
        first_name="Ana", surname="Garcia", birth_date=date(1990, 1, 1), nationalities=("ES",)
    )

    assert person_code(person, rules.national_ids, rules.concat) is None


_NAME_CHARS = st.characters(
    whitelist_categories=("Lu", "Ll", "Zs", "Pd"), whitelist_characters="'’", max_codepoint=0x24F
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.text(_NAME_CHARS, min_size=1, max_size=30),
    surname=st.text(_NAME_CHARS, min_size=1, max_size=30),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
)
def test_build_concat_is_always_20_characters_of_the_right_shape(
    rules: MifidRules, first: str, surname: str, born: date
) -> None:
    code = build_concat("FR", born, first, surname, rules.concat)

    assert len(code) == 20
    has_letters = all(
        normalise_name(n, rules.concat, first_name=f) for n, f in ((first, True), (surname, False))
    )
    # A name with no letter left (only punctuation) cannot make a valid CONCAT: it is flagged.
    assert (check_concat(code) is None) is has_letters


def test_person_code_flags_letters_it_cannot_transliterate(rules: MifidRules) -> None:
    person = Person(first_name="Αννα", surname="Li", birth_date=date(1980, 5, 2),
                    nationalities=("FR",))  # fmt: skip

    code = person_code(person, rules.national_ids, rules.concat)

    assert code is not None
    assert code.code == "FR19800502#####LI###"
    assert check_concat(code.code) is not None
    assert any("no A-Z transliteration" in p for p in code.problems)

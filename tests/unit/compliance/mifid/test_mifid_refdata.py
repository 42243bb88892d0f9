"""Reference data models: bad input refused at the boundary, lookups by id."""

from __future__ import annotations

from datetime import date

import pydantic
import pytest
from _mifid_helpers import OTHER_LEI

from bolt_exec.compliance.mifid import Client, DecisionMaker, InstrumentRef, Person, ReferenceData

ANNA = Person(first_name="Anna", surname="Li", birth_date=date(1980, 5, 2), nationalities=("FR",))


def test_client_needs_exactly_one_identity() -> None:
    with pytest.raises(pydantic.ValidationError, match="exactly one of lei or person"):
        Client(client_id="C", branch_country="FR")
    with pytest.raises(pydantic.ValidationError, match="exactly one of lei or person"):
        Client(client_id="C", lei=OTHER_LEI, person=ANNA)


def test_decision_maker_needs_exactly_one_identity() -> None:
    with pytest.raises(pydantic.ValidationError, match="exactly one"):
        DecisionMaker()


def test_unknown_keys_are_refused_with_their_name() -> None:
    with pytest.raises(pydantic.ValidationError, match="lie"):
        Client.model_validate({"client_id": "C", "lie": OTHER_LEI})


def test_duplicate_ids_are_refused() -> None:
    client = Client(client_id="C", lei=OTHER_LEI)

    with pytest.raises(pydantic.ValidationError, match=r"duplicate ids \['C'\]"):
        ReferenceData(clients=(client, client))


def test_lookups_and_copies_stay_consistent() -> None:
    tte = InstrumentRef(symbol="TTE", venue_mic="XPAR", currency="EUR")
    ref = ReferenceData(instruments=(tte,))
    assert ref.instrument("TTE") == tte  # builds the index

    moved = ref.model_copy(update={"instruments": (tte.model_copy(update={"venue_mic": "XOFF"}),)})

    assert moved.instrument("TTE") is not None
    assert moved.instrument("TTE").venue_mic == "XOFF"  # type: ignore[union-attr]
    assert ref.instrument("TTE") == tte
    assert ref.client("nobody") is None and ref.staff_member("nobody") is None

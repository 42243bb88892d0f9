"""Reference data models: bad input refused at the boundary, lookups by id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pydantic
import pytest
from _mifid_helpers import OTHER_LEI, JournalFactory

from bolt_exec.compliance.mifid import (
    Client,
    DecisionMaker,
    Firm,
    InstrumentRef,
    Person,
    ReferenceData,
    load_reference,
    transaction_reports,
)
from bolt_exec.errors import ConfigError
from bolt_exec.model.events import OrderEvent

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


def test_example_reference_file_loads() -> None:
    firm, reference = load_reference("mifid_reference.example.yaml")

    assert firm.lei == "549300BOLTEXEC0FIR82"
    assert reference.client("C-ANNA") is not None
    assert reference.instrument("TTE") is not None


def test_reference_file_errors_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "ref.yaml"
    path.write_text("firm: {lei: X, home_country: FR, colour: red}\n")

    with pytest.raises(ConfigError, match=r"ref\.yaml.*firm\.colour"):
        load_reference(path)


def test_store_like_sources_are_read_through_events(
    firm: Firm, reference: ReferenceData, journal: JournalFactory
) -> None:
    class Store:
        def __init__(self, events: list[OrderEvent]) -> None:
            self._events = events

        def events(self) -> Iterator[OrderEvent]:
            return iter(self._events)

    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", "mifid.execution": "algo:ALGO1"}
    events = journal(tags=tags)

    from_store = transaction_reports(
        Store(events), day="2026-11-20", firm=firm, reference=reference
    )

    assert (
        from_store.to_xml()
        == transaction_reports(events, day="2026-11-20", firm=firm, reference=reference).to_xml()
    )

"""Reference data the OMS cannot know: firm, clients, staff, algorithms, instruments.

These are boundary objects (loaded from KYC systems, FIRDS or YAML), so they
are pydantic models with ``extra="forbid"``: a misspelt key is refused with an
error naming it. Identifier *formats* (LEI check digits, ISIN Luhn...) are not
checked here but by the report, so one run names every bad code at once as a
:class:`~bolt_exec.compliance.mifid.issues.ValidationIssue` instead of failing
on the first.

How an order is linked to this data (tags on ``OrderInitialized.tags``; see
:data:`TAGS`): the client id, trading capacity, decision maker and executor,
short-selling flag and the other per-order regulatory facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bolt_exec.compliance.reference import load_yaml_model

__all__ = [
    "TAGS",
    "Client",
    "DecisionMaker",
    "Firm",
    "InstrumentRef",
    "Person",
    "PersonId",
    "ReferenceData",
    "ReferenceFile",
    "Staff",
    "load_reference",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")

#: Order tags the RTS 22 / RTS 24 reporters read, with the Table 2 field each feeds.
TAGS: Final[dict[str, str]] = {
    "mifid.client": "client id in ReferenceData.clients, or INTC (fields 7-24, 26-27)",
    "mifid.counterparty": "LEI of the counterparty of an off-venue trade (field 7 or 16)",
    "mifid.price": "PNDG (price pending) or NOAP (not applicable) instead of the fill price (33)",
    "mifid.capacity": "DEAL / MTCH / AOTC (field 29); default Firm.default_capacity",
    "mifid.decision": "staff id or 'algo:<id>' who decided (field 57); default strategy_id algo",
    "mifid.execution": "staff id, 'algo:<id>' or NORE who executed (field 59)",
    "mifid.short_selling": "SESH / SSEX / SELL / UNDI (field 62), needed on sells",
    "mifid.transmission": "'true' when Art. 4 transmission conditions were not met (field 25)",
    "mifid.complex_id": "complex trade component id (field 40)",
    "mifid.waivers": "space-separated waiver codes (field 61)",
    "mifid.otc_post_trade": "space-separated OTC post-trade codes (field 63)",
    "mifid.risk_reducing": "'true'/'false' commodity-derivative risk reduction (field 64)",
    "mifid.sft": "'true'/'false' securities financing transaction (field 65)",
    "mifid.activity": "RTS 25 activity of this order (voice, negotiated...), default Firm.activity",
    "mifid.aggregated_clients": "number of clients of an aggregated order (Annex IV aggregated_X)",
}


class PersonId(BaseModel):
    """A national identifier a person holds (Annex II kinds: NIDN, CCPT, NIDC, TXID)."""

    model_config = _FROZEN
    kind: str
    country: str
    value: str


class Person(BaseModel):
    """A natural person: client, decision maker or member of staff.

    ``identifiers`` hold national numbers *without* the country prefix;
    ``confirmed_absent`` lists Annex II kinds the person confirmed not having.
    """

    model_config = _FROZEN
    first_name: str
    surname: str
    birth_date: date
    nationalities: tuple[str, ...] = Field(min_length=1)
    identifiers: tuple[PersonId, ...] = ()
    confirmed_absent: tuple[str, ...] = ()


class DecisionMaker(BaseModel):
    """Who decides for a client under a power of representation (fields 12-15)."""

    model_config = _FROZEN
    lei: str | None = None
    person: Person | None = None

    @model_validator(mode="after")
    def _one_identity(self) -> DecisionMaker:
        if (self.lei is None) == (self.person is None):
            raise ValueError("give exactly one of lei (a legal entity) or person")
        return self


class Client(BaseModel):
    """A client of the firm (buyer or seller in AOTC trades).

    Attributes:
        client_id: the firm's id for the client (the ``mifid.client`` tag).
        lei: the client's LEI when it is a legal entity.
        person: the client when a natural person.
        branch_country: country of the branch that took the client (fields 8/17).
        decision_maker: who decides for the client, if not the client (12-15).
        transmitting_firm_lei: the firm that transmitted the order (26/27).
    """

    model_config = _FROZEN
    client_id: str
    lei: str | None = None
    person: Person | None = None
    branch_country: str | None = None
    decision_maker: DecisionMaker | None = None
    transmitting_firm_lei: str | None = None

    @model_validator(mode="after")
    def _one_identity(self) -> Client:
        if (self.lei is None) == (self.person is None):
            raise ValueError(f"client {self.client_id!r}: give exactly one of lei or person")
        return self


class Staff(BaseModel):
    """A trader or portfolio manager (fields 57-60)."""

    model_config = _FROZEN
    staff_id: str
    person: Person
    branch_country: str


class InstrumentRef(BaseModel):
    """Instrument reference data (FIRDS or a vendor), keyed by the OMS symbol.

    Fields 42-56 are reported only when ``in_firds`` is false (the ISIN is not
    in ESMA reference data, or there is no ISIN).
    """

    model_config = _FROZEN
    symbol: str
    isin: str | None = None
    in_firds: bool = True
    venue_mic: str
    currency: str
    price_notation: Literal["MONE", "PERC", "YIEL", "BAPO"] = "MONE"
    quantity_notation: Literal["UNIT", "NOML", "MONE"] = "UNIT"
    ccp_lei: str | None = None
    full_name: str | None = None
    cfi: str | None = None
    notional_currency: str | None = None
    notional_currency_2: str | None = None
    price_multiplier: Decimal | None = None
    underlying_isin: str | None = None
    underlying_index: str | None = None
    underlying_index_term: str | None = None
    option_type: str | None = None
    strike_price: Decimal | None = None
    strike_currency: str | None = None
    exercise_style: str | None = None
    maturity_date: date | None = None
    expiry_date: date | None = None
    delivery_type: str | None = None


class Firm(BaseModel):
    """The executing firm (fields 4-6, 37) and its reporting defaults.

    Attributes:
        lei: executing entity LEI (field 4).
        is_investment_firm: covered by Directive 2014/65/EU (field 5).
        submitting_lei: who submits (field 6): the firm, its ARM or the venue.
        home_country: home member state (default branch country, field 60).
        branch_membership_country: country of the branch that is the venue member (37).
        default_capacity: trading capacity when an order has no ``mifid.capacity`` tag.
        activity: RTS 25 trading activity for timestamp granularity (``"other"``, ``"hft"``...).
    """

    model_config = _FROZEN
    lei: str
    is_investment_firm: bool = True
    submitting_lei: str | None = None
    home_country: str
    branch_membership_country: str | None = None
    default_capacity: Literal["DEAL", "MTCH", "AOTC"] | None = None
    activity: str = "other"


class ReferenceData(BaseModel):
    """Everything the reporters look up besides the journal."""

    model_config = _FROZEN
    clients: tuple[Client, ...] = ()
    staff: tuple[Staff, ...] = ()
    algorithms: tuple[str, ...] = ()
    instruments: tuple[InstrumentRef, ...] = ()

    # Indexes built once per (immutable) instance: reports look up every fill.
    @cached_property
    def _clients(self) -> dict[str, Client]:
        return {c.client_id: c for c in self.clients}

    @cached_property
    def _staff(self) -> dict[str, Staff]:
        return {s.staff_id: s for s in self.staff}

    @cached_property
    def _instruments(self) -> dict[str, InstrumentRef]:
        return {i.symbol: i for i in self.instruments}

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Copy the reference data; the copy rebuilds its lookup indexes."""
        copied = super().model_copy(update=update, deep=deep)
        for index in ("_clients", "_staff", "_instruments"):
            copied.__dict__.pop(index, None)  # model_copy copies cached indexes too
        return copied

    def client(self, client_id: str) -> Client | None:
        """Return the client with this id, if known."""
        return self._clients.get(client_id)

    def staff_member(self, staff_id: str) -> Staff | None:
        """Return the staff member with this id, if known."""
        return self._staff.get(staff_id)

    def instrument(self, symbol: str) -> InstrumentRef | None:
        """Return the instrument whose OMS symbol is ``symbol``, if known."""
        return self._instruments.get(symbol)

    @model_validator(mode="after")
    def _unique_keys(self) -> ReferenceData:
        for label, keys in (
            ("clients", [c.client_id for c in self.clients]),
            ("staff", [s.staff_id for s in self.staff]),
            ("instruments", [i.symbol for i in self.instruments]),
        ):
            duplicates = sorted({k for k in keys if keys.count(k) > 1})
            if duplicates:
                raise ValueError(f"{label}: duplicate ids {duplicates}")
        return self


class ReferenceFile(BaseModel):
    """A YAML file with the firm and its reference data (see ``mifid_reference.example.yaml``)."""

    model_config = _FROZEN
    firm: Firm
    reference: ReferenceData = ReferenceData()


def load_reference(source: str | Path) -> tuple[Firm, ReferenceData]:
    """Load the firm and its reference data from a YAML file.

    Args:
        source: a path, or the name of a file in ``bolt_exec/compliance/data``
            (``"mifid_reference.example.yaml"`` is a documented example).

    Raises:
        ConfigError: the file is missing or invalid; the message names each bad field.
    """
    loaded = load_yaml_model(ReferenceFile, source)
    return loaded.firm, loaded.reference

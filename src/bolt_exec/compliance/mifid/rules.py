"""The MiFID II / MiFIR rule set, date-versioned and chosen by trade date.

Every threshold, code list, format limit and deadline of
``compliance-facts.md`` section 1 lives in ``data/mifid.yaml`` (ISO code lists
in ``data/iso_codes.yaml``), each section a :class:`Versioned` list. A report
calls :meth:`MifidConfig.on` with the *trade date* and gets a frozen
:class:`MifidRules` snapshot of everything in force that day. Items the facts
file marks UNVERIFIED carry the documented default and say so in the YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bolt_exec.compliance.mifid.formats import DecimalFormat
from bolt_exec.compliance.reference import Effective, Versioned, load_yaml_model

__all__ = [
    "ActivityClock",
    "ClockRules",
    "CodeLists",
    "ConcatRules",
    "DeadlineRule",
    "DecimalRules",
    "MifidConfig",
    "MifidRules",
    "NationalIdRules",
    "OrderRecordRules",
    "ReportFormat",
    "load_mifid_config",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


def _flatten_codes(value: object) -> object:
    # Code lists are written as rows of space-separated codes (see iso_codes.yaml).
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(code for row in value for code in row.split())
    return value


class ReportFormat(BaseModel):
    """Which ISO 20022 message the reports are written in."""

    model_config = _FROZEN
    message: str
    namespace: str
    field_count: int = 65


class DecimalRules(BaseModel):
    """``{DECIMAL-n/m}`` limits per kind of value, and the rounding mode."""

    model_config = _FROZEN
    rounding: Literal["ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_HALF_DOWN"]
    price_money: tuple[int, int]
    price_percentage: tuple[int, int]
    price_yield: tuple[int, int]
    price_basis_points: tuple[int, int]
    quantity_units: tuple[int, int]
    quantity_nominal: tuple[int, int]
    amount: tuple[int, int]
    price_multiplier: tuple[int, int]

    def fmt(self, name: str) -> DecimalFormat:
        """Return the format called ``name`` (``"price_money"``...)."""
        total, fraction = getattr(self, name)
        return DecimalFormat(total, fraction)


class CodeLists(BaseModel):
    """Closed code lists of Table 2."""

    model_config = _FROZEN
    trading_capacity: frozenset[str]
    waiver: frozenset[str]
    short_selling: frozenset[str]
    otc_post_trade: frozenset[str]
    price_no_price: frozenset[str]
    execution_no_person: str
    client_aggregate: str
    option_type: frozenset[str]
    exercise_style: frozenset[str]
    delivery_type: frozenset[str]
    notional_change: frozenset[str]
    off_venue_mics: frozenset[str]
    forbidden_currencies: frozenset[str]


class DeadlineRule(BaseModel):
    """When a transaction report is due (MiFIR Art. 26: close of the next working day)."""

    model_config = _FROZEN
    working_days_after: int = Field(ge=1)
    calendar: str
    timezone: str
    cutoff: time


class ConcatRules(BaseModel):
    """How the CONCAT national identifier is built (2017/590 Art. 6(4))."""

    model_config = _FROZEN
    name_length: int
    pad: str
    prefixes: frozenset[str]
    titles: frozenset[str]
    strip_accents: bool
    first_name_only: bool


class NationalIdRules(BaseModel):
    """2017/590 Annex II: the identifier priorities per nationality."""

    model_config = _FROZEN
    eea: frozenset[str]
    priorities: dict[str, tuple[str, ...]]
    other_countries: tuple[str, ...]

    def for_country(self, country: str) -> tuple[str, ...]:
        """Return the identifier kinds for a nationality, best first."""
        return self.priorities.get(country, self.other_countries)


class ActivityClock(BaseModel):
    """One row of RTS 25 Table 1 or 2."""

    model_config = _FROZEN
    max_divergence_us: int = Field(gt=0)
    granularity_us: int = Field(gt=0)


class ClockRules(BaseModel):
    """RTS 25 divergence and granularity by trading activity."""

    model_config = _FROZEN
    activities: dict[str, ActivityClock]
    hft_messages_per_second_instrument: float
    hft_messages_per_second_venue: float
    reduction: Literal["truncate", "round"]
    off_venue_granularity_us: int


class OrderRecordRules(BaseModel):
    """RTS 24 / Annex IV order records."""

    model_config = _FROZEN
    event_codes: dict[str, str]
    retention_years: int


class CodeSets(BaseModel):
    """ISO code lists (``iso_codes.yaml``)."""

    model_config = _FROZEN
    countries: Versioned[frozenset[str]]
    currencies: Versioned[frozenset[str]]

    @field_validator("countries", "currencies", mode="before")
    @classmethod
    def _flatten(cls, value: object) -> object:
        if isinstance(value, list):
            return [
                {**entry, "value": _flatten_codes(entry.get("value"))}
                if isinstance(entry, dict)
                else entry
                for entry in value
            ]
        return value


class _MifidFile(BaseModel):
    model_config = _FROZEN
    report_format: Versioned[ReportFormat]
    decimals: Versioned[DecimalRules]
    code_lists: Versioned[CodeLists]
    deadline: Versioned[DeadlineRule]
    concat: Versioned[ConcatRules]
    national_ids: Versioned[NationalIdRules]
    clock: Versioned[ClockRules]
    order_records: Versioned[OrderRecordRules]


@dataclass(frozen=True, slots=True)
class MifidRules:
    """Every MiFID rule in force on one day (a snapshot of :class:`MifidConfig`)."""

    day: date
    report_format: ReportFormat
    decimals: DecimalRules
    code_lists: CodeLists
    deadline: DeadlineRule
    concat: ConcatRules
    national_ids: NationalIdRules
    clock: ClockRules
    order_records: OrderRecordRules
    countries: frozenset[str]
    currencies: frozenset[str]
    #: (section, "valid_from..valid_to source") of every version applied, for the audit record.
    provenance: tuple[tuple[str, str], ...] = ()


_SECTIONS = ("report_format", "decimals", "code_lists", "deadline", "concat", "national_ids",
             "clock", "order_records")  # fmt: skip


@dataclass(frozen=True, slots=True)
class MifidConfig:
    """All versions of every MiFID rule; pick a day's rules with :meth:`on`."""

    rules: _MifidFile
    codes: CodeSets

    def on(self, day: date) -> MifidRules:
        """Return the rules in force on ``day`` (the trade date, never the run date).

        Raises:
            ConfigError: some section has no version in force on ``day``.
        """
        r = self.rules
        # Which version of each section applied, and its source, for the audit record.
        versions = [(name, getattr(r, name).version_on(day)) for name in _SECTIONS]
        versions += [
            ("countries", self.codes.countries.version_on(day)),
            ("currencies", self.codes.currencies.version_on(day)),
        ]
        provenance = tuple((name, _describe(v)) for name, v in versions)
        return MifidRules(
            day=day,
            report_format=r.report_format.on(day),
            decimals=r.decimals.on(day),
            code_lists=r.code_lists.on(day),
            deadline=r.deadline.on(day),
            concat=r.concat.on(day),
            national_ids=r.national_ids.on(day),
            clock=r.clock.on(day),
            order_records=r.order_records.on(day),
            countries=self.codes.countries.on(day),
            currencies=self.codes.currencies.on(day),
            provenance=provenance,
        )


def _describe(version: Effective[Any]) -> str:
    span = f"{version.valid_from}..{version.valid_to or ''}"
    return f"{span} {version.source}".strip()


def load_mifid_config(
    rules: str | Path = "mifid.yaml", codes: str | Path = "iso_codes.yaml"
) -> MifidConfig:
    """Load the MiFID rule file and the ISO code lists.

    Args:
        rules: a path, or the name of a file in ``bolt_exec/compliance/data``.
        codes: the ISO country/currency code lists, likewise.

    Raises:
        ConfigError: a file is missing or invalid (the message names the field).
    """
    return MifidConfig(
        rules=load_yaml_model(_MifidFile, rules), codes=load_yaml_model(CodeSets, codes)
    )

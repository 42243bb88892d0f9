"""One RTS 22 transaction record, and the draft it is built in.

A :class:`TransactionRecord` holds the 65 fields as rendered text (``""`` for
a blank field, a tuple for the repeatable fields 61 and 63), the XML choice
made for each polymorphic field (``kinds``: LEI, MIC or person for a party;
unit or nominal for a quantity; money, percentage or pending for a price) and
every :class:`ValidationIssue` met while building it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bolt_exec.compliance.mifid.fields import FIELD_NAMES
from bolt_exec.compliance.mifid.formats import format_decimal
from bolt_exec.compliance.mifid.issues import ValidationIssue
from bolt_exec.compliance.mifid.rules import MifidRules

__all__ = ["Draft", "FieldValue", "TransactionRecord"]

FieldValue = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """A finished RTS 22 record.

    Attributes:
        trn: the transaction reference number (field 2).
        values: field number -> rendered value, for all 65 fields.
        kinds: field number -> the XML choice for polymorphic fields.
        issues: every missing or invalid field, in field order.
        deadline: when the report is due (UTC), or None for a cancellation.
        source: the journal ids it was built from (client_order_id, trade_id).
    """

    trn: str
    values: Mapping[int, FieldValue]
    kinds: Mapping[int, str]
    issues: tuple[ValidationIssue, ...]
    deadline: datetime | None
    source: Mapping[str, str] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``NEWT`` or ``CANC`` (field 1)."""
        return str(self.values[1])

    def text(self, number: int) -> str:
        """Return field ``number`` as one string (repeatable codes space-separated)."""
        value = self.values.get(number, "")
        return " ".join(value) if isinstance(value, tuple) else value


class Draft:
    """A record under construction: set fields, note issues, then :meth:`finish`."""

    def __init__(self, trn: str, rules: MifidRules) -> None:
        self.trn = trn
        self.rules = rules
        self.values: dict[int, FieldValue] = {}
        self.kinds: dict[int, str] = {}
        self._issues: list[ValidationIssue] = []

    def get(self, number: int) -> str:
        """Return field ``number`` as text ("" when blank)."""
        value = self.values.get(number, "")
        return " ".join(value) if isinstance(value, tuple) else value

    def set(self, number: int, value: FieldValue, kind: str | None = None) -> None:
        """Set field ``number`` (and its XML choice, when it has one)."""
        self.values[number] = value
        if kind is not None:
            self.kinds[number] = kind

    def issue(self, number: int, value: object, problem: str) -> None:
        """Record a problem with field ``number``."""
        self._issues.append(
            ValidationIssue(
                number,
                FIELD_NAMES.get(number, "record"),
                "" if value is None else str(value),
                problem,
                self.trn,
            )
        )

    def put(
        self, number: int, value: str | None, problem: str | None, kind: str | None = None
    ) -> None:
        """Set a field that passed (``problem is None``) or failed a validator.

        The value is kept even when invalid, so the reader sees what was wrong.
        """
        if value is None:
            return
        self.set(number, value, kind)
        if problem is not None:
            self.issue(number, value, problem)

    def require(self, number: int, value: str | None, why: str) -> str | None:
        """Note an issue when a required field has no value; return the value."""
        if value is None or value == "":
            self.issue(number, "", f"is required {why}")
            return None
        return value

    def decimal(self, number: int, value: Decimal, fmt_name: str, kind: str | None = None) -> None:
        """Render a ``{DECIMAL-n/m}`` field with the rounding in force."""
        fmt = self.rules.decimals.fmt(fmt_name)
        text, problem = format_decimal(value, fmt, self.rules.decimals.rounding)
        self.put(number, text, problem, kind)

    def finish(
        self, deadline: datetime | None, source: Mapping[str, str] | None = None
    ) -> TransactionRecord:
        """Freeze the draft; blank every field that was not set."""
        values = {n: self.values.get(n, "") for n in FIELD_NAMES}
        issues = tuple(sorted(self._issues, key=lambda i: i.field_number))
        return TransactionRecord(
            trn=self.trn,
            values=values,
            kinds=dict(self.kinds),
            issues=issues,
            deadline=deadline,
            source=dict(source or {}),
        )

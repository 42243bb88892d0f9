"""The RTS 22 report of one trade date: records, issues and their exports.

Exports:

* :meth:`Rts22Report.to_xml` - ISO 20022 ``auth.016`` for the ARM or NCA;
* :meth:`Rts22Report.to_csv` - one row per record, the 65 fields as columns
  (headed ``"<n> <field name>"``), for review in a spreadsheet;
* :meth:`Rts22Report.issues_csv` - every missing or invalid field, one row each;
* :meth:`Rts22Report.to_json` - typed JSON (records, choices, deadlines and
  issues), the diffable form the golden tests keep.

Corrections follow RTS 22 practice: :meth:`Rts22Report.cancellations` builds
``CANC`` records for transaction reference numbers already reported; a new
``NEWT`` with the same number then replaces each one.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from bolt_exec.compliance.mifid.fields import FIELD_NAMES
from bolt_exec.compliance.mifid.issues import ValidationIssue
from bolt_exec.compliance.mifid.record import TransactionRecord
from bolt_exec.compliance.mifid.refdata import Firm
from bolt_exec.compliance.mifid.rules import MifidRules
from bolt_exec.compliance.mifid.xml_writer import records_to_xml
from bolt_exec.errors import ValidationError

__all__ = ["Rts22Report"]

_CANCEL_FIELDS = (1, 2, 4, 6)


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Rts22Report:
    """RTS 22 transaction reports for one trade date.

    Attributes:
        day: the trade date (UTC) the records cover; it chose ``rules``.
        firm: the executing firm.
        rules: the MiFID rules in force on ``day``.
        records: one record per fill (or cancellation), in execution order.
    """

    day: date
    firm: Firm
    rules: MifidRules
    records: tuple[TransactionRecord, ...]

    @property
    def issues(self) -> tuple[ValidationIssue, ...]:
        """Every missing or invalid field of every record."""
        return tuple(issue for record in self.records for issue in record.issues)

    @property
    def is_complete(self) -> bool:
        """True when no record has an issue (the report may be submitted)."""
        return not self.issues

    @property
    def deadline(self) -> datetime | None:
        """The earliest deadline among the records (UTC), or None when empty."""
        deadlines = [r.deadline for r in self.records if r.deadline is not None]
        return min(deadlines) if deadlines else None

    def to_xml(self) -> bytes:
        """Return the ``auth.016`` XML document (UTF-8)."""
        return records_to_xml(self.records, self.rules.report_format.namespace)

    def to_csv(self) -> str:
        """Return the records as CSV: the 65 fields as columns, ``\\n`` line ends."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([f"{n} {name}" for n, name in FIELD_NAMES.items()])
        for record in self.records:
            writer.writerow([record.text(n) for n in FIELD_NAMES])
        return out.getvalue()

    def issues_csv(self) -> str:
        """Return every issue as CSV (reference, field number and name, value, problem)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["transaction_reference", "field_number", "field_name", "value", "problem"])
        for issue in self.issues:
            writer.writerow(
                [issue.record_ref, issue.field_number, issue.field_name, issue.value, issue.problem]
            )
        return out.getvalue()

    def to_json(self) -> str:
        """Return the typed JSON form (stable key order, for goldens and audit)."""
        payload = {
            "report": "MiFIR Art. 26 / RTS 22 transaction reports",
            "trade_date": self.day.isoformat(),
            "executing_entity": self.firm.lei,
            "message": self.rules.report_format.message,
            "deadline_utc": _iso(self.deadline),
            "complete": self.is_complete,
            "rules_in_force": dict(self.rules.provenance),
            "records": [
                {
                    "transaction_reference": r.trn,
                    "status": r.status,
                    "deadline_utc": _iso(r.deadline),
                    "source": dict(r.source),
                    "fields": {
                        str(n): list(v) if isinstance(v, tuple) else v
                        for n, v in r.values.items()
                        if v
                    },
                    "choices": {str(n): k for n, k in sorted(r.kinds.items())},
                    "issues": [
                        {
                            "field_number": i.field_number,
                            "field_name": i.field_name,
                            "value": i.value,
                            "problem": i.problem,
                        }
                        for i in r.issues
                    ],
                }
                for r in self.records
            ],
        }
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"

    def cancellations(
        self, trns: Iterable[str], *, already_cancelled: Iterable[str] = ()
    ) -> Rts22Report:
        """Return a report of ``CANC`` records for previously reported transactions.

        Args:
            trns: transaction reference numbers to cancel; each must be a
                ``NEWT`` record of this report.
            already_cancelled: numbers cancelled before (and not re-reported).

        Raises:
            ValidationError: a number is unknown, already cancelled, or repeated.
        """
        by_trn = {r.trn: r for r in self.records if r.status == "NEWT"}
        done = set(already_cancelled)
        cancels: list[TransactionRecord] = []
        for trn in trns:
            if trn in done:
                raise ValidationError(
                    "trns",
                    trn,
                    "is already cancelled",
                    "report a NEWT with this number before cancelling it again",
                )
            original = by_trn.get(trn)
            if original is None:
                raise ValidationError(
                    "trns",
                    trn,
                    f"was not reported on {self.day.isoformat()}",
                    "cancel only transaction reference numbers of submitted NEWT records",
                )
            done.add(trn)
            values = {n: (original.values[n] if n in _CANCEL_FIELDS else "") for n in FIELD_NAMES}
            values[1] = "CANC"
            cancels.append(replace(original, values=values, kinds={}, issues=(), deadline=None))
        return replace(self, records=tuple(cancels))

"""MiFID II / MiFIR reporting: RTS 22 transaction reports, RTS 24 order records, RTS 25 clocks.

Entry points (pure functions of the journal plus reference data)::

    report = transaction_reports(events, day="2026-11-20", firm=firm, reference=ref)
    report.to_xml(); report.to_csv(); report.issues

    records = order_records(events, day="2026-11-20", firm=firm, reference=ref)
    records.to_csv(); records.to_json(); records.issues

Rules (formats, code lists, deadlines, clock limits) come from the date-versioned
``data/mifid.yaml``, chosen by the trade date.
"""

from bolt_exec.compliance.mifid.issues import ValidationIssue
from bolt_exec.compliance.mifid.record import TransactionRecord
from bolt_exec.compliance.mifid.refdata import (
    TAGS,
    Client,
    DecisionMaker,
    Firm,
    InstrumentRef,
    Person,
    PersonId,
    ReferenceData,
    Staff,
    load_reference,
)
from bolt_exec.compliance.mifid.report import Rts22Report
from bolt_exec.compliance.mifid.rts22 import transaction_reports
from bolt_exec.compliance.mifid.rts24 import OrderRecordReport, order_records
from bolt_exec.compliance.mifid.rules import MifidConfig, MifidRules, load_mifid_config

__all__ = [
    "TAGS",
    "Client",
    "DecisionMaker",
    "Firm",
    "InstrumentRef",
    "MifidConfig",
    "MifidRules",
    "OrderRecordReport",
    "Person",
    "PersonId",
    "ReferenceData",
    "Rts22Report",
    "Staff",
    "TransactionRecord",
    "ValidationIssue",
    "load_mifid_config",
    "load_reference",
    "order_records",
    "transaction_reports",
]

"""Command-line glue for the MiFID reports (plugs into the compliance ``report`` command).

The compliance CLI registers reports as ``(add_arguments, run)`` pairs; these
are MiFID's. ``run_*`` take the parsed arguments (``--date``, ``--rules`` and
``--journal`` come from the shared ``report`` parser) and the journal's
events, and return ``(file bytes, number of exceptions)``: a non-zero count
means the report names missing or invalid fields a human must fix before it
is submitted. Wiring, once ``compliance/cli.py`` is on main::

    register_report(ReportSpec("rts22", "MiFIR RTS 22 transaction reports",
                               add_rts22_arguments, lambda a, e: ReportOutput(*run_rts22(a, e))))
    register_report(ReportSpec("rts24", "MiFID order records (RTS 24 / Annex IV)",
                               add_rts24_arguments, lambda a, e: ReportOutput(*run_rts24(a, e))))
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bolt_exec.compliance.calendar import load_calendar
from bolt_exec.compliance.mifid.refdata import load_reference
from bolt_exec.compliance.mifid.rts22 import transaction_reports
from bolt_exec.compliance.mifid.rts24 import order_records
from bolt_exec.compliance.mifid.rules import MifidConfig, load_mifid_config
from bolt_exec.model.events import OrderEvent

__all__ = ["add_rts22_arguments", "add_rts24_arguments", "run_rts22", "run_rts24"]


def _reference_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--reference",
        required=True,
        help="YAML with the firm and its clients, staff, algorithms and instruments "
        "(see bolt_exec/compliance/data/mifid_reference.example.yaml)",
    )


def add_rts22_arguments(p: argparse.ArgumentParser) -> None:
    """Add the RTS 22 options: reference data, format, issues file, calendar, cancellations."""
    _reference_argument(p)
    p.add_argument("--format", choices=("xml", "csv", "json"), default="xml")
    p.add_argument("--issues", help="also write every missing or invalid field here (CSV)")
    p.add_argument("--calendars", help="holiday calendars YAML replacing the packaged one")
    p.add_argument(
        "--cancel",
        action="append",
        default=[],
        metavar="TRN",
        help="write CANC records for these reported transaction reference numbers (repeatable)",
    )


def add_rts24_arguments(p: argparse.ArgumentParser) -> None:
    """Add the RTS 24 options: reference data and format."""
    _reference_argument(p)
    p.add_argument("--format", choices=("csv", "json"), default="csv")


def _config(args: argparse.Namespace) -> MifidConfig:
    rules = getattr(args, "rules", None)
    return load_mifid_config(rules) if rules else load_mifid_config()


def run_rts22(args: argparse.Namespace, events: Sequence[OrderEvent]) -> tuple[bytes, int]:
    """Build the RTS 22 report for ``args.date``; return its bytes and its issue count."""
    firm, reference = load_reference(args.reference)
    config = _config(args)
    calendar = None
    if args.calendars:
        calendar = load_calendar(config.on(args.date).deadline.calendar, args.calendars)
    report = transaction_reports(
        events, day=args.date, firm=firm, reference=reference, config=config, calendar=calendar
    )
    if args.cancel:
        report = report.cancellations(args.cancel)
    if args.issues:
        _write_atomic(args.issues, report.issues_csv().encode("utf-8"))
    if args.format == "xml":
        data = report.to_xml()
    else:
        data = (report.to_csv() if args.format == "csv" else report.to_json()).encode("utf-8")
    return data, len(report.issues)


def run_rts24(args: argparse.Namespace, events: Sequence[OrderEvent]) -> tuple[bytes, int]:
    """Build the order records for ``args.date``; return their bytes and the issue count."""
    firm, reference = load_reference(args.reference)
    records = order_records(
        events, day=args.date, firm=firm, reference=reference, config=_config(args)
    )
    text = records.to_csv() if args.format == "csv" else records.to_json()
    return text.encode("utf-8"), len(records.issues)


def _write_atomic(path: str, data: bytes) -> None:
    # Write beside the target, then rename: a reader never sees half a file.
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

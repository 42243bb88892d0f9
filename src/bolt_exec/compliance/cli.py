"""Compliance commands for ``bolt-exec``: ``report <name>`` and ``audit verify|export``.

The lead's ``bolt_exec/cli.py`` wires them in::

    sub = parser.add_subparsers(dest="command", required=True)
    add_report_parsers(sub)       # bolt-exec report otr|part43 --journal J --date D --out F
    add_audit_parsers(sub)        # bolt-exec audit verify --path P ; audit export ...
    args = parser.parse_args(argv)
    return args.handler(args)     # run_report / run_audit, returning the exit code

Reports live in a registry (:data:`REPORTS`, name -> :class:`ReportSpec`);
another reporter plugs in with :func:`register_report` before
:func:`add_report_parsers` runs. Every report reads the journal from a JSON
Lines export and takes ``--date`` and ``--out``.

Exit codes: 0 done and clean; 1 done but the output lists exceptions (a
Part 43 election that does not qualify, a broken audit chain) -- a human
must look; 2 bad input or configuration (the message says what to fix).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

from bolt_exec.compliance.audit_export import export_jsonl, export_ledger_yaml, load_audit_file
from bolt_exec.compliance.audit_record import AuditRecord, verify_chain
from bolt_exec.compliance.calendar import load_calendar
from bolt_exec.compliance.cftc_part43 import Part43Firm, part43_report, part43_report_json
from bolt_exec.compliance.cftc_part43_rules import load_cftc_rules
from bolt_exec.compliance.cli_inputs import (
    read_instruments,
    read_journal_jsonl,
    read_ltp_ticks,
    read_swaps,
    write_atomic,
)
from bolt_exec.compliance.sebi_otr_evidence import otr_message_log, otr_message_log_csv
from bolt_exec.compliance.sebi_otr_market import LastTradePrices
from bolt_exec.compliance.sebi_otr_report import (
    WeekdayCalendar,
    otr_report,
    otr_report_csv,
    otr_report_json,
)
from bolt_exec.compliance.sebi_otr_rules import load_sebi_rules
from bolt_exec.errors import BoltExecError, ValidationError
from bolt_exec.model.events import OrderEvent

__all__ = [
    "JOURNAL_SOURCES",
    "REPORTS",
    "ReportOutput",
    "ReportSpec",
    "add_audit_parsers",
    "add_report_parsers",
    "load_journal",
    "register_journal_source",
    "register_report",
    "run_audit",
    "run_report",
]

EXIT_OK, EXIT_EXCEPTIONS, EXIT_BAD_INPUT = 0, 1, 2
_EPILOG = (
    "exit codes: 0 done and clean; 1 done, but the output lists exceptions a person must "
    "review; 2 bad input or configuration (the message says what to fix)"
)
# What parser.add_subparsers() returns (argparse keeps the class private).
_Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


@dataclass(frozen=True, slots=True)
class ReportOutput:
    """What a report run produced: the file bytes and how many exceptions it lists."""

    data: bytes
    exceptions: int = 0


@dataclass(frozen=True, slots=True)
class ReportSpec:
    """A report the ``report`` command can run.

    Attributes:
        name: the sub-command (``otr``).
        help: one line for ``--help``.
        add_arguments: adds the report's own options to its parser.
        run: ``(args, events) -> ReportOutput``; pure apart from reading its reference files.
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, list[OrderEvent]], ReportOutput]


REPORTS: dict[str, ReportSpec] = {}

JournalReader = Callable[[str], list[OrderEvent]]
# URL scheme -> reader, for journals that are not a JSON Lines file
# (the store can register "sqlite" / "postgresql" readers here).
JOURNAL_SOURCES: dict[str, JournalReader] = {}


def register_journal_source(scheme: str, reader: JournalReader) -> None:
    """Let ``--journal SCHEME://...`` read events through ``reader(url)``."""
    JOURNAL_SOURCES[scheme] = reader


def load_journal(spec: str) -> list[OrderEvent]:
    """Read the events named by ``--journal``: a JSON Lines file, or a registered URL scheme.

    Raises:
        ValidationError: for a URL whose scheme no reader is registered for.
    """
    if "://" not in spec:
        return read_journal_jsonl(spec)
    scheme = spec.split("://", 1)[0]
    reader = JOURNAL_SOURCES.get(scheme)
    if reader is None:
        known = ", ".join(sorted(JOURNAL_SOURCES)) or "none registered"
        raise ValidationError(
            "--journal",
            scheme + "://...",
            "has no journal reader",
            f"use a JSON Lines export (readers: {known})",
        )
    return reader(spec)


def register_report(spec: ReportSpec, *, replace: bool = False) -> None:
    """Add a report to the registry (``replace=True`` to override one of the same name).

    Raises:
        ValueError: when the name is taken and ``replace`` is False.
    """
    if spec.name in REPORTS and not replace:
        raise ValueError(f"report {spec.name!r} is already registered; pass replace=True")
    REPORTS[spec.name] = spec


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from None


def _rate(text: str) -> tuple[str, Decimal]:
    ccy, _, value = text.partition("=")
    try:
        rate = Decimal(value)
    except InvalidOperation:
        rate = Decimal("NaN")
    if not ccy or not rate.is_finite() or rate <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: use CCY=RATE, e.g. EUR=1.09")
    return ccy.upper(), rate


# -- SEBI OTR -------------------------------------------------------------------


def _otr_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--to", type=_date, help="last trading day (default: --date)")
    p.add_argument("--instruments", help="YAML/JSON symbol -> {exchange, segment, equity_option}")
    p.add_argument("--ltp", help="market trades for the price bands (JSONL or CSV symbol,ts_ns,px)")
    p.add_argument(
        "--holiday",
        type=_date,
        action="append",
        default=[],
        help="an exchange holiday (repeatable); weekends are always closed",
    )
    p.add_argument("--calendar", help="a named holiday calendar instead of weekdays + --holiday")
    p.add_argument(
        "--calendar-file",
        default="calendars.yaml",
        help="the calendars YAML for --calendar (default: the packaged one)",
    )
    p.add_argument("--member", default="", help="trading member code printed in the report")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument("--messages", help="also write the per-message evidence log (CSV) here")


def _otr_run(args: argparse.Namespace, events: list[OrderEvent]) -> ReportOutput:
    rules = load_sebi_rules(args.rules)
    instruments = read_instruments(args.instruments) if args.instruments else None
    ltp = LastTradePrices(read_ltp_ticks(args.ltp)) if args.ltp else None
    date_to = args.to or args.date
    rep = otr_report(
        events,
        rules=rules,
        date_from=args.date,
        date_to=date_to,
        instruments=instruments,
        ltp=ltp,
        calendar=(
            load_calendar(args.calendar, args.calendar_file)
            if args.calendar
            else WeekdayCalendar(frozenset(args.holiday))
        ),
        member=args.member,
    )
    if args.messages:
        log = otr_message_log(
            events,
            rules=rules,
            date_from=args.date,
            date_to=date_to,
            instruments=instruments,
            ltp=ltp,
        )
        write_atomic(args.messages, otr_message_log_csv(log))
    data = otr_report_csv(rep) if args.format == "csv" else otr_report_json(rep)
    return ReportOutput(data, exceptions=int(rep["unattributed_events"] > 0))


# -- CFTC Part 43 -----------------------------------------------------------------


def _part43_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--swaps", required=True, help="YAML/JSON symbol -> swap terms")
    p.add_argument("--firm-status", choices=("SD", "MSP", "NONE"), default="NONE")
    p.add_argument(
        "--firm-identity",
        action="append",
        default=[],
        help="a name or LEI of ours that must never be published (repeatable)",
    )
    p.add_argument(
        "--usd-rate",
        type=_rate,
        action="append",
        default=[],
        help="USD value of one unit of a currency, CCY=RATE (repeatable)",
    )


def _part43_run(args: argparse.Namespace, events: list[OrderEvent]) -> ReportOutput:
    rep = part43_report(
        events,
        rules=load_cftc_rules(args.rules),
        day=args.date,
        swaps=read_swaps(args.swaps),
        firm=Part43Firm(args.firm_status, tuple(args.firm_identity)),
        usd_rates=dict(args.usd_rate),
    )
    return ReportOutput(part43_report_json(rep), exceptions=len(rep["exceptions"]))


register_report(
    ReportSpec("otr", "SEBI order-to-trade ratio, charges, cooling off", _otr_args, _otr_run)
)
register_report(
    ReportSpec("part43", "CFTC Part 43 public dissemination records", _part43_args, _part43_run)
)


# -- wiring -----------------------------------------------------------------------


def add_report_parsers(subparsers: _Subparsers) -> argparse.ArgumentParser:
    """Add ``report <name>`` for every registered report; return the ``report`` parser."""
    report = subparsers.add_parser("report", help="build a compliance report from a journal")
    names = report.add_subparsers(dest="report_name", required=True, metavar="REPORT")
    for spec in REPORTS.values():
        p = names.add_parser(spec.name, help=spec.help, description=spec.help, epilog=_EPILOG)
        p.add_argument(
            "--journal",
            required=True,
            help="journal: JSON Lines export (one event per line) or a registered URL",
        )
        p.add_argument("--date", required=True, type=_date, help="trade/execution date")
        p.add_argument("--out", default="-", help="output file (default: stdout)")
        p.add_argument("--rules", help="rule-version YAML replacing the packaged one")
        spec.add_arguments(p)
        p.set_defaults(handler=run_report)
    return report


def run_report(args: argparse.Namespace) -> int:
    """Run the report named by ``args.report_name``; return the exit code."""
    try:
        spec = REPORTS[args.report_name]
        out = spec.run(args, load_journal(args.journal))
        if args.out == "-":
            sys.stdout.buffer.write(out.data)
            sys.stdout.flush()
        else:
            write_atomic(args.out, out.data)
    except BoltExecError as exc:
        print(f"bolt-exec report {args.report_name}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if out.exceptions:
        print(
            f"bolt-exec report {args.report_name}: {out.exceptions} exception(s) listed in "
            "the report need review",
            file=sys.stderr,
        )
        return EXIT_EXCEPTIONS
    return EXIT_OK


def add_audit_parsers(subparsers: _Subparsers) -> argparse.ArgumentParser:
    """Add ``audit verify`` and ``audit export``; return the ``audit`` parser."""
    audit = subparsers.add_parser("audit", help="check or export the audit trail")
    actions = audit.add_subparsers(dest="audit_action", required=True)
    verify = actions.add_parser(
        "verify", help="verify the hash chain of a trail or ledger.yaml", epilog=_EPILOG
    )
    verify.add_argument("--path", required=True, help="trail .jsonl or ledger .yaml")
    verify.add_argument("--expect-count", type=int, help="record count kept elsewhere")
    verify.add_argument("--expect-head", help="last hash kept elsewhere")
    export = actions.add_parser("export", help="export a trail as ledger.yaml or JSON Lines")
    export.add_argument("--path", required=True, help="trail .jsonl (or ledger .yaml)")
    export.add_argument("--format", choices=("yaml", "jsonl"), default="yaml")
    export.add_argument("--out", default="ledger.yaml", help="output file ('-' for stdout)")
    for p in (verify, export):
        p.set_defaults(handler=run_audit)
    return audit


def run_audit(args: argparse.Namespace) -> int:
    """Run ``audit verify`` or ``audit export``; return the exit code.

    ``verify`` prints ``OK ...`` or every problem with its record index and
    seq; ``export`` refuses to export a broken chain.
    """
    try:
        records, count, head = load_audit_file(args.path)
    except (OSError, BoltExecError) as exc:
        print(f"bolt-exec audit: {args.path}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    expect_count = getattr(args, "expect_count", None)
    expect_head = getattr(args, "expect_head", None)
    result = verify_chain(
        records,
        expected_count=expect_count if expect_count is not None else count,
        expected_head=expect_head or head,
    )
    if args.audit_action == "verify":
        print(result.summary())
        return EXIT_OK if result.ok else EXIT_EXCEPTIONS
    if not result.ok:
        print("refusing to export a broken audit trail:\n" + result.summary(), file=sys.stderr)
        return EXIT_EXCEPTIONS
    good = [r for r in records if isinstance(r, AuditRecord)]
    data = export_ledger_yaml(good) if args.format == "yaml" else export_jsonl(good)
    if args.out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_atomic(args.out, data)
    return EXIT_OK

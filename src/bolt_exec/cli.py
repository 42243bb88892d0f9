"""The ``bolt-exec`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bolt_exec.model.events import OrderEvent

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``bolt-exec``."""
    parser = argparse.ArgumentParser(prog="bolt-exec", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the paper-broker demo and print the blotter")
    demo.add_argument("--seed", type=int, default=7, help="seed of the generated quotes")
    sub.add_parser("version", help="print the version")
    sub.add_parser("lifecycle", help="print the order lifecycle as a Mermaid diagram")
    from bolt_exec.safety.cli import add_kill_arguments

    kill = sub.add_parser(
        "kill",
        help="trip (or --reset, or --status) the kill switch of running sessions",
        description="Trip the latched kill switch: every session polling the latch halts, "
        "cancels all open orders and, if its policy says so, flattens. The latch holds "
        "across restarts until an operator resets it with a reason.",
    )
    add_kill_arguments(kill)
    _add_compliance(sub)
    return parser


def _add_compliance(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bolt_exec.compliance.cli import (
        REPORTS,
        ReportOutput,
        ReportSpec,
        add_audit_parsers,
        add_report_parsers,
        register_journal_source,
        register_report,
    )
    from bolt_exec.compliance.mifid.cli import (
        add_rts22_arguments,
        add_rts24_arguments,
        run_rts22,
        run_rts24,
    )

    for scheme in ("sqlite", "postgresql", "postgresql+psycopg"):
        register_journal_source(scheme, _read_store_journal)
    if "rts22" not in REPORTS:
        register_report(
            ReportSpec(
                "rts22",
                "MiFIR RTS 22 transaction reports (auth.016 XML, CSV or JSON)",
                add_rts22_arguments,
                lambda a, e: ReportOutput(*run_rts22(a, e)),
            )
        )
        register_report(
            ReportSpec(
                "rts24",
                "MiFID II order records (RTS 24 / Annex IV)",
                add_rts24_arguments,
                lambda a, e: ReportOutput(*run_rts24(a, e)),
            )
        )
    add_report_parsers(sub)
    add_audit_parsers(sub)


def _read_store_journal(url: str) -> list[OrderEvent]:
    """Every event of an order store, opened read-only (a running session keeps writing)."""
    from bolt_exec.store.sql import SqlOrderStore

    store = SqlOrderStore(url, read_only=True)
    try:
        return list(store.events())
    finally:
        store.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``bolt-exec``; return the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from bolt_exec.demo import run_demo

        run_demo(sys.stdout, seed=args.seed)
        return 0
    if args.command == "version":
        from bolt_exec import __version__

        print(__version__)
        return 0
    if args.command == "kill":
        from bolt_exec.safety.cli import kill_command

        return kill_command(args)
    if args.command in ("report", "audit"):
        code: int = args.handler(args)
        return code
    if args.command == "lifecycle":
        from bolt_exec.model.transitions import mermaid_diagram

        print(mermaid_diagram())
        return 0
    return 2  # pragma: no cover - argparse refuses unknown commands


if __name__ == "__main__":
    sys.exit(main())

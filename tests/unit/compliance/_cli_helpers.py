"""Build a `bolt-exec`-like parser around the compliance handlers, as the lead will."""

from __future__ import annotations

import argparse
from pathlib import Path

from bolt_exec.compliance.cli import add_audit_parsers, add_report_parsers
from bolt_exec.model.events import OrderEvent, encode_event


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bolt-exec")
    sub = parser.add_subparsers(dest="command", required=True)
    add_report_parsers(sub)
    add_audit_parsers(sub)
    args = parser.parse_args(argv)
    return int(args.handler(args))


def write_journal(path: Path, events: list[OrderEvent]) -> Path:
    path.write_bytes(b"".join(encode_event(ev) + b"\n" for ev in events))
    return path

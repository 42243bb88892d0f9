"""The MiFID report plug-ins for the compliance CLI, driven through a real argparse parser."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import date
from pathlib import Path

import pytest
from _mifid_helpers import JournalFactory

from bolt_exec.compliance.mifid.cli import (
    add_rts22_arguments,
    add_rts24_arguments,
    run_rts22,
    run_rts24,
)
from bolt_exec.errors import ConfigError

REFERENCE = "mifid_reference.example.yaml"


def _parse(add: object, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--date", type=date.fromisoformat, required=True)
    parser.add_argument("--rules")
    add(parser)  # type: ignore[operator]
    return parser.parse_args(argv)


def test_rts22_xml_and_issue_file(tmp_path: Path, journal: JournalFactory) -> None:
    issues = tmp_path / "issues.csv"
    args = _parse(add_rts22_arguments, ["--date", "2026-11-20", "--reference", REFERENCE,
                                        "--issues", str(issues)])  # fmt: skip
    events = journal(tags={"mifid.capacity": "AOTC", "mifid.client": "C-ANNA"})

    data, exceptions = run_rts22(args, events)

    assert data.startswith(b"<?xml") and b"FR19800502ANNA#LI###" in data
    rows = list(csv.DictReader(io.StringIO(issues.read_text())))
    assert exceptions == len(rows) == 1
    assert rows[0]["field_number"] == "59"  # the example has no executor for this order


def test_rts22_cancellations(journal: JournalFactory) -> None:
    args = _parse(add_rts22_arguments, ["--date", "2026-11-20", "--reference", REFERENCE,
                                        "--cancel", "O-1-T-1", "--format", "csv"])  # fmt: skip

    data, exceptions = run_rts22(args, journal())

    lines = data.decode().splitlines()
    assert len(lines) == 2 and lines[1].startswith("CANC,O-1-T-1,")
    assert exceptions == 0


def test_rts22_unknown_calendar_file_is_a_config_error(
    tmp_path: Path, journal: JournalFactory
) -> None:
    args = _parse(add_rts22_arguments, ["--date", "2026-11-20", "--reference", REFERENCE,
                                        "--calendars", str(tmp_path / "none.yaml")])  # fmt: skip

    with pytest.raises(ConfigError, match=r"none\.yaml"):
        run_rts22(args, journal())


def test_rts24_json(journal: JournalFactory) -> None:
    args = _parse(add_rts24_arguments, ["--date", "2026-11-20", "--reference", REFERENCE,
                                        "--format", "json"])  # fmt: skip

    data, exceptions = run_rts24(args, journal(tags={"mifid.capacity": "DEAL"}))

    assert b'"retain_until": "2031-11-20"' in data
    assert exceptions == 1  # no executor named

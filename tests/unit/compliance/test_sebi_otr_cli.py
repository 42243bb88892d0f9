"""`bolt-exec report otr`: journal export in, the same bytes as the library out."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from _cli_helpers import run_cli, write_journal
from _golden_sessions import INSTRUMENTS, otr_session
from _otr_journal import Journal, at

from bolt_exec.compliance.cli import (
    JOURNAL_SOURCES,
    REPORTS,
    ReportOutput,
    ReportSpec,
    load_journal,
    register_journal_source,
    register_report,
)
from bolt_exec.compliance.sebi_otr_report import otr_report, otr_report_csv, otr_report_json
from bolt_exec.compliance.sebi_otr_rules import load_sebi_rules

# Same session and inputs as the golden test, passed through files.
INSTRUMENTS_YAML = "\n".join(
    f"{s}: {{exchange: {i.exchange}, segment: {i.segment}, equity_option: "
    f"{str(i.is_equity_option).lower()}}}"
    for s, i in INSTRUMENTS.items()
)


def _inputs(tmp_path: Path) -> list[str]:
    j, ltp = otr_session()
    journal = write_journal(tmp_path / "journal.jsonl", j.events)
    (tmp_path / "instruments.yaml").write_text(INSTRUMENTS_YAML)
    ticks = ["symbol,ts_ns,px"]
    for sym in ltp._ts:
        ticks += [f"{sym},{ts},{px}" for ts, px in zip(ltp._ts[sym], ltp._px[sym], strict=True)]
    (tmp_path / "ltp.csv").write_text("\n".join(ticks) + "\n")
    return [
        "report",
        "otr",
        "--journal",
        str(journal),
        "--date",
        "2026-04-03",
        "--to",
        "2026-04-06",
        "--instruments",
        str(tmp_path / "instruments.yaml"),
        "--ltp",
        str(tmp_path / "ltp.csv"),
        "--member",
        "TM-0001",
    ]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_cli_otr_writes_what_the_library_builds(tmp_path: Path, fmt: str) -> None:
    """Same bytes as the library on the golden session (the report test checks the goldens)."""
    j, ltp = otr_session()
    rep = otr_report(
        j.events,
        rules=load_sebi_rules(),
        date_from=date(2026, 4, 3),
        date_to=date(2026, 4, 6),
        instruments=INSTRUMENTS,
        ltp=ltp,
        member="TM-0001",
    )
    expected = otr_report_csv(rep) if fmt == "csv" else otr_report_json(rep)
    out, log = tmp_path / f"otr.{fmt}", tmp_path / "messages.csv"
    rc = run_cli([*_inputs(tmp_path), "--format", fmt, "--out", str(out), "--messages", str(log)])
    assert rc == 0
    assert out.read_bytes() == expected
    assert log.read_text().count(",counted\n") == sum(d["counted"] for d in rep["days"])


def test_cli_otr_bad_journal_line_is_exit_2_with_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "j.jsonl"
    bad.write_text('{"type":"OrderFilled"}\nnot json\n')
    rc = run_cli(["report", "otr", "--journal", str(bad), "--date", "2026-04-06"])
    assert rc == 2
    assert "j.jsonl:1" in capsys.readouterr().err


def test_cli_otr_rejects_a_bad_date() -> None:
    with pytest.raises(SystemExit):
        run_cli(["report", "otr", "--journal", "x", "--date", "06/04/2026"])


def test_registry_refuses_a_duplicate_and_accepts_a_new_report(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    spec = ReportSpec(
        "count",
        "count events",
        lambda p: None,
        lambda args, evs: ReportOutput(f"{args.date}:{len(evs)}\n".encode()),
    )
    with pytest.raises(ValueError, match="already registered"):
        register_report(ReportSpec("otr", "x", spec.add_arguments, spec.run))
    register_report(spec)
    try:
        j, _ = otr_session()
        journal = write_journal(tmp_path / "j.jsonl", j.events)
        assert run_cli(["report", "count", "--journal", str(journal), "--date", "2026-04-06"]) == 0
        assert capsysbinary.readouterr().out == f"{date(2026, 4, 6)}:{len(j.events)}\n".encode()
    finally:
        del REPORTS["count"]


def test_journal_sources_plug_in_by_url_scheme(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    j, _ = otr_session()
    (tmp_path / "instruments.yaml").write_text(INSTRUMENTS_YAML)
    register_journal_source("memory", lambda url: list(j.events))
    try:
        assert load_journal("memory://session") == j.events
        argv = [
            "report",
            "otr",
            "--journal",
            "memory://x",
            "--date",
            "2026-04-06",
            "--instruments",
            str(tmp_path / "instruments.yaml"),
        ]
        assert run_cli(argv) == 0
        assert b'"report": "sebi_otr"' in capsysbinary.readouterr().out
    finally:
        del JOURNAL_SOURCES["memory"]
    assert run_cli(["report", "otr", "--journal", "sqlite:///bolt.db", "--date", "2026-04-06"]) == 2
    assert b"sqlite://" in capsysbinary.readouterr().err


def test_cli_otr_uses_a_named_holiday_calendar(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A calendar that cannot answer for a day the report needs fails closed, naming it."""
    j = Journal()
    for k, day in enumerate((date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 6))):
        j.new(f"b{k}", "RELIANCE", at(day, 10), "150")  # ratio >= 2000 with no trades
        for i in range(1999):
            j.amend(f"b{k}", at(day, 10) + i + 1, "151", confirm=False)
    journal = write_journal(tmp_path / "j.jsonl", j.events)
    (tmp_path / "instruments.yaml").write_text(INSTRUMENTS_YAML)
    cal = (
        "calendars:\n  - name: NSE-TEST\n    weekend: [5, 6]\n"
        "    covers: [2026-01-01, 2026-12-31]\n    holidays: [{date: 2026-05-07, name: x}]\n"
    )
    (tmp_path / "cal.yaml").write_text(cal)
    out = tmp_path / "otr.json"
    argv = [
        "report",
        "otr",
        "--journal",
        str(journal),
        "--date",
        "2026-05-04",
        "--to",
        "2026-05-06",
        "--instruments",
        str(tmp_path / "instruments.yaml"),
        "--calendar",
        "NSE-TEST",
        "--calendar-file",
        str(tmp_path / "cal.yaml"),
        "--out",
        str(out),
    ]
    assert run_cli(argv) == 0
    assert '"day": "2026-05-08"' in out.read_text()  # cooling off skips the 7 May holiday
    short = cal.replace("2026-12-31", "2026-05-06").replace("[{date: 2026-05-07, name: x}]", "[]")
    (tmp_path / "cal.yaml").write_text(short)  # cannot say which day follows 6 May
    assert run_cli(argv) == 2
    assert b"NSE-TEST" in capsysbinary.readouterr().err

"""`bolt-exec audit verify|export`: exit codes and where the chain breaks."""

from __future__ import annotations

from pathlib import Path

import pytest
from _cli_helpers import run_cli

from bolt_exec.clock import SimClock
from bolt_exec.compliance.audit_file import FileAuditTrail


def _trail(path: Path, n: int = 4) -> tuple[int, str]:
    with FileAuditTrail(path, SimClock(1_775_450_000_000_000_000)) as trail:
        for i in range(n):
            trail.record_command("submit", actor="s", subject=f"o{i}")
        return trail.head


def test_verify_ok_then_export_ledger_yaml_verifies_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "trail.jsonl"
    count, head = _trail(path)
    assert (
        run_cli(
            [
                "audit",
                "verify",
                "--path",
                str(path),
                "--expect-count",
                str(count),
                "--expect-head",
                head,
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith(f"OK: {count} records")
    ledger = tmp_path / "ledger.yaml"
    assert run_cli(["audit", "export", "--path", str(path), "--out", str(ledger)]) == 0
    assert run_cli(["audit", "verify", "--path", str(ledger)]) == 0


def test_verify_reports_the_edited_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "trail.jsonl"
    _trail(path)
    path.write_bytes(path.read_bytes().replace(b'"o2"', b'"o9"'))
    assert run_cli(["audit", "verify", "--path", str(path)]) == 1
    out = capsys.readouterr().out
    assert "BROKEN: record #2 (seq 2): content edited" in out
    assert run_cli(["audit", "export", "--path", str(path), "--out", "-"]) == 1


def test_verify_detects_a_cut_tail_only_with_the_expected_head(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "trail.jsonl"
    _count, head = _trail(path)
    path.write_bytes(b"\n".join(path.read_bytes().splitlines()[:-1]) + b"\n")
    assert run_cli(["audit", "verify", "--path", str(path)]) == 0
    assert run_cli(["audit", "verify", "--path", str(path), "--expect-head", head]) == 1
    assert "cut off" in capsys.readouterr().out


def test_missing_file_is_exit_2(tmp_path: Path) -> None:
    assert run_cli(["audit", "verify", "--path", str(tmp_path / "nope.jsonl")]) == 2

"""A running algorithm survives SIGKILL: a real subprocess is killed, then resumed from disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.child_env import child_env

DRIVER = Path(__file__).with_name("_resume_driver.py")


def _env():
    return child_env()


@pytest.mark.timeout(120)
def test_twap_resumes_after_sigkill_without_duplicates_or_overfill(tmp_path):
    # Arrange: start a session and let four children fill
    seen = []
    with subprocess.Popen(
        [sys.executable, str(DRIVER), str(tmp_path), "start"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdin is not None
        for line in proc.stdout:
            seen.append(line.split()[1])
            if len(seen) == 4:
                break
            proc.stdin.write("\n")
            proc.stdin.flush()
        # Act: kill it while it is inside the fill of the fourth child
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    journal_before = (tmp_path / "journal.jsonl").read_text().splitlines()
    saved = json.loads((tmp_path / "algo.json").read_text())["P1"]
    # the kill landed after E4 was journaled but before the algorithm state recorded it:
    # resuming must take E4 from the journal, not resend it
    assert saved["runner"]["n"] == 3
    assert any('"P1-E4"' in line for line in journal_before)
    out = subprocess.run(
        [sys.executable, str(DRIVER), str(tmp_path), "resume"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=90,
        check=True,
    )
    # Assert
    result = json.loads(out.stdout.split("RESULT ", 1)[1])
    assert seen == ["P1-E1", "P1-E2", "P1-E3", "P1-E4"]
    assert result["children"] == [f"P1-E{n}" for n in range(1, 11)]
    assert result["filled"] == "1000"
    assert result["done"] is True
    journal = (tmp_path / "journal.jsonl").read_text().splitlines()
    assert journal[: len(journal_before)] == journal_before
    ids = [json.loads(line)["event_id"] for line in journal]
    assert len(ids) == len(set(ids))  # nothing journaled twice

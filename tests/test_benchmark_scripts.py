"""The benchmark scripts still run and still check their answers (at a small size).

``make bench`` is run on demand, so nothing else would notice a script that an
API change broke. Each runs here as a real process at a size that takes a
second or two and must print a ``RESULT`` line whose own reference check
passed; no figure is asserted (speed is measured, never tested).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.child_env import child_env

ROOT = Path(__file__).resolve().parents[1]


def _results(script: str, *args: str) -> list[dict[str, object]]:
    env = child_env(ROOT / "benchmarks")
    env.pop("BOLT_EXEC_TEST_PG_URL", None)  # the store suite covers PostgreSQL
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [json.loads(line[7:]) for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert rows, f"{script} printed no RESULT line:\n{proc.stdout[-2000:]}"
    return rows


@pytest.mark.parametrize(
    ("script", "args"),
    [
        ("w2_orders.py", ("--n", "300")),
        ("w2_orders.py", ("--n", "50", "--pingpong")),
        ("w2_floor.py", ("--n", "300")),
    ],
)
def test_order_throughput_scripts_match_their_reference(script: str, args: tuple[str, ...]) -> None:
    for row in _results(script, *args):
        assert row["matches_reference"] is True, row


def test_w4_appends_and_verifies_on_every_backend() -> None:
    rows = _results("w4_journal.py", "--orders", "250", "--batch", "100,1000")
    assert {r["backend"] for r in rows} == {"memory", "sqlite-memory", "sqlite-wal"}
    for row in rows:
        assert row["checks_ok"] is True, row
        assert row["events"] == 1000, row
        assert len(row["events_per_s_runs"]) == 3, row  # the default --repeat: each run fresh


def test_w5_runs_the_full_demo_chain_and_approves_every_valid_order() -> None:
    (row,) = _results("w5_safety.py", "--orders", "3000")
    assert row["approved"] == 3000, row
    assert row["denied"] == {}, row
    assert row["checks_in_chain"] == 18, row

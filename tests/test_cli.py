"""The ``bolt-exec`` command end to end: a paper session journaled to SQLite, then reports."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from bolt_exec.oms.manager import OrderManager
from bolt_exec.testing.builders import make_oms
from tests.child_env import child_env

ROOT = Path(__file__).resolve().parents[1]
ENV = child_env()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bolt_exec.cli", *args],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=cwd,
        timeout=120,
    )


def test_report_reads_a_sqlite_store_directly(tmp_path: Path) -> None:
    # Arrange: a session with algo-tagged orders journaled to SQLite
    _, paper, clock = make_oms()
    db = tmp_path / "bolt.db"
    oms = OrderManager(paper, clock=clock, store=str(db))
    paper.on_quote("AAPL", "100.00", "100.02", 1000, 1000, clock.now_ns())
    tags = {"algo": "true", "exchange": "NSE", "segment": "EQ_CASH"}
    oms.submit("AAPL", "BUY", 10, tags=tags)
    h = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px=Decimal("99.99"), tif="GTC", tags=tags)
    oms.cancel(h.client_order_id)
    oms.store.close()
    out = tmp_path / "otr.json"
    # Act
    done = _cli(
        "report",
        "otr",
        "--journal",
        f"sqlite:///{db}",
        "--date",
        "2024-01-02",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    # Assert: two new orders and one cancel counted against one trade, read from the store
    assert done.returncode == 0, done.stderr
    (day,) = json.loads(out.read_text())["days"]
    assert (day["new"], day["cancel"], day["trades"], day["ratio"]) == (2, 1, 1, "3.0000")


def test_unknown_journal_scheme_names_the_fix(tmp_path: Path) -> None:
    done = _cli("report", "otr", "--journal", "ftp://x", "--date", "2024-01-02", cwd=tmp_path)
    assert done.returncode == 2
    assert "--journal" in done.stderr and "sqlite" in done.stderr


def test_kill_status_trip_and_reset_round_trip(tmp_path: Path) -> None:
    latch = str(tmp_path / "latch.json")
    assert "not tripped" in _cli("kill", "--status", "--latch", latch, cwd=tmp_path).stdout
    tripped = _cli("kill", "--reason", "runaway algo", "--latch", latch, cwd=tmp_path)
    assert tripped.returncode == 0 and "TRIPPED" in tripped.stdout
    assert "runaway algo" in _cli("kill", "--status", "--latch", latch, cwd=tmp_path).stdout
    refused = _cli("kill", "--reset", "--latch", latch, cwd=tmp_path)
    assert refused.returncode != 0  # a reset must name an operator and a reason
    reset = _cli(
        "kill",
        "--reset",
        "--operator",
        "alice",
        "--reason",
        "fixed",
        "--latch",
        latch,
        cwd=tmp_path,
    )
    assert reset.returncode == 0 and "released" in reset.stdout

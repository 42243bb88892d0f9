"""``bolt-exec kill --store URL`` trips the latch kept in the order store; a running session
whose SafetyManager polls that latch (``OrderStoreLatch``) halts on its next poll."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import pytest

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.clock import SimClock
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.instrument import Instrument
from bolt_exec.oms.manager import OrderManager
from bolt_exec.oms.safety_wiring import connect_safety
from bolt_exec.safety.cli import add_kill_arguments, kill_command
from bolt_exec.safety.codes import ReasonCode as R
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.manager import SafetyManager
from bolt_exec.safety.policy import Policy
from bolt_exec.store import SqlOrderStore
from bolt_exec.store.latch import OrderStoreLatch
from tests.child_env import child_env

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_704_205_800_000_000_000
S = 1_000_000_000


def bolt_exec(*argv: str) -> subprocess.CompletedProcess[str]:
    env = child_env()
    return subprocess.run(
        [sys.executable, "-m", "bolt_exec.cli", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def state(safety: SafetyManager) -> TradingState:
    return safety.trading_state


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_kill_arguments(parser)
    return parser.parse_args(argv)


def test_kill_store_from_another_process_halts_the_session_on_its_next_poll(
    tmp_path: Path,
) -> None:
    # Arrange: a session journaling to SQLite, its latch in the same store, a resting order
    db = tmp_path / "bolt.db"
    url = f"sqlite:///{db}"
    clock = SimClock(T0)
    paper = PaperBroker([Instrument("AAPL", venue="XNAS")], initial_cash={"USD": 100_000})
    store = SqlOrderStore(db)
    safety = SafetyManager.from_policy(
        Policy.from_yaml(ROOT / "policy.yaml"),
        clock,
        cash=paper.account.cash["USD"],
        latch_store=OrderStoreLatch(store),
    )
    oms = OrderManager(paper, clock=clock, safety=safety, store=store, strict=True)
    connect_safety(oms, safety)  # subscribe, bind, sync, and (SimClock) start polling
    clock.advance_by(S)
    paper.on_quote("AAPL", "100.00", "100.02", 1000, 1000, clock.now_ns())
    oms.update_mark("AAPL", "100.01", clock.now_ns())
    resting = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="99.00", tif="GTC")
    assert resting.status is OrderStatus.ACCEPTED
    try:
        # Act: an operator trips it from another process
        proc = bolt_exec("kill", "--store", url, "--reason", "runaway algo", "--actor", "bob")
        assert proc.returncode == 0, proc.stderr
        assert "TRIPPED by 'bob'" in proc.stdout
        assert state(safety) is TradingState.ACTIVE  # not polled yet
        clock.advance_by(S)  # the next poll
        # Assert: halted, the resting order canceled, nothing new passes
        assert state(safety) is TradingState.HALTED
        assert safety.kill_switch.latch.actor == "bob"
        assert safety.kill_switch.latch.reason == "runaway algo"
        assert oms.order(resting.client_order_id).status is OrderStatus.CANCELED
        before = paper.commands_received
        denied = oms.submit("AAPL", "BUY", 1, "MARKET")
        assert denied.status is OrderStatus.DENIED
        assert denied.reason.startswith(R.KILL_SWITCH.value)
        assert paper.commands_received == before
        assert store.kill_switch().is_latched
        # the operator's status and reset go to the same row; the session stays HALTED
        out = io.StringIO()
        assert kill_command(_args("--store", url, "--status"), out) == 0
        assert "TRIPPED by 'bob'" in out.getvalue()
        reset = _args("--store", url, "--reset", "--operator", "al", "--reason", "fixed")
        assert kill_command(reset, out) == 0
        clock.advance_by(S)
        assert not safety.kill_switch.is_tripped
        assert safety.trading_state is TradingState.HALTED
        assert not store.kill_switch().is_latched
    finally:
        safety.stop()
        store.close()


def test_kill_store_refuses_a_missing_store_both_latches_and_never_prints_a_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    missing = f"sqlite:///{tmp_path / 'nope' / 'bolt.db'}"
    assert kill_command(_args("--store", missing, "--reason", "x"), out) == 2
    typo = tmp_path / "typo.db"  # the directory exists, the store does not: never created
    assert kill_command(_args("--store", f"sqlite:///{typo}", "--reason", "x"), out) == 2
    assert not typo.exists()
    both = _args("--store", missing, "--latch", str(tmp_path / "k.json"), "--reason", "x")
    assert kill_command(both, out) == 2
    secret = "postgresql+psycopg://ops:s3cr3tpw@127.0.0.1:1/bolt"
    assert kill_command(_args("--store", secret, "--status"), out) == 2
    err = capsys.readouterr().err
    assert "not both" in err
    assert "s3cr3tpw" not in err + out.getvalue()
    assert "typo.db: the file does not exist" in err
    assert err.count("bolt-exec kill:") == 4

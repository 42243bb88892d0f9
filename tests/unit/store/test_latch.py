"""OrderStoreLatch: the SafetyManager's latch port on the order store."""

from __future__ import annotations

from pathlib import Path

import pytest

from bolt_exec.errors import ValidationError
from bolt_exec.safety.latch import LatchState
from bolt_exec.store import OrderStore, SqlOrderStore
from bolt_exec.store.latch import OrderStoreLatch, open_latch


def test_latch_round_trips_trip_and_reset(store: OrderStore) -> None:
    latch = OrderStoreLatch(store)

    latch.save(LatchState(True, "drawdown", "pnl-monitor", 10))
    tripped = latch.load()
    latch.save(LatchState(False, "drawdown", "pnl-monitor", 10, "alice", "checked", 20))
    released = latch.load()

    assert tripped == LatchState(True, "drawdown", "pnl-monitor", 10)
    assert released == LatchState(False, "drawdown", "pnl-monitor", 10, "alice", "checked", 20)


def test_latch_release_without_operator_is_refused(store: OrderStore) -> None:
    latch = OrderStoreLatch(store)
    latch.save(LatchState(True, "manual", "ops", 1))

    with pytest.raises(ValidationError, match="operator"):
        latch.save(LatchState(False, reset_by="", reset_reason="x", reset_ts_ns=2))

    assert latch.load().tripped


def test_latch_unreadable_store_loads_as_tripped(tmp_path: Path) -> None:
    store = SqlOrderStore(tmp_path / "bolt.db")
    store.close()  # every read now fails

    state = OrderStoreLatch(store).load()

    assert state.tripped
    assert "unreadable" in state.reason


def test_operator_tool_trips_a_running_session(tmp_path: Path) -> None:
    """`bolt-exec kill` in another process writes the latch while the writer holds the lease."""
    path = tmp_path / "bolt.db"
    with SqlOrderStore(path) as running:
        session = OrderStoreLatch(running)
        tool = open_latch(path)

        tool.save(LatchState(True, "operator kill", "bob", 5))

        assert session.load() == LatchState(True, "operator kill", "bob", 5)
        tool.store.close()

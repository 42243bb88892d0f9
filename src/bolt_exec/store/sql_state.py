"""Operator state in SQL: the kill-switch latch (with its audit log) and algorithm state.

Each function runs one transaction on the connection it is given and commits
it before returning, so a latch change is durable before anyone acts on it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from bolt_exec.errors import ConcurrencyConflict
from bolt_exec.store.base import AlgoState, KillSwitchState, check_algo_state, check_operator_text
from bolt_exec.store.tables import ALGO_STATE, KILL_SWITCH, KILL_SWITCH_LOG

__all__ = [
    "delete_algo_state",
    "get_algo_state",
    "list_algo_states",
    "put_algo_state",
    "read_kill_switch",
    "reset_kill_switch",
    "trip_kill_switch",
]


def read_kill_switch(conn: Connection) -> KillSwitchState:
    """Return the latch row."""
    row = conn.execute(select(KILL_SWITCH).where(KILL_SWITCH.c.id == 1)).mappings().first()
    conn.rollback()
    if row is None:
        return KillSwitchState()
    return KillSwitchState(
        is_latched=bool(row["is_latched"]),
        reason=row["reason"],
        actor=row["actor"],
        ts=int(row["ts"]),
        reset_by=row["reset_by"],
        reset_reason=row["reset_reason"],
        ts_reset=int(row["ts_reset"]),
    )


def _log(conn: Connection, action: str, actor: str, reason: str, ts_ns: int) -> None:
    last = conn.execute(select(func.max(KILL_SWITCH_LOG.c.seq))).scalar() or 0
    conn.execute(
        insert(KILL_SWITCH_LOG).values(
            seq=int(last) + 1, action=action, actor=actor, reason=reason, ts=ts_ns
        )
    )


def trip_kill_switch(conn: Connection, *, reason: str, actor: str, ts_ns: int) -> KillSwitchState:
    """Latch durably; a repeated trip is logged but keeps the first trip's record."""
    check_operator_text("reason", reason)
    check_operator_text("actor", actor)
    current = read_kill_switch(conn)
    if not current.is_latched:
        conn.execute(
            update(KILL_SWITCH)
            .where(KILL_SWITCH.c.id == 1)
            .values(is_latched=True, reason=reason, actor=actor, ts=ts_ns)
        )
    _log(conn, "TRIP", actor, reason, ts_ns)
    conn.commit()
    return read_kill_switch(conn)


def reset_kill_switch(
    conn: Connection, *, operator: str, reason: str, ts_ns: int
) -> KillSwitchState:
    """Release the latch durably, recording the operator and the reason."""
    check_operator_text("operator", operator)
    check_operator_text("reason", reason)
    conn.execute(
        update(KILL_SWITCH)
        .where(KILL_SWITCH.c.id == 1)
        .values(is_latched=False, reset_by=operator, reset_reason=reason, ts_reset=ts_ns)
    )
    _log(conn, "RESET", operator, reason, ts_ns)
    conn.commit()
    return read_kill_switch(conn)


def get_algo_state(conn: Connection, algo_id: str) -> AlgoState | None:
    """Return the saved state of ``algo_id``, or None."""
    row = conn.execute(select(ALGO_STATE).where(ALGO_STATE.c.algo_id == algo_id)).mappings().first()
    conn.rollback()
    if row is None:
        return None
    return AlgoState(algo_id, json.loads(row["state"]), int(row["version"]), int(row["ts"]))


def put_algo_state(
    conn: Connection,
    algo_id: str,
    state: Mapping[str, Any],
    *,
    ts_ns: int,
    expected_version: int | None,
) -> AlgoState:
    """Save state; with ``expected_version``, only if nobody saved in between."""
    text = check_algo_state(algo_id, state)
    current = conn.execute(
        select(ALGO_STATE.c.version).where(ALGO_STATE.c.algo_id == algo_id)
    ).scalar()
    version = 0 if current is None else int(current)
    if expected_version is not None and expected_version != version:
        conn.rollback()
        raise ConcurrencyConflict(
            f"algo_id={algo_id!r}: expected state version {expected_version}, found {version}; "
            "reload with get_algo_state() and retry"
        )
    if current is None:
        conn.execute(insert(ALGO_STATE).values(algo_id=algo_id, state=text, version=1, ts=ts_ns))
    else:
        done = conn.execute(
            update(ALGO_STATE)
            .where(ALGO_STATE.c.algo_id == algo_id, ALGO_STATE.c.version == version)
            .values(state=text, version=version + 1, ts=ts_ns)
        )
        if done.rowcount != 1:
            conn.rollback()
            raise ConcurrencyConflict(
                f"algo_id={algo_id!r}: another writer saved state version {version} "
                "concurrently; reload with get_algo_state() and retry"
            )
    conn.commit()
    return AlgoState(algo_id, json.loads(text), version + 1, ts_ns)


def delete_algo_state(conn: Connection, algo_id: str) -> None:
    """Forget an algorithm's state."""
    conn.execute(delete(ALGO_STATE).where(ALGO_STATE.c.algo_id == algo_id))
    conn.commit()


def list_algo_states(conn: Connection) -> dict[str, AlgoState]:
    """Return every saved algorithm state."""
    rows = conn.execute(select(ALGO_STATE).order_by(ALGO_STATE.c.algo_id)).mappings().all()
    conn.rollback()
    return {
        r["algo_id"]: AlgoState(
            r["algo_id"], json.loads(r["state"]), int(r["version"]), int(r["ts"])
        )
        for r in rows
    }

"""Creating a SQLite store is all or nothing: a SIGKILL halfway leaves a file a restart opens."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from bolt_exec.store.sql import SqlOrderStore
from tests.child_env import child_env

# Dies right after the second CREATE TABLE of the new store's migration.
CREATOR = textwrap.dedent(
    """
    import os, signal, sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from bolt_exec.store.sql import SqlOrderStore

    created = 0

    @event.listens_for(Engine, "after_cursor_execute")
    def die(conn, cursor, statement, parameters, context, executemany):
        global created
        if statement.lstrip().upper().startswith("CREATE TABLE"):
            created += 1
            if created == 2:
                os.kill(os.getpid(), signal.SIGKILL)

    SqlOrderStore(sys.argv[1])
    """
)


def test_store_killed_while_being_created_opens_as_a_new_store(tmp_path: Path) -> None:
    """Regression (crash test): Python's sqlite3 commits each CREATE TABLE by itself, so a
    kill during the first open left some tables and no schema record, and every restart
    refused the file as 'not a bolt_exec order store'."""
    # Arrange
    db = tmp_path / "new.db"
    env = child_env()

    # Act
    child = subprocess.run([sys.executable, "-c", CREATOR, str(db)], env=env, timeout=60)

    # Assert
    assert child.returncode == -9, "the creator was meant to die mid-creation"
    with SqlOrderStore(db) as store:
        assert store.last_seq == 0
        assert store.order_records() == []

"""The alembic migrations build exactly the schema the SQLModel tables declare."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from bolt_exec.errors import StoreError
from bolt_exec.store import SqlOrderStore
from bolt_exec.store.schema import VERSION_TABLE, _upgrade, head_revision, known_revisions
from bolt_exec.store.tables import METADATA

from .conftest import Ev, pg_url, wipe_pg


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bolt.db'}"
    u = pg_url()
    wipe_pg(u)
    return u


def test_migrated_schema_matches_the_table_definitions(url: str) -> None:
    SqlOrderStore(url).close()
    engine = create_engine(url)

    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        diffs = compare_metadata(ctx, METADATA)
    engine.dispose()

    assert diffs == []


def test_revisions_are_linear_and_end_at_head() -> None:
    revisions = known_revisions()

    assert revisions[0] == "0001"
    assert revisions[-1] == head_revision()
    assert len(set(revisions)) == len(revisions)


def _store_at_0001(url: str, ev: Ev) -> None:
    # A store as bolt_exec wrote it at revision 0001: its schema, then journal rows.
    engine = create_engine(url)
    with engine.connect() as conn:
        _upgrade(conn, "0001")
    engine.dispose()
    with engine.begin() as conn:
        for seq, event_id in ((1, "A-1"), (2, "A-2")):
            conn.execute(
                text(
                    "INSERT INTO bolt_journal VALUES (:seq, :eid, 'A', 'OrderInitialized', "
                    ":payload, 1, 1, false)"
                ),
                {"seq": seq, "eid": event_id, "payload": _payload(ev, seq)},
            )
    engine.dispose()


def _payload(ev: Ev, seq: int) -> str:
    from bolt_exec.model.events import encode_event

    return encode_event(ev.init("A") if seq == 1 else ev.submit("A")).decode()


def test_store_at_revision_0001_is_upgraded_keeping_its_journal(url: str) -> None:
    """0002 swaps the journal's two indexes for one; the rows and idempotency survive."""
    # Arrange
    ev = Ev()
    _store_at_0001(url, ev)

    # Act
    with SqlOrderStore(url) as store:
        # Assert
        assert store.schema_revision == head_revision() == "0002"
        assert [type(e).__name__ for e in store.events("A")] == [
            "OrderInitialized",
            "OrderSubmitted",
        ]
        replay = Ev()
        assert store.append([replay.init("A"), replay.submit("A"), replay.accept("A")]) == 1
        assert store.last_seq == 3
    test_migrated_schema_matches_the_table_definitions(url)


def test_store_at_revision_0001_without_auto_migrate_is_refused_naming_the_fix(url: str) -> None:
    _store_at_0001(url, Ev())

    with pytest.raises(StoreError, match="auto_migrate=True"):
        SqlOrderStore(url, auto_migrate=False)
    with pytest.raises(StoreError, match="older than '0002'"):  # readers never migrate
        SqlOrderStore(url, read_only=True)

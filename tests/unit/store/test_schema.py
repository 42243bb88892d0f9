"""The alembic migrations build exactly the schema the SQLModel tables declare."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from bolt_exec.store import SqlOrderStore
from bolt_exec.store.schema import VERSION_TABLE, head_revision, known_revisions
from bolt_exec.store.tables import METADATA

from .conftest import pg_url, wipe_pg


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

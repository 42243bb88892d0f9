"""Schema versioning: what :class:`SqlOrderStore` checks before it touches a database.

On open the store inspects the database *read-only* first:

* no tables at all: a new store; run every migration (creates the schema);
* tables, but no ``bolt_meta`` marking the database as ours: a foreign
  database; refuse, write nothing;
* ours, at a revision this bolt_exec does not know: written by a newer
  bolt_exec; refuse, write nothing;
* ours, at an older known revision: upgrade in one transaction (or refuse
  when ``auto_migrate=False``, saying how to upgrade);
* ours, at the head revision: open.

Migrations are alembic scripts in ``bolt_exec/store/migrations/versions``,
with the version table ``bolt_alembic_version`` (so a host application's own
alembic history in the same database is left alone).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, select

from bolt_exec.errors import StoreError

__all__ = ["APP_MARKER", "VERSION_TABLE", "check_schema", "head_revision", "known_revisions"]

VERSION_TABLE: Final = "bolt_alembic_version"
APP_MARKER: Final = "bolt_exec"
_MIGRATIONS: Final = Path(__file__).with_name("migrations")


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """Return the schema revision this bolt_exec writes."""
    head = _scripts().get_current_head()
    if head is None:  # pragma: no cover - the package ships its migrations
        raise StoreError(f"no migrations found in {_MIGRATIONS}; reinstall bolt_exec")
    return head


def known_revisions() -> list[str]:
    """Return every schema revision this bolt_exec knows, oldest first."""
    return [s.revision for s in reversed(list(_scripts().walk_revisions()))]


def current_revision(connection: Connection) -> str | None:
    """Return the database's schema revision, or None if it has none."""
    from sqlalchemy import column, table

    if VERSION_TABLE not in inspect(connection).get_table_names():
        return None
    row: Any = connection.execute(
        select(column("version_num")).select_from(table(VERSION_TABLE))
    ).first()
    return None if row is None else str(row[0])


def check_schema(
    connection: Connection, *, where: str, auto_migrate: bool, create: bool = True
) -> str:
    """Check (and if new or older, create or upgrade) the schema; return its revision.

    Args:
        connection: an open connection, outside any transaction.
        where: the masked URL, for messages.
        auto_migrate: upgrade an older schema (else refuse with instructions).
        create: create the schema in an empty database (else refuse: read-only opens).

    Raises:
        StoreError: for a foreign database, a newer schema, or an older schema
            with ``auto_migrate=False``. Nothing is written in those cases.
    """
    from bolt_exec.store.tables import META, TABLE_NAMES

    names = set(inspect(connection).get_table_names())
    connection.rollback()  # end the implicit transaction the inspection began
    head = head_revision()
    if not names:
        if not create:
            raise StoreError(
                f"{where} holds no bolt_exec store yet; open it once for writing to create one"
            )
        _upgrade(connection, head)
        return head
    if "bolt_meta" not in names:
        foreign = ", ".join(sorted(names)[:8])
        raise StoreError(
            f"{where} is not a bolt_exec order store: it holds other tables ({foreign}); "
            "nothing was changed. Point the store at an empty database or a new file"
        )
    marker = connection.execute(select(META.c.value).where(META.c.key == "app")).scalar()
    revision = current_revision(connection)
    connection.rollback()
    if marker != APP_MARKER or revision is None:
        raise StoreError(
            f"{where} has a bolt_meta table but no bolt_exec schema record "
            f"(app={marker!r}, revision={revision!r}); nothing was changed. Restore it from a "
            "backup or point the store at a new database"
        )
    known = known_revisions()
    if revision not in known:
        raise StoreError(
            f"{where} was written by a newer bolt_exec (schema revision {revision!r}; this "
            f"version knows up to {head!r}); nothing was changed. Upgrade bolt_exec to open it"
        )
    if revision != head:
        if not auto_migrate:
            raise StoreError(
                f"{where} is at schema revision {revision!r}, older than {head!r}; open it with "
                "auto_migrate=True (back it up first) to upgrade"
            )
        _upgrade(connection, head)
    missing = TABLE_NAMES - set(inspect(connection).get_table_names())
    connection.rollback()
    if missing:
        raise StoreError(
            f"{where} is a damaged bolt_exec store: tables {sorted(missing)} are missing; "
            "restore it from a backup"
        )
    return head


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name != "sqlite":
        command.upgrade(_config(connection), revision)
        connection.commit()
        return
    # Python's sqlite3 commits before every CREATE/ALTER on its own, so a crash in the middle
    # of creating a store left some tables and no schema record: a store that no restart
    # could open. Driving the transaction by hand makes the migration all or nothing.
    dbapi: Any = connection.connection.driver_connection
    level = dbapi.isolation_level
    connection.commit()
    dbapi.isolation_level = None  # autocommit mode: nothing begins or commits behind us
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            command.upgrade(_config(connection), revision)
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")
        connection.commit()
    finally:
        dbapi.isolation_level = level

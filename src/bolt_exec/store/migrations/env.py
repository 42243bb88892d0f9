"""Alembic environment: runs on the connection :mod:`bolt_exec.store.schema` hands in.

The store never lets alembic open its own engine (the URL may carry a
password, and the caller already holds the right connection), so only the
online mode with ``config.attributes["connection"]`` is supported.
"""

from __future__ import annotations

from alembic import context

from bolt_exec.store.schema import VERSION_TABLE
from bolt_exec.store.tables import METADATA

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "bolt_exec migrations run only through bolt_exec.store (SqlOrderStore.open or "
        "bolt_exec.store.schema.upgrade), which passes the connection in"
    )
context.configure(
    connection=connection,
    target_metadata=METADATA,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

"""Journal: one unique index on (client_order_id, event_id) replaces two.

Revision 0001 indexed the journal twice: a unique constraint on ``event_id``
(idempotent appends) and ``(client_order_id, seq)`` (per-order reads). Every
append paid a B-tree insert into each. One unique index on
``(client_order_id, event_id)`` serves both: the database refuses a repeated
event id of an order, and per-order reads find the order's rows by its prefix
(and sort its few rows by ``seq``). Event ids are unique per order by
construction (the OMS stamps ``{client_order_id}-{n}``, the reconciler
``RECON-{client_order_id}-...``), so appends stay idempotent on them.

The upgrade cannot fail on existing data: 0001 kept ``event_id`` unique on its
own, so no pair repeats. On SQLite it rebuilds the journal table (SQLite cannot
drop a constraint in place): a one-off copy of the journal, inside the
migration's single transaction.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_NEW = "ux_bolt_journal_coid_event_id"
_OLD = "ix_bolt_journal_coid_seq"


def _journal(*extra: sa.Index | sa.UniqueConstraint) -> sa.Table:
    # The journal as revision 0002 defines it (columns exactly as 0001 created them).
    return sa.Table(
        "bolt_journal",
        sa.MetaData(),
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=200), nullable=True),
        sa.Column("client_order_id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("ts_event", sa.BigInteger(), nullable=False),
        sa.Column("ts_init", sa.BigInteger(), nullable=False),
        sa.Column("reconciliation", sa.Boolean(), nullable=False),
        *extra,
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Batch mode copies the rows into a table built from copy_from (no UNIQUE(event_id),
        # the new index only), then swaps it in.
        new_index = sa.Index(_NEW, "client_order_id", "event_id", unique=True)
        with op.batch_alter_table("bolt_journal", copy_from=_journal(new_index), recreate="always"):
            pass
        return
    op.create_index(_NEW, "bolt_journal", ["client_order_id", "event_id"], unique=True)
    op.drop_index(_OLD, table_name="bolt_journal")
    op.drop_constraint(_event_id_unique(), "bolt_journal", type_="unique")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        old = _journal(sa.UniqueConstraint("event_id"), sa.Index(_OLD, "client_order_id", "seq"))
        with op.batch_alter_table("bolt_journal", copy_from=old, recreate="always"):
            pass
        return
    op.create_unique_constraint("bolt_journal_event_id_key", "bolt_journal", ["event_id"])
    op.create_index(_OLD, "bolt_journal", ["client_order_id", "seq"], unique=False)
    op.drop_index(_NEW, table_name="bolt_journal")


def _event_id_unique() -> str:
    # 0001 let the backend name it (PostgreSQL: bolt_journal_event_id_key).
    for uc in sa.inspect(op.get_bind()).get_unique_constraints("bolt_journal"):
        if uc["column_names"] == ["event_id"] and uc["name"]:
            return str(uc["name"])
    return "bolt_journal_event_id_key"

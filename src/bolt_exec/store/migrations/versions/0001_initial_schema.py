"""Initial schema: journal, projections, kill-switch latch, algorithm state.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bolt_algo_state",
        sa.Column("algo_id", sa.String(length=200), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("algo_id"),
    )
    op.create_table(
        "bolt_fills",
        sa.Column("client_order_id", sa.String(length=200), nullable=False),
        sa.Column("trade_id", sa.String(length=200), nullable=False),
        sa.Column("broker", sa.String(length=64), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("last_qty", sa.String(length=64), nullable=False),
        sa.Column("last_px", sa.String(length=64), nullable=False),
        sa.Column("fee", sa.String(length=64), nullable=False),
        sa.Column("fee_currency", sa.String(length=16), nullable=False),
        sa.Column("liquidity", sa.String(length=8), nullable=False),
        sa.Column("venue_order_id", sa.String(length=200), nullable=False),
        sa.Column("ts_event", sa.BigInteger(), nullable=False),
        sa.Column("reconciliation", sa.Boolean(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("client_order_id", "trade_id"),
    )
    op.create_index("ix_bolt_fills_seq", "bolt_fills", ["seq"], unique=False)
    op.create_table(
        "bolt_journal",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
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
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index(
        "ix_bolt_journal_coid_seq", "bolt_journal", ["client_order_id", "seq"], unique=False
    )
    op.create_table(
        "bolt_kill_switch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("is_latched", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("reset_by", sa.String(length=200), nullable=False),
        sa.Column("reset_reason", sa.Text(), nullable=False),
        sa.Column("ts_reset", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "bolt_kill_switch_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_table(
        "bolt_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "bolt_orders",
        sa.Column("client_order_id", sa.String(length=200), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column("qty", sa.String(length=64), nullable=False),
        sa.Column("limit_px", sa.String(length=64), nullable=True),
        sa.Column("stop_px", sa.String(length=64), nullable=True),
        sa.Column("tif", sa.String(length=8), nullable=False),
        sa.Column("broker", sa.String(length=64), nullable=False),
        sa.Column("strategy_id", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("filled_qty", sa.String(length=64), nullable=False),
        sa.Column("avg_px", sa.String(length=64), nullable=True),
        sa.Column("fees", sa.String(length=64), nullable=False),
        sa.Column("venue_order_id", sa.String(length=200), nullable=False),
        sa.Column("is_triggered", sa.Boolean(), nullable=False),
        sa.Column("ts_init", sa.BigInteger(), nullable=False),
        sa.Column("ts_last", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("client_order_id"),
    )
    op.create_table(
        "bolt_positions",
        sa.Column("broker", sa.String(length=64), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("multiplier", sa.String(length=64), nullable=False),
        sa.Column("qty", sa.String(length=64), nullable=False),
        sa.Column("cost", sa.String(length=64), nullable=False),
        sa.Column("avg_px", sa.String(length=64), nullable=False),
        sa.Column("realized_pnl", sa.String(length=64), nullable=False),
        sa.Column("fees", sa.String(length=64), nullable=False),
        sa.Column("last_px", sa.String(length=64), nullable=True),
        sa.Column("buy_qty", sa.String(length=64), nullable=False),
        sa.Column("sell_qty", sa.String(length=64), nullable=False),
        sa.Column("ts_last", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("broker", "symbol"),
    )

    meta = sa.table("bolt_meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(meta, [{"key": "app", "value": "bolt_exec"}])
    kill = sa.table(
        "bolt_kill_switch",
        sa.column("id", sa.Integer),
        sa.column("is_latched", sa.Boolean),
        sa.column("reason", sa.Text),
        sa.column("actor", sa.String),
        sa.column("ts", sa.BigInteger),
        sa.column("reset_by", sa.String),
        sa.column("reset_reason", sa.Text),
        sa.column("ts_reset", sa.BigInteger),
    )
    op.bulk_insert(
        kill,
        [
            {
                "id": 1,
                "is_latched": False,
                "reason": "",
                "actor": "",
                "ts": 0,
                "reset_by": "",
                "reset_reason": "",
                "ts_reset": 0,
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("bolt_positions")
    op.drop_table("bolt_orders")
    op.drop_table("bolt_meta")
    op.drop_table("bolt_kill_switch_log")
    op.drop_table("bolt_kill_switch")
    op.drop_index("ix_bolt_journal_coid_seq", table_name="bolt_journal")
    op.drop_table("bolt_journal")
    op.drop_index("ix_bolt_fills_seq", table_name="bolt_fills")
    op.drop_table("bolt_fills")
    op.drop_table("bolt_algo_state")

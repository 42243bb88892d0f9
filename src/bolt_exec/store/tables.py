"""SQLModel table definitions of the order store (no behaviour here).

Every table name starts with ``bolt_`` so a store can share a database with
other applications. Prices, quantities and money are stored as decimal
*strings* (SQLite has no exact decimal type; strings round-trip exactly on
every backend). Timestamps are UNIX nanoseconds in BIGINT columns.

The journal ``bolt_journal`` is append-only: ``seq`` is a gap-free sequence
assigned by the single writer (SQLite's rowid, so rows append to the table's
B-tree), ``payload`` is the event as msgspec JSON (``encode_event``). Its one
secondary index, unique on ``(client_order_id, event_id)``, serves both the
idempotency of appends (a repeated event id of an order is refused by the
database itself) and per-order reads; every index costs each append a B-tree
insert, so the journal has no other.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

__all__ = [
    "ALGO_STATE",
    "FILLS",
    "JOURNAL",
    "KILL_SWITCH",
    "KILL_SWITCH_LOG",
    "META",
    "METADATA",
    "ORDERS",
    "POSITIONS",
    "TABLE_NAMES",
]

# A registry of our own keeps our tables out of SQLModel's global metadata, which
# other packages (and users) also fill.
_registry = registry(metadata=MetaData())


class _Base(SQLModel, registry=_registry):
    pass


def _seq_column(name: str, *, primary_key: bool = False) -> Column[int]:
    # SQLite only aliases rowid for INTEGER (not BIGINT) primary keys.
    return Column(
        name,
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=primary_key,
        autoincrement=False,
        nullable=False,
    )


class MetaRow(_Base, table=True):
    """Store-wide facts: ``app``, ``created_ts``."""

    __tablename__ = "bolt_meta"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))


class JournalRow(_Base, table=True):
    """One journaled event (append-only)."""

    __tablename__ = "bolt_journal"
    __table_args__ = (
        Index("ux_bolt_journal_coid_event_id", "client_order_id", "event_id", unique=True),
    )
    seq: int = Field(sa_column=_seq_column("seq", primary_key=True))
    event_id: str | None = Field(default=None, max_length=200)  # NULL: no id, never deduplicated
    client_order_id: str = Field(max_length=200)
    type: str = Field(max_length=64)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    ts_event: int = Field(sa_column=Column(BigInteger, nullable=False))
    ts_init: int = Field(sa_column=Column(BigInteger, nullable=False))
    reconciliation: bool = False


class OrderRow(_Base, table=True):
    """The orders projection: each order's latest state."""

    __tablename__ = "bolt_orders"
    client_order_id: str = Field(primary_key=True, max_length=200)
    symbol: str = Field(max_length=64)
    side: str = Field(max_length=8)
    order_type: str = Field(max_length=16)
    qty: str = Field(max_length=64)
    limit_px: str | None = Field(default=None, max_length=64)
    stop_px: str | None = Field(default=None, max_length=64)
    tif: str = Field(max_length=8)
    broker: str = Field(max_length=64)
    strategy_id: str = Field(max_length=200)
    parent_id: str | None = Field(default=None, max_length=200)
    status: str = Field(max_length=24)  # no index: it would cost 40% of append throughput
    filled_qty: str = Field(max_length=64)
    avg_px: str | None = Field(default=None, max_length=64)
    fees: str = Field(max_length=64)
    venue_order_id: str = Field(max_length=200)
    is_triggered: bool = False
    ts_init: int = Field(sa_column=Column(BigInteger, nullable=False))
    ts_last: int = Field(sa_column=Column(BigInteger, nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    last_seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_seq: int = Field(sa_column=Column(BigInteger, nullable=False))


class FillRow(_Base, table=True):
    """The fills projection: one row per (order, venue trade id)."""

    __tablename__ = "bolt_fills"
    client_order_id: str = Field(primary_key=True, max_length=200)
    trade_id: str = Field(primary_key=True, max_length=200)
    broker: str = Field(max_length=64)
    symbol: str = Field(max_length=64)
    side: str = Field(max_length=8)
    last_qty: str = Field(max_length=64)
    last_px: str = Field(max_length=64)
    fee: str = Field(max_length=64)
    fee_currency: str = Field(max_length=16)
    liquidity: str = Field(max_length=8)
    venue_order_id: str = Field(max_length=200)
    ts_event: int = Field(sa_column=Column(BigInteger, nullable=False))
    reconciliation: bool = False
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class PositionRow(_Base, table=True):
    """The positions projection: net position per (broker, symbol)."""

    __tablename__ = "bolt_positions"
    broker: str = Field(primary_key=True, max_length=64)
    symbol: str = Field(primary_key=True, max_length=64)
    multiplier: str = Field(max_length=64)
    qty: str = Field(max_length=64)
    cost: str = Field(max_length=64)  # signed cost of the open lots: the exact state
    avg_px: str = Field(max_length=64)  # cost / qty, for readers
    realized_pnl: str = Field(max_length=64)
    fees: str = Field(max_length=64)
    last_px: str | None = Field(default=None, max_length=64)
    buy_qty: str = Field(max_length=64)
    sell_qty: str = Field(max_length=64)
    ts_last: int = Field(sa_column=Column(BigInteger, nullable=False))


class KillSwitchRow(_Base, table=True):
    """The kill-switch latch (a single row, id 1)."""

    __tablename__ = "bolt_kill_switch"
    id: int = Field(primary_key=True)
    is_latched: bool = False
    reason: str = Field(sa_column=Column(Text, nullable=False))
    actor: str = Field(max_length=200)
    ts: int = Field(sa_column=Column(BigInteger, nullable=False))
    reset_by: str = Field(max_length=200)
    reset_reason: str = Field(sa_column=Column(Text, nullable=False))
    ts_reset: int = Field(sa_column=Column(BigInteger, nullable=False))


class KillSwitchLogRow(_Base, table=True):
    """Every trip and reset of the kill switch (append-only audit)."""

    __tablename__ = "bolt_kill_switch_log"
    seq: int = Field(sa_column=_seq_column("seq", primary_key=True))
    action: str = Field(max_length=8)
    actor: str = Field(max_length=200)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    ts: int = Field(sa_column=Column(BigInteger, nullable=False))


class AlgoStateRow(_Base, table=True):
    """Resumable algorithm state: algo id -> JSON, with a version for optimistic locking."""

    __tablename__ = "bolt_algo_state"
    algo_id: str = Field(primary_key=True, max_length=200)
    state: str = Field(sa_column=Column(Text, nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    ts: int = Field(sa_column=Column(BigInteger, nullable=False))


METADATA: Final = _registry.metadata
META: Final = METADATA.tables["bolt_meta"]
JOURNAL: Final = METADATA.tables["bolt_journal"]
ORDERS: Final = METADATA.tables["bolt_orders"]
FILLS: Final = METADATA.tables["bolt_fills"]
POSITIONS: Final = METADATA.tables["bolt_positions"]
KILL_SWITCH: Final = METADATA.tables["bolt_kill_switch"]
KILL_SWITCH_LOG: Final = METADATA.tables["bolt_kill_switch_log"]
ALGO_STATE: Final = METADATA.tables["bolt_algo_state"]
TABLE_NAMES: Final = frozenset(METADATA.tables)

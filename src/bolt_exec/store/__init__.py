"""The order store: journal + projections (orders, fills, positions), kill-switch latch,
algorithm state; in memory or on any SQLAlchemy database (SQLite file by default)."""

from bolt_exec.store.base import (
    AlgoState,
    JournalEntry,
    KillSwitchState,
    MemoryOrderStore,
    OrderStore,
    replay_orders,
)
from bolt_exec.store.factory import open_store
from bolt_exec.store.projection import FillRecord, OrderRecord
from bolt_exec.store.sql import SqlOrderStore

__all__ = [
    "AlgoState",
    "FillRecord",
    "JournalEntry",
    "KillSwitchState",
    "MemoryOrderStore",
    "OrderRecord",
    "OrderStore",
    "SqlOrderStore",
    "open_store",
    "replay_orders",
]

"""The order store: journal + projections (orders, fills, positions), kill-switch latch,
algorithm state; in memory or on any SQLAlchemy database (SQLite file by default)."""

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from bolt_exec.store.sql import SqlOrderStore


def __getattr__(name: str) -> object:
    # SqlOrderStore pulls in SQLAlchemy and alembic (most of a second); load it on first use
    # so paper sessions, backtests and crash-test children start fast.
    if name == "SqlOrderStore":
        from bolt_exec.store.sql import SqlOrderStore

        return SqlOrderStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

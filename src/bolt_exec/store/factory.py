"""open_store: one call from "where" (None, a path, a URL, a store) to an OrderStore."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bolt_exec.store.base import MemoryOrderStore, OrderStore

if TYPE_CHECKING:
    from bolt_exec.store.sql import Durability

__all__ = ["open_store"]

_MEMORY = ("", "memory", "memory://", ":memory:")


def open_store(
    location: str | Path | OrderStore | None = None,
    *,
    durability: Durability = "full",
    auto_migrate: bool = True,
) -> OrderStore:
    """Return an order store for ``location``.

    Args:
        location: None or ``"memory"`` for a :class:`MemoryOrderStore`; a file
            path (``"bolt.db"``) for SQLite; any SQLAlchemy URL; or a store,
            returned as is.
        durability: see :class:`SqlOrderStore` (``"full"`` fsyncs every commit).
        auto_migrate: upgrade a store written by an older bolt_exec.

    Raises:
        StoreError: if the store cannot be opened (the message says why and what to do).
    """
    if location is None or (isinstance(location, str) and location in _MEMORY):
        return MemoryOrderStore()
    if isinstance(location, str | Path):
        # Imported here: SQLAlchemy costs most of a second to import, and a paper session
        # or a backtest with an in-memory journal never needs it.
        from bolt_exec.store.sql import SqlOrderStore

        return SqlOrderStore(location, durability=durability, auto_migrate=auto_migrate)
    return location

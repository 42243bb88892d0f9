"""OrderStore: the journal port the OrderManager writes ahead to (design invariant 2).

:meth:`OrderStore.append` returns only once the events are durable (as durable
as the store promises); the OMS publishes nothing before that. Appends are
idempotent on ``event_id``. :class:`MemoryOrderStore` keeps the journal in a
list (no durability; paper sessions and tests).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from bolt_exec.model.events import OrderEvent

__all__ = ["MemoryOrderStore", "OrderStore"]


class OrderStore(Protocol):
    """An append-only journal of order events."""

    def append(self, events: Sequence[OrderEvent]) -> None:
        """Make ``events`` durable, in order; repeated event ids are no-ops."""
        ...

    def events(self) -> Iterator[OrderEvent]:
        """Iterate the journal in append order."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...


class MemoryOrderStore:
    """A journal in memory: fast, and gone with the process."""

    def __init__(self) -> None:
        self._events: list[OrderEvent] = []
        self._ids: set[str] = set()

    def append(self, events: Sequence[OrderEvent]) -> None:
        """Append, skipping event ids already present."""
        for event in events:
            if event.event_id and event.event_id in self._ids:
                continue
            self._ids.add(event.event_id)
            self._events.append(event)

    def events(self) -> Iterator[OrderEvent]:
        """Iterate in append order."""
        return iter(list(self._events))

    def __len__(self) -> int:
        return len(self._events)

    def close(self) -> None:
        """Nothing to release."""

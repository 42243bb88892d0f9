"""Read the order journal (a sequence of ``OrderEvent``) into orders and fills.

Reporters are pure functions of the journal (design invariant 9), so this is
the only place that interprets event order. Fills are de-duplicated by
``(client_order_id, trade_id)`` (a replayed journal may repeat one), and the
result is sorted so the same journal always yields the same report bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bolt_exec.errors import ValidationError
from bolt_exec.model.events import OrderEvent, OrderFilled, OrderInitialized

__all__ = ["EventSource", "Journal", "read_journal"]


@runtime_checkable
class EventSource(Protocol):
    """Anything with an ``events()`` iterator, such as an ``OrderStore``."""

    def events(self) -> Iterator[OrderEvent]:
        """Return the journal's events in append order."""
        ...


@dataclass(frozen=True, slots=True)
class Journal:
    """Orders by client_order_id, fills in execution order, and every event in journal order."""

    orders: dict[str, OrderInitialized]
    fills: tuple[OrderFilled, ...]
    events: tuple[OrderEvent, ...]


def read_journal(events: Iterable[OrderEvent] | EventSource) -> Journal:
    """Index a journal: an iterable of events, or a store whose ``events()`` yields them.

    Raises:
        ValidationError: an event is not an ``OrderEvent``, or a fill's order
            has no ``OrderInitialized`` in the journal.
    """
    orders: dict[str, OrderInitialized] = {}
    fills: dict[tuple[str, str], OrderFilled] = {}
    kept: list[OrderEvent] = []
    stream = events.events() if isinstance(events, EventSource) else events
    for event in stream:
        if not isinstance(event, OrderEvent):
            raise ValidationError(
                "events",
                type(event).__name__,
                "is not an OrderEvent",
                "pass the journal's order events (OrderStore.events())",
            )
        kept.append(event)
        if isinstance(event, OrderInitialized):
            orders.setdefault(event.client_order_id, event)
        elif isinstance(event, OrderFilled):
            fills.setdefault((event.client_order_id, event.trade_id), event)
    for coid, _ in fills:
        if coid not in orders:
            raise ValidationError(
                "events",
                coid,
                "has a fill but no OrderInitialized in the journal",
                "pass the whole journal, from each order's creation",
            )
    ordered = sorted(fills.values(), key=lambda f: (f.ts_event, f.client_order_id, f.trade_id))
    return Journal(orders=orders, fills=tuple(ordered), events=tuple(kept))

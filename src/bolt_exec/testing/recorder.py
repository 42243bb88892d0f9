"""EventRecorder: a broker's event sink for async adapter tests, with wait and pick helpers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from bolt_exec.model.events import OrderEvent

__all__ = ["EventRecorder"]

E = TypeVar("E", bound=OrderEvent)


class EventRecorder:
    """Collects what a broker emits. Bind ``recorder.record`` (or ``recorder.events.append``)."""

    def __init__(self) -> None:
        self.events: list[OrderEvent] = []

    def record(self, event: OrderEvent) -> None:
        """The sink: keep ``event``."""
        self.events.append(event)

    def of(self, kind: type[E], client_order_id: str | None = None) -> list[E]:
        """The recorded events of one type (optionally of one order), in arrival order."""
        return [
            e
            for e in self.events
            if isinstance(e, kind) and client_order_id in (None, e.client_order_id)
        ]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 3.0) -> None:
        """Yield to the loop until ``predicate()`` holds.

        Raises:
            TimeoutError: it did not hold within ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.005)

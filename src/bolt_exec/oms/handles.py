"""OrderHandle: a live, per-order view in the ib_insync style.

A handle reads the OMS's Order (never a copy), so ``h.status`` is always
current. ``await h.done()`` resolves when the order reaches a terminal
status; listeners added with :meth:`OrderHandle.add_listener` are called
with every event the order receives (they must not block).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderDenied, OrderEvent, OrderFilled, OrderRejected
from bolt_exec.model.order import Order

__all__ = ["OrderHandle"]

Listener = Callable[[OrderEvent], None]


class OrderHandle:
    """A live view of one order.

    Events:
        every :class:`~bolt_exec.model.events.OrderEvent` the order receives is
        passed to each listener after the OMS journaled and applied it.
    """

    # No __slots__: the optional compiled build (setup.py, BOLT_EXEC_MYPYC=1) makes this a
    # native class with a fixed layout of its own, and mypyc refuses __slots__ there.

    def __init__(self, order: Order, watched: dict[str, OrderHandle] | None = None) -> None:
        self.order = order
        # Most handles are never listened to or awaited (a backtest submits 100,000 orders
        # and reads their status): the lists are made on first use, and the OMS notifies
        # only handles entered in ``watched`` (its registry), so it pays nothing per event
        # for the others.
        self._listeners: list[Listener] | None = None
        self._futures: list[asyncio.Future[OrderStatus]] | None = None
        self._watched = watched

    @property
    def client_order_id(self) -> str:
        """The order's client order id."""
        return self.order.client_order_id

    @property
    def status(self) -> OrderStatus:
        """The order's current status."""
        return self.order.status

    @property
    def filled_qty(self) -> Decimal:
        """Quantity filled so far."""
        return self.order.filled_qty

    @property
    def leaves_qty(self) -> Decimal:
        """``qty - filled_qty``."""
        return self.order.leaves_qty

    @property
    def avg_px(self) -> Decimal | None:
        """Average fill price, None before the first fill."""
        return self.order.avg_px

    @property
    def fills(self) -> list[OrderFilled]:
        """The fills applied so far, in order."""
        return [e for e in self.order.events if isinstance(e, OrderFilled)]

    @property
    def events(self) -> list[OrderEvent]:
        """Every event the order received, in order."""
        return list(self.order.events)

    @property
    def is_done(self) -> bool:
        """True once the order is terminal."""
        return self.order.is_terminal

    @property
    def reason(self) -> str:
        """Why the order was denied or rejected (empty otherwise)."""
        last = self.order.last_event
        if isinstance(last, OrderDenied):
            return f"{last.code}: {last.reason}"
        if isinstance(last, OrderRejected):
            return last.reason
        return ""

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every later event of this order."""
        if self._listeners is None:
            self._listeners = []
        self._listeners.append(listener)
        self._watch()

    async def done(self, timeout: float | None = None) -> OrderStatus:
        """Wait until the order is terminal; return its final status.

        Raises:
            TimeoutError: if ``timeout`` seconds pass first.
        """
        if self.order.is_terminal:
            return self.order.status
        fut: asyncio.Future[OrderStatus] = asyncio.get_running_loop().create_future()
        if self._futures is None:
            self._futures = []
        self._futures.append(fut)
        self._watch()
        return await asyncio.wait_for(fut, timeout)

    def _watch(self) -> None:
        if self._watched is not None:
            self._watched[self.order.client_order_id] = self

    def _notify(self, event: OrderEvent) -> None:
        if self._listeners:
            for listener in self._listeners:
                listener(event)
        if self._futures and self.order.is_terminal:
            futures, self._futures = self._futures, None
            for fut in futures:
                if not fut.done():
                    fut.set_result(self.order.status)

    def __repr__(self) -> str:
        return f"OrderHandle({self.order!r})"

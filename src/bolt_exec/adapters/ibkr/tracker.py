"""What the adapter has said about each order, so it never says it twice.

This is translation bookkeeping, not order state (the OMS owns that): it maps
IB's ``orderId`` to our ``client_order_id``, remembers which requests are in
flight (a cancel, an amend) so an error can be attributed to the right one, and
remembers every ``execId`` already reported so a fill is emitted once per
session even when TWS repeats it (reqExecutions replays, duplicate delivery,
reconnects).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bolt_exec.adapters.ibkr.codec import OrderView
from bolt_exec.model.enums import Side
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
)

__all__ = ["OrderTracker", "TrackedOrder"]


@dataclass(slots=True)
class TrackedOrder:
    """One order this session knows about."""

    client_order_id: str
    order_id: int
    symbol: str
    side: Side
    qty: Decimal
    venue_order_id: str = ""
    is_accepted: bool = False
    is_done: bool = False
    filled_qty: Decimal = Decimal(0)
    is_cancel_pending: bool = False
    amend: dict[str, float] | None = None

    def view(self) -> OrderView:
        """The codec's input: what has been reported so far."""
        return OrderView(
            client_order_id=self.client_order_id,
            venue_order_id=self.venue_order_id,
            is_accepted=self.is_accepted,
            is_done=self.is_done,
            has_fills=self.filled_qty > 0,
            is_cancel_pending=self.is_cancel_pending,
            is_amend_pending=self.amend is not None,
        )

    def note(self, event: OrderEvent) -> None:
        """Record that ``event`` was emitted."""
        match event:
            case OrderAccepted():
                self.is_accepted = True
            case OrderFilled():
                self.filled_qty += event.last_qty
                self.is_accepted = True
                if self.filled_qty >= self.qty:
                    self.is_done = True
            case OrderCanceled() | OrderRejected():
                self.is_done = True
                self.is_cancel_pending = False
            case OrderCancelRejected():
                self.is_cancel_pending = False
            case OrderReplaced():
                self.amend = None
                if event.qty is not None:
                    self.qty = event.qty
                    self.is_done = self.filled_qty >= self.qty
            case OrderReplaceRejected():
                self.amend = None
            case _:
                pass


@dataclass(slots=True)
class OrderTracker:
    """Orders by IB orderId and by client order id, plus the execIds already reported."""

    _by_id: dict[int, TrackedOrder] = field(default_factory=dict)
    _by_coid: dict[str, TrackedOrder] = field(default_factory=dict)
    _exec_ids: set[str] = field(default_factory=set)
    _bases: set[str] = field(default_factory=set)

    def add(self, order: TrackedOrder) -> None:
        """Track an order (a new submission, or one found at the venue)."""
        self._by_id[order.order_id] = order
        self._by_coid[order.client_order_id] = order

    def by_order_id(self, order_id: int) -> TrackedOrder | None:
        """The order with this IB orderId, if known."""
        return self._by_id.get(order_id)

    def by_client_order_id(self, client_order_id: str) -> TrackedOrder | None:
        """The order with this client order id, if known."""
        return self._by_coid.get(client_order_id)

    def claim_exec_id(self, exec_id: str) -> bool:
        """Return True the first time an execId is seen in this session, False after."""
        if exec_id in self._exec_ids:
            return False
        self._exec_ids.add(exec_id)
        self._bases.add(exec_id.rpartition(".")[0] or exec_id)
        return True

    def is_correction(self, exec_id: str) -> bool:
        """True if ``exec_id`` corrects an execution already reported.

        IB corrects an execution by re-sending it under the same execId with a new
        last component (``….01.01`` -> ``….01.02``); it replaces the first, it does not add.
        """
        base = exec_id.rpartition(".")[0]
        return bool(base) and base in self._bases and exec_id not in self._exec_ids

    def has_exec_id(self, exec_id: str) -> bool:
        """True once this execId was reported."""
        return exec_id in self._exec_ids

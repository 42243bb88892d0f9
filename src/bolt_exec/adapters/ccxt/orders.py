"""The ccxt adapter's identity bookkeeping: venue ids per order, and its duplicate filter.

Polling sees the same trade and the same status many times; each venue fact
is let through once. Old venue ids of a replaced order keep mapping to our
client id, so a late fill on the old leg is still attributed correctly.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
)

__all__ = ["OrderBookkeeping", "TrackedOrder"]

_MAX_KEYS: Final = 200_000


@dataclass(slots=True)
class TrackedOrder:
    """One order's venue identity and what an amend needs."""

    symbol: str
    side: str
    type: str
    qty: Decimal
    limit_px: Decimal | None
    venue_order_id: str = ""
    filled: Decimal = Decimal(0)
    is_done: bool = False


def _key(event: OrderEvent) -> tuple[str, ...] | None:
    if isinstance(event, OrderFilled):
        return ("fill", event.symbol, event.trade_id)
    if isinstance(event, OrderAccepted):
        return ("ack", event.client_order_id, event.venue_order_id)
    if isinstance(event, OrderCanceled | OrderExpired | OrderRejected):
        return ("end", event.client_order_id)
    if isinstance(event, OrderReplaced):
        return (
            "amend",
            event.client_order_id,
            event.venue_order_id,
            str(event.qty),
            str(event.limit_px),
        )
    return None


class OrderBookkeeping:
    """Client id <-> venue ids, plus a bounded once-only filter of venue facts."""

    def __init__(self) -> None:
        self._orders: dict[str, TrackedOrder] = {}
        self._by_venue_id: dict[str, str] = {}
        self._seen: OrderedDict[tuple[str, ...], None] = OrderedDict()
        self.dropped = 0

    def track(self, client_order_id: str, order: TrackedOrder) -> None:
        """Remember a new order."""
        self._orders[client_order_id] = order

    def get(self, client_order_id: str) -> TrackedOrder | None:
        """The tracked order, if this session sent it."""
        return self._orders.get(client_order_id)

    def client_id_of(self, venue_order_id: str) -> str:
        """Our client id of a venue order id ("" if unknown)."""
        return self._by_venue_id.get(venue_order_id, "")

    def bind_venue_id(self, client_order_id: str, venue_order_id: str) -> None:
        """Record the venue's id of one of our orders."""
        t = self._orders.get(client_order_id)
        if t is not None and not t.venue_order_id:
            t.venue_order_id = venue_order_id
        self._by_venue_id[venue_order_id] = client_order_id

    def replace_leg(self, client_order_id: str, venue_order_id: str) -> None:
        """The order now lives under ``venue_order_id`` (old ids keep mapping to it)."""
        t = self._orders[client_order_id]
        t.venue_order_id = venue_order_id
        self._by_venue_id[venue_order_id] = client_order_id

    def finish(
        self, client_order_id: str, venue_order_id: str, venue_filled: Decimal | None = None
    ) -> None:
        """Stop polling an order whose current leg ended, once all its trades are seen.

        ``venue_filled`` is the venue's filled quantity of the ended leg: while our
        fills add up to less, the order stays polled, because the trade poll that
        would report the rest runs before the order poll that saw it end.
        """
        t = self._orders.get(client_order_id)
        if t is None or t.venue_order_id not in ("", venue_order_id):
            return
        if venue_filled is not None and t.filled < venue_filled:
            return
        t.is_done = True

    def working(self) -> list[tuple[str, TrackedOrder]]:
        """Orders still worth polling."""
        return [(c, t) for c, t in self._orders.items() if not t.is_done and t.venue_order_id]

    def symbols(self) -> list[str]:
        """Every symbol this session traded."""
        return list(dict.fromkeys(t.symbol for t in self._orders.values()))

    def first_time(self, event: OrderEvent) -> bool:
        """True the first time a venue fact is seen (and count fills into ``filled``)."""
        key = _key(event)
        if key is not None:
            if key in self._seen:
                self.dropped += 1
                return False
            self._seen[key] = None
            if len(self._seen) > _MAX_KEYS:
                self._seen.popitem(last=False)
        if isinstance(event, OrderFilled):
            t = self._orders.get(event.client_order_id)
            if t is not None:
                t.filled += event.last_qty
        return True

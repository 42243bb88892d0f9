"""What the Binance adapter remembers about orders in flight, and its duplicate filter.

Theory of operation
-------------------
The same venue fact can reach us twice: in a REST response and on the user
stream, or twice on the stream after a venue retry. :class:`EventFilter`
lets each fact through once, keyed on the venue's own identities (trade id
for fills, orderId for acks and terminal events).

An amend Binance cannot do in place is a cancel-replace: the old venue order
is CANCELED and a new one (new orderId, same client id) is NEW. Those two
venue facts are one OMS fact, OrderReplaced; :class:`Tracked` remembers which
orderIds are old legs so their CANCELED and the new leg's NEW are absorbed.
This is identity bookkeeping only; order state stays in the OMS.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from bolt_exec.model.enums import Side
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
)

__all__ = ["EventFilter", "Tracked", "event_key", "is_replace_leg", "note_event"]

_MAX_KEYS: Final = 200_000


@dataclass(slots=True)
class Tracked:
    """One order's venue identities and what an amend needs to rebuild it."""

    symbol: str
    side: Side
    binance_type: str
    tif: str | None
    qty: Decimal
    limit_px: Decimal | None
    stop_px: Decimal | None
    venue_order_id: str = ""
    old_legs: set[str] = field(default_factory=set)
    replacing: bool = False
    filled: Decimal = Decimal(0)
    prior_legs_filled: Decimal = Decimal(0)
    is_done: bool = False


def event_key(event: OrderEvent) -> tuple[str, ...] | None:
    """The identity of the venue fact behind ``event`` (None: never deduplicated)."""
    if isinstance(event, OrderFilled):
        return ("fill", event.symbol, event.trade_id)
    if isinstance(event, OrderAccepted):
        return ("ack", event.client_order_id, event.venue_order_id)
    if isinstance(event, OrderCanceled | OrderExpired | OrderRejected):
        return ("end", event.client_order_id, type(event).__name__)
    if isinstance(event, OrderReplaced):
        return ("amend", event.venue_order_id, _norm(event.qty), _norm(event.limit_px))
    return None


def _norm(value: Decimal | None) -> str:
    # "0.01000000" from the stream and "0.01" from a response are the same fact.
    return "" if value is None else format(value.normalize(), "f")


class EventFilter:
    """Lets each venue fact through once (bounded memory: the oldest keys age out)."""

    def __init__(self, max_keys: int = _MAX_KEYS) -> None:
        self._seen: OrderedDict[tuple[str, ...], None] = OrderedDict()
        self._max = max_keys
        self.dropped = 0

    def first_time(self, event: OrderEvent) -> bool:
        """Return True the first time this fact is seen, False for a repeat."""
        key = event_key(event)
        if key is None:
            return True
        if key in self._seen:
            self.dropped += 1
            return False
        self._seen[key] = None
        if len(self._seen) > self._max:
            self._seen.popitem(last=False)
        return True


def note_event(t: Tracked, event: OrderEvent) -> None:
    """Keep the identity bookkeeping current (venue id, filled, whether to ask again)."""
    if isinstance(event, OrderAccepted | OrderFilled) and not t.venue_order_id:
        t.venue_order_id = event.venue_order_id
    if isinstance(event, OrderFilled):
        t.filled += event.last_qty
        t.is_done = t.is_done or t.filled >= t.qty
    elif isinstance(event, OrderCanceled | OrderExpired | OrderRejected):
        t.is_done = True


def is_replace_leg(t: Tracked, event: OrderEvent, venue_order_id: str) -> bool:
    """True for the venue halves of a cancel-replace (one OrderReplaced stands for both)."""
    if isinstance(event, OrderCanceled) and venue_order_id:
        return venue_order_id in t.old_legs or (t.replacing and venue_order_id == t.venue_order_id)
    if isinstance(event, OrderAccepted) and t.venue_order_id:
        # A NEW for another orderId under our client id is the replacement leg (or an
        # old leg's late ack): the replace's own response reports it as OrderReplaced.
        return event.venue_order_id != t.venue_order_id
    return False

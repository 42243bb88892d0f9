"""The paper venue's view of one instrument's top of book, and its resting orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from bolt_exec.clock import Timer
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.model.enums import OrderStatus, OrderType, Side
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.reports import OrderStatusReport

__all__ = ["Quote", "VenueOrder"]

# Enum members and status sets as module constants: the compiled build (setup.py) reads
# these as C statics, where ``Side.BUY`` is a lookup through the enum's metaclass.
_ACCEPTED: Final = OrderStatus.ACCEPTED
_BUY: Final = Side.BUY
_MARKET: Final = OrderType.MARKET
_STOP: Final = OrderType.STOP
_STOP_LIMIT: Final = OrderType.STOP_LIMIT


@dataclass(slots=True)
class Quote:
    """Top of book. ``avail_*`` is the displayed size our orders have not yet taken."""

    bid: Decimal | None = None
    ask: Decimal | None = None
    bid_size: Decimal = ZERO
    ask_size: Decimal = ZERO
    avail_bid: Decimal = ZERO
    avail_ask: Decimal = ZERO
    last: Decimal | None = None
    ts: int = 0

    def take_px(self, side: Side) -> Decimal | None:
        """The price a taker on ``side`` would pay (ask for BUY, bid for SELL)."""
        return self.ask if side is _BUY else self.bid

    def available(self, side: Side) -> Decimal:
        """Displayed size a taker on ``side`` can still take from this quote."""
        return self.avail_ask if side is _BUY else self.avail_bid

    def consume(self, side: Side, qty: Decimal) -> None:
        """Record that a taker on ``side`` took ``qty``."""
        if side is _BUY:
            self.avail_ask -= qty
        else:
            self.avail_bid -= qty


@dataclass(slots=True)
class VenueOrder:
    """An order as the paper venue holds it."""

    cmd: SubmitOrder
    venue_order_id: str
    seq: int
    qty: Decimal
    limit_px: Decimal | None
    stop_px: Decimal | None
    ts_accepted: int
    filled: Decimal = ZERO
    notional: Decimal = ZERO
    status: OrderStatus = _ACCEPTED
    is_triggered: bool = False
    modifications: int = 0
    expiry: Timer | None = field(default=None, repr=False)
    queue_ahead: Decimal = ZERO
    queue_known: bool = False  # False until the order's level has been seen at the touch
    level_size: Decimal = ZERO  # displayed size at our level when last seen (see queue.py)

    @property
    def leaves(self) -> Decimal:
        """Quantity still working."""
        return self.qty - self.filled

    @property
    def side(self) -> Side:
        """The order's side."""
        return self.cmd.side

    @property
    def acts_as_market(self) -> bool:
        """True for a market order, or a stop order once triggered."""
        t = self.cmd.order_type
        return t is _MARKET or (t is _STOP and self.is_triggered)

    @property
    def is_armed(self) -> bool:
        """True for a stop or stop-limit order waiting for its trigger."""
        return self.cmd.order_type in (_STOP, _STOP_LIMIT) and not (self.is_triggered)

    @property
    def avg_px(self) -> Decimal | None:
        """Average fill price so far."""
        return self.notional / self.filled if self.filled else None

    def report(self) -> OrderStatusReport:
        """The venue's status report of this order (mass status, targeted query)."""
        c = self.cmd
        return OrderStatusReport(
            client_order_id=c.client_order_id,
            venue_order_id=self.venue_order_id,
            symbol=c.symbol,
            side=c.side,
            order_type=c.order_type,
            status=self.status,
            qty=self.qty,
            filled_qty=self.filled,
            limit_px=self.limit_px,
            stop_px=self.stop_px,
            avg_px=self.avg_px,
            tif=c.tif,
            ts_accepted=self.ts_accepted,
        )

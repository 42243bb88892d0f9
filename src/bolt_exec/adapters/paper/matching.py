"""The paper venue's matching rules: top of book, resting orders, takers and triggers.

Pure bookkeeping over :class:`Quote` and :class:`VenueOrder`; what a fill or a
trigger *means* (events, balances) is the broker's job, reached through the
``on_fill`` and ``on_trigger`` callbacks.

* Takers (market orders, marketable limits, triggered stops) fill at the far
  touch plus ``slippage_ticks`` (never past a limit), up to the displayed size
  our earlier orders have not taken from the same quote.
* Resting limits fill at their limit price, as makers, when the far touch
  moves onto or through them, or when a trade prints strictly through them;
  a print *at* our level first consumes the estimated queue ahead of us
  (the queue-position model in :mod:`bolt_exec.adapters.paper.queue`).
* Stops trigger when the touch on their side, a print, or a bar's high/low
  reaches the stop price.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Final

from bolt_exec.adapters.paper.book import Quote, VenueOrder
from bolt_exec.adapters.paper.queue import on_level_quote, on_level_trade
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.model.enums import OPEN_STATUSES, LiquiditySide, OrderType, Side
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.numbers import ZERO

__all__ = ["Matcher", "Number", "crosses", "refusal_reason", "to_dec"]

# Enum members and status sets as module constants: the compiled build (setup.py) reads
# these as C statics, where ``Side.BUY`` is a lookup through the enum's metaclass.
_BUY: Final = Side.BUY
_LIMIT: Final = OrderType.LIMIT
_MAKER: Final = LiquiditySide.MAKER
_MARKET: Final = OrderType.MARKET
_OPEN: Final = OPEN_STATUSES
_SELL: Final = Side.SELL
_STOP_LIMIT: Final = OrderType.STOP_LIMIT
_TAKER: Final = LiquiditySide.TAKER

Number = Decimal | float | int | str
FillSink = Callable[[VenueOrder, Decimal, Decimal, LiquiditySide], None]
TriggerSink = Callable[[VenueOrder], None]


def to_dec(value: Number) -> Decimal:
    """A market-data number as an exact Decimal (floats through their shortest repr)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value) if isinstance(value, float) else value)


def crosses(side: Side, limit: Decimal, far: Decimal) -> bool:
    """True if a ``side`` order at ``limit`` can trade against the far touch ``far``."""
    return far <= limit if side is _BUY else far >= limit


def _strictly_through(side: Side, limit: Decimal, px: Decimal) -> bool:
    return px < limit if side is _BUY else px > limit


class Matcher:
    """Books and resting orders per symbol, and the rules that match them."""

    def __init__(
        self,
        instruments: dict[str, Instrument],
        slippage_ticks: int,
        on_fill: FillSink,
        on_trigger: TriggerSink,
    ) -> None:
        self.instruments = instruments
        self.slippage_ticks = slippage_ticks
        self.books: dict[str, Quote] = {}
        # Per symbol, resting orders by client order id: a dict keeps arrival order and
        # takes an order off the book in O(1) (100,000 resting orders are a normal test).
        self.resting: dict[str, dict[str, VenueOrder]] = {}
        self._on_fill = on_fill
        self._on_trigger = on_trigger

    def book(self, symbol: str) -> Quote:
        """The book of ``symbol`` (an empty one until data arrives)."""
        book = self.books.get(symbol)
        if book is None:
            book = self.books[symbol] = Quote()
        return book

    def rest(self, vo: VenueOrder) -> None:
        """Put ``vo`` on the book (after its arrival was answered)."""
        if vo.limit_px is not None and not vo.is_armed:
            on_level_quote(vo, self.book(vo.cmd.symbol))  # join behind the displayed size
        self.resting.setdefault(vo.cmd.symbol, {})[vo.cmd.client_order_id] = vo

    def unrest(self, vo: VenueOrder) -> None:
        """Take ``vo`` off the book."""
        resting = self.resting.get(vo.cmd.symbol)
        if resting:
            resting.pop(vo.cmd.client_order_id, None)

    # ------------------------------------------------------------------ market data
    def on_quote(
        self, symbol: str, bid: Number, ask: Number, bid_size: Number, ask_size: Number, ts: int
    ) -> None:
        """A new top of book: match what can match."""
        book = self.book(symbol)
        book.bid, book.ask = to_dec(bid), to_dec(ask)
        book.bid_size = book.avail_bid = to_dec(bid_size)
        book.ask_size = book.avail_ask = to_dec(ask_size)
        book.ts = ts
        resting = self.resting.get(symbol)
        if resting:
            self.match(symbol, resting.values(), trade_px=None, trade_size=None)

    def on_trade(self, symbol: str, px: Number, size: Number, ts: int) -> None:
        """A trade print: resting limits it goes through fill; stops may trigger."""
        book = self.book(symbol)
        book.last, book.ts = to_dec(px), ts
        resting = self.resting.get(symbol)
        if resting:
            self.match(symbol, resting.values(), trade_px=book.last, trade_size=to_dec(size))

    def on_bar(
        self, symbol: str, high: Number, low: Number, close: Number, volume: Number, ts: int
    ) -> None:
        """A bar: its low acts as a print for buyers, its high for sellers; then the close
        becomes the touch on both sides with the bar's volume displayed."""
        book = self.book(symbol)
        resting = self.resting.get(symbol)
        if resting:
            book.ts = ts
            vol = to_dec(volume)
            self.match(symbol, resting.values(), trade_px=to_dec(low), trade_size=vol, only=_BUY)
            self.match(symbol, resting.values(), trade_px=to_dec(high), trade_size=vol, only=_SELL)
        c = to_dec(close)
        self.on_quote(symbol, c, c, volume, volume, ts)
        book.last = c

    # ------------------------------------------------------------------ matching
    def take(self, vo: VenueOrder) -> None:
        """Fill what an arriving (or amended-into-the-market) order can take at the touch."""
        book = self.book(vo.cmd.symbol)
        qty = self.taker_qty(vo, book)
        if qty > 0:
            px = self.taker_px(vo, book)
            book.consume(vo.side, qty)
            self._on_fill(vo, qty, px, _TAKER)

    def match(
        self,
        symbol: str,
        orders: Iterable[VenueOrder],
        *,
        trade_px: Decimal | None,
        trade_size: Decimal | None,
        only: Side | None = None,
    ) -> None:
        """Match resting ``orders`` (in arrival order) against the book or a print."""
        book = self.book(symbol)
        for vo in list(orders):
            if vo.status not in _OPEN or (only is not None and vo.side is not only):
                continue
            if vo.is_armed and not self._trigger(vo, book, trade_px):
                continue
            if vo.acts_as_market:
                if trade_px is None:
                    qty = min(vo.leaves, book.available(vo.side))
                    if qty > 0:
                        px = self.taker_px(vo, book)
                        book.consume(vo.side, qty)
                        self._on_fill(vo, qty, px, _TAKER)
                elif trade_size is not None:  # a stop triggered by a print fills at the stop
                    qty = min(vo.leaves, trade_size)
                    self._on_fill(vo, qty, vo.stop_px or trade_px, _TAKER)
                continue
            limit = vo.limit_px
            assert limit is not None  # only limit-priced orders are left
            if trade_px is not None:
                if trade_size and _strictly_through(vo.side, limit, trade_px):
                    self._on_fill(vo, min(vo.leaves, trade_size), limit, _MAKER)
                elif trade_size and trade_px == limit:
                    qty = on_level_trade(vo, trade_size)
                    if qty > 0:
                        self._on_fill(vo, qty, limit, _MAKER)
                continue
            on_level_quote(vo, book)
            far = book.take_px(vo.side)
            if far is not None and crosses(vo.side, limit, far):
                # The market moved onto a resting limit: we are the maker, at our price.
                qty = min(vo.leaves, book.available(vo.side))
                if qty > 0:
                    book.consume(vo.side, qty)
                    self._on_fill(vo, qty, limit, _MAKER)

    def _trigger(self, vo: VenueOrder, book: Quote, trade_px: Decimal | None) -> bool:
        stop = vo.stop_px
        assert stop is not None  # only stop orders are armed
        ref = trade_px if trade_px is not None else (book.ask if vo.side is _BUY else book.bid)
        if ref is None or not (ref >= stop if vo.side is _BUY else ref <= stop):
            return False
        self._on_trigger(vo)
        return True

    def taker_qty(self, vo: VenueOrder, book: Quote) -> Decimal:
        """What ``vo`` could take from ``book`` right now."""
        far = book.take_px(vo.side)
        if far is None:
            return ZERO
        limited = vo.cmd.order_type in (_LIMIT, _STOP_LIMIT)
        if limited and vo.limit_px is not None and not crosses(vo.side, vo.limit_px, far):
            return ZERO
        return min(vo.leaves, book.available(vo.side))

    def taker_px(self, vo: VenueOrder, book: Quote) -> Decimal:
        """The price ``vo`` takes at: the far touch plus slippage, capped at its limit."""
        far = book.take_px(vo.side)
        assert far is not None  # callers checked the book has a far touch
        tick = self.instruments[vo.cmd.symbol].tick_size
        px = far + vo.side.sign * self.slippage_ticks * tick
        limit = vo.limit_px
        if limit is not None and (px > limit if vo.side is _BUY else px < limit):
            px = limit  # slippage never takes a limit order past its limit
        return px


def refusal_reason(
    cmd: SubmitOrder,
    inst: Instrument | None,
    book: Quote | None,
    position: Decimal,
    *,
    is_duplicate: bool,
) -> str:
    """Why the venue refuses ``cmd`` (empty when it takes it), as a real venue would."""
    if inst is None:
        return f"unknown symbol {cmd.symbol!r}"
    if is_duplicate:
        return f"duplicate client order id {cmd.client_order_id!r}"
    if cmd.qty % inst.lot_size or cmd.qty < inst.min_qty:
        return f"qty {cmd.qty} is off {inst.symbol}'s lot {inst.lot_size} or below min"
    for px in (cmd.limit_px, cmd.stop_px):
        if px is not None and px % inst.tick_size:
            return f"price {px} is off {inst.symbol}'s tick {inst.tick_size}"
    if cmd.order_type is _MARKET and (book is None or book.take_px(cmd.side) is None):
        return f"no market for {cmd.symbol}: a market order needs a quote"
    if cmd.reduce_only and (
        position == 0 or (position > 0) == (cmd.side is _BUY) or cmd.qty > abs(position)
    ):
        return f"reduce-only order would increase the position ({position})"
    if cmd.post_only and cmd.limit_px is not None and book is not None:
        far = book.take_px(cmd.side)
        if far is not None and crosses(cmd.side, cmd.limit_px, far):
            return "post-only order would take liquidity"
    return ""

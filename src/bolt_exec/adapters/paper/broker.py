"""PaperBroker: a simulated venue that behaves like a real adapter.

Theory of operation
-------------------
Commands arrive after ``latency_ns`` (through the bound clock's timers) and
are answered with exactly the events a real venue adapter emits: accepted,
rejected, filled (with venue trade ids, fees and maker/taker), canceled,
cancel rejected, replaced, replace rejected, triggered, expired.

Matching is against the top of book fed by :meth:`PaperBroker.on_quote`
(or a trade, or a bar):

* Takers (market orders, marketable limits, triggered stops) fill at the far
  touch plus ``slippage_ticks``, up to the displayed size that our earlier
  orders have not taken from the same quote; the rest waits for the next
  quote (or is canceled for IOC; a FOK that cannot fill whole is canceled).
* Resting limits fill at their limit price (as makers) when the far touch
  moves onto or through them, or when a trade prints through them.
* Stops trigger when the touch on their side (or a trade, or a bar's
  high/low) reaches the stop price; STOP then acts as a market order,
  STOP_LIMIT as a limit.
* GTD orders expire at their time, DAY orders at the session close
  (``session_close`` in ``session_tz``; None keeps DAY orders working).

Everything is deterministic: ids count up, orders match in arrival order.
While disconnected (:meth:`disconnect`), commands and events are lost, as on
a real dropped connection; the reconciler recovers the truth from
:meth:`mass_status`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bolt_exec.adapters.base import BrokerBase, Capabilities
from bolt_exec.adapters.paper.book import Quote, VenueOrder
from bolt_exec.adapters.paper.fees import FeeModel
from bolt_exec.adapters.paper.queue import on_level_quote, on_level_trade
from bolt_exec.clock import Clock
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.enums import LiquiditySide, OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderTriggered,
)
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.reports import FillReport, MassStatus, OrderStatusReport, PositionReport

__all__ = ["PaperBroker"]

Number = Decimal | float | int | str


def _d(value: Number) -> Decimal:
    return (
        value
        if isinstance(value, Decimal)
        else Decimal(repr(value) if isinstance(value, float) else value)
    )


class PaperBroker(BrokerBase):
    """A deterministic simulated venue (see the module docstring).

    Args:
        instruments: what it trades.
        name: the broker's name in the OMS.
        fees: the fee model.
        latency_ns: one-way delay before a command reaches the venue.
        slippage_ticks: ticks added against takers.
        seed: reserved for stochastic models; the default models are deterministic.
        initial_cash: starting balances per currency.
        session_close: local time DAY orders expire (``"16:00"``), or None.
        session_tz: the time zone of ``session_close``.

    Emits:
        OrderAccepted, OrderRejected, OrderFilled, OrderCanceled, OrderCancelRejected,
        OrderReplaced, OrderReplaceRejected, OrderTriggered, OrderExpired.
    """

    capabilities = Capabilities()

    def __init__(
        self,
        instruments: Iterable[Instrument] = (),
        *,
        name: str = "paper",
        fees: FeeModel | None = None,
        latency_ns: int = 0,
        slippage_ticks: int = 0,
        seed: int = 0,
        initial_cash: Mapping[str, Number] | None = None,
        session_close: str | None = "16:00",
        session_tz: str = "America/New_York",
    ) -> None:
        super().__init__()
        self.name = name
        self.fees = fees or FeeModel()
        self.latency_ns = int(latency_ns)
        self.slippage_ticks = int(slippage_ticks)
        self.seed = seed
        self._instruments: dict[str, Instrument] = {i.symbol: i for i in instruments}
        self._books: dict[str, Quote] = {}
        self._orders: dict[str, VenueOrder] = {}
        self._resting: dict[str, list[VenueOrder]] = {}
        self._fills: list[FillReport] = []
        self._positions: dict[str, Decimal] = {}
        self._cash: dict[str, Decimal] = {k: _d(v) for k, v in (initial_cash or {}).items()}
        self._seq = 0
        self._trade_seq = 0
        self._connected = True
        self._session_close = time.fromisoformat(session_close) if session_close else None
        self._tz = ZoneInfo(session_tz)
        self.dropped: list[object] = []
        self.commands_received = 0

    # ------------------------------------------------------------------ BrokerBase
    @property
    def is_connected(self) -> bool:
        """True unless :meth:`disconnect` was called."""
        return self._connected

    async def connect(self) -> None:
        """Reconnect (commands and events flow again)."""
        self._connected = True

    async def disconnect(self) -> None:
        """Drop the connection: commands and events are lost until :meth:`connect`."""
        self._connected = False

    def instruments(self) -> Sequence[Instrument]:
        """The instruments it trades."""
        return list(self._instruments.values())

    def add_instrument(self, instrument: Instrument) -> None:
        """Trade ``instrument`` too."""
        self._instruments[instrument.symbol] = instrument

    def submit(self, command: SubmitOrder) -> None:
        """Receive a new order (after the latency)."""
        self._deliver(command, self._arrive_submit)

    def cancel(self, command: CancelOrder) -> None:
        """Receive a cancel request (after the latency)."""
        self._deliver(command, self._arrive_cancel)

    def amend(self, command: AmendOrder) -> None:
        """Receive an amend request (after the latency)."""
        self._deliver(command, self._arrive_amend)

    async def mass_status(self, since_ns: int | None = None) -> MassStatus:
        """Open orders, fills since ``since_ns``, positions and balances."""
        return self.mass_status_now(since_ns)

    def mass_status_now(self, since_ns: int | None = None) -> MassStatus:
        """The synchronous form of :meth:`mass_status` (backtests, tests)."""
        return MassStatus(
            broker=self.name,
            ts=self._now(),
            orders=tuple(self._report(vo) for vo in self._orders.values() if vo.status.is_open),
            fills=tuple(f for f in self._fills if since_ns is None or f.ts_event >= since_ns),
            positions=tuple(
                PositionReport(symbol=s, qty=q) for s, q in sorted(self._positions.items())
            ),
            balances=dict(self._cash),
        )

    def resting_orders(self, symbol: str) -> Sequence[VenueOrder]:
        """The orders resting on ``symbol``'s book (limits and armed stops), in arrival order."""
        return tuple(self._resting.get(symbol, ()))

    def order_report(self, client_order_id: str) -> OrderStatusReport | None:
        """The venue's view of one order (a targeted status query), or None if unknown."""
        vo = self._orders.get(client_order_id)
        return self._report(vo) if vo else None

    # ------------------------------------------------------------------ market data
    def on_quote(
        self, symbol: str, bid: Number, ask: Number, bid_size: Number, ask_size: Number, ts: int
    ) -> None:
        """A new top of book: match what can match."""
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = Quote()
        book.bid, book.ask = _d(bid), _d(ask)
        book.bid_size = book.avail_bid = _d(bid_size)
        book.ask_size = book.avail_ask = _d(ask_size)
        book.ts = ts
        resting = self._resting.get(symbol)
        if resting:
            self._match_resting(symbol, book, resting, trade_px=None, trade_size=None)

    def on_trade(self, symbol: str, px: Number, size: Number, ts: int) -> None:
        """A trade print: resting limits it goes through fill; stops may trigger."""
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = Quote()
        book.last, book.ts = _d(px), ts
        resting = self._resting.get(symbol)
        if resting:
            self._match_resting(symbol, book, resting, trade_px=book.last, trade_size=_d(size))

    def on_bar(
        self,
        symbol: str,
        open: Number,
        high: Number,
        low: Number,
        close: Number,
        volume: Number,
        ts: int,
    ) -> None:
        """A bar: stops trigger on its range, limits fill when it trades through them, and
        the close becomes the touch (both sides, the bar's volume displayed)."""
        resting = self._resting.get(symbol)
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = Quote()
        if resting:
            hi, lo, vol = _d(high), _d(low), _d(volume)
            # The extremes act as trade prints: the high for sellers, the low for buyers.
            book.ts = ts
            self._match_resting(symbol, book, resting, trade_px=lo, trade_size=vol, only=Side.BUY)
            self._match_resting(symbol, book, resting, trade_px=hi, trade_size=vol, only=Side.SELL)
        c = _d(close)
        self.on_quote(symbol, c, c, volume, volume, ts)
        book.last = c

    # ------------------------------------------------------------------ arrival
    def _deliver(self, command: object, handler: object) -> None:
        self.commands_received += 1
        if not self._connected:
            self.dropped.append(command)
            return
        assert callable(handler)
        if self.latency_ns <= 0:
            handler(command)
        else:
            self._clock_().set_timer(
                self._now() + self.latency_ns, lambda _ts: self._if_connected(handler, command)
            )

    def _if_connected(self, handler: object, command: object) -> None:
        assert callable(handler)
        if self._connected:
            handler(command)
        else:
            self.dropped.append(command)

    def _arrive_submit(self, cmd: SubmitOrder) -> None:
        coid = cmd.client_order_id
        inst = self._instruments.get(cmd.symbol)
        reason = self._refuse(cmd, inst)
        if reason:
            self._emit_(
                OrderRejected(
                    client_order_id=coid, ts_event=self._now(), ts_init=self._now(), reason=reason
                )
            )
            return
        assert inst is not None
        self._seq += 1
        vo = VenueOrder(
            cmd,
            f"{self.name}-{self._seq}",
            self._seq,
            cmd.qty,
            cmd.limit_px,
            cmd.stop_px,
            self._now(),
        )
        self._orders[coid] = vo
        book = self._books.get(cmd.symbol) or Quote()
        if cmd.tif in (TimeInForce.IOC, TimeInForce.FOK):
            self._take_immediate(vo, inst, book)
            return
        self._emit_(
            OrderAccepted(
                client_order_id=coid,
                ts_event=self._now(),
                ts_init=self._now(),
                venue_order_id=vo.venue_order_id,
            )
        )
        self._arm_expiry(vo)
        if not vo.is_armed:
            self._take(vo, book, inst)
        if vo.status.is_open:
            if vo.limit_px is not None and not vo.is_armed:
                on_level_quote(vo, book)  # join the queue behind the displayed size
            self._resting.setdefault(cmd.symbol, []).append(vo)

    def _refuse(self, cmd: SubmitOrder, inst: Instrument | None) -> str:
        if inst is None:
            return f"unknown symbol {cmd.symbol!r}"
        if cmd.client_order_id in self._orders:
            return f"duplicate client order id {cmd.client_order_id!r}"
        if cmd.qty % inst.lot_size or cmd.qty < inst.min_qty:
            return f"qty {cmd.qty} is off {inst.symbol}'s lot {inst.lot_size} or below min"
        for px in (cmd.limit_px, cmd.stop_px):
            if px is not None and px % inst.tick_size:
                return f"price {px} is off {inst.symbol}'s tick {inst.tick_size}"
        book = self._books.get(cmd.symbol)
        if cmd.order_type is OrderType.MARKET and (book is None or book.take_px(cmd.side) is None):
            return f"no market for {cmd.symbol}: a market order needs a quote"
        if cmd.reduce_only:
            pos = self._positions.get(cmd.symbol, ZERO)
            if pos == 0 or (pos > 0) == (cmd.side is Side.BUY) or cmd.qty > abs(pos):
                return f"reduce-only order would increase the position ({pos})"
        if cmd.post_only and cmd.limit_px is not None and book is not None:
            far = book.take_px(cmd.side)
            if far is not None and _crosses(cmd.side, cmd.limit_px, far):
                return "post-only order would take liquidity"
        return ""

    def _take(self, vo: VenueOrder, book: Quote, inst: Instrument) -> None:
        """Fill what an arriving (or amended-into-the-market) order can take at the touch."""
        qty = self._taker_qty(vo, book)
        if qty > 0:
            px = self._taker_px(vo, book, inst)
            book.consume(vo.side, qty)
            self._fill(vo, qty, px, LiquiditySide.TAKER)

    def _take_immediate(self, vo: VenueOrder, inst: Instrument, book: Quote) -> None:
        can = self._taker_qty(vo, book)
        if vo.cmd.tif is TimeInForce.FOK and can < vo.qty:
            self._finish(vo, OrderStatus.CANCELED)
            self._emit_(
                OrderCanceled(
                    client_order_id=vo.cmd.client_order_id,
                    ts_event=self._now(),
                    ts_init=self._now(),
                    reason="FOK: not enough displayed size to fill whole",
                )
            )
            return
        if can > 0:
            self._fill(vo, can, self._taker_px(vo, book, inst), LiquiditySide.TAKER)
            book.consume(vo.side, can)
        if vo.leaves > 0:
            self._finish(vo, OrderStatus.CANCELED)
            self._emit_(
                OrderCanceled(
                    client_order_id=vo.cmd.client_order_id,
                    ts_event=self._now(),
                    ts_init=self._now(),
                    reason="IOC: remainder canceled",
                )
            )

    def _arrive_cancel(self, cmd: CancelOrder) -> None:
        vo = self._orders.get(cmd.client_order_id)
        now = self._now()
        if vo is None or not vo.status.is_open:
            why = "unknown order" if vo is None else f"order is {vo.status}"
            self._emit_(
                OrderCancelRejected(
                    client_order_id=cmd.client_order_id,
                    ts_event=now,
                    ts_init=now,
                    reason=f"too late to cancel: {why}",
                )
            )
            return
        self._finish(vo, OrderStatus.CANCELED)
        self._emit_(OrderCanceled(client_order_id=cmd.client_order_id, ts_event=now, ts_init=now))

    def _arrive_amend(self, cmd: AmendOrder) -> None:
        vo = self._orders.get(cmd.client_order_id)
        now = self._now()
        coid = cmd.client_order_id
        if vo is None or not vo.status.is_open:
            why = "unknown order" if vo is None else f"order is {vo.status}"
            self._emit_(
                OrderReplaceRejected(
                    client_order_id=coid,
                    ts_event=now,
                    ts_init=now,
                    reason=f"too late to amend: {why}",
                )
            )
            return
        if cmd.qty is not None and cmd.qty <= vo.filled:
            self._emit_(
                OrderReplaceRejected(
                    client_order_id=coid,
                    ts_event=now,
                    ts_init=now,
                    reason=f"new qty {cmd.qty} is not above filled {vo.filled}",
                )
            )
            return
        vo.modifications += 1
        if cmd.qty is not None:
            vo.qty = cmd.qty
        if cmd.limit_px is not None:
            vo.limit_px = cmd.limit_px
        if cmd.stop_px is not None:
            vo.stop_px = cmd.stop_px
        self._emit_(
            OrderReplaced(
                client_order_id=coid,
                ts_event=now,
                ts_init=now,
                venue_order_id=vo.venue_order_id,
                qty=cmd.qty,
                limit_px=cmd.limit_px,
                stop_px=cmd.stop_px,
            )
        )
        book = self._books.get(vo.cmd.symbol)
        if book is not None and not vo.is_armed:
            self._take(vo, book, self._instruments[vo.cmd.symbol])

    # ------------------------------------------------------------------ matching
    def _match_resting(
        self,
        symbol: str,
        book: Quote,
        orders: list[VenueOrder],
        *,
        trade_px: Decimal | None,
        trade_size: Decimal | None,
        only: Side | None = None,
    ) -> None:
        inst = self._instruments[symbol]
        for vo in list(orders):
            if not vo.status.is_open or (only is not None and vo.side is not only):
                continue
            if vo.is_armed and not self._trigger(vo, book, trade_px):
                continue
            if vo.acts_as_market:
                if trade_px is None:
                    qty = min(vo.leaves, book.available(vo.side))
                    px = self._taker_px(vo, book, inst)
                    if qty > 0:
                        book.consume(vo.side, qty)
                        self._fill(vo, qty, px, LiquiditySide.TAKER)
                elif trade_size is not None:  # a stop triggered by a print fills at the stop
                    stop = vo.stop_px or trade_px
                    qty = min(vo.leaves, trade_size)
                    self._fill(vo, qty, stop, LiquiditySide.TAKER)
                continue
            limit = vo.limit_px
            assert limit is not None
            if trade_px is not None:
                # A print strictly through our price fills us; a print at our price fills
                # what is left of it after the queue ahead of us (queue.py).
                if trade_size and _strictly_through(vo.side, limit, trade_px):
                    self._fill(vo, min(vo.leaves, trade_size), limit, LiquiditySide.MAKER)
                elif trade_size and trade_px == limit:
                    qty = on_level_trade(vo, trade_size)
                    if qty > 0:
                        self._fill(vo, qty, limit, LiquiditySide.MAKER)
                continue
            on_level_quote(vo, book)
            far = book.take_px(vo.side)
            if far is not None and _crosses(vo.side, limit, far):
                # The market moved onto a resting limit: we are the maker, at our price.
                qty = min(vo.leaves, book.available(vo.side))
                if qty > 0:
                    book.consume(vo.side, qty)
                    self._fill(vo, qty, limit, LiquiditySide.MAKER)

    def _trigger(self, vo: VenueOrder, book: Quote, trade_px: Decimal | None) -> bool:
        stop = vo.stop_px
        assert stop is not None
        ref = trade_px if trade_px is not None else (book.ask if vo.side is Side.BUY else book.bid)
        if ref is None or not (ref >= stop if vo.side is Side.BUY else ref <= stop):
            return False
        vo.is_triggered = True
        vo.status = OrderStatus.TRIGGERED
        self._emit_(
            OrderTriggered(
                client_order_id=vo.cmd.client_order_id, ts_event=self._now(), ts_init=self._now()
            )
        )
        return True

    def _taker_qty(self, vo: VenueOrder, book: Quote) -> Decimal:
        far = book.take_px(vo.side)
        if far is None:
            return ZERO
        if (
            vo.cmd.order_type is OrderType.LIMIT
            and vo.limit_px is not None
            and not _crosses(vo.side, vo.limit_px, far)
        ):
            return ZERO
        return min(vo.leaves, book.available(vo.side))

    def _taker_px(self, vo: VenueOrder, book: Quote, inst: Instrument) -> Decimal:
        far = book.take_px(vo.side)
        assert far is not None
        px = far + vo.side.sign * self.slippage_ticks * inst.tick_size
        limit = vo.limit_px
        if limit is not None and (px > limit if vo.side is Side.BUY else px < limit):
            px = limit  # slippage never takes a limit order past its limit
        return px

    def _fill(self, vo: VenueOrder, qty: Decimal, px: Decimal, liq: LiquiditySide) -> None:
        inst = self._instruments[vo.cmd.symbol]
        first = vo.filled == 0
        vo.filled += qty
        vo.notional += qty * px
        fee = self.fees.fee(inst.notional(qty, px), liq, first)
        self._trade_seq += 1
        trade_id = f"{self.name}-T{self._trade_seq}"
        signed = qty if vo.side is Side.BUY else -qty
        self._positions[inst.symbol] = self._positions.get(inst.symbol, ZERO) + signed
        cash = self._cash.get(inst.currency, ZERO)
        self._cash[inst.currency] = cash - signed * px * inst.multiplier - fee
        now = self._now()
        if vo.leaves == 0:
            self._finish(vo, OrderStatus.FILLED)
        else:
            vo.status = OrderStatus.PARTIALLY_FILLED
        self._fills.append(
            FillReport(
                trade_id=trade_id,
                client_order_id=vo.cmd.client_order_id,
                venue_order_id=vo.venue_order_id,
                symbol=inst.symbol,
                side=vo.side,
                last_qty=qty,
                last_px=px,
                fee=fee,
                fee_currency=inst.currency,
                liquidity=liq,
                ts_event=now,
            )
        )
        self._emit_(
            OrderFilled(
                client_order_id=vo.cmd.client_order_id,
                ts_event=now,
                ts_init=now,
                trade_id=trade_id,
                symbol=inst.symbol,
                side=vo.side,
                last_qty=qty,
                last_px=px,
                venue_order_id=vo.venue_order_id,
                fee=fee,
                fee_currency=inst.currency,
                liquidity=liq,
            )
        )

    def _finish(self, vo: VenueOrder, status: OrderStatus) -> None:
        vo.status = status
        if vo.expiry is not None:
            vo.expiry.cancel()
            vo.expiry = None
        resting = self._resting.get(vo.cmd.symbol)
        if resting and vo in resting:
            resting.remove(vo)

    # ------------------------------------------------------------------ expiry
    def _arm_expiry(self, vo: VenueOrder) -> None:
        when: int | None = None
        if vo.cmd.tif is TimeInForce.GTD:
            when = vo.cmd.expire_ts
        elif vo.cmd.tif is TimeInForce.DAY and self._session_close is not None:
            when = self._next_close(self._now())
        if when is not None:
            vo.expiry = self._clock_().set_timer(when, lambda _ts: self._expire(vo))

    def _next_close(self, ts: int) -> int:
        local = datetime.fromtimestamp(ts / 1e9, self._tz)
        assert self._session_close is not None
        close = datetime.combine(local.date(), self._session_close, self._tz)
        if close <= local:
            close = datetime.combine(
                local.date() + timedelta(days=1), self._session_close, self._tz
            )
        return int(close.timestamp()) * 1_000_000_000

    def _expire(self, vo: VenueOrder) -> None:
        if not vo.status.is_open:
            return
        vo.expiry = None
        self._finish(vo, OrderStatus.EXPIRED)
        self._emit_(
            OrderExpired(
                client_order_id=vo.cmd.client_order_id, ts_event=self._now(), ts_init=self._now()
            )
        )

    # ------------------------------------------------------------------ helpers
    def _emit_(self, event: OrderEvent) -> None:
        if not self._connected:
            self.dropped.append(event)
            return
        self._emit(event)

    def _clock_(self) -> Clock:
        if self._clock is None:
            raise RuntimeError(f"broker {self.name!r} is not bound to an OMS; call bind() first")
        return self._clock

    def _now(self) -> int:
        return self._clock_().now_ns()

    def _report(self, vo: VenueOrder) -> OrderStatusReport:
        c = vo.cmd
        return OrderStatusReport(
            client_order_id=c.client_order_id,
            venue_order_id=vo.venue_order_id,
            symbol=c.symbol,
            side=c.side,
            order_type=c.order_type,
            status=vo.status,
            qty=vo.qty,
            filled_qty=vo.filled,
            limit_px=vo.limit_px,
            stop_px=vo.stop_px,
            avg_px=vo.avg_px,
            tif=c.tif,
            ts_accepted=vo.ts_accepted,
        )


def _crosses(side: Side, limit: Decimal, far: Decimal) -> bool:
    """True if a ``side`` order at ``limit`` can trade against the far touch ``far``."""
    return far <= limit if side is Side.BUY else far >= limit


def _strictly_through(side: Side, limit: Decimal, px: Decimal) -> bool:
    return px < limit if side is Side.BUY else px > limit

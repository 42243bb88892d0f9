"""PaperBroker: a simulated venue that behaves like a real adapter.

Theory of operation
-------------------
Commands arrive after ``latency_ns`` (through the bound clock's timers) and
are answered with exactly the events a real venue adapter emits: accepted,
rejected, filled (with venue trade ids, fees and maker/taker), canceled,
cancel rejected, replaced, replace rejected, triggered, expired.

Matching (takers at the far touch plus slippage, up to the displayed size;
resting limits as makers at their price; stop triggers; queue position) is
:mod:`bolt_exec.adapters.paper.matching`; IOC remainders and FOKs that cannot
fill whole are canceled here.
* GTD orders expire at their time, DAY orders at the session close
  (``session_close`` in ``session_tz``; None keeps DAY orders working).

Everything is deterministic: ids count up, orders match in arrival order.
While disconnected (:meth:`disconnect`), commands and events are lost, as on
a real dropped connection; the reconciler recovers the truth from
:meth:`mass_status`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from mypy_extensions import mypyc_attr

from bolt_exec.adapters.base import BrokerBase, Capabilities, EventSink
from bolt_exec.adapters.paper.account import VenueAccount
from bolt_exec.adapters.paper.book import VenueOrder
from bolt_exec.adapters.paper.fees import FeeModel
from bolt_exec.adapters.paper.matching import Matcher, Number, refusal_reason, to_dec
from bolt_exec.adapters.paper.state import (
    VenueState,
    next_session_close,
    read_state,
    restore,
    snapshot,
    write_state,
)
from bolt_exec.clock import Clock
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.enums import OPEN_STATUSES, LiquiditySide, OrderStatus, TimeInForce
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
from bolt_exec.model.reports import MassStatus, OrderStatusReport

__all__ = ["PaperBroker"]

# Enum members and status sets as module constants: the compiled build (setup.py) reads
# these as C statics, where ``Side.BUY`` is a lookup through the enum's metaclass.
_CANCELED: Final = OrderStatus.CANCELED
_DAY: Final = TimeInForce.DAY
_EXPIRED: Final = OrderStatus.EXPIRED
_FILLED: Final = OrderStatus.FILLED
_FOK: Final = TimeInForce.FOK
_GTD: Final = TimeInForce.GTD
_IOC: Final = TimeInForce.IOC
_OPEN: Final = OPEN_STATUSES
_PARTIALLY_FILLED: Final = OrderStatus.PARTIALLY_FILLED
_TAKER: Final = LiquiditySide.TAKER
_TRIGGERED: Final = OrderStatus.TRIGGERED


# Subclassed by adapters, tests and users: keep that possible in the compiled build.
@mypyc_attr(allow_interpreted_subclasses=True)
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
        state_path: a file to keep the venue's state in. Loaded when it exists, saved
            before every event the venue emits, so the account survives restarts.

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
        state_path: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.name = name
        self.fees = fees or FeeModel()
        self.latency_ns = int(latency_ns)
        self.slippage_ticks = int(slippage_ticks)
        self.seed = seed
        self._instruments: dict[str, Instrument] = {i.symbol: i for i in instruments}
        self._orders: dict[str, VenueOrder] = {}
        self.matcher = Matcher(self._instruments, int(slippage_ticks), self._fill, self._trigger)
        cash = {k: to_dec(v) for k, v in (initial_cash or {}).items()}
        self.account = VenueAccount(name, cash)
        self._seq = 0
        self._connected = True
        self._session_close = time.fromisoformat(session_close) if session_close else None
        self._tz = ZoneInfo(session_tz)
        self.dropped: list[object] = []
        self.commands_received = 0
        # Called as each command reaches the venue, before it is handled: the backtest
        # engine brings the book up to its cursor here.
        self.before_command: Callable[[], None] | None = None
        self._state_path = Path(state_path) if state_path is not None else None
        if self._state_path is not None:
            saved = read_state(self._state_path, name)
            if saved is not None:
                self._restore(saved)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path | None = None) -> None:
        """Write the venue's state to ``path`` (default: ``state_path``)."""
        target = Path(path) if path is not None else self._state_path
        if target is None:
            raise ValueError("save() needs a path: pass one, or construct with state_path=")
        write_state(
            target,
            snapshot(self.name, self._seq, self._orders.values(), self.account, self.matcher.books),
        )

    def _restore(self, saved: VenueState) -> None:
        self._seq = saved.seq
        for vo in restore(saved, self.account, self.matcher.books):
            self._orders[vo.cmd.client_order_id] = vo
            if vo.status in _OPEN:
                self.matcher.rest(vo)

    def bind(self, sink: EventSink, clock: Clock) -> None:
        """Attach the OMS; re-arm the expiry of orders restored from ``state_path``."""
        super().bind(sink, clock)
        for vo in self._orders.values():
            if vo.status in _OPEN and vo.expiry is None:
                self._arm_expiry(vo)

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
        if self._arrives_now(command):
            self._arrive_submit(command)
        elif self._connected:
            self._arrive_later(command, self._arrive_submit)

    def cancel(self, command: CancelOrder) -> None:
        """Receive a cancel request (after the latency)."""
        if self._arrives_now(command):
            self._arrive_cancel(command)
        elif self._connected:
            self._arrive_later(command, self._arrive_cancel)

    def amend(self, command: AmendOrder) -> None:
        """Receive an amend request (after the latency)."""
        if self._arrives_now(command):
            self._arrive_amend(command)
        elif self._connected:
            self._arrive_later(command, self._arrive_amend)

    async def mass_status(self, since_ns: int | None = None) -> MassStatus:
        """Open orders, fills since ``since_ns``, positions and balances."""
        return self.mass_status_now(since_ns)

    def mass_status_now(self, since_ns: int | None = None) -> MassStatus:
        """The synchronous form of :meth:`mass_status` (backtests, tests)."""
        return MassStatus(
            broker=self.name,
            ts=self._now(),
            orders=tuple(vo.report() for vo in self._orders.values() if vo.status in _OPEN),
            fills=self.account.fills_since(since_ns),
            positions=self.account.position_reports(),
            balances=dict(self.account.cash),
        )

    def resting_orders(self, symbol: str) -> Sequence[VenueOrder]:
        """The orders resting on ``symbol``'s book (limits and armed stops), in arrival order."""
        return tuple(self.matcher.resting.get(symbol, {}).values())

    def order_report(self, client_order_id: str) -> OrderStatusReport | None:
        """The venue's view of one order (a targeted status query), or None if unknown."""
        vo = self._orders.get(client_order_id)
        return vo.report() if vo else None

    # ------------------------------------------------------------------ market data
    def on_quote(
        self, symbol: str, bid: Number, ask: Number, bid_size: Number, ask_size: Number, ts: int
    ) -> None:
        """A new top of book: match what can match."""
        self.matcher.on_quote(symbol, bid, ask, bid_size, ask_size, ts)

    def on_trade(self, symbol: str, px: Number, size: Number, ts: int) -> None:
        """A trade print: resting limits it goes through fill; stops may trigger."""
        self.matcher.on_trade(symbol, px, size, ts)

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
        self.matcher.on_bar(symbol, high, low, close, volume, ts)

    # ------------------------------------------------------------------ arrival
    def _arrives_now(self, command: Any) -> bool:
        """Count a command; True if it is to be handled now, False if dropped or delayed.

        The handler is called directly by the caller (not passed in): on the hot path of
        a backtest that saves a bound method and a generic call per command.
        """
        self.commands_received += 1
        if self.before_command is not None:
            self.before_command()
        if not self._connected:
            self.dropped.append(command)
            return False
        return self.latency_ns <= 0

    def _arrive_later(self, command: Any, handler: Callable[[Any], None]) -> None:
        self._clock_().set_timer(
            self._now() + self.latency_ns, lambda _ts: self._if_connected(handler, command)
        )

    def _if_connected(self, handler: Callable[[Any], None], command: Any) -> None:
        if self._connected:
            handler(command)
        else:
            self.dropped.append(command)

    def _arrive_submit(self, cmd: SubmitOrder) -> None:
        coid = cmd.client_order_id
        inst = self._instruments.get(cmd.symbol)
        reason = refusal_reason(
            cmd,
            inst,
            self.matcher.books.get(cmd.symbol),
            self.account.position(cmd.symbol),
            is_duplicate=coid in self._orders,
        )
        if reason:
            self._emit_(
                OrderRejected(
                    client_order_id=coid, ts_event=self._now(), ts_init=self._now(), reason=reason
                )
            )
            return
        assert inst is not None
        self._seq += 1
        now = self._now()
        vo = VenueOrder(
            cmd, f"{self.name}-{self._seq}", self._seq, cmd.qty, cmd.limit_px, cmd.stop_px, now
        )
        self._orders[coid] = vo
        if cmd.tif in (_IOC, _FOK):
            self._take_immediate(vo)
            return
        self._emit_(
            OrderAccepted(
                client_order_id=coid, ts_event=now, ts_init=now, venue_order_id=vo.venue_order_id
            )
        )
        self._arm_expiry(vo)
        if not vo.is_armed:
            self.matcher.take(vo)
        if vo.status in _OPEN:
            self.matcher.rest(vo)

    def _take_immediate(self, vo: VenueOrder) -> None:
        book = self.matcher.book(vo.cmd.symbol)
        can = self.matcher.taker_qty(vo, book)
        if vo.cmd.tif is _FOK and can < vo.qty:
            self._finish(vo, _CANCELED)
            self._say(
                OrderCanceled,
                vo.cmd.client_order_id,
                reason="FOK: not enough displayed size to fill whole",
            )
            return
        if can > 0:
            px = self.matcher.taker_px(vo, book)
            book.consume(vo.side, can)
            self._fill(vo, can, px, _TAKER)
        if vo.leaves > 0:
            self._finish(vo, _CANCELED)
            self._say(OrderCanceled, vo.cmd.client_order_id, reason="IOC: remainder canceled")

    def _arrive_cancel(self, cmd: CancelOrder) -> None:
        vo = self._orders.get(cmd.client_order_id)
        now = self._now()
        if vo is None or vo.status not in _OPEN:
            why = "unknown order" if vo is None else f"order is {vo.status}"
            self._say(OrderCancelRejected, cmd.client_order_id, reason=f"too late to cancel: {why}")
            return
        self._finish(vo, _CANCELED)
        self._emit_(OrderCanceled(client_order_id=cmd.client_order_id, ts_event=now, ts_init=now))

    def _arrive_amend(self, cmd: AmendOrder) -> None:
        vo = self._orders.get(cmd.client_order_id)
        coid = cmd.client_order_id
        if vo is None or vo.status not in _OPEN:
            why = "unknown order" if vo is None else f"order is {vo.status}"
            self._say(OrderReplaceRejected, coid, reason=f"too late to amend: {why}")
            return
        if cmd.qty is not None and cmd.qty <= vo.filled:
            self._say(
                OrderReplaceRejected,
                coid,
                reason=f"new qty {cmd.qty} is not above filled {vo.filled}",
            )
            return
        vo.modifications += 1
        if cmd.qty is not None:
            vo.qty = cmd.qty
        if cmd.limit_px is not None:
            vo.limit_px = cmd.limit_px
        if cmd.stop_px is not None:
            vo.stop_px = cmd.stop_px
        self._say(
            OrderReplaced,
            coid,
            venue_order_id=vo.venue_order_id,
            qty=cmd.qty,
            limit_px=cmd.limit_px,
            stop_px=cmd.stop_px,
        )
        if not vo.is_armed:
            self.matcher.take(vo)

    # ------------------------------------------------------------------ fills
    def _fill(self, vo: VenueOrder, qty: Decimal, px: Decimal, liq: LiquiditySide) -> None:
        inst = self._instruments[vo.cmd.symbol]
        fee = self.fees.fee(inst.notional(qty, px), liq, first_fill=vo.filled == 0)
        vo.filled += qty
        vo.notional += qty * px
        r = self.account.book_fill(vo, inst, qty, px, liq, fee, self._now())
        if vo.leaves == 0:
            self._finish(vo, _FILLED)
        else:
            vo.status = _PARTIALLY_FILLED
        self._say(
            OrderFilled,
            r.client_order_id,
            trade_id=r.trade_id,
            symbol=r.symbol,
            side=r.side,
            last_qty=r.last_qty,
            last_px=r.last_px,
            venue_order_id=r.venue_order_id,
            fee=r.fee,
            fee_currency=r.fee_currency,
            liquidity=r.liquidity,
        )

    def _finish(self, vo: VenueOrder, status: OrderStatus) -> None:
        vo.status = status
        if vo.expiry is not None:
            vo.expiry.cancel()
            vo.expiry = None
        self.matcher.unrest(vo)

    def _trigger(self, vo: VenueOrder) -> None:
        vo.is_triggered = True
        vo.status = _TRIGGERED
        now = self._now()
        coid = vo.cmd.client_order_id
        self._emit_(OrderTriggered(client_order_id=coid, ts_event=now, ts_init=now))

    # ------------------------------------------------------------------ expiry
    def _arm_expiry(self, vo: VenueOrder) -> None:
        when: int | None = None
        if vo.cmd.tif is _GTD:
            when = vo.cmd.expire_ts
        elif vo.cmd.tif is _DAY and self._session_close is not None:
            when = next_session_close(self._now(), self._session_close, self._tz)
        if when is not None:
            vo.expiry = self._clock_().set_timer(when, lambda _ts: self._expire(vo))

    def _expire(self, vo: VenueOrder) -> None:
        if vo.status not in _OPEN:
            return
        vo.expiry = None
        self._finish(vo, _EXPIRED)
        self._emit_(
            OrderExpired(
                client_order_id=vo.cmd.client_order_id, ts_event=self._now(), ts_init=self._now()
            )
        )

    # ------------------------------------------------------------------ helpers
    def _say(self, kind: type[OrderEvent], client_order_id: str, **fields: Any) -> None:
        now = self._now()
        self._emit_(kind(client_order_id=client_order_id, ts_event=now, ts_init=now, **fields))

    def _emit_(self, event: OrderEvent) -> None:
        if self._state_path is not None:
            self.save()  # the venue remembers before it tells (see state.py)
        if not self._connected:
            self.dropped.append(event)
            return
        self._emit(event)

    def _clock_(self) -> Clock:
        if self._clock is None:
            raise RuntimeError(f"broker {self.name!r} is not bound to an OMS; call bind() first")
        return self._clock

    def _now(self) -> int:
        clock = self._clock
        if clock is None:
            return self._clock_().now_ns()  # raises, naming the fix
        return clock.now_ns()

"""KiteBroker: Zerodha Kite Connect v3 behind BrokerBase (kiteconnect REST + KiteTicker updates).

Theory of operation
-------------------
* Commands return at once; the REST call runs on one worker thread (FIFO, so a
  cancel never overtakes its own order) and the outcome comes back as events.
* Every event is emitted on the asyncio loop thread, from one queue of Kite
  order snapshots (WebSocket pushes, polls and replies) processed in arrival
  order by :func:`codec.translate_order`; fills come from ``order_trades`` and
  are de-duplicated by ``trade_id``.
* The client order id travels in ``tag`` (:func:`codec.tag_for`). Tags are not
  unique at Kite, so a place whose outcome is unknown (timeout, 5xx) is never
  retried: the adapter looks for its tag in ``orders()`` and adopts what it
  finds; if nothing is there yet, it reports nothing and keeps watching (the
  reconciler decides). Only a 429, which Kite documents as "not processed", is
  retried.
* While the order stream is down, ``orders()`` is polled; on every (re)connect
  the adapter re-reads today's orders, so fills that happened in the gap are
  reported.

Capabilities: MARKET, LIMIT, STOP (SL-M), STOP_LIMIT (SL); DAY and IOC; amend in
place (at most 25 modifications per order); mass status. No reduce-only or
post-only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, Final, TypeVar

from bolt_exec.adapters.base import BrokerBase, BrokerLimits, Capabilities, RateLimit
from bolt_exec.adapters.zerodha import codec
from bolt_exec.adapters.zerodha.config import KiteConfig
from bolt_exec.adapters.zerodha.failures import is_ambiguous, map_exception
from bolt_exec.adapters.zerodha.stream import KiteOrderStream
from bolt_exec.errors import BoltExecError, BrokerError, RateLimited, UsageError
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderType, TimeInForce
from bolt_exec.model.events import OrderCancelRejected, OrderRejected, OrderReplaceRejected
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.reports import MassStatus

__all__ = ["KITE_CAPABILITIES", "KITE_LIMITS", "KiteBroker", "Throttle"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")
Throttle = Callable[[str], Awaitable[None]]
"""An awaitable rate budget: ``await throttle("orders")`` before each order request."""

KITE_CAPABILITIES: Final = Capabilities(
    order_types=frozenset(OrderType),
    tifs=frozenset({TimeInForce.DAY, TimeInForce.IOC}),
    supports_amend=True,
    supports_mass_status=True,
    supports_reduce_only=False,
    supports_post_only=False,
)
# Kite Connect's published limits (broker-apis.md 3.4; re-check before relying on them).
KITE_LIMITS: Final = BrokerLimits(
    rates=(
        RateLimit(10, 1.0, "orders"),
        RateLimit(200, 60.0, "orders"),
        RateLimit(3000, 86_400.0, "orders"),  # daily cap (3,000-5,000 depending on the period)
        RateLimit(10, 1.0, "requests"),
        RateLimit(1, 1.0, "quote"),
    ),
    max_modifications_per_order=25,
)
_RETRY_429: Final = (0.25, 0.5, 1.0)


class KiteBroker(BrokerBase):
    """A Zerodha Kite Connect account.

    Args:
        config: roots, credentials (SecretStr) and trading settings.
        name: the broker's name in the OMS.
        throttle: awaited before every request with its scope (``"orders"`` or
            ``"requests"``); the live runtime passes its token buckets.

    Emits (through the bound sink): OrderAccepted, OrderRejected, OrderFilled (one per
    Kite trade), OrderCanceled, OrderCancelRejected, OrderReplaced, OrderReplaceRejected,
    OrderTriggered.
    """

    capabilities = KITE_CAPABILITIES
    limits = KITE_LIMITS

    def __init__(
        self, config: KiteConfig, *, name: str = "zerodha", throttle: Throttle | None = None
    ) -> None:
        super().__init__()
        self.name = name
        self._config = config
        self._throttle = throttle
        self._kite: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._stream: KiteOrderStream | None = None
        self._stream_up = False
        self._rest_ok = False
        self._instruments: dict[str, Instrument] = {}
        self._tags: dict[str, str] = {}  # tag -> client_order_id
        self._symbols: dict[str, str] = {}  # client_order_id -> symbol
        self._order_ids: dict[str, str] = {}  # client_order_id -> Kite order_id
        self._views: dict[str, codec.OrderView] = {}
        self._seen_trades: set[str] = set()
        self._filled: dict[str, Decimal] = {}  # client_order_id -> qty reported as fills
        self._modifications: dict[str, int] = {}
        self._placing: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queue: asyncio.Queue[Mapping[str, Any]] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self.last_error: BrokerError | None = None

    # --- connection -------------------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        """True only for ``live=True`` on Kite's production roots."""
        return self._config.is_live

    @property
    def is_connected(self) -> bool:
        """True while REST works and order updates flow (stream, or polling if disabled)."""
        return self._rest_ok and (self._stream_up or not self._config.use_ticker)

    async def connect(self) -> None:
        """Open the session, load instruments, start the order stream and resync today's orders.

        Raises:
            AuthenticationError: the access token expired or is invalid (log in again).
            BrokerUnavailable: Kite cannot be reached.
        """
        from kiteconnect import KiteConnect

        self._loop = asyncio.get_running_loop()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix=f"kite-{self.name}")
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._workers = [
                self._loop.create_task(self._pump()),
                self._loop.create_task(self._poll()),
            ]
        cfg = self._config
        if self._kite is None:
            self._kite = KiteConnect(
                cfg.api_key.get_secret_value(),
                access_token=cfg.access_token.get_secret_value(),
                root=cfg.root,
                timeout=cfg.timeout_s,
                debug=False,
            )
        if not self._instruments:
            for exchange in cfg.exchanges:
                rows = await self._call("instruments", self._kite.instruments, exchange)
                for row in rows:
                    inst = codec.instrument_from_row(row, default_exchange=cfg.default_exchange)
                    self._instruments[inst.symbol] = inst
        else:
            await self._call("profile", self._kite.profile)
        self._rest_ok = True
        if cfg.use_ticker and not self._stream_up:
            await self._start_stream()
        await self.resync()

    async def _start_stream(self) -> None:
        if self._stream is not None:
            self._stream.stop()
        assert self._loop is not None
        opened: asyncio.Future[bool] = self._loop.create_future()

        def on_state(up: bool) -> None:
            self._on_stream_state(up)
            if not opened.done():
                opened.set_result(up)

        cfg = self._config
        self._stream = KiteOrderStream(
            cfg.api_key.get_secret_value(),
            cfg.access_token.get_secret_value(),
            cfg.ws_root,
            self._loop,
            self._enqueue,
            on_state,
        )
        self._stream.start()
        try:
            await asyncio.wait_for(opened, 10)
        except TimeoutError:
            log.warning("Kite order stream did not open in 10 s; polling orders instead")

    def _on_stream_state(self, up: bool) -> None:
        if self._stream_up and not up:
            log.warning(
                "Kite order stream closed; polling orders until reconnected",
                extra={"broker": self.name},
            )
        self._stream_up = up

    async def disconnect(self) -> None:
        """Close the stream and stop polling (idempotent); in-flight requests finish first."""
        if self._stream is not None:
            self._stream.stop()
            self._stream = None
        self._stream_up = False
        self._rest_ok = False
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=10)
        for task in [*self._tasks, *self._workers]:
            task.cancel()
        self._tasks.clear()
        self._workers = []
        self._queue = None
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def instruments(self) -> Sequence[Instrument]:
        """Return the instruments loaded from Kite's instruments dump at connect."""
        return list(self._instruments.values())

    def adopt_client_order_ids(self, client_order_ids: Sequence[str]) -> None:
        """Teach the adapter ids it sent before a restart, so Kite tags map back to them."""
        for coid in client_order_ids:
            self._tags[codec.tag_for(coid)] = coid

    # --- commands -----------------------------------------------------------------------------
    def submit(self, command: SubmitOrder) -> None:
        """Place an order (tagged with its client order id); the outcome arrives as events."""
        tag = codec.tag_for(command.client_order_id)
        self._tags[tag] = command.client_order_id
        self._symbols[command.client_order_id] = command.symbol
        task = self._spawn(self._place(command, tag))
        self._placing[command.client_order_id] = task

    def cancel(self, command: CancelOrder) -> None:
        """Request a cancel; the outcome arrives as events."""
        self._spawn(self._cancel(command))

    def amend(self, command: AmendOrder) -> None:
        """Request a modify in place (same order id); the outcome arrives as events."""
        self._spawn(self._amend(command))

    async def _place(self, command: SubmitOrder, tag: str) -> None:
        coid = command.client_order_id
        try:
            inst = self._instrument(command.symbol)
            params = codec.place_params(
                command,
                inst,
                default_exchange=self._config.default_exchange,
                product=self._config.product,
                variety=self._config.variety,
                market_protection=self._config.market_protection,
            )
        except (UsageError, BrokerError) as exc:
            self._emit(OrderRejected(**self._stamp(coid), reason=str(exc), code="LOCAL"))
            return
        try:
            order_id = await self._call(
                "place_order", self._kite.place_order, scope="orders", **params
            )
        except BrokerError as err:
            if is_ambiguous(err):
                log.warning(
                    "Kite place_order outcome unknown; looking for tag %s",
                    tag,
                    extra={"client_order_id": coid},
                )
                await self._find_by_tag(coid, tag)
                return
            self._emit(
                OrderRejected(
                    **self._stamp(coid), reason=str(err), code=str(err.code or type(err).__name__)
                )
            )
            return
        self._order_ids[coid] = str(order_id)
        if not self._stream_up:
            await self._refresh(str(order_id))

    async def _find_by_tag(self, coid: str, tag: str) -> None:
        try:
            orders = await self._call("orders", self._kite.orders)
        except BrokerError as err:
            log.warning("cannot look up tag %s: %s", tag, err)
            return
        mine = [o for o in orders if o.get("tag") == tag]
        if len(mine) > 1:
            log.error(
                "Kite holds %d orders with tag %s (client_order_id %s); reconcile them",
                len(mine),
                tag,
                coid,
            )
        for order in mine:
            self._order_ids.setdefault(coid, str(order["order_id"]))
            self._enqueue(order)
        if not mine:
            log.warning("no Kite order carries tag %s yet; the reconciler must decide", tag)

    async def _venue_order_id(self, coid: str, given: str) -> str | None:
        if given:
            return given
        placing = self._placing.get(coid)
        if placing is not None and not placing.done():
            await asyncio.wait([placing], timeout=self._config.timeout_s * 3)
        return self._order_ids.get(coid)

    async def _cancel(self, command: CancelOrder) -> None:
        coid = command.client_order_id
        order_id = await self._venue_order_id(coid, command.venue_order_id)
        if order_id is None:
            self._emit(
                OrderCancelRejected(
                    **self._stamp(coid), reason="no Kite order id is known for this order"
                )
            )
            return
        try:
            await self._call(
                "cancel_order",
                self._kite.cancel_order,
                self._config.variety,
                order_id,
                scope="orders",
            )
        except BrokerError as err:
            if not is_ambiguous(err):
                self._emit(OrderCancelRejected(**self._stamp(coid), reason=str(err)))
            await self._refresh(order_id)  # a fill may have raced the cancel: read the truth
            return
        if not self._stream_up:
            await self._refresh(order_id)

    async def _amend(self, command: AmendOrder) -> None:
        coid = command.client_order_id
        order_id = await self._venue_order_id(coid, command.venue_order_id)
        count = self._modifications.get(coid, 0)
        cap = self.limits.max_modifications_per_order
        reason = ""
        if order_id is None:
            reason = "no Kite order id is known for this order"
        elif cap is not None and count >= cap:
            reason = (
                f"Kite allows at most {cap} modifications per order and this one had "
                f"{count}; cancel it and submit a new order"
            )
        if order_id is None or reason:
            self._emit(OrderReplaceRejected(**self._stamp(coid), reason=reason))
            return
        try:
            params = codec.amend_params(
                command,
                self._instrument(command.symbol),
                order_id=order_id,
                variety=self._config.variety,
            )
            self._modifications[coid] = count + 1
            await self._call("modify_order", self._kite.modify_order, scope="orders", **params)
        except (UsageError, BrokerError) as err:
            if not (isinstance(err, BrokerError) and is_ambiguous(err)):
                self._emit(OrderReplaceRejected(**self._stamp(coid), reason=str(err)))
            await self._refresh(order_id)
            return
        if not self._stream_up:
            await self._refresh(order_id)

    # --- venue truth ----------------------------------------------------------------------------
    async def resync(self) -> None:
        """Re-read today's orders and report whatever changed for our tags (after a gap)."""
        try:
            orders = await self._call("orders", self._kite.orders)
        except BrokerError as err:
            log.warning("Kite resync failed: %s", err)
            self.last_error = err
            return
        for order in orders:
            if order.get("tag") in self._tags:
                self._enqueue(order)

    async def mass_status(self, since_ns: int | None = None) -> MassStatus:
        """Return Kite's open orders, today's trades since ``since_ns`` and net positions.

        Orders and fills carry our client order id when the tag is known, else the raw tag.

        Raises:
            AuthenticationError: the access token expired (log in again).
            BrokerError: any other failure, mapped from the library.
        """
        orders = await self._call("orders", self._kite.orders)
        trades = await self._call("trades", self._kite.trades)
        positions = await self._call("positions", self._kite.positions)
        tag_of: dict[str, str] = {}
        reports = []
        for raw in orders:
            order = codec.parse_order(raw)
            coid = self._tags.get(order.tag or "", order.tag or "")
            tag_of[order.order_id] = coid
            report = codec.order_report(order, coid, self._symbol_of(order))
            if report.status.is_open:
                reports.append(report)
        fills = []
        for raw in trades:
            trade = codec.parse_trade(raw)
            fill = codec.fill_report(trade, tag_of.get(trade.order_id, ""), self._symbol_of(trade))
            if since_ns is None or fill.ts_event >= since_ns:
                fills.append(fill)
        pos = [codec.position_report(p, self._symbol_of_pos(p)) for p in positions.get("net", [])]
        return MassStatus(
            broker=self.name,
            ts=self._now(),
            orders=tuple(reports),
            fills=tuple(fills),
            positions=tuple(pos),
        )

    def _enqueue(self, order: Mapping[str, Any]) -> None:
        if self._queue is not None:
            self._queue.put_nowait(order)

    async def _pump(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            raw = await queue.get()
            try:
                await self._apply_snapshot(raw)
            except BoltExecError as exc:
                log.error("cannot translate a Kite order update: %s", exc)

    async def _apply_snapshot(self, raw: Mapping[str, Any]) -> None:
        order = codec.parse_order(raw)
        coid = self._tags.get(order.tag or "")
        if coid is None:
            return  # not ours (placed from another platform): reported by mass_status only
        self._order_ids.setdefault(coid, order.order_id)
        self._symbols.setdefault(coid, self._symbol_of(order))
        result = codec.translate_order(self._views.get(coid), order, coid, self._now())
        self._views[coid] = result.view
        for event in result.events:
            self._emit(event)
        if result.view.filled > self._filled.get(coid, Decimal(0)):
            await self._report_fills(coid, order.order_id)
        for event in result.terminal:
            self._emit(event)

    async def _report_fills(self, coid: str, order_id: str) -> None:
        try:
            trades = await self._call("order_trades", self._kite.order_trades, order_id)
        except BrokerError as err:
            log.warning(
                "cannot fetch Kite trades of %s (retried on the next update): %s", order_id, err
            )
            return
        for raw in trades:
            trade = codec.parse_trade(raw)
            if trade.trade_id in self._seen_trades:
                continue
            self._seen_trades.add(trade.trade_id)
            fill = codec.fill_from_trade(trade, coid, self._symbols[coid], self._now())
            self._filled[coid] = self._filled.get(coid, Decimal(0)) + fill.last_qty
            self._emit(fill)

    async def _refresh(self, order_id: str) -> None:
        try:
            history = await self._call("order_history", self._kite.order_history, order_id)
        except BrokerError as err:
            log.warning("cannot refresh Kite order %s: %s", order_id, err)
            return
        if history:
            self._enqueue(history[-1])

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._config.poll_interval_s)
            if self._rest_ok and not self._stream_up and self._kite is not None:
                await self.resync()

    # --- plumbing -------------------------------------------------------------------------------
    async def _call(
        self, action: str, fn: Callable[..., _T], *args: Any, scope: str = "requests", **kwargs: Any
    ) -> _T:
        if self._loop is None or self._pool is None:
            raise RuntimeError(f"broker {self.name!r} is not connected; await connect() first")
        for attempt, pause in enumerate((*_RETRY_429, None)):
            if self._throttle is not None:
                await self._throttle(scope)
            try:
                return await self._loop.run_in_executor(self._pool, lambda: fn(*args, **kwargs))
            except Exception as exc:  # every library exception is mapped here
                cause: BaseException = exc
                err = map_exception(exc, action)
            if isinstance(err, RateLimited) and pause is not None:
                log.warning("Kite rate limit on %s; retry %d in %.2f s", action, attempt + 1, pause)
                await asyncio.sleep(pause)  # 429 means "not processed": a retry is safe
                continue
            if err.code == 403:
                self._rest_ok = False
            self.last_error = err
            raise err from cause
        raise AssertionError("unreachable")

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        loop = self._loop or asyncio.get_running_loop()
        task = loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Kite adapter task failed: %r", task.exception())

    def _instrument(self, symbol: str) -> Instrument:
        inst = self._instruments.get(symbol)
        if inst is None:
            raise UsageError(
                f"symbol={symbol!r}: not in Kite's instruments for "
                f"{', '.join(self._config.exchanges)}; use EXCHANGE:SYMBOL or add "
                "the exchange to KiteConfig.exchanges"
            )
        return inst

    def _symbol_of(self, item: codec.KiteOrder | codec.KiteTrade) -> str:
        if item.exchange == self._config.default_exchange:
            return item.tradingsymbol
        return f"{item.exchange}:{item.tradingsymbol}"

    def _symbol_of_pos(self, pos: Mapping[str, Any]) -> str:
        exchange, sym = str(pos.get("exchange", "")), str(pos.get("tradingsymbol", ""))
        return sym if exchange == self._config.default_exchange else f"{exchange}:{sym}"

    def _now(self) -> int:
        if self._clock is None:
            raise RuntimeError(f"broker {self.name!r} is not bound; call bind() first")
        return self._clock.now_ns()

    def _stamp(self, coid: str) -> dict[str, Any]:
        now = self._now()
        return {"client_order_id": coid, "ts_event": now, "ts_init": now}

"""BinanceSpotBroker: python-binance's AsyncClient behind the BrokerBase port.

Theory of operation
-------------------
Commands are fire-and-report: :meth:`submit`, :meth:`cancel` and :meth:`amend`
schedule a coroutine on the running loop and return. Outcomes come back as
events from two sources, the REST response and the WebSocket API user stream;
:class:`~bolt_exec.adapters.binance.tracking.EventFilter` lets each venue fact
through once.

Rules a trader burned by duplicate orders would ask for:

* our ``client_order_id`` is Binance's ``newClientOrderId`` (invariant 4), so
  after a crash the venue can be asked about it and a retry while the order is
  open is refused by the venue (``-2010``);
* a timeout, a 5xx, ``-1007`` or a dropped connection means *unknown*: nothing
  is emitted, nothing is re-sent; the reconciler asks the venue;
* ``-1021`` (clock outside recvWindow) proves the request was not processed:
  the adapter resyncs its offset from ``/api/v3/time`` and sends it once more;
* 429/418 prove the request was not processed: the order is rejected with
  code ``RATE_LIMITED`` and further orders are refused locally until
  ``Retry-After`` has passed (no blind retry, no path to an IP ban);
* an amend that only lowers the quantity keeps priority
  (``order/amend/keepPriority``); anything else is ``order/cancelReplace``
  with STOP_ON_FAILURE, reported as one OrderReplaced carrying the new orderId.

Emits: OrderAccepted, OrderRejected, OrderFilled, OrderCanceled,
OrderCancelRejected, OrderReplaced, OrderReplaceRejected, OrderExpired.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from decimal import Decimal
from typing import Any, Final

from bolt_exec.adapters.base import BrokerBase, BrokerLimits
from bolt_exec.adapters.binance import codec, snapshots
from bolt_exec.adapters.binance._lib import AsyncClient, BinanceAPIException
from bolt_exec.adapters.binance.capabilities import BINANCE_CAPABILITIES, BINANCE_LIMITS
from bolt_exec.adapters.binance.config import BinanceConfig
from bolt_exec.adapters.binance.errors import (
    DUPLICATE_ORDER,
    TIMESTAMP_OUTSIDE_WINDOW,
    is_unknown_outcome,
    map_exception,
)
from bolt_exec.adapters.binance.replace import start_amend
from bolt_exec.adapters.binance.status import catch_up, fetch_mass_status, report_order
from bolt_exec.adapters.binance.stream import UserStream
from bolt_exec.adapters.binance.tracking import EventFilter, Tracked, is_replace_leg, note_event
from bolt_exec.clock import Clock, LiveClock
from bolt_exec.errors import BrokerError, BrokerUnavailable, RateLimited, ValidationError
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.events import (
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderRejected,
)
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.reports import MassStatus, OrderStatusReport

__all__ = ["BinanceSpotBroker"]

log = logging.getLogger(__name__)

_DEFAULT_BACKOFF_S: Final = {429: 60.0, 418: 120.0}


class BinanceSpotBroker(BrokerBase):
    """Binance spot over REST (python-binance AsyncClient) and the WebSocket API stream.

    Args:
        config: endpoints, credentials and mode (testnet unless it says live).
        clock: the clock used before the OMS binds its own (default: the wall clock).
    """

    capabilities = BINANCE_CAPABILITIES

    def __init__(self, config: BinanceConfig, clock: Clock | None = None) -> None:
        super().__init__()
        self._wall: Clock = clock or LiveClock()
        self.config = config
        self.name = config.name
        self.limits = BINANCE_LIMITS
        self._client: AsyncClient | None = None
        self._stream: UserStream | None = None
        self._instruments: dict[str, Instrument] = {}
        self._orders: dict[str, Tracked] = {}
        self._filter = EventFilter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._offset_ms = 0
        self._backoff_until_ns = 0
        self._stream_lost = False
        self.time_resyncs = 0

    # --- session ----------------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        """True only when the config says live (real money)."""
        return self.config.is_live

    @property
    def is_connected(self) -> bool:
        """True while REST is set up and the user stream is subscribed."""
        return self._client is not None and self._stream is not None and self._stream.is_up

    @property
    def rate_limited_until_ns(self) -> int:
        """Until when new orders are refused locally after a 429/418 (0: not limited)."""
        return self._backoff_until_ns

    async def connect(self) -> None:
        """Sync the clock, load exchangeInfo (instruments, rate limits), subscribe the stream.

        Raises:
            AuthenticationError: the venue refused the key or signature.
            BrokerUnavailable: the venue cannot be reached.
            RateLimited: the venue asked us to back off.
        """
        if self._client is not None:
            return
        cfg = self.config
        client = AsyncClient(
            cfg.api_key.get_secret_value() or None, cfg.api_secret.get_secret_value() or None
        )
        # Point the real library at the configured host (testnet by default).
        client.API_URL = cfg.resolved_rest_url
        client.REQUEST_RECVWINDOW = cfg.recv_window_ms
        client.REQUEST_TIMEOUT = cfg.request_timeout_s
        self._client = client
        try:
            await self._sync_time()
            info = await self._call(client.get_exchange_info)
            self._load_exchange_info(info)
            self._stream = UserStream(
                url=cfg.resolved_ws_api_url,
                api_key=cfg.api_key,
                api_secret=cfg.api_secret,
                time_ms=self._venue_ms,
                on_event=self._on_stream_event,
                on_state=self._on_stream_state,
                recv_window_ms=cfg.recv_window_ms,
                venue=self.name,
            )
            await self._stream.start()
        except BaseException:
            await self.disconnect()
            raise
        log.info("%s connected (%s): %d instruments", self.name, cfg.mode, len(self._instruments))

    async def disconnect(self) -> None:
        """Stop the stream, wait for commands in flight, close the HTTP session."""
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.close_connection()
            self._client = None

    def instruments(self) -> Sequence[Instrument]:
        """Instruments from exchangeInfo (the configured symbols, or all trading ones)."""
        return tuple(self._instruments.values())

    def _load_exchange_info(self, info: dict[str, Any]) -> None:
        wanted = set(self.config.symbols)
        for sym in info.get("symbols", ()):
            if sym.get("status") != "TRADING" or (wanted and sym["symbol"] not in wanted):
                continue
            self._instruments[sym["symbol"]] = snapshots.instrument_from_symbol(sym)
        rates = snapshots.rate_limits_from_exchange_info(info)
        if rates:
            self.limits = BrokerLimits(rates=rates, max_open_orders=BINANCE_LIMITS.max_open_orders)

    # --- time -------------------------------------------------------------------------
    def _now_ns(self) -> int:
        # Before the OMS binds its clock (connect() runs first), use the wall clock.
        return (self._clock or self._wall).now_ns()

    def _venue_ms(self) -> int:
        return self._now_ns() // 1_000_000 + self._offset_ms

    async def _sync_time(self) -> None:
        client = self._require_client()
        try:
            before = self._now_ns()
            res = await client.get_server_time()
            after = self._now_ns()
        except Exception as exc:
            raise map_exception(exc, self.name) from exc
        # Assume the server stamped the midpoint of our round trip.
        local_ms = (before + after) // 2 // 1_000_000
        self._offset_ms = int(res["serverTime"]) - local_ms
        # python-binance stamps requests with its own wall clock plus this offset.
        client.timestamp_offset = int(res["serverTime"]) - after // 1_000_000

    async def _call(self, fn: Callable[..., Awaitable[Any]], **params: Any) -> Any:
        """Call python-binance; on -1021 resync the clock and send once more.

        A -1021 proves the venue refused the request unprocessed, so the
        second send cannot duplicate anything. Library exceptions propagate.
        """
        try:
            return await fn(**params)
        except BinanceAPIException as exc:
            if exc.code != TIMESTAMP_OUTSIDE_WINDOW:
                raise
            log.warning("%s: timestamp outside recvWindow (-1021); resyncing time", self.name)
        await self._sync_time()
        self.time_resyncs += 1
        return await fn(**params)

    # --- commands ---------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # A bug in translation must be loud, never a silently lost event.
            log.error("%s: command task failed", self.name, exc_info=task.exception())

    def submit(self, command: SubmitOrder) -> None:
        """Send a new order; its outcome arrives as events."""
        try:
            params = codec.new_order_params(command, self._instruments.get(command.symbol))
        except ValidationError as exc:
            self._emit(self._rejected(command.client_order_id, "INVALID", str(exc)))
            return
        if self._backoff_until_ns > self._now_ns():
            wait = (self._backoff_until_ns - self._now_ns()) / 1e9
            self._emit(
                self._rejected(
                    command.client_order_id,
                    "RATE_LIMITED",
                    f"backing off after a venue rate limit; {wait:.1f} s left",
                )
            )
            return
        if command.client_order_id in self._orders:
            # The same id twice in one session: the first is the order. Sending again
            # could fill twice (Binance only refuses ids of *open* orders).
            log.error("%s: duplicate submit of %s ignored", self.name, command.client_order_id)
            return
        self._orders[command.client_order_id] = Tracked(
            symbol=command.symbol,
            side=command.side,
            binance_type=params["type"],
            tif=params.get("timeInForce"),
            qty=command.qty,
            limit_px=command.limit_px,
            stop_px=command.stop_px,
        )
        self._spawn(self._submit(command.client_order_id, params))

    async def _submit(self, coid: str, params: dict[str, str]) -> None:
        client = self._require_client()
        try:
            resp = await self._call(client.create_order, **params)
        except BinanceAPIException as exc:
            if exc.code == DUPLICATE_ORDER and "Duplicate order" in str(exc.message):
                # Our id is already working at the venue (a resend after a restart):
                # that order is the truth, so report it instead of rejecting it.
                log.warning("%s: %s is already at the venue; reporting it", self.name, coid)
                await self._report_existing(coid, params["symbol"])
                return
            self._on_command_error(exc, coid, "new order", self._rejected_event)
            return
        except Exception as exc:
            self._on_command_error(exc, coid, "new order", self._rejected_event)
            return
        self._deliver(
            codec.order_response_events(resp, self._now_ns()),
            venue_order_id=str(resp.get("orderId", "")),
        )

    def cancel(self, command: CancelOrder) -> None:
        """Request a cancel; its outcome arrives as events."""
        tracked = self._orders.get(command.client_order_id)
        vid = tracked.venue_order_id if tracked else command.venue_order_id
        params = codec.cancel_params(command.symbol, command.client_order_id, vid)
        self._spawn(self._cancel(command.client_order_id, params))

    async def _cancel(self, coid: str, params: dict[str, str]) -> None:
        client = self._require_client()
        try:
            resp = await self._call(client.cancel_order, **params)
        except Exception as exc:
            self._on_command_error(exc, coid, "cancel", self._cancel_rejected_event)
            return
        ts = codec.ms_to_ns(resp.get("transactTime"))
        self._deliver(
            [OrderCanceled(client_order_id=coid, ts_event=ts, ts_init=self._now_ns())],
            venue_order_id=str(resp.get("orderId", "")),
        )

    def amend(self, command: AmendOrder) -> None:
        """Request an amend (keep-priority decrease, else cancel-replace)."""
        start_amend(self, command)

    async def mass_status(self, since_ns: int | None = None) -> MassStatus:
        """Open orders, orders and fills since ``since_ns``, balances and derived positions.

        Raises:
            BrokerError: the most specific subclass (RateLimited, BrokerUnavailable...).
        """
        return await fetch_mass_status(self, since_ns)

    async def reference_price(self, symbol: str) -> Decimal:
        """The venue's last traded price of ``symbol`` (``GET /api/v3/ticker/price``).

        Raises:
            BrokerError: the most specific subclass.
        """
        client = self._require_client()
        try:
            res = await self._call(client.get_symbol_ticker, symbol=symbol)
        except Exception as exc:
            raise map_exception(exc, self.name) from exc
        return Decimal(str(res["price"]))

    async def query_order(self, symbol: str, client_order_id: str) -> OrderStatusReport | None:
        """Ask the venue about one order by our client id (None: the venue never saw it)."""
        client = self._require_client()
        try:
            row = await self._call(
                client.get_order, symbol=symbol, origClientOrderId=client_order_id
            )
        except BinanceAPIException as exc:
            if exc.code == -2013:  # "Order does not exist."
                return None
            raise map_exception(exc, self.name) from exc
        except Exception as exc:
            raise map_exception(exc, self.name) from exc
        return snapshots.order_report(row)

    # --- outcomes ---------------------------------------------------------------------
    def _require_client(self) -> AsyncClient:
        if self._client is None:
            raise BrokerUnavailable(
                f"{self.name}: not connected; await connect() first", venue=self.name
            )
        return self._client

    def _rejected(self, coid: str, code: str, reason: str) -> OrderRejected:
        now = self._now_ns()
        return OrderRejected(
            client_order_id=coid, ts_event=now, ts_init=now, reason=reason, code=code
        )

    def _rejected_event(self, coid: str, err: BrokerError) -> OrderEvent:
        code = "RATE_LIMITED" if isinstance(err, RateLimited) else str(err.code or "")
        return self._rejected(coid, code, str(err))

    def _cancel_rejected_event(self, coid: str, err: BrokerError) -> OrderEvent:
        now = self._now_ns()
        return OrderCancelRejected(client_order_id=coid, ts_event=now, ts_init=now, reason=str(err))

    def _on_command_error(
        self,
        exc: Exception,
        coid: str,
        what: str,
        make: Callable[[str, BrokerError], OrderEvent],
    ) -> None:
        err = map_exception(exc, self.name)
        if is_unknown_outcome(exc):
            # Not a rejection: the venue may have acted. Report nothing; reconcile.
            log.warning("%s: %s for %s has an unknown outcome: %s", self.name, what, coid, err)
            return
        if isinstance(err, RateLimited):
            wait = (
                err.retry_after
                if err.retry_after is not None
                else _DEFAULT_BACKOFF_S.get(getattr(exc, "status_code", 429), 60.0)
            )
            self._backoff_until_ns = max(self._backoff_until_ns, self._now_ns() + int(wait * 1e9))
            log.warning("%s: rate limited; no new orders for %.1f s", self.name, wait)
        self._deliver([make(coid, err)])

    def _on_stream_state(self, up: bool) -> None:
        log.log(
            logging.INFO if up else logging.WARNING,
            "%s user stream %s",
            self.name,
            "subscribed" if up else "down: events may be missed until it is back",
        )
        if not up:
            self._stream_lost = True
        elif self._stream_lost:
            self._stream_lost = False
            self._spawn(self._catch_up_after_reconnect())

    async def _catch_up_after_reconnect(self) -> None:
        try:
            n = await self.catch_up()
        except BrokerError as exc:
            log.warning("%s: catch-up after reconnect failed (reconcile): %s", self.name, exc)
            return
        log.info("%s: caught up on %d working orders after the stream came back", self.name, n)

    async def _report_existing(self, coid: str, symbol: str) -> None:
        try:
            await report_order(self, coid, symbol)
        except BrokerError as exc:
            log.warning("%s: cannot look %s up (reconcile): %s", self.name, coid, exc)

    async def catch_up(self) -> int:
        """Ask the venue about every order still working and emit what it says.

        Called automatically when the user stream comes back after a drop; the
        reconciler may call it too. Returns how many orders the venue reported on.

        Raises:
            BrokerError: the most specific subclass, when the venue cannot answer.
        """
        return await catch_up(self)

    def _on_stream_event(self, msg: dict[str, Any]) -> None:
        events = codec.execution_report_events(msg, self._now_ns())
        self._deliver(events, venue_order_id=str(msg.get("i", "")))

    def _deliver(self, events: list[OrderEvent], venue_order_id: str = "") -> None:
        """Emit each venue fact once, absorbing the venue halves of a cancel-replace."""
        for event in events:
            tracked = self._orders.get(event.client_order_id)
            if tracked is not None and is_replace_leg(tracked, event, venue_order_id):
                continue
            if not self._filter.first_time(event):
                continue
            if tracked is not None:
                note_event(tracked, event)
            self._emit(event)

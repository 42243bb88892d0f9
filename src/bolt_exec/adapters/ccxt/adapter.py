"""CcxtBroker: any ccxt exchange behind the BrokerBase port (REST, with polling).

Theory of operation
-------------------
ccxt's unified REST API is the common ground of OKX, Coinbase, Binance.US and
a hundred others, so this adapter uses only it: commands answer through their
responses, and a poll task (``poll_interval_s``) asks about working orders and
new trades, turning what changed into events. Each venue fact is emitted once
(trade ids for fills; order id and status for the rest).

What differs per exchange is data in :func:`codec.rules_for`: the parameter
that carries our client order id (OKX ``clOrdId``, Binance ``newClientOrderId``,
Coinbase ``client_order_id``) and whether ``edit_order`` amends in place. Where
ccxt cannot edit at all, an amend is a cancel followed by a new order under the
same client id (``Capabilities.amend_is_cancel_replace``).

The same outcome rules as the Binance adapter hold: a timeout or network error
emits nothing and resends nothing; a rate limit rejects and backs off; a clock
error resyncs ccxt's time difference and sends once more.

Emits: OrderAccepted, OrderRejected, OrderFilled, OrderCanceled,
OrderCancelRejected, OrderReplaced, OrderReplaceRejected, OrderExpired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import ccxt
import ccxt.async_support as ccxt_async

from bolt_exec.adapters.base import BrokerBase, Capabilities
from bolt_exec.adapters.ccxt import codec
from bolt_exec.adapters.ccxt.amend import run_amend
from bolt_exec.adapters.ccxt.config import CcxtConfig
from bolt_exec.adapters.ccxt.errors import (
    is_duplicate_client_id,
    is_unknown_outcome,
    map_exception,
)
from bolt_exec.adapters.ccxt.orders import OrderBookkeeping, TrackedOrder
from bolt_exec.adapters.ccxt.polling import fetch_mass_status, poll_once
from bolt_exec.clock import Clock, LiveClock
from bolt_exec.errors import BrokerError, BrokerUnavailable, ConfigError, RateLimited
from bolt_exec.errors import ValidationError as BoltValidationError
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderType, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderRejected,
    OrderReplaceRejected,
)
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.reports import MassStatus

__all__ = ["CcxtBroker"]

log = logging.getLogger(__name__)

_OFFLINE_SAFE_OPTIONS: Final[dict[str, Any]] = {
    # Load spot markets only, and skip currency/margin metadata calls that need extra
    # permissions and slow start-up.
    "fetchMarkets": {"types": ["spot"]},
    "fetchCurrencies": False,
    "fetchMargins": False,
}


def _point_urls(api: dict[str, Any], base: str) -> dict[str, Any]:
    """Keep each REST URL's path, swap its scheme and host for ``base`` (a local fake)."""
    out: dict[str, Any] = {}
    for key, url in api.items():
        out[key] = base.rstrip("/") + urlsplit(url).path if isinstance(url, str) else url
    return out


class CcxtBroker(BrokerBase):
    """One ccxt exchange (async ccxt) as a bolt_exec broker.

    Args:
        config: which exchange, endpoints, credentials and mode (sandbox unless live).
        clock: the clock used before the OMS binds its own (default: the wall clock).
    """

    def __init__(self, config: CcxtConfig, clock: Clock | None = None) -> None:
        super().__init__()
        self._wall: Clock = clock or LiveClock()
        self.config = config
        self.name = config.broker_name
        self.rules = codec.rules_for(config.exchange)
        self.capabilities = Capabilities(
            order_types=frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LIMIT}),
            tifs=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
            amend_is_cancel_replace=not self.rules.edit_in_place,
            supports_reduce_only=False,
        )
        self._ex: Any = None
        self._instruments: dict[str, Instrument] = {}
        self._book = OrderBookkeeping()
        self._tasks: set[asyncio.Task[object]] = set()
        self._poller: asyncio.Task[None] | None = None
        self._backoff_until_ns = 0
        self._watermarks: dict[str, int] = {}
        self.time_resyncs = 0

    @property
    def is_live(self) -> bool:
        """True only when the config says live (real money)."""
        return self.config.is_live

    @property
    def is_connected(self) -> bool:
        """True once markets are loaded and the poller runs."""
        return self._ex is not None and self._poller is not None and not self._poller.done()

    @property
    def rate_limited_until_ns(self) -> int:
        """Until when new orders are refused locally after a rate limit (0: not limited)."""
        return self._backoff_until_ns

    async def connect(self) -> None:
        """Build the ccxt exchange, load markets, start polling.

        Raises:
            ConfigError: ccxt has no such exchange.
            BrokerError: the most specific subclass, when the exchange refuses or is down.
        """
        if self._ex is not None:
            return
        cfg = self.config
        cls = getattr(ccxt_async, cfg.exchange, None)
        if cls is None:
            raise ConfigError(
                f"exchange={cfg.exchange!r}: ccxt has no such exchange; use an "
                "id from ccxt.exchanges such as 'okx', 'coinbase', 'binanceus'"
            )
        ex = cls(
            {
                "apiKey": cfg.api_key.get_secret_value(),
                "secret": cfg.secret.get_secret_value(),
                "password": cfg.password.get_secret_value(),
                "enableRateLimit": cfg.enable_rate_limit,
                "timeout": int(cfg.request_timeout_s * 1000),
                "options": {**_OFFLINE_SAFE_OPTIONS, **cfg.options},
            }
        )
        ex.has["fetchCurrencies"] = False
        if not cfg.is_live:
            ex.set_sandbox_mode(True)
        if cfg.rest_url:
            ex.urls["api"] = _point_urls(ex.urls["api"], cfg.rest_url)
        self._ex = ex
        try:
            markets = await self._call(ex.load_markets)
        except BaseException:
            await self.disconnect()
            raise
        wanted = set(cfg.symbols)
        for sym, market in markets.items():
            if (
                market.get("spot")
                and market.get("active", True) is not False
                and (not wanted or sym in wanted)
            ):
                self._instruments[sym] = codec.instrument_from_market(market, ex.precisionMode)
        self._poller = asyncio.create_task(self._poll_forever(), name=f"{self.name}-poll")

    async def disconnect(self) -> None:
        """Stop polling, wait for commands in flight, close the HTTP session."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._ex is not None:
            await self._ex.close()
            self._ex = None

    def instruments(self) -> Sequence[Instrument]:
        """Spot markets (the configured symbols, or all active ones), as Instruments."""
        return tuple(self._instruments.values())

    # --- plumbing ---------------------------------------------------------------------
    def venue_client_id(self, client_order_id: str) -> str:
        """Our client order id as this exchange carries it."""
        return codec.encode_client_id(client_order_id, self.rules)

    def _now_ns(self) -> int:
        # Before the OMS binds its clock (connect() runs first), use the wall clock.
        return (self._clock or self._wall).now_ns()

    def _require(self) -> Any:
        if self._ex is None:
            raise BrokerUnavailable(
                f"{self.name}: not connected; await connect() first", venue=self.name
            )
        return self._ex

    async def _call(self, fn: Callable[..., Awaitable[Any]], *args: Any, **kw: Any) -> Any:
        """Call ccxt; on InvalidNonce resync the time difference and send once more."""
        try:
            return await fn(*args, **kw)
        except ccxt.InvalidNonce:
            log.warning("%s: clock outside the venue's window; resyncing", self.name)
        await self._ex.load_time_difference()
        self.time_resyncs += 1
        return await fn(*args, **kw)

    def _map(self, exc: BaseException) -> BrokerError:
        headers = getattr(self._ex, "last_response_headers", None) if self._ex else None
        return map_exception(exc, self.name, headers)

    def _spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # A bug in translation must be loud, never a silently lost event.
            log.error("%s: command task failed", self.name, exc_info=task.exception())

    def _deliver(self, events: list[OrderEvent]) -> None:
        for event in events:
            if self._book.first_time(event):
                self._emit(event)

    def _failed(
        self, exc: Exception, coid: str, what: str, make: Callable[[str, str], OrderEvent]
    ) -> None:
        err = self._map(exc)
        if is_unknown_outcome(exc):
            log.warning("%s: %s for %s has an unknown outcome: %s", self.name, what, coid, err)
            return
        if isinstance(err, RateLimited):
            wait = err.retry_after if err.retry_after is not None else 60.0
            self._backoff_until_ns = max(self._backoff_until_ns, self._now_ns() + int(wait * 1e9))
        self._deliver([make(coid, str(err))])

    def _event(self, kind: type[OrderEvent], coid: str, **fields: Any) -> OrderEvent:
        now = self._now_ns()
        return kind(client_order_id=coid, ts_event=now, ts_init=now, **fields)

    # --- commands ---------------------------------------------------------------------
    def submit(self, command: SubmitOrder) -> None:
        """Send a new order; its outcome arrives as events."""
        coid = command.client_order_id
        try:
            args = codec.create_order_args(command, self.rules)
            inst = self._instruments.get(command.symbol)
            if inst is not None:
                inst.check_qty(command.qty)
                if command.limit_px is not None:
                    inst.check_px(command.limit_px, "limit_px")
        except BoltValidationError as exc:
            self._emit(self._event(OrderRejected, coid, reason=str(exc), code="INVALID"))
            return
        if self._backoff_until_ns > self._now_ns():
            self._emit(
                self._event(
                    OrderRejected,
                    coid,
                    code="RATE_LIMITED",
                    reason="backing off after a venue rate limit",
                )
            )
            return
        if self._book.get(coid) is not None:
            # The same id twice in one session: the first is the order; never send twice.
            log.error("%s: duplicate submit of %s ignored", self.name, coid)
            return
        self._book.track(
            coid,
            TrackedOrder(
                symbol=command.symbol,
                side=args[2],
                type=args[1],
                qty=command.qty,
                limit_px=command.limit_px,
            ),
        )
        self._spawn(self._submit(coid, args))

    async def _submit(self, coid: str, args: tuple[Any, ...]) -> None:
        ex = self._require()
        symbol, otype, side, amount, price, params = args
        try:
            order = await self._call(
                ex.create_order,
                symbol,
                otype,
                side,
                float(amount),
                float(price) if price is not None else None,
                params,
            )
        except Exception as exc:
            if is_duplicate_client_id(exc):
                # Our id is already working at the venue (a resend after a restart): that
                # order is the truth, so report it instead of rejecting it.
                log.warning("%s: %s is already at the venue; reporting it", self.name, coid)
                await self._report_existing(coid, symbol)
                return
            self._failed(
                exc,
                coid,
                "new order",
                lambda c, r: self._event(OrderRejected, c, reason=r, code="VENUE"),
            )
            return
        self._on_order(coid, order, ack=True)

    async def _report_existing(self, coid: str, symbol: str) -> None:
        ex = self._require()
        query = {self.rules.client_id_query_param: self.venue_client_id(coid)}
        try:
            order = await self._call(ex.fetch_order, None, symbol, query)
        except Exception as exc:
            log.warning("%s: cannot look %s up (reconcile): %s", self.name, coid, self._map(exc))
            return
        self._on_order(coid, order, ack=True)

    def _on_order(self, coid: str, order: dict[str, Any], *, ack: bool) -> None:
        """Emit what a unified order proves (ack, its trades, a terminal status)."""
        vid = str(order.get("id") or "")
        status = order.get("status")
        if status == "rejected":
            self._deliver([self._event(OrderRejected, coid, reason="rejected by the venue")])
            return
        if vid:
            self._book.bind_venue_id(coid, vid)
        events: list[OrderEvent] = []
        if ack and vid:
            events.append(self._event(OrderAccepted, coid, venue_order_id=vid))
        events += [
            codec.fill_event(t, coid, self._now_ns(), order)
            for t in order.get("trades") or ()
            if t.get("id")
        ]
        if status == "canceled":
            events.append(self._event(OrderCanceled, coid))
        elif status == "expired":
            events.append(self._event(OrderExpired, coid))
        self._deliver(events)
        if status in ("canceled", "expired", "closed"):
            filled = order.get("filled")
            self._book.finish(coid, vid, None if filled is None else codec.dec(filled))

    def cancel(self, command: CancelOrder) -> None:
        """Request a cancel; its outcome arrives as events."""
        self._spawn(self._cancel(command.client_order_id, command.symbol, command.venue_order_id))

    async def _cancel(self, coid: str, symbol: str, vid_hint: str) -> bool:
        ex = self._require()
        t = self._book.get(coid)
        vid = (t.venue_order_id if t else "") or vid_hint
        params = {} if vid else {self.rules.client_id_query_param: self.venue_client_id(coid)}
        try:
            await self._call(ex.cancel_order, vid or None, symbol, params)
        except Exception as exc:
            self._failed(
                exc, coid, "cancel", lambda c, r: self._event(OrderCancelRejected, c, reason=r)
            )
            return False
        self._deliver([self._event(OrderCanceled, coid)])
        # Keep polling: a fill that beat the cancel is reported by the next trade poll,
        # and the order poll then sees it canceled with every trade counted, and stops.
        return True

    def amend(self, command: AmendOrder) -> None:
        """Request an amend: ccxt edit_order, or cancel then new order where it cannot edit."""
        t = self._book.get(command.client_order_id)
        if t is None or not t.venue_order_id:
            self._emit(
                self._event(
                    OrderReplaceRejected,
                    command.client_order_id,
                    reason="no venue order id known yet; retry after the ack",
                )
            )
            return
        total = command.qty if command.qty is not None else t.qty
        if total <= t.filled:
            self._emit(
                self._event(
                    OrderReplaceRejected,
                    command.client_order_id,
                    reason=f"qty {total} is not above the filled {t.filled}",
                )
            )
            return
        price = command.limit_px if command.limit_px is not None else t.limit_px
        self._spawn(run_amend(self, command.client_order_id, t, total, price))

    # --- polling and status -----------------------------------------------------------
    async def _poll_forever(self) -> None:
        pause = self.config.poll_interval_s
        while True:
            await asyncio.sleep(pause)
            pause = self.config.poll_interval_s
            try:
                await self.poll_once()
            except RateLimited as exc:
                pause = max(pause, exc.retry_after or 60.0)  # the venue said how long
                log.warning("%s: poll rate limited; pausing %.1f s", self.name, pause)
            except BrokerError as exc:
                log.warning("%s: poll failed: %s", self.name, exc)
            except Exception:  # a translation bug must be loud, and must not stop polling
                log.exception("%s: poll crashed; polling continues", self.name)

    async def poll_once(self) -> None:
        """Ask about working orders and new trades; emit what changed."""
        await poll_once(self)

    async def mass_status(self, since_ns: int | None = None) -> MassStatus:
        """Open orders, fills since ``since_ns``, balances and derived spot positions.

        Raises:
            BrokerError: the most specific subclass (RateLimited, BrokerUnavailable...).
        """
        return await fetch_mass_status(self, since_ns)

"""KiteBroker: Zerodha Kite Connect v3 behind BrokerBase (kiteconnect REST + KiteTicker updates).

Theory of operation
-------------------
* Commands return at once; the REST call runs on the session's one worker
  thread (FIFO, so a cancel never overtakes its own order) and the outcome
  comes back as events.
* Every event is emitted on the asyncio loop thread, from one queue of Kite
  order snapshots (WebSocket pushes, polls, refreshes) processed in arrival
  order by the :class:`~.tracker.OrderTracker`; fills come from
  ``order_trades`` and are de-duplicated by ``trade_id``.
* The client order id travels in ``tag`` (:func:`.codec.tag_for`). Tags are not
  unique at Kite, so a place whose outcome is unknown (timeout, 5xx) is never
  retried: the adapter looks for its tag in ``orders()`` and adopts what it
  finds; if nothing is there yet it reports nothing and keeps watching (the
  reconciler decides). Only a 429, which Kite documents as "not processed", is
  retried.
* While the order stream is down, ``orders()`` is polled; on every (re)connect
  the adapter re-reads today's orders, so fills that happened in the gap are
  reported.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any

from bolt_exec.adapters.base import BrokerBase
from bolt_exec.adapters.zerodha import codec, wire
from bolt_exec.adapters.zerodha.config import KiteConfig
from bolt_exec.adapters.zerodha.failures import is_ambiguous
from bolt_exec.adapters.zerodha.session import KiteSession, Throttle
from bolt_exec.adapters.zerodha.stream import KiteOrderStream
from bolt_exec.adapters.zerodha.tracker import OrderTracker
from bolt_exec.adapters.zerodha.venue import KITE_CAPABILITIES, KITE_LIMITS
from bolt_exec.errors import BoltExecError, BrokerError, UsageError
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.events import OrderCancelRejected, OrderRejected, OrderReplaceRejected
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.reports import MassStatus

__all__ = ["KiteBroker", "Throttle"]

log = logging.getLogger(__name__)


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
        self._session = KiteSession(config, name, throttle)
        self._tracker = OrderTracker(config.default_exchange)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stream: KiteOrderStream | None = None
        self._stream_up = False
        self._instruments: dict[str, Instrument] = {}
        self._modifications: dict[str, int] = {}
        self._placing: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queue: asyncio.Queue[Mapping[str, Any]] | None = None
        self._workers: list[asyncio.Task[None]] = []

    # --- connection -------------------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        """True only for ``live=True`` on Kite's production roots."""
        return self._config.is_live

    @property
    def is_connected(self) -> bool:
        """True while REST works and order updates flow (stream, or polling if disabled)."""
        return self._session.is_authenticated and (self._stream_up or not self._config.use_ticker)

    @property
    def last_error(self) -> BrokerError | None:
        """The last failure of a Kite request (e.g. the AuthenticationError of an expiry)."""
        return self._session.last_error

    async def connect(self) -> None:
        """Open the session, load instruments, start the order stream and resync today's orders.

        Idempotent: on a reconnect it only checks the token, restarts the stream and resyncs.

        Raises:
            AuthenticationError: the access token expired or is invalid (log in again).
            BrokerUnavailable: Kite cannot be reached.
        """
        self._loop = asyncio.get_running_loop()
        self._session.open()
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._workers = [
                self._loop.create_task(self._pump()),
                self._loop.create_task(self._poll()),
            ]
        cfg = self._config
        if not self._instruments:
            for exchange in cfg.exchanges:
                for row in await self._session.call("instruments", exchange):
                    inst = codec.instrument_from_row(row, default_exchange=cfg.default_exchange)
                    self._instruments[inst.symbol] = inst
        else:
            await self._session.call("profile")
        if cfg.use_ticker and not self._stream_up:
            await self._start_stream()
        await self.resync()

    async def _start_stream(self) -> None:
        if self._stream is not None:
            self._stream.stop()
        assert self._loop is not None
        cfg = self._config
        self._stream = KiteOrderStream(
            cfg.api_key.get_secret_value(), cfg.access_token.get_secret_value(), cfg.ws_root,
            self._loop, self._enqueue, self._on_stream_state,
        )  # fmt: skip
        if not await self._stream.open(timeout_s=10.0):
            log.warning("Kite order stream did not open in 10 s; polling orders instead")

    def _on_stream_state(self, up: bool) -> None:
        if self._stream_up and not up:
            log.warning("Kite order stream closed; polling orders until reconnected")
        self._stream_up = up

    async def disconnect(self) -> None:
        """Close the stream and stop polling (idempotent); in-flight requests finish first."""
        if self._stream is not None:
            self._stream.stop()
            self._stream = None
        self._stream_up = False
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=10)
        for task in [*self._tasks, *self._workers]:
            task.cancel()
        self._tasks.clear()
        self._workers = []
        self._queue = None
        self._session.close()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> KiteBroker:
        """Build from a settings mapping (``secrets_dir`` and any KiteConfig field).

        Raises:
            ConfigError: naming each missing or invalid field (never its value).
        """
        values = dict(settings)
        name = str(values.pop("name", "zerodha"))
        return cls(KiteConfig.load(values.pop("secrets_dir", None), **values), name=name)

    def use_throttle(self, throttle: Throttle) -> None:
        """Await ``throttle(scope)`` before every request (the runtime's rate budget)."""
        self._session.throttle = throttle

    def instruments(self) -> Sequence[Instrument]:
        """Return the instruments loaded from Kite's instruments dump at connect."""
        return list(self._instruments.values())

    def adopt_client_order_ids(self, client_order_ids: Sequence[str]) -> None:
        """Teach the adapter ids it sent before a restart, so Kite tags map back to them."""
        self._tracker.adopt(client_order_ids)

    # --- commands -----------------------------------------------------------------------------
    def submit(self, command: SubmitOrder) -> None:
        """Place an order (tagged with its client order id); the outcome arrives as events."""
        tag = self._tracker.register(command.client_order_id, command.symbol)
        self._placing[command.client_order_id] = self._spawn(self._place(command, tag))

    def cancel(self, command: CancelOrder) -> None:
        """Request a cancel; the outcome arrives as events."""
        self._spawn(self._cancel(command))

    def amend(self, command: AmendOrder) -> None:
        """Request a modify in place (same order id); the outcome arrives as events."""
        self._spawn(self._amend(command))

    def _refuse_not_live(self) -> str:
        if self._config.is_production and not self._config.live:
            return (
                "KiteConfig.live is false and Kite has no paper venue: orders to Kite's "
                "production API are refused. Set live=True (and enable_trading in the "
                "policy) to trade real money, or use FakeKite / PaperBroker"
            )
        return ""

    async def _place(self, command: SubmitOrder, tag: str) -> None:
        coid = command.client_order_id
        if refusal := self._refuse_not_live():
            self._emit(OrderRejected(**self._stamp(coid), reason=refusal, code="NOT_LIVE"))
            return
        try:
            params = codec.place_params(
                command,
                self._instrument(command.symbol),
                default_exchange=self._config.default_exchange,
                product=self._config.product,
                variety=self._config.variety,
                market_protection=self._config.market_protection,
            )
        except (UsageError, BrokerError) as exc:
            self._emit(OrderRejected(**self._stamp(coid), reason=str(exc), code="LOCAL"))
            return
        try:
            order_id = str(await self._session.call("place_order", scope="orders", **params))
        except BrokerError as err:
            if is_ambiguous(err):
                log.warning("Kite place_order outcome unknown; looking for tag %s", tag)
                await self._find_by_tag(tag)
                return
            self._emit(
                OrderRejected(
                    **self._stamp(coid), reason=str(err), code=str(err.code or type(err).__name__)
                )
            )
            return
        self._tracker.order_ids[coid] = order_id
        if not self._stream_up:
            await self._refresh(order_id)

    async def _find_by_tag(self, tag: str) -> str | None:
        """Look for our tag in today's orders; adopt and return the first match's order id."""
        try:
            orders = await self._session.call("orders")
        except BrokerError as err:
            log.warning("cannot look up tag %s (the reconciler must decide): %s", tag, err)
            return None
        mine = [o for o in orders if o.get("tag") == tag]
        if len(mine) > 1:
            log.error("Kite holds %d orders with tag %s; reconcile them", len(mine), tag)
        for order in mine:
            self._enqueue(order)
        if not mine:
            log.warning("no Kite order carries tag %s yet; the reconciler must decide", tag)
            return None
        return str(mine[0]["order_id"])

    async def _venue_order_id(self, coid: str, given: str) -> str | None:
        if given:
            return given
        placing = self._placing.get(coid)
        if placing is not None and not placing.done():
            await asyncio.wait([placing], timeout=self._config.timeout_s * 3)
        known = self._tracker.order_ids.get(coid)
        if known is None:  # the ack was lost (or sent before a restart): ask Kite by tag
            known = await self._find_by_tag(codec.tag_for(coid))
            if known is not None:
                self._tracker.order_ids[coid] = known
        return known

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
            await self._session.call("cancel_order", self._config.variety, order_id, scope="orders")
        except BrokerError as err:
            if not is_ambiguous(err):
                self._emit(OrderCancelRejected(**self._stamp(coid), reason=str(err)))
            await self._refresh(order_id)  # a fill may have raced the cancel: read the truth
            return
        if not self._stream_up:
            await self._refresh(order_id)

    async def _amend(self, command: AmendOrder) -> None:
        coid = command.client_order_id
        if refusal := self._refuse_not_live():
            self._emit(OrderReplaceRejected(**self._stamp(coid), reason=refusal))
            return
        order_id = await self._venue_order_id(coid, command.venue_order_id)
        count = self._modifications.get(coid, 0)
        cap = self.limits.max_modifications_per_order
        if order_id is None:
            reason = "no Kite order id is known for this order"
        elif cap is not None and count >= cap:
            reason = (
                f"Kite allows at most {cap} modifications per order and this one had "
                f"{count}; cancel it and submit a new order"
            )
        else:
            reason = ""
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
            await self._session.call("modify_order", scope="orders", **params)
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
            orders = await self._session.call("orders")
        except BrokerError as err:
            log.warning("Kite resync failed: %s", err)
            return
        for order in orders:
            if self._tracker.is_ours(order):
                self._enqueue(order)

    async def mass_status(self, since_ns: int | None = None) -> MassStatus:
        """Return Kite's open orders, today's trades since ``since_ns`` and net positions.

        Orders and fills carry our client order id when the tag is known, else the raw
        tag (empty for untagged orders placed elsewhere).

        Raises:
            AuthenticationError: the access token expired (log in again).
            BrokerError: any other failure, mapped from the library.
        """
        orders = await self._session.call("orders")
        trades = await self._session.call("trades")
        positions = await self._session.call("positions")
        return self._tracker.mass_status(
            self.name, self._now(), orders, trades, positions, since_ns
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
            except Exception:  # the pump must outlive any single bad update
                log.exception("unexpected failure on a Kite order update")

    async def _apply_snapshot(self, raw: Mapping[str, Any]) -> None:
        order = wire.parse_order(raw)
        applied = self._tracker.apply(order, self._now())
        if applied is None:
            return  # not ours (placed from another platform): mass_status reports it
        coid, result = applied
        for event in result.events:
            self._emit(event)
        if self._tracker.fills_behind(coid):
            try:
                trades = await self._session.call("order_trades", order.order_id)
            except BrokerError as err:
                log.warning(
                    "cannot fetch trades of %s (retried on the next update): %s",
                    order.order_id,
                    err,
                )
            else:
                for fill in self._tracker.new_fills(coid, trades, self._now()):
                    self._emit(fill)
        for event in result.terminal:
            self._emit(event)

    async def _refresh(self, order_id: str) -> None:
        try:
            history = await self._session.call("order_history", order_id)
        except BrokerError as err:
            log.warning("cannot refresh Kite order %s: %s", order_id, err)
            return
        if history:
            self._enqueue(history[-1])

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._config.poll_interval_s)
            if self._session.is_authenticated and not self._stream_up:
                await self.resync()

    # --- plumbing -------------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
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

    def _now(self) -> int:
        if self._clock is None:
            raise RuntimeError(f"broker {self.name!r} is not bound; call bind() first")
        return self._clock.now_ns()

    def _stamp(self, coid: str) -> dict[str, Any]:
        now = self._now()
        return {"client_order_id": coid, "ts_event": now, "ts_init": now}

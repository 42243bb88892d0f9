"""IbkrBroker: the Interactive Brokers adapter (TWS / IB Gateway through ib_async).

Theory of operation
-------------------
Commands are fire-and-report: :meth:`IbkrBroker.submit`, ``cancel`` and ``amend``
schedule the request on the adapter's event loop and return; what TWS says comes
back as events through the OMS's sink. The adapter listens to the library's
*wire-level* events (server order statuses, errors, executions, commission
reports, openOrder acks) and translates them with the pure :mod:`.codec`; it
never trusts the library's local verdicts (ib_async marks an order ``Cancelled``
on any error, even "too late to cancel, it filled").

Identity and duplicates (design invariant 4):

* ``orderRef`` carries our ``client_order_id``; fills, open orders and
  executions are attributed by it, so they survive restarts and reconnects.
* IB order ids come from the library's counter, reseeded from ``nextValidId``
  on every (re)connect and then raised above this adapter's high-water mark
  (a restarted gateway may report a ``nextValidId`` that went *backwards*).
* A client order id is sent at most once per adapter: a repeated submit is
  dropped and logged, never re-sent.
* A fill is emitted once per ``execId`` per adapter, with its commission;
  if the commission report does not come within ``commission_wait`` seconds
  the fill is emitted without a fee rather than held back.

An ambiguous outcome (the socket died after the order left) is never reported
as a rejection: the adapter reconnects and the reconciler calls
:meth:`mass_status`. An order that certainly did not leave (not connected) is
rejected with code ``NOT_CONNECTED``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from bolt_exec.adapters.base import BrokerBase, BrokerLimits, Capabilities, RateLimit
from bolt_exec.adapters.ibkr import codec
from bolt_exec.adapters.ibkr.config import IbkrConfig
from bolt_exec.adapters.ibkr.connection import Connection
from bolt_exec.adapters.ibkr.errors import map_exception
from bolt_exec.adapters.ibkr.fills import FillReporter
from bolt_exec.adapters.ibkr.snapshot import as_dict, to_mass_status
from bolt_exec.adapters.ibkr.tracker import OrderTracker, TrackedOrder
from bolt_exec.clock import Clock, LiveClock
from bolt_exec.errors import BrokerUnavailable, UsageError
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderType, TimeInForce
from bolt_exec.model.events import (
    OrderCancelRejected,
    OrderEvent,
    OrderRejected,
    OrderReplaceRejected,
)
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.reports import MassStatus

__all__ = ["IBKR_CAPABILITIES", "IbkrBroker"]

_log = logging.getLogger(__name__)

IBKR_CAPABILITIES = Capabilities(
    order_types=frozenset(OrderType),
    tifs=frozenset(TimeInForce),
    supports_amend=True,
    amend_is_cancel_replace=False,  # IB amends in place: same orderId and permId
    supports_mass_status=True,
    supports_reduce_only=False,
    supports_post_only=False,
)


class IbkrBroker(BrokerBase):
    """Interactive Brokers through TWS or IB Gateway.

    Args:
        config: host, port, client id, account, paper/live, timeouts.
        instruments: what :meth:`instruments` returns (and what gets qualified).
        name: the broker's name in the OMS.
        clock: used until the OMS binds its own.
        order_id_floor: the highest IB orderId this client id ever used (or set
            ``IbkrConfig.order_id_state_file`` and let the adapter persist it; persist
            :attr:`order_id_high_water` across restarts and pass it back here).
        library: ``"ib_async"`` or ``"ib_insync"`` to force one.

    Emits:
        OrderAccepted: the first working status (PreSubmitted/Submitted) of an order.
        OrderRejected: IB refused the order (error 201, 103, 200..., or Inactive), or it
            was never sent because the adapter was not connected (code NOT_CONNECTED).
        OrderFilled: once per execId, with the commission as fee.
        OrderCanceled: IB canceled the order (on request, by itself, or error 202).
        OrderCancelRejected: IB refused a cancel (10147/10148/161: unknown or done).
        OrderReplaced: TWS acknowledged a modification (openOrder with the new terms).
        OrderReplaceRejected: IB refused a modification; the order works on unchanged.
    """

    capabilities = IBKR_CAPABILITIES

    def __init__(
        self,
        config: IbkrConfig | None = None,
        *,
        instruments: Sequence[Instrument] = (),
        name: str = "ibkr",
        clock: Clock | None = None,
        order_id_floor: int = 0,
        library: str | None = None,
    ) -> None:
        super().__init__()
        self.name = name
        self.config = config or IbkrConfig.load()
        self.limits = BrokerLimits(
            rates=(RateLimit(self.config.messages_per_second, 1.0, scope="messages"),)
        )
        self._instruments = tuple(instruments)
        self._own_clock: Clock = clock or LiveClock()
        self._orders = OrderTracker()
        self._conn = Connection(
            self.config,
            instruments=[i.symbol for i in self._instruments],
            order_id_floor=order_id_floor,
            library=library,
        )
        self._fills = FillReporter(
            self._orders,
            self._conn,
            client_id=self.config.client_id,
            emit=self._emit,
            now=self._now,
            commission_wait=self.config.commission_wait,
        )
        self._conn.add_listener(self)
        # before anyone else's reconnect callback (the reconciler): report what we missed
        self._conn.reconnect_callbacks.append(self._fills.report_missed)

    # --- BrokerBase: session ---------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        """True when the configuration says live (real money)."""
        return self.config.is_live

    @property
    def is_connected(self) -> bool:
        """True while the API session is ready."""
        return self._conn.is_connected

    @property
    def order_id_high_water(self) -> int:
        """The highest IB orderId this adapter has used (persist it across restarts)."""
        return self._conn.watermark.value

    def add_reconnect_listener(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every reconnect, automatic or not (reconcile there)."""
        self._conn.reconnect_callbacks.append(callback)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> IbkrBroker:
        """Build from a settings mapping (the runtime's ``brokers.<name>.settings``).

        Keys: any :class:`IbkrConfig` field, plus ``name``, ``order_id_floor`` and
        ``instruments`` (symbols, or :class:`Instrument` keyword mappings).

        Raises:
            ConfigError: naming each invalid field (never the account's value).
        """
        values = dict(settings)
        name = str(values.pop("name", "ibkr"))
        floor = int(values.pop("order_id_floor", 0))
        instruments = [
            Instrument(symbol=item, venue="SMART") if isinstance(item, str) else Instrument(**item)
            for item in values.pop("instruments", ())
        ]
        return cls(
            IbkrConfig.load(**values), instruments=instruments, name=name, order_id_floor=floor
        )

    async def connect(self) -> None:
        """Connect, sync start-up state, reseed order ids and qualify contracts.

        Raises:
            BrokerUnavailable: TWS refused or dropped the connection.
            BrokerTimeout: the handshake did not finish within ``connect_timeout``.
            ConfigError: mode='paper' but the login manages a live account, or the
                configured account is not managed by this login, or a contract is unknown.
        """
        await self._conn.connect()

    async def disconnect(self) -> None:
        """Report fills still waiting for their commission, then close the session."""
        self._fills.flush_all()
        await self._conn.close()

    def instruments(self) -> Sequence[Instrument]:
        """The instruments this adapter was configured with."""
        return self._instruments

    # --- BrokerBase: commands --------------------------------------------------------------
    def submit(self, command: SubmitOrder) -> None:
        """Send a new order (on the adapter's loop); the outcome arrives as events."""
        self._conn.call_soon(self._do_submit, command)

    def cancel(self, command: CancelOrder) -> None:
        """Request a cancel; the outcome arrives as events."""
        self._conn.call_soon(self._do_cancel, command)

    def amend(self, command: AmendOrder) -> None:
        """Modify in place (placeOrder with the same orderId); the outcome arrives as events."""
        self._conn.call_soon(self._do_amend, command)

    def _do_submit(self, cmd: SubmitOrder) -> None:
        coid = cmd.client_order_id
        if self._orders.by_client_order_id(coid) is not None:
            # sending it again could fill twice; the first order's events still arrive
            _log.error("IBKR: client_order_id %r was already sent; not sending it again", coid)
            return
        existing = self._conn.trade_by_ref(coid)
        prior_fills = self._conn.fills_by_ref(coid)
        if existing is not None or prior_fills:
            # TWS already has it (sent before a crash or restart): report, never resend
            _log.error("IBKR: TWS already has orderRef %r; reporting it, not sending it", coid)
            if existing is None or self._track_trade(existing) is None:
                order_id = prior_fills[-1].execution.orderId if prior_fills else 0
                self._orders.add(TrackedOrder(coid, order_id, cmd.symbol, cmd.side, cmd.qty))
            if existing is not None:
                self.on_order_status(existing)
            for fill in prior_fills:
                self._fills.report(fill)
            return
        try:
            fields = codec.encode_order(cmd, self.config.account_id)
        except UsageError as exc:
            self._refuse(OrderRejected, coid, str(exc), code="INVALID")
            return
        if not self.is_connected:
            self._refuse(
                OrderRejected,
                coid,
                "not connected to TWS/Gateway; the order was not sent",
                code="NOT_CONNECTED",
            )
            return
        tracked = TrackedOrder(coid, 0, cmd.symbol, cmd.side, cmd.qty)
        try:
            tracked.order_id = self._conn.next_order_id()
            self._orders.add(tracked)
            self._conn.place(tracked.order_id, cmd.symbol, fields)
        except ConnectionError:
            # the library refuses before writing a byte when the socket is down
            tracked.is_done = True
            self._refuse(
                OrderRejected,
                coid,
                "the TWS connection dropped; the order was not sent",
                code="NOT_CONNECTED",
            )
        except Exception as exc:  # the outcome is unknown: log, never guess
            error = map_exception(exc, f"placeOrder {coid!r}")
            _log.error("IBKR: %s; the order may or may not have left, reconcile", error)

    def _do_cancel(self, cmd: CancelOrder) -> None:
        tracked = self._find(cmd.client_order_id)
        problem = self._command_problem(tracked, "cancel")
        if problem is not None or tracked is None:
            self._refuse(OrderCancelRejected, cmd.client_order_id, problem or "unknown order")
            return
        tracked.is_cancel_pending = True
        try:
            self._conn.cancel(tracked.order_id)
        except ConnectionError:
            tracked.is_cancel_pending = False
            self._refuse(
                OrderCancelRejected, cmd.client_order_id, "not connected; the cancel was not sent"
            )
        except Exception as exc:  # the outcome is unknown: log, never guess
            error = map_exception(exc, f"cancelOrder {cmd.client_order_id!r}")
            _log.error("IBKR: %s; the cancel may or may not have left, reconcile", error)

    def _do_amend(self, cmd: AmendOrder) -> None:
        tracked = self._find(cmd.client_order_id)
        problem = self._command_problem(tracked, "amend")
        changes: dict[str, float] = {}
        if problem is None:
            try:
                changes = codec.encode_amend(cmd)
            except UsageError as exc:
                problem = str(exc)
        if problem is None and tracked is not None:
            tracked.amend = changes
            try:
                self._conn.modify(tracked.order_id, changes)
                return
            except (ConnectionError, LookupError) as exc:
                tracked.amend = None
                problem = f"the amend was not sent ({type(exc).__name__}: {exc})"
        self._refuse(OrderReplaceRejected, cmd.client_order_id, problem or "unknown order")

    def _refuse(
        self,
        kind: type[OrderRejected] | type[OrderCancelRejected] | type[OrderReplaceRejected],
        client_order_id: str,
        reason: str,
        code: str = "",
    ) -> None:
        # a refusal the adapter is certain of: the request never left this process
        ts = self._now()
        common: dict[str, Any] = {
            "client_order_id": client_order_id,
            "ts_event": ts,
            "ts_init": ts,
            "reason": reason,
        }
        if kind is OrderRejected:
            common["code"] = code
        self._emit(kind(**common))

    def _command_problem(self, tracked: TrackedOrder | None, what: str) -> str | None:
        if tracked is None:
            return f"no IBKR order with this client_order_id (orderRef); {what} not sent"
        if tracked.is_done:
            return f"the order is already done at IBKR; {what} not sent"
        connected = self._conn.can_cancel if what == "cancel" else self.is_connected
        if not connected:
            return f"not connected to TWS/Gateway; {what} not sent"
        return None

    def _find(self, client_order_id: str) -> TrackedOrder | None:
        tracked = self._orders.by_client_order_id(client_order_id)
        if tracked is None:
            found = self._conn.trade_by_ref(client_order_id)  # placed by an earlier session
            if found is not None:
                tracked = self._track_trade(found)
        return tracked

    def _track_trade(self, trade: Any) -> TrackedOrder | None:
        order = trade.order
        if not order.orderRef or not order.orderId:
            return None
        tracked = TrackedOrder(
            client_order_id=order.orderRef,
            order_id=order.orderId,
            symbol=self._conn.symbol_of(trade.contract),
            side=codec.decode_side(order.action),
            qty=codec.to_decimal(order.totalQuantity, "totalQuantity") or Decimal(0),
            venue_order_id=str(order.permId or ""),
        )
        self._orders.add(tracked)
        return tracked

    # --- library events (called by the Connection) -----------------------------------------
    def on_order_status(self, trade: Any) -> None:
        """A server orderStatus/openOrder changed the trade (library verdicts are skipped)."""
        if trade.log and trade.log[-1].errorCode:
            return  # the library's reaction to an error; on_error decides what it means
        tracked = self._tracked_for(trade)
        if tracked is None:
            return
        if trade.orderStatus.permId or trade.order.permId:
            tracked.venue_order_id = str(trade.order.permId or trade.orderStatus.permId)
        if tracked.amend is not None and trade.orderStatus.status in codec.WORKING:
            order = trade.order
            if all(float(getattr(order, k)) == v for k, v in tracked.amend.items()):
                self._say(
                    tracked,
                    codec.replaced_event(tracked.view(), as_dict(order), ts=self._now()),
                )
        self._say(
            tracked, codec.status_event(trade.orderStatus.status, tracked.view(), ts=self._now())
        )

    def on_error(self, req_id: int, code: int, text: str) -> None:
        """An error message; only those about one of our orders become events."""
        tracked = self._orders.by_order_id(req_id) if req_id > 0 else None
        if tracked is None:
            if code in (1100, 2110):
                _log.warning("IBKR: TWS lost its connection to IB (error %s)", code)
            return
        self._say(tracked, codec.error_event(code, text, tracked.view(), ts=self._now()))

    def on_exec_details(self, trade: Any, fill: Any) -> None:
        """A live execution: reported with its commission (see FillReporter)."""
        self._fills.on_execution(fill)

    def on_commission(self, trade: Any, fill: Any) -> None:
        """A commission report arrived for a fill: report the fill now (once)."""
        self._fills.report(fill)

    def _tracked_for(self, trade: Any) -> TrackedOrder | None:
        order = trade.order
        if order.orderId and order.clientId not in (0, self.config.client_id):
            # another API client's order (reqAllOpenOrders shows them): its orderIds live in
            # that client's id space, so matching them against ours would misattribute
            return None
        tracked = self._orders.by_order_id(order.orderId) if order.orderId else None
        if tracked is None and order.orderRef:
            tracked = self._orders.by_client_order_id(order.orderRef)
        if tracked is None and order.clientId == self.config.client_id:
            tracked = self._track_trade(trade)
        return tracked

    def _say(self, tracked: TrackedOrder, event: OrderEvent | None) -> None:
        if event is not None:
            tracked.note(event)
            self._emit(event)

    # --- mass status -----------------------------------------------------------------------
    async def mass_status(self, since_ns: int | None = None) -> MassStatus:
        """Ask TWS for open orders (all clients), executions, positions and cash.

        Args:
            since_ns: only executions at or after this time (UNIX ns).

        Raises:
            BrokerUnavailable: not connected.
            BrokerTimeout: TWS did not answer within ``request_timeout``.
        """
        if not self.is_connected:
            raise BrokerUnavailable(
                "IBKR mass_status: not connected; call connect() first", venue="IBKR"
            )
        snapshot = await self._conn.snapshot()
        return to_mass_status(
            snapshot,
            broker=self.name,
            now=self._now(),
            since_ns=since_ns,
            symbol_of=self._conn.symbol_of,
        )

    def _now(self) -> int:
        return (self._clock or self._own_clock).now_ns()

"""Connection: owns the library's ``IB`` client, its loop, reconnects, ids and contracts.

The adapter decides what events mean; this module does the I/O around them:
connect with start-up guards (paper mode must not reach a live account),
reconnect with back-off, the order-id high-water mark, contract qualification,
and the mass-status queries. Every library exception leaves this module as a
:class:`~bolt_exec.errors.BrokerError` (``raise ... from exc``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from bolt_exec.adapters.ibkr._lib import load_library
from bolt_exec.adapters.ibkr._redact import AccountRedactor
from bolt_exec.adapters.ibkr.config import ContractSpec, IbkrConfig
from bolt_exec.adapters.ibkr.errors import map_exception
from bolt_exec.adapters.ibkr.snapshot import Snapshot
from bolt_exec.adapters.ibkr.watermark import OrderIdWatermark
from bolt_exec.errors import BrokerError, ConfigError

__all__ = ["Connection", "Listener"]

_log = logging.getLogger(__name__)
_T = TypeVar("_T")
# IB account ids: U/DU (individual, paper), F/DF (advisor), I (institution)...
_ACCOUNT_PATTERN = re.compile(r"\b(?:D?[UFI]|DF)\d{5,9}\b")


class Listener(Protocol):
    """What the connection calls back (the adapter)."""

    def on_order_status(self, trade: Any) -> None: ...
    def on_error(self, req_id: int, code: int, text: str) -> None: ...
    def on_exec_details(self, trade: Any, fill: Any) -> None: ...
    def on_commission(self, trade: Any, fill: Any) -> None: ...


class Connection:
    """The ``IB`` client with reconnects, guards, the order-id high-water mark and contracts."""

    def __init__(
        self,
        config: IbkrConfig,
        *,
        instruments: list[str],
        order_id_floor: int = 0,
        library: str | None = None,
    ) -> None:
        self.config = config
        self.lib = load_library(library)
        self.ib = self.lib.IB()
        self.watermark = OrderIdWatermark(order_id_floor, config.order_id_state_file)
        self.reconnect_callbacks: list[Callable[[], None]] = []
        self._symbols = sorted({*instruments, *config.contracts})
        self._qualified: dict[str, Any] = {}
        self._aliases: dict[int, str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False
        self._ready = False
        self._reconnect_task: asyncio.Task[None] | None = None
        self._connect_lock = asyncio.Lock()
        self._sessions = 0
        self._redactor = AccountRedactor(_ACCOUNT_PATTERN)
        self._redactor.add([config.account_id])
        self.ib.disconnectedEvent += self._on_disconnected

    def add_listener(self, listener: Listener) -> None:
        """Route the library's order events to ``listener``."""
        ib = self.ib
        ib.orderStatusEvent += listener.on_order_status
        ib.openOrderEvent += listener.on_order_status  # the ack of a modification
        ib.errorEvent += lambda req_id, code, text, *_: listener.on_error(req_id, code, text)
        ib.execDetailsEvent += listener.on_exec_details
        ib.commissionReportEvent += lambda trade, fill, _report: listener.on_commission(trade, fill)

    # --- session ---------------------------------------------------------------------------
    @property
    def is_connected(self) -> bool:
        """True once connected *and* synced (ids reseeded, contracts qualified).

        The library reports ready as soon as the handshake ends, while its start-up
        sync still runs; an order sent then would take an id below the high-water mark.
        """
        return self._ready and bool(self.ib.isConnected())

    @property
    def can_cancel(self) -> bool:
        """True while the API socket is up, even before the start-up sync has finished.

        A cancel reuses an existing orderId, so it needs no reseeded ids: removing
        risk is never held back (fail closed means deny new risk, not cancels).
        """
        return bool(self.ib.isConnected())

    async def connect(self) -> None:
        """Open the session (idempotent); see ``IbkrBroker.connect``."""
        async with self._connect_lock:  # two callers must not open two sockets
            if self.is_connected:
                return
            self._closing = False
            self._loop = asyncio.get_running_loop()
            self._redactor.install()
            await self._open()

    async def close(self) -> None:
        """Close the session and stop reconnecting (idempotent)."""
        self._closing = True
        task, self._reconnect_task = self._reconnect_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.ib.disconnect()
        self._redactor.uninstall()

    async def _open(self) -> None:
        self._ready = False
        cfg = self.config
        kwargs: dict[str, Any] = {
            "host": cfg.host,
            "port": cfg.port,
            "clientId": cfg.client_id,
            "timeout": cfg.connect_timeout,
            "account": cfg.account_id,
        }
        if self.lib.__name__ == "ib_async":
            kwargs["raiseSyncErrors"] = False  # a missing execDetailsEnd must not fail connect
        try:
            await self.ib.connectAsync(**kwargs)
        except (Exception, asyncio.CancelledError) as exc:
            if isinstance(exc, asyncio.CancelledError) and not self._closing:
                raise
            raise map_exception(exc, f"connect to {cfg.host}:{cfg.port}") from exc
        self._check_accounts(self.ib.managedAccounts())
        # the library seeded its counter from nextValidId; never go below our own past ids
        self.ib.client.updateReqId(self.watermark.value + 1)
        if cfg.qualify_contracts and self._symbols and not self._qualified:
            await self._qualify()
        self._ready = True
        self._sessions += 1
        if self._sessions > 1:  # a reconnect, whoever asked for it (us or the runtime)
            for callback in self.reconnect_callbacks:
                callback()

    def _check_accounts(self, accounts: list[str]) -> None:
        self._redactor.add(accounts)
        wanted = self.config.account_id
        if wanted and wanted not in accounts:
            self.ib.disconnect()
            raise ConfigError(
                "the configured account (BOLT_IBKR_ACCOUNT) is not managed by this TWS "
                f"login ({len(accounts)} account(s) are); check the account id"
            )
        if not wanted and len(accounts) > 1:
            self.ib.disconnect()
            raise ConfigError(
                f"this TWS login manages {len(accounts)} accounts; set BOLT_IBKR_ACCOUNT "
                "(IbkrConfig.account) so orders cannot land in the wrong one"
            )
        relevant = [wanted] if wanted else accounts
        if self.config.mode == "paper" and any(not a.startswith("D") for a in relevant):
            self.ib.disconnect()
            raise ConfigError(
                "mode='paper' but this TWS/Gateway login trades a live account (paper "
                "account ids start with 'D'); connect to the paper TWS (port 7497) or "
                "Gateway (4002), or set mode='live' deliberately"
            )

    def _on_disconnected(self) -> None:
        self._ready = False
        if self._closing or self._loop is None:
            return
        _log.warning("IBKR: the connection to TWS/Gateway dropped")
        running = self._reconnect_task is not None and not self._reconnect_task.done()
        if self.config.auto_reconnect and not running:
            self._reconnect_task = self._loop.create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delays = self.config.reconnect_delays
        attempt = 0
        while not self._closing:
            await asyncio.sleep(delays[min(attempt, len(delays) - 1)])
            attempt += 1
            async with self._connect_lock:  # the runtime may be reconnecting us too
                if self._closing or self.is_connected:
                    return
                try:
                    await self._open()
                except ConfigError as exc:
                    _log.error("IBKR: not reconnecting: %s", exc)
                    return
                except BrokerError as exc:
                    _log.warning("IBKR: reconnect attempt %d failed: %s", attempt, exc)
                    continue
            _log.info("IBKR: reconnected after %d attempt(s)", attempt)
            return

    # --- scheduling ------------------------------------------------------------------------
    def call_soon(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` on the adapter's loop (directly if never connected)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            fn(*args)
        else:
            loop.call_soon_threadsafe(fn, *args)

    def call_later(self, delay: float, fn: Callable[..., None], *args: Any) -> asyncio.TimerHandle:
        """Run ``fn(*args)`` after ``delay`` seconds on the adapter's loop."""
        loop = self._loop or asyncio.get_running_loop()
        return loop.call_later(delay, fn, *args)

    # --- orders ----------------------------------------------------------------------------
    def next_order_id(self) -> int:
        """Take the next IB orderId and raise the high-water mark.

        Raises:
            ConnectionError: not connected (nothing was sent).
        """
        order_id: int = self.ib.client.getReqId()
        self.watermark.raise_to(order_id)  # on disk before the id is on the wire
        return order_id

    def place(self, order_id: int, symbol: str, fields: dict[str, Any]) -> None:
        """Send a new order (placeOrder) with the codec's fields."""
        order = self.lib.Order(orderId=order_id, **fields)
        self.ib.placeOrder(self.contract(symbol), order)

    def modify(self, order_id: int, changes: dict[str, float]) -> None:
        """Re-send an order under the same orderId with ``changes`` (IB's in-place amend).

        Goes through the client directly: the library asserts on its *local* view,
        which may wrongly say "done" after an error such as a refused cancel.

        Raises:
            LookupError: the library no longer holds the order's details.
        """
        trade = self.ib.wrapper.trades.get((self.config.client_id, order_id))
        if trade is None:
            raise LookupError(f"orderId {order_id} is unknown to the client; run mass_status")
        order = dataclasses.replace(trade.order, **changes)
        self.ib.client.placeOrder(order_id, trade.contract, order)

    def cancel(self, order_id: int) -> None:
        """Send cancelOrder for ``order_id``."""
        trade = self.ib.wrapper.trades.get((self.config.client_id, order_id))
        order = (
            trade.order
            if trade is not None
            else self.lib.Order(orderId=order_id, clientId=self.config.client_id)
        )
        self.ib.cancelOrder(order)

    def trade_by_ref(self, order_ref: str) -> Any | None:
        """The library's latest trade whose orderRef is ``order_ref``, if any.

        After connect the library holds this client's open orders, the completed
        orders and the day's executions, so this also finds orders of earlier sessions.
        """
        found = [t for t in self.ib.trades() if t.order.orderRef == order_ref]
        return found[-1] if found else None

    def fills_by_ref(self, order_ref: str) -> list[Any]:
        """The day's executions (with commissions) of the order whose orderRef is ``order_ref``."""
        return [f for f in self.ib.fills() if f.execution.orderRef == order_ref]

    # --- contracts -------------------------------------------------------------------------
    def contract(self, symbol: str) -> Any:
        """The library Contract for one of our symbols (qualified when possible)."""
        qualified = self._qualified.get(symbol)
        if qualified is not None:
            return qualified
        spec = self.config.contracts.get(symbol, ContractSpec())
        return self.lib.Contract(
            secType=spec.sec_type,
            symbol=spec.ib_symbol or symbol,
            exchange=spec.exchange,
            currency=spec.currency,
            primaryExchange=spec.primary_exchange,
            conId=spec.con_id,
            localSymbol=spec.local_symbol,
            multiplier=spec.multiplier,
            lastTradeDateOrContractMonth=spec.last_trade_date,
        )

    def symbol_of(self, contract: Any) -> str:
        """Our symbol for a library Contract (by conId, else IB's symbol)."""
        return self._aliases.get(contract.conId) or str(contract.symbol)

    async def _qualify(self) -> None:
        contracts = {s: self.contract(s) for s in self._symbols}
        await self._request(self.ib.qualifyContractsAsync(*contracts.values()), "qualify")
        unknown = [s for s, c in contracts.items() if not c.conId]
        if unknown:
            await self.close()
            raise ConfigError(
                f"TWS knows no unique contract for {unknown}; fix the symbol or give "
                "IbkrConfig.contracts[<symbol>] (sec_type, exchange, currency, con_id)"
            )
        self._qualified = contracts
        self._aliases = {c.conId: s for s, c in contracts.items()}

    # --- queries ---------------------------------------------------------------------------
    async def snapshot(self) -> Snapshot:
        """Open orders of every client, executions, positions and account values."""
        trades = await self._request(self.ib.reqAllOpenOrdersAsync(), "reqAllOpenOrders")
        fills = await self._request(self.ib.reqExecutionsAsync(), "reqExecutions")
        positions = await self._request(self.ib.reqPositionsAsync(), "reqPositions")
        # a replayed execution is a new Fill object; the one the library keeps has the commission
        known = {f.execution.execId: f for f in self.ib.fills()}
        fills = [known.get(f.execution.execId, f) for f in fills]
        account = self.config.account_id
        if account:
            trades = [t for t in trades if t.order.account in ("", account)]
            fills = [f for f in fills if f.execution.acctNumber in ("", account)]
            positions = [p for p in positions if p.account == account]
        return Snapshot(
            trades=list(trades),
            fills=fills,
            positions=list(positions),
            values=list(self.ib.accountValues(account)),
        )

    async def _request(self, awaitable: Awaitable[_T], action: str) -> _T:
        try:
            return await asyncio.wait_for(awaitable, self.config.request_timeout)
        except Exception as exc:
            raise map_exception(exc, action) from exc

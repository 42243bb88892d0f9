"""FakeTWS: a loopback asyncio server that speaks the TWS API socket protocol.

Theory of operation
-------------------
The real ib_async / ib_insync client connects to it exactly as to TWS: ``API\\0``
plus a version range, the server's version and time, ``startApi``, then
``managedAccounts`` and ``nextValidId``. The fake answers every start-up request
those libraries make (positions, open and completed orders, account updates,
executions) and the order flow (placeOrder, modify, cancelOrder, reqExecutions,
reqAllOpenOrders, reqIds, reqContractDetails, reqGlobalCancel...).

The fake is the venue: it owns the book (``orders``, ``executions``,
``positions``, ``cash``). Tests drive its market with :meth:`FakeTWS.set_price`
and :meth:`FakeTWS.fill`, and make it misbehave through :attr:`FakeTWS.script`.
Messages for a client that is not connected are lost, as with TWS; the client
recovers them with reqExecutions / reqAllOpenOrders after reconnecting.

Usage::

    async with FakeTWS(prices={"AAPL": Decimal("190")}) as tws:
        await ib.connectAsync("127.0.0.1", tws.port, clientId=7)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import TracebackType

from bolt_exec.clock import Clock
from bolt_exec.testing.fake_tws import wire
from bolt_exec.testing.fake_tws.desk import OrderDesk, Session
from bolt_exec.testing.fake_tws.state import FakeOrder
from bolt_exec.testing.fake_tws.wire import FakeContract, Field

__all__ = ["DEFAULT_CONTRACTS", "FakeTWS"]

_log = logging.getLogger(__name__)

DEFAULT_CONTRACTS: tuple[FakeContract, ...] = (
    FakeContract(265598, "AAPL"),
    FakeContract(272093, "MSFT"),
    FakeContract(76792991, "TSLA"),
)


class FakeTWS(OrderDesk):
    """A fake TWS / IB Gateway on 127.0.0.1 (ephemeral port)."""

    def __init__(
        self,
        *,
        accounts: Sequence[str] = ("DU1234567",),
        prices: Mapping[str, Decimal] | None = None,
        contracts: Sequence[FakeContract] = DEFAULT_CONTRACTS,
        cash: Decimal = Decimal(100_000),
        commission_per_share: Decimal = Decimal("0.005"),
        min_commission: Decimal = Decimal("1.00"),
        clock: Clock | None = None,
    ) -> None:
        super().__init__(
            accounts=accounts,
            prices=prices,
            contracts=contracts,
            cash=cash,
            commission_per_share=commission_per_share,
            min_commission=min_commission,
            clock=clock,
        )
        self.requests: list[list[str]] = []
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._server is None:
            raise RuntimeError("FakeTWS is not started; use `async with FakeTWS() as tws`")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self, port: int = 0) -> FakeTWS:
        """Listen on 127.0.0.1 (``port`` 0 picks a free one)."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        return self

    async def stop(self) -> None:
        """Drop every client and stop listening."""
        self.drop_connections()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._tasks:
            # aborted sockets end their handlers at once; wait instead of cancelling them
            await asyncio.wait(list(self._tasks), timeout=2.0)

    async def __aenter__(self) -> FakeTWS:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- connection handling ---------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        session: Session | None = None
        try:
            if await reader.readexactly(4) != b"API\0":
                return
            buffer = bytearray()
            version = await self._handshake(reader, writer, buffer)
            if version is None:
                return
            while True:
                for fields in wire.split_frames(buffer):
                    self.requests.append(fields)
                    if session is None:
                        session = self._start_api(writer, fields)
                        if session is None:
                            return
                    else:
                        self._dispatch(session, fields)
                data = await reader.read(65536)
                if not data:
                    return
                buffer += data
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            if session is not None and self._sessions.get(session.client_id) is session:
                del self._sessions[session.client_id]
            writer.close()
            if task is not None:
                self._tasks.discard(task)

    async def _handshake(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, buffer: bytearray
    ) -> int | None:
        while not (messages := wire.split_frames(buffer)):
            data = await reader.read(65536)
            if not data:
                return None
            buffer += data
        versions = messages[0][0].split(" ")[0].lstrip("v").split("..")
        low, high = int(versions[0]), int(versions[-1])
        version = min(high, wire.SERVER_VERSION)
        if version < low:
            return None
        writer.write(wire.frame([version, self._time()]))
        return version

    def _start_api(self, writer: asyncio.StreamWriter, fields: list[str]) -> Session | None:
        if fields[0] != "71":
            return None
        client_id = int(fields[2])
        if client_id in self._sessions:
            writer.write(
                wire.frame(
                    wire.error(
                        -1,
                        326,
                        "Unable to connect as the client id "
                        "is already in use. Retry with a unique "
                        "client id.",
                    )
                )
            )
            writer.transport.abort()
            return None
        session = Session(writer, client_id)
        self._sessions[client_id] = session
        self.connections += 1
        next_id = self.script.next_valid_id
        self.script.next_valid_id = None
        if next_id is None:
            next_id = self.next_order_id(client_id)
        session.send(
            [
                [15, 1, ",".join(self.accounts)],
                [9, 1, next_id],
                wire.error(-1, 2104, "Market data farm connection is OK:usfarm"),
            ]
        )
        return session

    def _dispatch(self, s: Session, f: list[str]) -> None:
        msg_id = int(f[0])
        handler = {
            3: self._on_place,
            4: self._on_cancel,
            5: self._on_open_orders,
            16: self._on_all_open_orders,
            99: self._on_completed_orders,
            61: self._on_positions,
            64: self._on_cancel_positions,
            6: self._on_account_updates,
            76: self._on_account_updates_multi,
            7: self._on_executions,
            8: self._on_req_ids,
            9: self._on_contract_details,
            49: self._on_current_time,
            58: self._on_global_cancel,
        }.get(msg_id)
        if handler is None:
            _log.debug("fake TWS ignores message %s", msg_id)
            return
        handler(s, f)

    # --- queries ---------------------------------------------------------------------------
    def _send_orders(self, s: Session, orders: list[FakeOrder]) -> None:
        messages: list[list[Field]] = []
        for order in orders:
            messages += [self._open(order), self._status(order)]
        s.send([*messages, [53, 1]])

    def _on_open_orders(self, s: Session, f: list[str]) -> None:
        mine = [
            o
            for o in self.orders.values()
            if not o.is_done and (s.client_id == 0 or o.client_id == s.client_id)
        ]
        self._send_orders(s, mine)

    def _on_all_open_orders(self, s: Session, f: list[str]) -> None:
        self._send_orders(s, [o for o in self.orders.values() if not o.is_done])

    def _on_completed_orders(self, s: Session, f: list[str]) -> None:
        done = [o for o in self.orders.values() if o.is_done]
        messages = [wire.completed_order(self._view(o), self._time()) for o in done]
        s.send([*messages, [102]])

    def _on_positions(self, s: Session, f: list[str]) -> None:
        s.positions_subscribed = True
        messages: list[list[Field]] = [
            wire.position(acct, self.contract_by_id(con_id), qty, avg)
            for (acct, con_id), (qty, avg) in self.positions.items()
        ]
        s.send([*messages, [62, 1]])

    def _on_cancel_positions(self, s: Session, f: list[str]) -> None:
        s.positions_subscribed = False

    def _on_account_updates(self, s: Session, f: list[str]) -> None:
        if f[2] != "1":
            s.account_subscribed = ""
            return
        account = s.account_subscribed = f[3]
        messages: list[list[Field]] = [
            [6, 2, key, value, currency, account]
            for key, value, currency in self.account_values(self.prices)
        ]
        for (acct, con_id), (qty, avg) in self.positions.items():
            if acct == account:
                c = self.contract_by_id(con_id)
                px = self.prices.get(c.symbol, avg)
                messages.append(
                    [
                        7,
                        8,
                        c.con_id,
                        c.symbol,
                        c.sec_type,
                        "",
                        0,
                        "",
                        "",
                        c.primary_exchange,
                        c.currency,
                        c.symbol,
                        c.symbol,
                        qty,
                        px,
                        qty * px,
                        avg,
                        qty * (px - avg),
                        0,
                        account,
                    ]
                )
        s.send([*messages, [8, 1, "12:00"], [54, 1, account]])

    def _on_account_updates_multi(self, s: Session, f: list[str]) -> None:
        req_id, account, model = f[2], f[3], f[4]
        messages: list[list[Field]] = [
            [73, 1, req_id, account, model, key, value, currency]
            for key, value, currency in self.account_values(self.prices)
        ]
        s.send([*messages, [74, 1, req_id]])

    def _on_executions(self, s: Session, f: list[str]) -> None:
        req_id, client_filter, symbol = int(f[2]), int(f[3] or 0), f[6]
        messages: list[list[Field]] = []
        for e in self.executions:
            if client_filter and e.order.client_id != client_filter:
                continue
            if symbol and e.order.contract.symbol != symbol:
                continue
            messages.append(wire.exec_details(self._exec_view(e, req_id)))
            messages.append(wire.commission_report(e.exec_id, e.commission, e.currency))
        s.send([*messages, [55, 1, req_id]])

    def _on_req_ids(self, s: Session, f: list[str]) -> None:
        s.send([[9, 1, self.next_order_id(s.client_id)]])

    def _on_contract_details(self, s: Session, f: list[str]) -> None:
        req_id, symbol = int(f[2]), f[4]
        contract = self.contracts.get(symbol)
        if contract is None:
            s.send(
                [wire.error(req_id, 200, "No security definition has been found for the request")]
            )
            return
        s.send([wire.contract_data(req_id, contract), [52, 1, req_id]])

    def _on_current_time(self, s: Session, f: list[str]) -> None:
        s.send([[49, 1, self._clock.now_ns() // 1_000_000_000]])

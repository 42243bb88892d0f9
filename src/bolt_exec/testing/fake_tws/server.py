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
import contextlib
import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import TracebackType

from bolt_exec.clock import Clock, LiveClock, ns_to_datetime
from bolt_exec.testing.fake_tws import wire
from bolt_exec.testing.fake_tws.book import Book
from bolt_exec.testing.fake_tws.state import FakeExecution, FakeOrder, Script
from bolt_exec.testing.fake_tws.wire import FakeContract, Field

__all__ = ["DEFAULT_CONTRACTS", "FakeTWS"]

_log = logging.getLogger(__name__)

DEFAULT_CONTRACTS: tuple[FakeContract, ...] = (
    FakeContract(265598, "AAPL"),
    FakeContract(272093, "MSFT"),
    FakeContract(76792991, "TSLA"),
)


class _Session:
    """One client connection."""

    def __init__(self, writer: asyncio.StreamWriter, client_id: int) -> None:
        self.writer = writer
        self.client_id = client_id
        self.positions_subscribed = False

    def send(self, messages: Sequence[list[Field]]) -> None:
        if not self.writer.is_closing():
            self.writer.write(wire.join(messages))

    def abort(self) -> None:
        transport = self.writer.transport
        transport.abort()


class FakeTWS(Book):
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
            contracts=contracts, cash=cash, commission_per_share=commission_per_share,
            min_commission=min_commission,
        )
        self.accounts = tuple(accounts)
        self.prices: dict[str, Decimal] = dict(prices or {})
        self.script = Script()
        self.requests: list[list[str]] = []
        self.connections = 0
        self._clock: Clock = clock or LiveClock()
        self._sessions: dict[int, _Session] = {}
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
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def drop_connections(self) -> None:
        """Close every client socket at once (a gateway crash or network cut)."""
        for session in list(self._sessions.values()):
            session.abort()
        self._sessions.clear()

    def is_connected(self, client_id: int) -> bool:
        """True while a client with this id is connected."""
        return client_id in self._sessions

    # --- driving the market ----------------------------------------------------------------
    def set_price(self, symbol: str, px: Decimal) -> list[FakeExecution]:
        """Move the market; resting orders the new price crosses fill there."""
        self.prices[symbol] = px
        done: list[FakeExecution] = []
        for order in list(self.orders.values()):
            if order.contract.symbol == symbol and not order.is_done and self._crosses(order, px):
                done.append(self.fill(order.order_id, order.remaining, px, client_id=order.client_id))
        return done

    def fill(
        self, order: int | str, qty: Decimal, px: Decimal, *, client_id: int | None = None
    ) -> FakeExecution:
        """Execute ``qty`` at ``px`` against an order (by orderId or orderRef) and report it."""
        target = self.find(order, client_id)
        execution = self.execute(target, qty, px, self._time(), self._clock.now_ns())
        self._send_fill_messages(execution)
        return execution

    def cancel_by_venue(self, order: int | str, reason: str = "") -> None:
        """TWS cancels the order by itself (end of day, margin): orderStatus Cancelled + 202."""
        target = self.find(order, None)
        target.status = "Cancelled"
        self._to_owner(target, [self._status(target), wire.error(
            target.order_id, 202, f"Order Canceled - reason:{reason}")])

    # --- connection handling ---------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        session: _Session | None = None
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

    def _start_api(self, writer: asyncio.StreamWriter, fields: list[str]) -> _Session | None:
        if fields[0] != "71":
            return None
        client_id = int(fields[2])
        if client_id in self._sessions:
            writer.write(wire.frame(wire.error(-1, 326, "Unable to connect as the client id "
                                               "is already in use. Retry with a unique "
                                               "client id.")))
            writer.transport.abort()
            return None
        session = _Session(writer, client_id)
        self._sessions[client_id] = session
        self.connections += 1
        next_id = self.script.next_valid_id
        self.script.next_valid_id = None
        if next_id is None:
            next_id = self.next_order_id(client_id)
        session.send([[15, 1, ",".join(self.accounts)], [9, 1, next_id],
                      wire.error(-1, 2104, "Market data farm connection is OK:usfarm")])
        return session

    def _dispatch(self, s: _Session, f: list[str]) -> None:
        msg_id = int(f[0])
        handler = {
            3: self._on_place, 4: self._on_cancel, 5: self._on_open_orders,
            16: self._on_all_open_orders, 99: self._on_completed_orders, 61: self._on_positions,
            64: self._on_cancel_positions, 6: self._on_account_updates,
            76: self._on_account_updates_multi, 7: self._on_executions, 8: self._on_req_ids,
            9: self._on_contract_details, 49: self._on_current_time, 58: self._on_global_cancel,
        }.get(msg_id)
        if handler is None:
            _log.debug("fake TWS ignores message %s", msg_id)
            return
        handler(s, f)

    # --- orders ----------------------------------------------------------------------------
    def _on_place(self, s: _Session, f: list[str]) -> None:
        order_id = int(f[1])
        qty, lmt, aux = Decimal(f[17] or "0"), _dec(f[19]), _dec(f[20])
        existing = self.orders.get((s.client_id, order_id))
        if existing is not None:
            self._on_modify(s, existing, qty, lmt, aux)
            return
        problem = self.check_new(s.client_id, order_id, f[3], qty)
        if problem is None and self.script.reject_next:
            problem = self.script.reject_next.pop(0)
        if problem is not None:
            self.note_id(s.client_id, order_id)
            s.send([wire.error(order_id, *problem)])
            return
        order = self.add_order(
            client_id=s.client_id, order_id=order_id, symbol=f[3], action=f[16], qty=qty,
            order_type=f[18], lmt=lmt, aux=aux, tif=f[21],
            account=f[23] or self.accounts[0], order_ref=f[26], good_till_date=f[38],
        )
        if self.script.disconnect_on_next_order:
            # the order reached TWS and works; the client never hears about it
            self.script.disconnect_on_next_order = False
            order.status = "Submitted"
            self.drop_connections()
            return
        pre = [self._open(order, "PreSubmitted"), self._status(order, "PreSubmitted")]
        order.status = "Submitted"
        ack = [self._open(order), self._status(order)]
        fills = self._fill_plan(order)
        if self.script.out_of_order:
            # stale acks arrive after the fills they precede at the venue
            executions = [self._execute_quietly(order, q, px) for q, px in fills]
            body = [m for e in executions for m in self._fill_messages(e)[0]]
            late = [m for e in executions for m in self._fill_messages(e)[1]]
            s.send([*body, *ack, *pre, *late])
            return
        s.send([*pre, *ack])
        for q, px in fills:
            self.fill(order.order_id, q, px, client_id=s.client_id)

    def _on_modify(
        self, s: _Session, order: FakeOrder, qty: Decimal, lmt: Decimal | None,
        aux: Decimal | None,
    ) -> None:
        if order.is_done:
            s.send([wire.error(order.order_id, 104, f"Cannot modify an order that is "
                                                    f"{order.status}.")])
            return
        if self.script.reject_modify_next:
            s.send([wire.error(order.order_id, *self.script.reject_modify_next.pop(0))])
            return
        order.qty, order.lmt_price, order.aux_price = qty, lmt, aux
        order.modifications += 1
        s.send([self._open(order), self._status(order)])
        px = self.prices.get(order.contract.symbol)
        if px is not None and self._crosses(order, px):
            self.fill(order.order_id, order.remaining, px, client_id=s.client_id)

    def _on_cancel(self, s: _Session, f: list[str]) -> None:
        order_id = int(f[2])
        order = self.orders.get((s.client_id, order_id))
        if order is None:
            s.send([wire.error(order_id, 10147,
                               f"OrderId {order_id} that needs to be cancelled is not found.")])
            return
        if self.script.fill_on_cancel and not order.is_done:
            self.script.fill_on_cancel = False
            px = self.prices.get(order.contract.symbol) or order.lmt_price or Decimal(1)
            self.fill(order.order_id, order.remaining, px, client_id=s.client_id)
        if order.is_done:
            s.send([wire.error(order_id, 10148, f"OrderId {order_id} that needs to be "
                                                f"cancelled cannot be cancelled, state: "
                                                f"{order.status}.")])
            return
        pending = self._status(order, "PendingCancel")
        order.status = "Cancelled"
        s.send([pending, self._status(order), wire.error(order_id, 202,
                                                          "Order Canceled - reason:")])

    def _on_global_cancel(self, s: _Session, f: list[str]) -> None:
        for order in list(self.orders.values()):
            if not order.is_done:
                order.status = "Cancelled"
                self._to_owner(order, [self._status(order)])

    def _fill_plan(self, order: FakeOrder) -> list[tuple[Decimal, Decimal]]:
        px = self.prices.get(order.contract.symbol)
        if px is None or not self._crosses(order, px):
            return []
        if order.order_type == "MKT" and not self.script.auto_fill_market:
            return []
        plan: list[tuple[Decimal, Decimal]] = []
        left = order.qty
        for part in self.script.fill_parts:
            if part < left:
                plan.append((part, px))
                left -= part
        self.script.fill_parts = []
        plan.append((left, px))
        return plan

    @staticmethod
    def _crosses(order: FakeOrder, px: Decimal) -> bool:
        if order.order_type == "MKT":
            return True
        if order.order_type == "LMT" and order.lmt_price is not None:
            return px <= order.lmt_price if order.action == "BUY" else px >= order.lmt_price
        return False

    # --- fills -----------------------------------------------------------------------------
    def _execute_quietly(self, order: FakeOrder, qty: Decimal, px: Decimal) -> FakeExecution:
        return self.execute(order, qty, px, self._time(), self._clock.now_ns())

    def _fill_messages(self, e: FakeExecution) -> tuple[list[list[Field]], list[list[Field]]]:
        """(execDetails + orderStatus [+ openOrder], commissionReport) for one execution."""
        order = e.order
        details = wire.exec_details(self._exec_view(e, -1))
        status = wire.order_status(
            order.order_id, "Filled" if e.cum_qty == order.qty else "Submitted", e.cum_qty,
            order.qty - e.cum_qty, e.avg_price, order.perm_id, e.price, order.client_id,
        )
        body: list[list[Field]] = [details, status]
        if e.cum_qty == order.qty:
            body.append(self._open(order, "Filled"))
        late: list[list[Field]] = []
        if not self.script.withhold_commission:
            late.append(wire.commission_report(e.exec_id, e.commission, e.currency))
        if self.script.duplicate_fills:
            body.append(details)
            late += late
        return body, late

    def _send_fill_messages(self, e: FakeExecution) -> None:
        body, late = self._fill_messages(e)
        messages = [*body, *late]
        session = self._sessions.get(e.order.client_id)
        if session is not None and session.positions_subscribed:
            qty, avg = self.positions.get((e.order.account, e.order.contract.con_id),
                                          (Decimal(0), Decimal(0)))
            messages.append(wire.position(e.order.account, e.order.contract, qty, avg))
        self._to_owner(e.order, messages)

    def _exec_view(self, e: FakeExecution, req_id: int) -> wire.ExecView:
        o = e.order
        return wire.ExecView(
            req_id=req_id, order_id=o.order_id, contract=o.contract, exec_id=e.exec_id,
            time=e.time, account=o.account, exchange="ISLAND",
            side="BOT" if o.action == "BUY" else "SLD", shares=e.shares, price=e.price,
            perm_id=o.perm_id, client_id=o.client_id, cum_qty=e.cum_qty, avg_price=e.avg_price,
            order_ref=o.order_ref, last_liquidity=2 if o.order_type == "MKT" else 1,
        )

    # --- queries ---------------------------------------------------------------------------
    def _send_orders(self, s: _Session, orders: list[FakeOrder]) -> None:
        messages: list[list[Field]] = []
        for order in orders:
            messages += [self._open(order), self._status(order)]
        s.send([*messages, [53, 1]])

    def _on_open_orders(self, s: _Session, f: list[str]) -> None:
        mine = [o for o in self.orders.values() if not o.is_done and
                (s.client_id == 0 or o.client_id == s.client_id)]
        self._send_orders(s, mine)

    def _on_all_open_orders(self, s: _Session, f: list[str]) -> None:
        self._send_orders(s, [o for o in self.orders.values() if not o.is_done])

    def _on_completed_orders(self, s: _Session, f: list[str]) -> None:
        s.send([[102]])  # completed orders are not modelled; executions carry the truth

    def _on_positions(self, s: _Session, f: list[str]) -> None:
        s.positions_subscribed = True
        messages: list[list[Field]] = [
            wire.position(acct, self.contract_by_id(con_id), qty, avg)
            for (acct, con_id), (qty, avg) in self.positions.items()
        ]
        s.send([*messages, [62, 1]])

    def _on_cancel_positions(self, s: _Session, f: list[str]) -> None:
        s.positions_subscribed = False

    def _on_account_updates(self, s: _Session, f: list[str]) -> None:
        if f[2] != "1":
            return
        account = f[3]
        messages: list[list[Field]] = [
            [6, 2, key, value, currency, account]
            for key, value, currency in self.account_values(self.prices)
        ]
        for (acct, con_id), (qty, avg) in self.positions.items():
            if acct == account:
                c = self.contract_by_id(con_id)
                px = self.prices.get(c.symbol, avg)
                messages.append([7, 8, c.con_id, c.symbol, c.sec_type, "", 0, "", "",
                                 c.primary_exchange, c.currency, c.symbol, c.symbol, qty, px,
                                 qty * px, avg, qty * (px - avg), 0, account])
        s.send([*messages, [8, 1, "12:00"], [54, 1, account]])

    def _on_account_updates_multi(self, s: _Session, f: list[str]) -> None:
        req_id, account, model = f[2], f[3], f[4]
        messages: list[list[Field]] = [
            [73, 1, req_id, account, model, key, value, currency]
            for key, value, currency in self.account_values(self.prices)
        ]
        s.send([*messages, [74, 1, req_id]])

    def _on_executions(self, s: _Session, f: list[str]) -> None:
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

    def _on_req_ids(self, s: _Session, f: list[str]) -> None:
        s.send([[9, 1, self.next_order_id(s.client_id)]])

    def _on_contract_details(self, s: _Session, f: list[str]) -> None:
        req_id, symbol = int(f[2]), f[4]
        contract = self.contracts.get(symbol)
        if contract is None:
            s.send([wire.error(req_id, 200, "No security definition has been found for the "
                                            "request")])
            return
        s.send([wire.contract_data(req_id, contract), [52, 1, req_id]])

    def _on_current_time(self, s: _Session, f: list[str]) -> None:
        s.send([[49, 1, self._clock.now_ns() // 1_000_000_000]])

    # --- helpers ---------------------------------------------------------------------------
    def _open(self, order: FakeOrder, status: str | None = None) -> list[Field]:
        return wire.open_order(wire.OpenOrderView(
            order_id=order.order_id, client_id=order.client_id, perm_id=order.perm_id,
            contract=order.contract, action=order.action, qty=order.qty,
            order_type=order.order_type, lmt_price=order.lmt_price, aux_price=order.aux_price,
            tif=order.tif, account=order.account, order_ref=order.order_ref,
            status=status or order.status, good_till_date=order.good_till_date,
        ))

    @staticmethod
    def _status(order: FakeOrder, status: str | None = None) -> list[Field]:
        return wire.order_status(
            order.order_id, status or order.status, order.filled, order.remaining, order.avg_px,
            order.perm_id, order.last_fill_px, order.client_id,
        )

    def _to_owner(self, order: FakeOrder, messages: list[list[Field]]) -> None:
        session = self._sessions.get(order.client_id)
        if session is not None:
            session.send(messages)

    def _time(self) -> str:
        return ns_to_datetime(self._clock.now_ns()).strftime("%Y%m%d %H:%M:%S") + " UTC"


def _dec(text: str) -> Decimal | None:
    if not text or text == "1.7976931348623157E308":
        return None
    with contextlib.suppress(ArithmeticError):
        return Decimal(text)
    return None

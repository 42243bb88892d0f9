"""The fake TWS's order desk: placement, modification, cancels and fill reports.

Holds the client sessions and the misbehaviour script; :class:`FakeTWS` adds the
socket server and the queries on top.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Mapping, Sequence
from decimal import Decimal

from bolt_exec.clock import Clock, LiveClock, ns_to_datetime
from bolt_exec.testing.fake_tws import wire
from bolt_exec.testing.fake_tws.book import Book
from bolt_exec.testing.fake_tws.state import FakeExecution, FakeOrder, Script
from bolt_exec.testing.fake_tws.wire import FakeContract, Field

__all__ = ["OrderDesk", "Session"]


class Session:
    """One client connection."""

    def __init__(self, writer: asyncio.StreamWriter, client_id: int) -> None:
        self.writer = writer
        self.client_id = client_id
        self.positions_subscribed = False
        self.account_subscribed = ""

    def send(self, messages: Sequence[list[Field]]) -> None:
        if not self.writer.is_closing():
            self.writer.write(wire.join(messages))

    def abort(self) -> None:
        transport = self.writer.transport
        transport.abort()


class OrderDesk(Book):
    """Order flow of the fake TWS (see :class:`~bolt_exec.testing.fake_tws.FakeTWS`)."""

    def __init__(
        self,
        *,
        accounts: Sequence[str],
        prices: Mapping[str, Decimal] | None,
        contracts: Sequence[FakeContract],
        cash: Decimal,
        commission_per_share: Decimal,
        min_commission: Decimal,
        clock: Clock | None,
    ) -> None:
        super().__init__(
            contracts=contracts,
            cash=cash,
            commission_per_share=commission_per_share,
            min_commission=min_commission,
        )
        self.accounts = tuple(accounts)
        self.prices: dict[str, Decimal] = dict(prices or {})
        self.script = Script()
        self._clock: Clock = clock or LiveClock()
        self._sessions: dict[int, Session] = {}

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
                done.append(
                    self.fill(order.order_id, order.remaining, px, client_id=order.client_id)
                )
        return done

    def fill(
        self, order: int | str, qty: Decimal, px: Decimal, *, client_id: int | None = None
    ) -> FakeExecution:
        """Execute ``qty`` at ``px`` against an order (by orderId or orderRef) and report it."""
        target = self.find(order, client_id)
        execution = self.execute(target, qty, px, self._time(), self._clock.now_ns())
        self._send_fill_messages(execution)
        return execution

    def correct_execution(self, exec_id: str, px: Decimal) -> FakeExecution:
        """Correct an execution's price: re-send it under the next execId suffix (``.02``)."""
        old = next(e for e in self.executions if e.exec_id == exec_id)
        head, _, last = exec_id.rpartition(".")
        fixed = dataclasses.replace(old, exec_id=f"{head}.{int(last) + 1:02d}", price=px)
        self.executions[self.executions.index(old)] = fixed
        body, late = self._fill_messages(fixed)
        self._to_owner(old.order, [body[0], *late])
        return fixed

    def redeliver(self, order: int | str) -> FakeExecution:
        """Send an order's latest execution again, unchanged (TWS repeats execDetails on
        re-subscription and after reconnects); the same execId arrives twice."""
        target = self.find(order, None)
        last = [e for e in self.executions if e.order is target]
        if not last:
            raise KeyError(f"fake TWS order {order!r} has no execution to redeliver")
        self._send_fill_messages(last[-1])
        return last[-1]

    def cancel_by_venue(self, order: int | str, reason: str = "") -> None:
        """TWS cancels the order by itself (end of day, margin): orderStatus Cancelled + 202."""
        target = self.find(order, None)
        target.mark("Cancelled")
        self._to_owner(
            target,
            [
                self._status(target),
                wire.error(target.order_id, 202, f"Order Canceled - reason:{reason}"),
            ],
        )

    # --- orders ----------------------------------------------------------------------------
    def _on_place(self, s: Session, f: list[str]) -> None:
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
            client_id=s.client_id,
            order_id=order_id,
            symbol=f[3],
            action=f[16],
            qty=qty,
            order_type=f[18],
            lmt=lmt,
            aux=aux,
            tif=f[21],
            account=f[23] or self.accounts[0],
            order_ref=f[26],
            good_till_date=f[38],
        )
        if self.script.disconnect_on_next_order:
            # the order reached TWS and works; the client never hears about it
            self.script.disconnect_on_next_order = False
            order.mark("Submitted")
            self.drop_connections()
            return
        pre = [self._open(order, "PreSubmitted"), self._status(order, "PreSubmitted")]
        order.mark("Submitted")
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
        self,
        s: Session,
        order: FakeOrder,
        qty: Decimal,
        lmt: Decimal | None,
        aux: Decimal | None,
    ) -> None:
        if order.is_done:
            s.send(
                [wire.error(order.order_id, 104, f"Cannot modify an order that is {order.status}.")]
            )
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

    def _on_cancel(self, s: Session, f: list[str]) -> None:
        order_id = int(f[2])
        order = self.orders.get((s.client_id, order_id))
        if order is None:
            s.send(
                [
                    wire.error(
                        order_id,
                        10147,
                        f"OrderId {order_id} that needs to be cancelled is not found.",
                    )
                ]
            )
            return
        if self.script.fill_on_cancel and not order.is_done:
            self.script.fill_on_cancel = False
            # a resting limit that fills in the race fills at its limit, never through it
            px = order.lmt_price or self.prices.get(order.contract.symbol) or Decimal(1)
            self.fill(order.order_id, order.remaining, px, client_id=s.client_id)
        if order.is_done:
            s.send(
                [
                    wire.error(
                        order_id,
                        10148,
                        f"OrderId {order_id} that needs to be "
                        f"cancelled cannot be cancelled, state: "
                        f"{order.status}.",
                    )
                ]
            )
            return
        pending = self._status(order, "PendingCancel")
        order.mark("Cancelled")
        s.send(
            [pending, self._status(order), wire.error(order_id, 202, "Order Canceled - reason:")]
        )

    def _on_global_cancel(self, s: Session, f: list[str]) -> None:
        for order in list(self.orders.values()):
            if not order.is_done:
                order.mark("Cancelled")
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
        buy = order.action == "BUY"
        if order.order_type in ("STP", "STP LMT"):
            # a stop triggers when the market reaches it (auxPrice carries the trigger)
            stop = order.aux_price
            if stop is None or (px < stop if buy else px > stop):
                return False
            if order.order_type == "STP":
                return True
        elif order.order_type == "MKT":
            return True
        if order.lmt_price is None:
            return False
        return px <= order.lmt_price if buy else px >= order.lmt_price

    # --- fills -----------------------------------------------------------------------------
    def _execute_quietly(self, order: FakeOrder, qty: Decimal, px: Decimal) -> FakeExecution:
        return self.execute(order, qty, px, self._time(), self._clock.now_ns())

    def _fill_messages(self, e: FakeExecution) -> tuple[list[list[Field]], list[list[Field]]]:
        """(execDetails + orderStatus [+ openOrder], commissionReport) for one execution."""
        order = e.order
        details = wire.exec_details(self._exec_view(e, -1))
        status = wire.order_status(
            order.order_id,
            "Filled" if e.cum_qty == order.qty else "Submitted",
            e.cum_qty,
            order.qty - e.cum_qty,
            e.avg_price,
            order.perm_id,
            e.price,
            order.client_id,
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
            qty, avg = self.positions.get(
                (e.order.account, e.order.contract.con_id), (Decimal(0), Decimal(0))
            )
            messages.append(wire.position(e.order.account, e.order.contract, qty, avg))
        if session is not None and session.account_subscribed:
            account = session.account_subscribed
            messages += [  # TWS streams account values to a reqAccountUpdates subscriber
                [6, 2, key, value, currency, account]
                for key, value, currency in self.account_values(self.prices)
            ]
        self._to_owner(e.order, messages)

    def _exec_view(self, e: FakeExecution, req_id: int) -> wire.ExecView:
        o = e.order
        return wire.ExecView(
            req_id=req_id,
            order_id=o.order_id,
            contract=o.contract,
            exec_id=e.exec_id,
            time=e.time,
            account=o.account,
            exchange="ISLAND",
            side="BOT" if o.action == "BUY" else "SLD",
            shares=e.shares,
            price=e.price,
            perm_id=o.perm_id,
            client_id=o.client_id,
            cum_qty=e.cum_qty,
            avg_price=e.avg_price,
            order_ref=o.order_ref,
            last_liquidity=2 if o.order_type == "MKT" else 1,
        )

    # --- helpers ---------------------------------------------------------------------------
    def _open(self, order: FakeOrder, status: str | None = None) -> list[Field]:
        return wire.open_order(self._view(order, status))

    @staticmethod
    def _view(order: FakeOrder, status: str | None = None) -> wire.OpenOrderView:
        return wire.OpenOrderView(
            order_id=order.order_id,
            client_id=order.client_id,
            perm_id=order.perm_id,
            contract=order.contract,
            action=order.action,
            qty=order.qty,
            order_type=order.order_type,
            lmt_price=order.lmt_price,
            aux_price=order.aux_price,
            tif=order.tif,
            account=order.account,
            order_ref=order.order_ref,
            status=status or order.status,
            good_till_date=order.good_till_date,
        )

    @staticmethod
    def _status(order: FakeOrder, status: str | None = None) -> list[Field]:
        return wire.order_status(
            order.order_id,
            status or order.status,
            order.filled,
            order.remaining,
            order.avg_px,
            order.perm_id,
            order.last_fill_px,
            order.client_id,
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

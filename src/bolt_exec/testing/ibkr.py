"""Test kit for the IBKR adapter: a connected IbkrBroker, the fake TWS behind it, its events.

The shared adapter contract suite and ``tests/adapters/ibkr`` build on
:class:`IbkrVenue`: ``broker`` is connected (the real ib_async client on a
loopback socket), ``tws`` drives the market and scripts misbehaviour, ``events``
is everything the adapter emitted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, overload

from bolt_exec.adapters.ibkr import IbkrBroker, IbkrConfig
from bolt_exec.clock import SimClock
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderType, Side
from bolt_exec.model.events import (
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderSubmitted,
)
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.order import Order
from bolt_exec.testing.fake_tws import FakeTWS

_E = TypeVar("_E", bound=OrderEvent)

__all__ = ["AAPL", "START_NS", "IbkrVenue", "make_config", "open_venue", "submit_cmd"]

START_NS = 1_790_000_000_000_000_000
AAPL = Instrument(symbol="AAPL", venue="SMART")
"""The instrument the harness trades (the fake knows AAPL, MSFT, TSLA)."""


@dataclass
class IbkrVenue:
    """A connected adapter, the fake behind it and what the adapter emitted."""

    broker: IbkrBroker
    tws: FakeTWS
    clock: SimClock
    events: list[OrderEvent] = field(default_factory=list)
    journal: list[OrderEvent] = field(default_factory=list)

    # --- driving the venue (what a venue-agnostic contract suite needs) ------------------
    def set_price(self, symbol: str, px: Decimal) -> None:
        """Move the fake's market; resting orders it crosses fill there."""
        self.tws.set_price(symbol, px)

    def fill(self, client_order_id: str, qty: Decimal, px: Decimal) -> None:
        """Have the venue execute ``qty`` at ``px`` against an order."""
        self.tws.fill(client_order_id, qty, px)

    def reject_next(self, code: int = 201, text: str = "Order rejected - reason:test") -> None:
        """Make the venue refuse the next new order."""
        self.tws.script.reject_next.append((code, text))

    def drop_connection(self) -> None:
        """Cut the socket (the adapter reconnects by itself)."""
        self.tws.drop_connections()

    async def reconnected(self, connections: int = 2, timeout: float = 5.0) -> None:
        """Wait until the adapter is connected and synced over its ``connections``-th socket."""
        await self.wait_for(
            lambda: self.broker.is_connected and self.tws.connections >= connections, timeout
        )

    def record(self, event: OrderEvent) -> None:
        """The sink bound to the broker: keep what the adapter emitted."""
        self.events.append(event)
        self.journal.append(event)

    # --- commands, journaled the way the OMS journals them --------------------------------
    def submit(self, command: SubmitOrder, *, send: bool = True) -> None:
        """Journal OrderInitialized + OrderSubmitted, then submit through the adapter.

        ``send=False`` only journals (an OMS recovering an order it sent before a crash).
        """
        ts = self.clock.now_ns()
        self.journal.append(
            OrderInitialized(
                client_order_id=command.client_order_id,
                ts_event=ts,
                ts_init=ts,
                symbol=command.symbol,
                side=command.side,
                order_type=command.order_type,
                qty=command.qty,
                limit_px=command.limit_px,
                stop_px=command.stop_px,
                tif=command.tif,
                broker=self.broker.name,
            )
        )
        self.journal.append(
            OrderSubmitted(
                client_order_id=command.client_order_id,
                ts_event=ts,
                ts_init=ts,
                broker=self.broker.name,
            )
        )
        if send:
            self.broker.submit(command)

    def cancel(self, client_order_id: str) -> None:
        """Journal OrderPendingCancel, then cancel through the adapter."""
        ts = self.clock.now_ns()
        self.journal.append(
            OrderPendingCancel(client_order_id=client_order_id, ts_event=ts, ts_init=ts)
        )
        self.broker.cancel(CancelOrder(client_order_id=client_order_id, symbol=AAPL.symbol))

    def amend(
        self, client_order_id: str, *, qty: Decimal | None = None, limit_px: Decimal | None = None
    ) -> None:
        """Journal OrderPendingReplace, then amend through the adapter."""
        ts = self.clock.now_ns()
        self.journal.append(
            OrderPendingReplace(
                client_order_id=client_order_id, ts_event=ts, ts_init=ts, qty=qty, limit_px=limit_px
            )
        )
        self.broker.amend(
            AmendOrder(
                client_order_id=client_order_id, symbol=AAPL.symbol, qty=qty, limit_px=limit_px
            )
        )

    def order(self, client_order_id: str) -> Order:
        """Replay the journal through the real order state machine (InvalidTransition if the
        adapter said something the OMS cannot accept)."""
        entries = [e for e in self.journal if e.client_order_id == client_order_id]
        init = entries[0]
        if not isinstance(init, OrderInitialized):
            raise AssertionError(f"{client_order_id!r} was not submitted through the harness")
        order = Order(init)
        for event in entries[1:]:
            order.apply(event)
        return order

    @overload
    def of(self, client_order_id: str) -> list[OrderEvent]: ...
    @overload
    def of(self, client_order_id: str, kind: type[_E]) -> list[_E]: ...

    def of(self, client_order_id: str, kind: type[OrderEvent] | None = None) -> list[Any]:
        """Events for one order (optionally of one type), in emission order."""
        return [
            e
            for e in self.events
            if e.client_order_id == client_order_id and (kind is None or isinstance(e, kind))
        ]

    def fills(self, client_order_id: str) -> list[OrderFilled]:
        """Fill events for one order."""
        return [e for e in self.of(client_order_id) if isinstance(e, OrderFilled)]

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Let the loop run until ``condition()`` holds (fail after ``timeout`` seconds)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            if loop.time() > deadline:
                raise AssertionError(f"condition not met in {timeout}s; events: {self.events}")
            await asyncio.sleep(0.005)

    async def settle(self, rounds: int = 20) -> None:
        """Let in-flight messages land (for asserting that something did NOT happen)."""
        for _ in range(rounds):
            await asyncio.sleep(0.005)


def make_config(port: int, **overrides: object) -> IbkrConfig:
    """A test configuration pointing at the fake (short timeouts and back-off)."""
    settings: dict[str, object] = {
        "port": port,
        "client_id": 7,
        "account": "DU1234567",
        "connect_timeout": 5.0,
        "request_timeout": 5.0,
        "commission_wait": 0.3,
        "reconnect_delays": (0.05, 0.1),
        **overrides,
    }
    return IbkrConfig.load(**settings)


def submit_cmd(
    client_order_id: str,
    qty: str = "5",
    order_type: OrderType = OrderType.MARKET,
    limit_px: str | None = None,
    side: Side = Side.BUY,
) -> SubmitOrder:
    """A SubmitOrder for AAPL."""
    return SubmitOrder(
        client_order_id=client_order_id,
        symbol="AAPL",
        side=side,
        order_type=order_type,
        qty=Decimal(qty),
        limit_px=None if limit_px is None else Decimal(limit_px),
    )


@asynccontextmanager
async def open_venue(**config: object) -> AsyncIterator[IbkrVenue]:
    """Start a fake TWS (AAPL at 190) and connect an IbkrBroker to it."""
    async with FakeTWS(prices={"AAPL": Decimal("190")}, clock=SimClock(START_NS)) as tws:
        clock = SimClock(START_NS)
        broker = IbkrBroker(make_config(tws.port, **config), instruments=[AAPL])
        harness = IbkrVenue(broker=broker, tws=tws, clock=clock)
        broker.bind(harness.record, clock)
        await broker.connect()
        try:
            yield harness
        finally:
            await broker.disconnect()

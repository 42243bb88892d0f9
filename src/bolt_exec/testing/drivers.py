"""VenueDrivers for the adapter contract suite over the wire-level fakes.

Each driver makes one fake venue do what :class:`~bolt_exec.testing.contract.AdapterContract`
asks (fill, reject, race a cancel, redeliver, drop the connection) through the fake's
own test hooks; the adapter under test only ever sees the venue's real wire protocol.

* :class:`IbkrDriver`: :class:`~bolt_exec.testing.fake_tws.FakeTWS` behind ``IbkrBroker``.
* :class:`BinanceDriver`: :class:`~bolt_exec.testing.fake_binance.FakeBinance` behind
  ``BinanceSpotBroker`` (REST + WebSocket user stream).
* :class:`CcxtBinanceDriver`: the same fake behind ``CcxtBroker`` (REST polling).
* :class:`OkxDriver`: :class:`~bolt_exec.testing.fake_okx.FakeOkx` behind ``CcxtBroker``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from bolt_exec.adapters.base import BrokerBase
from bolt_exec.adapters.ccxt import CcxtBroker
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.testing.contract import VenueDriver
from bolt_exec.testing.fake_binance import FakeBinance
from bolt_exec.testing.fake_okx import FakeOkx
from bolt_exec.testing.fake_tws import FakeTWS

__all__ = ["BinanceDriver", "CcxtBinanceDriver", "IbkrDriver", "OkxDriver", "poll_until"]


async def poll_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the loop run until ``predicate()``; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.005)


class IbkrDriver(VenueDriver):
    """Drives a FakeTWS (AAPL at 190) for an ``IbkrBroker`` connected to it."""

    symbol = "AAPL"
    qty = Decimal(4)
    passive_px = Decimal("180.00")
    amend_px = Decimal("180.50")
    market_px = Decimal(190)

    def __init__(self, tws: FakeTWS, broker: BrokerBase) -> None:
        self.tws = tws
        self.broker = broker

    def make_marketable(self, symbol: str) -> None:
        self.tws.script.auto_fill_market = True
        self.tws.set_price(symbol, self.market_px)

    def fill(self, client_order_id: str, qty: Decimal) -> None:
        # the adapter sends our client order id as orderRef
        self.tws.fill(client_order_id, qty, self.passive_px)

    def prepare_reject(self, command: SubmitOrder) -> tuple[SubmitOrder, str]:
        self.tws.script.reject_next.append((201, "Order rejected - reason:MARGIN SHORTFALL"))
        return command, "MARGIN SHORTFALL"

    def fill_on_cancel_next(self, client_order_id: str) -> None:
        self.tws.script.fill_on_cancel = True

    def redeliver(self, client_order_id: str) -> None:
        self.tws.redeliver(client_order_id)

    async def disconnect(self) -> None:
        self.tws.drop_connections()
        await self.wait_for(lambda: not self.broker.is_connected)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        await poll_until(predicate, timeout)


class BinanceDriver(VenueDriver):
    """Drives a FakeBinance (BTCUSDT at 40,000) for ``BinanceSpotBroker``."""

    symbol = "BTCUSDT"
    venue_symbol = "BTCUSDT"
    qty = Decimal("0.004")
    passive_px = Decimal("30000.00")
    amend_px = Decimal("30000.50")

    def __init__(self, fake: FakeBinance, broker: BrokerBase) -> None:
        self.fake = fake
        self.broker = broker

    def _order_id(self, client_order_id: str) -> int:
        return self.fake.venue.find(self.venue_symbol, client_order_id=client_order_id).order_id

    def make_marketable(self, symbol: str) -> None:
        self.fake.venue.prices[self.venue_symbol] = Decimal(40000)

    def fill(self, client_order_id: str, qty: Decimal) -> None:
        self.fake.venue.fill(self._order_id(client_order_id), qty)

    def prepare_reject(self, command: SubmitOrder) -> tuple[SubmitOrder, str]:
        self.fake.script.reject_next = (-2010, "Account has insufficient balance for requested")
        return command, "insufficient balance"

    def fill_on_cancel_next(self, client_order_id: str) -> None:
        self.fake.script.fill_on_cancel = "full"

    def redeliver(self, client_order_id: str) -> None:
        self.fake.venue.redeliver(self._order_id(client_order_id))

    async def disconnect(self) -> None:
        # The adapter resubscribes by itself within milliseconds; what matters is that
        # the contract's next fill is published while no subscription is live (missed).
        await self.fake.drop_streams()
        assert self.fake.hub.subscribers == 0

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        await poll_until(predicate, timeout)


class _Restartable(Protocol):
    port: int

    async def start(self, port: int = 0) -> None: ...
    async def stop(self) -> None: ...


class _PollingReplay:
    """For REST-polling adapters (ccxt): redelivery is a poll, a blip is the venue going away.

    Every poll re-reads the venue's trades and orders, so each poll after a fill is a
    redelivery of it: ``redeliver`` lets a few polls run before the contract's next
    step. ``disconnect`` takes the fake off the network (its listener closes, polls
    fail); the next ``wait_for`` (the contract waits for ``is_connected`` after
    ``connect()``) brings it back on the same port, with whatever filled meanwhile.
    """

    poll_interval_s: float
    _replays: int = 0
    _outage_port: int = 0

    def _server(self) -> _Restartable:
        raise NotImplementedError

    def redeliver(self, client_order_id: str) -> None:
        self._replays = 3

    async def disconnect(self) -> None:
        self._outage_port = self._server().port
        await self._server().stop()
        await asyncio.sleep(self.poll_interval_s * 3)  # a few polls fail against it

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        if self._outage_port:
            port, self._outage_port = self._outage_port, 0
            await self._server().start(port)
        if self._replays:
            polls, self._replays = self._replays, 0
            await asyncio.sleep(self.poll_interval_s * polls + 0.02)
        await poll_until(predicate, timeout)


class CcxtBinanceDriver(_PollingReplay, BinanceDriver):
    """Drives a FakeBinance for ``CcxtBroker`` on ccxt's ``binance`` class (REST polling)."""

    symbol = "BTC/USDT"

    def __init__(self, fake: FakeBinance, broker: CcxtBroker) -> None:
        super().__init__(fake, broker)
        self.poll_interval_s = broker.config.poll_interval_s

    def _server(self) -> _Restartable:
        return self.fake


class OkxDriver(_PollingReplay, VenueDriver):
    """Drives a FakeOkx (BTC-USDT at 40,000) for ``CcxtBroker`` on ccxt's ``okx`` class."""

    symbol = "BTC/USDT"
    qty = Decimal("0.004")
    passive_px = Decimal("30000.0")
    amend_px = Decimal("30000.5")

    def __init__(self, fake: FakeOkx, broker: CcxtBroker) -> None:
        self.fake = fake
        self.broker = broker
        self.poll_interval_s = broker.config.poll_interval_s
        self._venue_ids = broker.venue_client_id

    def _server(self) -> _Restartable:
        return self.fake

    def _ord_id(self, client_order_id: str) -> str:
        cl = self._venue_ids(client_order_id)  # OKX carries our id escaped to alphanumerics
        return next(o.ord_id for o in reversed(self.fake.orders.values()) if o.cl_ord_id == cl)

    def make_marketable(self, symbol: str) -> None:
        self.fake.price = Decimal(40000)  # the fake fills market orders at its price

    def fill(self, client_order_id: str, qty: Decimal) -> None:
        self.fake.fill(self._ord_id(client_order_id), qty)

    def prepare_reject(self, command: SubmitOrder) -> tuple[SubmitOrder, str]:
        self.fake.script.reject_next = ("51008", "Order failed. Insufficient USDT balance")
        return command, "Insufficient USDT balance"

    def fill_on_cancel_next(self, client_order_id: str) -> None:
        self.fake.script.fill_on_cancel = True

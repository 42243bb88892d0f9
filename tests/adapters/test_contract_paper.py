"""The adapter contract suite, run for the PaperBroker on a SimClock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest
import pytest_asyncio

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.clock import SimClock
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.model.instrument import Instrument
from bolt_exec.testing.contract import AdapterContract, EventRecorder, VenueDriver

START_NS = 1_763_800_000_000_000_000
STEP_NS = 1_000_000  # one paper latency


class PaperDriver(VenueDriver):
    """Drives the paper venue with quotes and trade prints, advancing the SimClock."""

    symbol = "AAPL"
    qty = Decimal(4)
    passive_px = Decimal("100.00")
    amend_px = Decimal("100.01")
    supports_redelivery = False  # the paper venue delivers each event exactly once

    def __init__(self, paper: PaperBroker, clock: SimClock) -> None:
        self.paper = paper
        self.clock = clock
        self._race: str | None = None
        self.quote()

    def quote(self) -> None:
        self.paper.on_quote(self.symbol, "149.99", "150.01", 1000, 1000, self.clock.now_ns())

    def make_marketable(self, symbol: str) -> None:
        self.quote()

    def fill(self, client_order_id: str, qty: Decimal) -> None:
        # a print one tick through our resting buy fills us, up to the printed size
        self.paper.on_trade(
            self.symbol, self.passive_px - Decimal("0.01"), qty, self.clock.now_ns()
        )

    def prepare_reject(self, command: SubmitOrder) -> tuple[SubmitOrder, str]:
        odd = SubmitOrder(
            client_order_id=command.client_order_id,
            symbol=command.symbol,
            side=command.side,
            order_type=command.order_type,
            qty=Decimal("0.5"),
            limit_px=command.limit_px,
        )
        return odd, "lot"

    def fill_on_cancel_next(self, client_order_id: str) -> None:
        self._race = client_order_id

    async def disconnect(self) -> None:
        await self.paper.disconnect()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        if self._race is not None:  # the print lands while the cancel is in flight
            coid, self._race = self._race, None
            self.fill(coid, self.qty)
        for _ in range(int(timeout * 1000)):
            if predicate():
                return
            self.clock.advance_by(STEP_NS)
        raise AssertionError(f"condition not met within {timeout} s of simulated time")


class TestPaperContract(AdapterContract):
    @pytest.fixture
    def clock(self) -> SimClock:
        return SimClock(START_NS)

    @pytest_asyncio.fixture
    async def adapter(self, clock: SimClock, recorder: EventRecorder) -> AsyncIterator[PaperBroker]:
        paper = PaperBroker(
            [Instrument(symbol="AAPL", venue="XNAS")], latency_ns=STEP_NS, session_close=None
        )
        paper.bind(recorder, clock)
        await paper.connect()
        yield paper
        await paper.disconnect()

    @pytest.fixture
    def venue(self, adapter: PaperBroker, clock: SimClock) -> PaperDriver:
        return PaperDriver(adapter, clock)

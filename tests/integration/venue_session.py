"""One OMS on the real PaperBroker whose events can be lost, for reconciliation tests.

Two ways to lose what the venue says, both as on a real link:

* :meth:`LossyVenue.drop` / :meth:`~LossyVenue.restore` use the paper broker's own
  disconnect: what the venue does on its own meanwhile (fills from quotes) is lost,
  and so are our commands;
* :meth:`LossyVenue.deaf` / :meth:`~LossyVenue.hear` lose only the venue's answers:
  a command we send still reaches it (the request went out, then the process
  crashed or the stream died before the answer was read). A disconnect cannot do
  that: the paper venue drops commands while disconnected.
"""

from __future__ import annotations

from decimal import Decimal

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.clock import SimClock
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderEvent
from bolt_exec.model.instrument import Instrument
from bolt_exec.oms.manager import OrderManager
from bolt_exec.reconcile.diff import DEFAULT_GRACE_NS
from bolt_exec.store import MemoryOrderStore

T0 = 1_704_205_800_000_000_000  # 2024-01-02 14:30 UTC
S = 1_000_000_000
LIMIT = Decimal("99.00")


class LossyVenue:
    """The OMS, the paper venue between it and the market, and a link that can lose events."""

    def __init__(self, paper: PaperBroker | None = None) -> None:
        self.clock = SimClock(T0)
        self.paper = paper or PaperBroker(
            [Instrument("AAPL", venue="XNAS")],
            session_close=None,
            initial_cash={"USD": 100_000_000},
        )
        self.store = MemoryOrderStore()
        self.oms = OrderManager(self.paper, clock=self.clock, store=self.store)
        self.lost: list[OrderEvent] = []
        self.quote()

    # ---------------------------------------------------------------- the market
    def quote(self, ask: str = "100.05", size: int = 1000) -> None:
        """Advance a second and show a new top of book (an ask at or below 99 fills buys)."""
        self.clock.advance_by(S)
        self.paper.on_quote("AAPL", "98.00", ask, size, size, self.clock.now_ns())

    def trade_through(self, size: int) -> None:
        """Sell ``size`` into the resting buys at their limit (they fill, in arrival order)."""
        self.quote(str(LIMIT - Decimal("0.10")), size)
        self.quote()  # and back out of reach

    def rest(self, qty: int) -> str:
        """Place a resting GTC buy limit at 99; return its client order id."""
        h = self.oms.submit("AAPL", "BUY", qty, "LIMIT", limit_px=LIMIT, tif="GTC")
        return h.client_order_id

    # ---------------------------------------------------------------- the link
    async def drop(self) -> None:
        await self.paper.disconnect()

    async def restore(self) -> None:
        await self.paper.connect()

    def deaf(self) -> None:
        self.paper.bind(self.lost.append, self.clock)

    def hear(self) -> None:
        self.paper.bind(self.oms.on_event, self.clock)

    def past_grace(self) -> int:
        """Move past the reconciler's grace period; return the new time."""
        self.clock.advance_by(DEFAULT_GRACE_NS + S)
        return self.clock.now_ns()

    # ---------------------------------------------------------------- the truth
    def venue_status(self, coid: str) -> tuple[OrderStatus, Decimal, Decimal] | None:
        """The venue's (status, qty, filled qty) of an order, or None if it never saw it."""
        r = self.paper.order_report(coid)
        return None if r is None else (r.status, r.qty, r.filled_qty)

    def our_status(self, coid: str) -> tuple[OrderStatus, Decimal, Decimal]:
        o = self.oms.order(coid)
        return (o.status, o.qty, o.filled_qty)

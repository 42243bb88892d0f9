"""A hypothesis state machine drives OrderManager + PaperBroker with random commands and
market moves, and checks the book's invariants after every step."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bolt_exec.adapters.paper import FeeModel, PaperBroker
from bolt_exec.clock import SimClock
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderFilled
from bolt_exec.oms.manager import OrderManager
from bolt_exec.testing.builders import T0, make_instrument

CENT = Decimal("0.01")
AMENDABLE = (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED, OrderStatus.TRIGGERED)


class OmsAndPaper(RuleBasedStateMachine):
    """Random submits, cancels, amends, quotes, prints and time against the invariants."""

    @initialize(latency=st.sampled_from([0, 1_000_000]))
    def setup(self, latency: int) -> None:
        self.clock = SimClock(T0)
        self.inst = make_instrument()
        self.paper = PaperBroker(
            [self.inst],
            latency_ns=latency,
            initial_cash={"USD": 0},
            fees=FeeModel(
                maker_bps=Decimal("-0.2"), taker_bps=Decimal("0.7"), per_order=Decimal("0.01")
            ),
        )
        self.oms = OrderManager(self.paper, clock=self.clock, strict=True)
        self.bid = 10_000
        self.terminal: dict[str, OrderStatus] = {}
        self._quote(300, 300)

    def _quote(self, bid_size: int, ask_size: int) -> None:
        bid, ask = self.bid * CENT, (self.bid + 2) * CENT
        self.paper.on_quote("AAPL", bid, ask, bid_size, ask_size, self.clock.now_ns())
        self.oms.update_mark("AAPL", bid)

    @rule(
        side=st.sampled_from(["BUY", "SELL"]),
        qty=st.integers(1, 600),
        kind=st.sampled_from(["MARKET", "LIMIT", "STOP", "STOP_LIMIT"]),
        offset=st.integers(-5, 5),
        tif=st.sampled_from(["GTC", "DAY", "IOC", "FOK"]),
    )
    def submit(self, side: str, qty: int, kind: str, offset: int, tif: str) -> None:
        px = (self.bid + offset) * CENT
        stop = (self.bid + (abs(offset) + 1) * (1 if side == "BUY" else -1)) * CENT
        kwargs: dict[str, object] = {}
        if kind in ("LIMIT", "STOP_LIMIT"):
            kwargs["limit_px"] = px
        if kind in ("STOP", "STOP_LIMIT"):
            kwargs["stop_px"] = stop
            tif = "GTC"
        self.oms.submit("AAPL", side, qty, kind, tif=tif, **kwargs)

    @precondition(lambda self: any(True for _ in self.oms.open_orders()))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(list(self.oms.open_orders())))
        self.oms.cancel(order.client_order_id)

    @precondition(lambda self: any(o.status in AMENDABLE for o in self.oms.open_orders()))
    @rule(data=st.data(), add=st.integers(1, 300), offset=st.integers(-4, 4))
    def amend(self, data: st.DataObject, add: int, offset: int) -> None:
        order = data.draw(
            st.sampled_from([o for o in self.oms.open_orders() if o.status in AMENDABLE])
        )
        limit = (self.bid + offset) * CENT if order.limit_px is not None else None
        self.oms.amend(order.client_order_id, qty=order.filled_qty + add, limit_px=limit)

    @rule(step=st.integers(-4, 4), bid_size=st.integers(1, 8), ask_size=st.integers(1, 8))
    def market_moves(self, step: int, bid_size: int, ask_size: int) -> None:
        self.bid = max(100, self.bid + step)
        self._quote(bid_size * 100, ask_size * 100)

    @rule(offset=st.integers(-6, 6), size=st.integers(1, 500))
    def trade_prints(self, offset: int, size: int) -> None:
        self.paper.on_trade("AAPL", (self.bid + offset) * CENT, size, self.clock.now_ns())

    @rule(ms=st.integers(0, 5))
    def time_passes(self, ms: int) -> None:
        self.clock.advance_by(ms * 1_000_000)

    # ---------------------------------------------------------------- invariants
    @invariant()
    def quantities_are_consistent(self) -> None:
        for o in self.oms.orders():
            assert 0 <= o.filled_qty <= o.qty
            assert o.leaves_qty == o.qty - o.filled_qty
            assert (o.status is OrderStatus.FILLED) == (o.filled_qty == o.qty)

    @invariant()
    def terminal_states_absorb(self) -> None:
        for o in self.oms.orders():
            if o.client_order_id in self.terminal:
                assert o.status.is_terminal
            if o.status.is_terminal:
                self.terminal[o.client_order_id] = o.status

    @invariant()
    def no_trade_id_applied_twice(self) -> None:
        ids = [
            e.trade_id for o in self.oms.orders() for e in o.events if isinstance(e, OrderFilled)
        ]
        assert len(ids) == len(set(ids))

    @invariant()
    def position_is_the_signed_sum_of_fills_and_matches_the_venue(self) -> None:
        signed = sum(
            (
                e.side.sign * e.last_qty
                for o in self.oms.orders()
                for e in o.events
                if isinstance(e, OrderFilled)
            ),
            Decimal(0),
        )
        pos = self.oms.position("AAPL")
        assert (pos.qty if pos else 0) == signed
        venue = {p.symbol: p.qty for p in self.paper.mass_status_now().positions}
        assert venue.get("AAPL", 0) == signed

    @invariant()
    def cash_and_pnl_conserve(self) -> None:
        flows = self.oms.portfolio.cash_flows().get(("paper", "USD"), Decimal(0))
        assert flows == self.paper.mass_status_now().balances.get("USD", Decimal(0))
        pos = self.oms.position("AAPL")
        if pos is not None:
            mark = pos.last_px or Decimal(0)
            equity = flows + pos.qty * mark
            assert equity == pos.realized_pnl + pos.unrealized_pnl - pos.fees

    @invariant()
    def open_index_matches_statuses(self) -> None:
        assert {o.client_order_id for o in self.oms.open_orders()} == {
            o.client_order_id for o in self.oms.orders() if o.is_open
        }


TestOmsAndPaper = OmsAndPaper.TestCase

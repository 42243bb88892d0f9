"""SafetyManager state machine: HALTED passes nothing new, cancels always pass,
REDUCING never increases exposure, the kill switch latches until reset."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bolt_exec.clock import SimClock
from bolt_exec.model.enums import OrderType, Side
from bolt_exec.model.events import OrderAccepted, OrderCanceled, OrderFilled, OrderSubmitted
from bolt_exec.model.order import Order
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.latch import MemoryLatchStore
from bolt_exec.safety.manager import SafetyManager
from bolt_exec.safety.policy import Policy
from tests.unit.safety.conftest import T0, Book, make_order

SYMBOLS = ("AAPL", "MSFT")
POLICY = Policy.from_mapping(
    {
        "version": 1,
        "enable_trading": True,
        "reference": {"max_age_s": 3600},
        "limits": {"global": {"max_position_qty": 50, "collar_pct": 10}},
        "duplicates": {"window_s": 0},
    }
).compile()


class SafetyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = SimClock(T0)
        self.book = Book(self.clock)
        for s in SYMBOLS:
            self.book.add(s, "100")
        self.manager = SafetyManager(
            POLICY, self.clock, latch_store=MemoryLatchStore(), cash=Decimal(10**7)
        )
        self.working: list[Order] = []
        self.trade = 0

    def _position(self, symbol: str) -> Decimal:
        pos = self.book.position(symbol)
        return pos.qty if pos is not None else Decimal(0)

    def _worst(self, symbol: str) -> Decimal:
        """Worst-case |position| if every working order on one side fills."""
        pos = self._position(symbol)
        buys = sum(
            (o.leaves_qty for o in self.working if o.symbol == symbol and o.side is Side.BUY),
            Decimal(0),
        )
        sells = sum(
            (o.leaves_qty for o in self.working if o.symbol == symbol and o.side is Side.SELL),
            Decimal(0),
        )
        return max(abs(pos + buys), abs(pos - sells))

    @rule(
        symbol=st.sampled_from(SYMBOLS),
        side=st.sampled_from(Side),
        qty=st.integers(1, 80),
        px=st.sampled_from(["95", "100", "105", None]),
        reduce_only=st.booleans(),
    )
    def submit(self, symbol: str, side: Side, qty: int, px: str | None, reduce_only: bool) -> None:
        state = self.manager.trading_state
        before = self._worst(symbol)
        pos_before = self._position(symbol)
        order = make_order(symbol, side, qty, px, reduce_only=reduce_only)
        decision = self.manager.check_submit(order, self.book)
        if state is TradingState.HALTED:
            assert not decision.approved, decision
        if decision.approved:
            coid = order.client_order_id
            order.apply(OrderSubmitted(client_order_id=coid, ts_event=T0, ts_init=T0))
            order.apply(OrderAccepted(client_order_id=coid, ts_event=T0, ts_init=T0))
            self.working.append(order)
            after = self._worst(symbol)
            if state is TradingState.REDUCING or reduce_only:
                assert abs(pos_before) > 0
                assert after <= before or after <= abs(pos_before), (before, after)
            assert after <= 50 or after <= before

    @precondition(lambda self: bool(self.working))
    @rule(data=st.data())
    def fill(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(self.working))
        self.trade += 1
        qty = order.leaves_qty
        order.apply(
            OrderFilled(
                client_order_id=order.client_order_id,
                ts_event=T0,
                ts_init=T0,
                trade_id=f"T{self.trade}",
                symbol=order.symbol,
                side=order.side,
                last_qty=qty,
                last_px=Decimal(100),
            )
        )
        self.manager.on_event("order.filled", order.last_event)
        signed = qty if order.side is Side.BUY else -qty
        self.book.set_position(order.symbol, str(self._position(order.symbol) + signed))
        self.working.remove(order)

    @precondition(lambda self: bool(self.working))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(self.working))
        assert self.manager.check_cancel(order).approved  # cancels always pass
        order.apply(OrderCanceled(client_order_id=order.client_order_id, ts_event=T0, ts_init=T0))
        self.manager.on_event("order.canceled", order.last_event)
        self.working.remove(order)

    @rule(state=st.sampled_from(TradingState))
    def set_state(self, state: TradingState) -> None:
        if self.manager.kill_switch.is_tripped:
            return
        self.manager.set_trading_state(state, "op", "test")

    @rule()
    def trip(self) -> None:
        self.manager.kill_switch.trip("test", "op")

    @rule()
    def reset(self) -> None:
        if self.manager.kill_switch.is_tripped:
            self.manager.kill_switch.reset("op", "reviewed")

    @precondition(lambda self: bool(self.working))
    @rule(data=st.data(), qty=st.integers(1, 80))
    def amend(self, data: st.DataObject, qty: int) -> None:
        order = data.draw(st.sampled_from(self.working))
        state = self.manager.trading_state
        decision = self.manager.check_amend(order, Decimal(qty), None, None, self.book)
        if state is TradingState.HALTED:
            assert not decision.approved

    @invariant()
    def latched_means_halted(self) -> None:
        if self.manager.kill_switch.is_tripped:
            assert self.manager.trading_state is TradingState.HALTED

    @invariant()
    def halted_denies_a_probe(self) -> None:
        if self.manager.trading_state is TradingState.HALTED:
            probe = make_order(
                "AAPL", Side.SELL, 1, None, order_type=OrderType.MARKET, reduce_only=True
            )
            assert not self.manager.check_submit(probe, self.book).approved


SafetyMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestSafetyMachine = SafetyMachine.TestCase

"""AlgoRunner against the real OrderManager, PaperBroker and SimClock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.algos.base import MarketView, ParentOrder
from bolt_exec.algos.runner import AlgoRunner
from bolt_exec.algos.twap import TWAP
from bolt_exec.clock import SimClock
from bolt_exec.errors import UsageError, ValidationError
from bolt_exec.model.enums import OrderStatus, Side
from bolt_exec.model.events import OrderFilled
from bolt_exec.oms.manager import OrderManager
from bolt_exec.safety.decision import APPROVED, Decision
from bolt_exec.store.base import MemoryOrderStore

T0 = 1_704_205_800_000_000_000
MIN = 60 * 10**9


class DictStateStore:
    def __init__(self):
        self.data = {}

    def get_algo_state(self, algo_id):
        return self.data.get(algo_id)

    def put_algo_state(self, algo_id, state):
        self.data[algo_id] = state


class DenyAfter:
    """A real SafetyGate that approves n orders, then denies."""

    def __init__(self, n):
        self.n = n
        self.seen = 0

    def check_submit(self, order, view):
        self.seen += 1
        return APPROVED if self.seen <= self.n else Decision.deny("MAX_ORDERS", "limit reached")

    def check_amend(self, order, qty, limit_px, stop_px, view):
        return APPROVED


class Market:
    def __init__(self, clock):
        self.clock = clock

    def market_view(self, symbol):
        return MarketView(ts=self.clock.now_ns(), bid=100.0, ask=100.02, volume=0.0)


def _session(inst, *, latency_ns=0, safety=None, store=None, halted=None, state_store=None):
    clock = SimClock(T0)
    paper = PaperBroker([inst], latency_ns=latency_ns, session_close=None)
    oms = OrderManager({"paper": paper}, clock=clock, safety=safety, store=store)
    paper.on_quote("AAPL", "100.00", "100.02", 10**6, 10**6, T0)
    runner = AlgoRunner(oms, clock, market=Market(clock), halted=halted, state_store=state_store)
    return clock, paper, oms, runner


def _parent(inst, qty=1000, **kw):
    return ParentOrder(
        parent_id="P1",
        instrument=inst,
        side="BUY",
        qty=Decimal(qty),
        start_ns=T0,
        end_ns=T0 + 10 * MIN,
        **kw,
    )


def _filled(oms):
    return sum(o.filled_qty for o in oms.orders() if o.parent_id == "P1")


def test_runner_names_children_and_finishes(inst):
    clock, _, oms, runner = _session(inst)
    runner.execute(TWAP(slices=10, interval_ns=MIN), _parent(inst))
    clock.advance_to(T0 + 11 * MIN)
    assert runner.children("P1") == [f"P1-E{n}" for n in range(1, 11)]
    assert _filled(oms) == 1000
    st = runner.status("P1")
    assert st.is_done
    assert st.reason == "filled"
    assert runner.is_idle


def test_parent_cancel_cancels_open_children_and_stops(inst):
    clock, _, oms, runner = _session(inst)
    runner.execute(TWAP(slices=10, interval_ns=MIN, style="passive"), _parent(inst))
    clock.advance_to(T0 + 2 * MIN + 1)
    open_before = [o for o in oms.open_orders() if o.parent_id == "P1"]
    assert open_before  # passive children rest at the bid
    sent = len(runner.children("P1"))
    runner.cancel("P1")
    clock.advance_to(T0 + 20 * MIN)
    assert not [o for o in oms.open_orders() if o.parent_id == "P1"]
    assert len(runner.children("P1")) == sent  # nothing sent after the cancel
    st = runner.status("P1")
    assert st.is_done
    assert st.reason == "parent canceled"


def test_kill_switch_stops_the_algorithm(inst):
    halted = {"on": False}
    clock, _, _oms, runner = _session(inst, halted=lambda: halted["on"])
    runner.execute(TWAP(slices=10, interval_ns=MIN), _parent(inst))
    clock.advance_to(T0 + 3 * MIN)
    halted["on"] = True
    clock.advance_to(T0 + 20 * MIN)
    assert len(runner.children("P1")) == 4
    assert runner.status("P1").reason == "kill switch active"


def test_safety_denial_stops_the_algorithm(inst):
    clock, _, oms, runner = _session(inst, safety=DenyAfter(2))
    runner.execute(TWAP(slices=10, interval_ns=MIN), _parent(inst))
    clock.advance_to(T0 + 20 * MIN)
    assert len(runner.children("P1")) == 3
    assert oms.order("P1-E3").status is OrderStatus.DENIED
    assert "MAX_ORDERS" in runner.status("P1").reason
    assert _filled(oms) == 200


def test_never_overfills_and_never_resends_before_cancel_confirmed(inst):
    """With latency, a passive child's cancel is pending across a step; nothing replaces it."""
    clock, paper, oms, runner = _session(inst, latency_ns=20 * 10**9)
    worst = []

    def check(_topic, _event):
        kids = [o for o in oms.orders() if o.parent_id == "P1"]
        worst.append(sum(o.filled_qty + (o.leaves_qty if o.is_open else 0) for o in kids))

    oms.bus.subscribe("order.*", check, 99)
    runner.execute(TWAP(slices=10, interval_ns=MIN, style="passive"), _parent(inst))
    for k in range(1, 40):
        clock.advance_to(T0 + k * 30 * 10**9)
        # the market trades through the bid now and then: partial fills
        if k % 3 == 0:
            paper.on_trade("AAPL", "99.99", 70, clock.now_ns())
    assert max(worst) <= 1000
    assert _filled(oms) == 1000


def test_resume_from_saved_state_continues_without_reusing_ids(inst):
    store, states = MemoryOrderStore(), DictStateStore()
    clock, _, _oms, runner = _session(inst, store=store, state_store=states)
    runner.execute(TWAP(slices=10, interval_ns=MIN), _parent(inst))
    clock.advance_to(T0 + 4 * MIN)
    assert len(runner.children("P1")) == 5
    # a new process: the OMS recovers from the journal, the runner from the saved state
    clock2 = SimClock(T0 + 4 * MIN + 1)
    paper2 = PaperBroker([inst], session_close=None)
    oms2 = OrderManager({"paper": paper2}, clock=clock2, store=store)
    paper2.on_quote("AAPL", "100.00", "100.02", 10**6, 10**6, clock2.now_ns())
    runner2 = AlgoRunner(oms2, clock2, market=Market(clock2), state_store=states)
    runner2.resume("P1")
    clock2.advance_to(T0 + 20 * MIN)
    kids = runner2.children("P1")
    assert kids == [f"P1-E{n}" for n in range(1, 11)]
    assert sum(o.filled_qty for o in oms2.orders() if o.parent_id == "P1") == 1000


def test_resume_without_state_is_a_usage_error(inst):
    _, _, _, runner = _session(inst, state_store=DictStateStore())
    with pytest.raises(UsageError, match="no saved"):
        runner.resume("nope")


def test_duplicate_parent_id_is_refused(inst):
    _, _, _, runner = _session(inst)
    runner.execute(TWAP(slices=2, interval_ns=MIN), _parent(inst))
    with pytest.raises(ValidationError):
        runner.execute(TWAP(slices=2, interval_ns=MIN), _parent(inst))


def test_late_fill_after_confirmed_cancel_is_counted_and_overfill_is_flagged(inst):
    """A venue fill for a child it already confirmed canceled still counts; an over-fill stops
    the algorithm and is published, never hidden."""
    # Arrange: E1 rests at the bid; at the next slice it is canceled and E2 replaces it
    clock, paper, oms, runner = _session(inst)
    alarms = []
    oms.bus.subscribe("algo.overfill", lambda _t, s: alarms.append(s), 50)
    runner.execute(TWAP(slices=2, interval_ns=MIN, style="passive"), _parent(inst, qty=200))
    clock.advance_to(T0 + MIN + 1)
    assert oms.order("P1-E1").status is OrderStatus.CANCELED
    assert oms.order("P1-E2").is_open
    # Act: the venue reports E1 filled after all (it traded before the cancel took effect)
    now = clock.now_ns()
    oms.on_event(
        OrderFilled(
            client_order_id="P1-E1",
            ts_event=now,
            ts_init=now,
            trade_id="L1",
            symbol="AAPL",
            side=Side.BUY,
            last_qty=Decimal(100),
            last_px=Decimal("100.00"),
        )
    )
    assert runner.status("P1").filled_qty == 100
    assert not alarms
    paper.on_quote("AAPL", "99.98", "100.00", 10**6, 10**6, now)  # E2 fills too: 300 of 200
    # Assert
    assert runner.status("P1").filled_qty == 300
    assert len(alarms) == 1
    assert runner.status("P1").reason == "over-filled by a late venue fill"

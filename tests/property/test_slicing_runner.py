"""Property: an algorithm driven through the real runner and OMS never over-fills its parent,
whatever a (scripted, random) venue does: rejects, partial fills, late cancels, fill/cancel races.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bolt_exec.adapters.base import BrokerBase
from bolt_exec.algos.base import MarketView, ParentOrder
from bolt_exec.algos.pov import POV
from bolt_exec.algos.runner import AlgoRunner
from bolt_exec.algos.twap import TWAP
from bolt_exec.clock import SimClock
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderFilled,
    OrderRejected,
)
from bolt_exec.model.instrument import Instrument
from bolt_exec.oms.manager import OrderManager

T0 = 1_704_205_800_000_000_000
SEC = 10**9
SUBMIT = ["fill", "part", "rest", "reject"]
CANCEL = ["cancel", "race", "refuse", "late"]


class ScriptedVenue(BrokerBase):
    """Answers later (on release()) with whatever the script says next."""

    def __init__(self, inst, submits, cancels):
        super().__init__()
        self.name = "venue"
        self.inst = inst
        self.submits, self.cancels = iter(submits), iter(cancels)
        self.pending = deque()
        self.open = {}
        self.trades = 0

    is_connected = True

    async def connect(self):
        return None

    async def disconnect(self):
        return None

    def instruments(self):
        return [self.inst]

    def submit(self, command):
        self.pending.append(("submit", command, next(self.submits, "fill")))

    def cancel(self, command):
        self.pending.append(("cancel", command, next(self.cancels, "cancel")))

    def amend(self, command):
        raise AssertionError("algorithms do not amend")

    async def mass_status(self, since_ns=None):
        raise AssertionError("not used")

    def _fill(self, coid, qty):
        cmd, filled = self.open[coid]
        self.trades += 1
        now = self._clock.now_ns()
        self.open[coid] = (cmd, filled + qty)
        self._emit(
            OrderFilled(
                client_order_id=coid,
                ts_event=now,
                ts_init=now,
                trade_id=f"T{self.trades}",
                symbol=cmd.symbol,
                side=cmd.side,
                last_qty=qty,
                last_px=Decimal("100.00"),
            )
        )
        if filled + qty == cmd.qty:
            del self.open[coid]

    def release(self):
        while self.pending:
            kind, cmd, action = self.pending.popleft()
            now = self._clock.now_ns()
            coid = cmd.client_order_id
            if kind == "submit":
                if action == "reject":
                    self._emit(
                        OrderRejected(
                            client_order_id=coid, ts_event=now, ts_init=now, reason="scripted"
                        )
                    )
                    continue
                self._emit(OrderAccepted(client_order_id=coid, ts_event=now, ts_init=now))
                self.open[coid] = (cmd, Decimal(0))
                if action == "fill":
                    self._fill(coid, cmd.qty)
                elif action == "part" and cmd.qty > 1:
                    self._fill(coid, (cmd.qty / 2).to_integral_value())
            elif coid not in self.open or action == "refuse":
                self._emit(
                    OrderCancelRejected(
                        client_order_id=coid, ts_event=now, ts_init=now, reason="scripted"
                    )
                )
            elif action == "race":  # the fill wins the race; the cancel comes back rejected
                o, filled = self.open[coid]
                self._fill(coid, o.qty - filled)
                self._emit(
                    OrderCancelRejected(
                        client_order_id=coid, ts_event=now, ts_init=now, reason="already filled"
                    )
                )
            elif action == "late":  # canceled, then a fill that happened before the cancel
                o, filled = self.open[coid]
                self._emit(OrderCanceled(client_order_id=coid, ts_event=now, ts_init=now))
                self._fill(coid, o.qty - filled)
            else:
                del self.open[coid]
                self._emit(OrderCanceled(client_order_id=coid, ts_event=now, ts_init=now))


class Market:
    def __init__(self, clock):
        self.clock = clock

    def market_view(self, symbol):
        t = self.clock.now_ns()
        return MarketView(ts=t, bid=100.0, ask=100.01, volume=float((t - T0) // SEC * 300))


@settings(max_examples=60, deadline=None)
@given(
    submits=st.lists(st.sampled_from(SUBMIT), max_size=120),
    cancels=st.lists(st.sampled_from(CANCEL), max_size=120),
    algo_kind=st.sampled_from(["twap_passive", "twap_market", "pov"]),
    qty=st.integers(1, 3000),
)
def test_runner_never_overfills_under_random_venue_behaviour(submits, cancels, algo_kind, qty):
    inst = Instrument("AAPL", "XNAS")
    clock = SimClock(T0)
    venue = ScriptedVenue(inst, submits, cancels)
    oms = OrderManager({"venue": venue}, clock=clock)
    runner = AlgoRunner(oms, clock, market=Market(clock))
    worst = []

    def check(_topic, _event):
        kids = [o for o in oms.orders() if o.parent_id == "P"]
        filled = sum(o.filled_qty for o in kids)
        in_flight = sum(o.leaves_qty for o in kids if o.is_open)
        worst.append(filled + in_flight)
        assert filled <= qty
        if runner.parents():
            assert runner.status("P").filled_qty == filled  # the runner's books match the OMS

    oms.bus.subscribe("order.*", check, 99)
    algo = {
        "twap_passive": lambda: TWAP(slices=8, interval_ns=10 * SEC, style="passive"),
        "twap_market": lambda: TWAP(slices=8, interval_ns=10 * SEC),
        "pov": lambda: POV(rate=0.3, interval_ns=3 * SEC),
    }[algo_kind]()
    parent = ParentOrder(
        parent_id="P",
        instrument=inst,
        side="BUY",
        qty=Decimal(qty),
        start_ns=T0,
        end_ns=T0 + 80 * SEC,
    )
    runner.execute(algo, parent)
    for k in range(1, 60):
        clock.advance_to(T0 + k * 2 * SEC)
        if k % 2:
            venue.release()
    venue.release()
    clock.advance_to(T0 + 200 * SEC)
    venue.release()
    assert max(worst, default=0) <= qty
    kids = runner.children("P")
    assert len(kids) == len(set(kids))

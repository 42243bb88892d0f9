"""The fused submit pass decides exactly as the reference chain, for any order and state.

Two SafetyManagers with the same policy see the same orders, fills, rejects, marks, cash,
time and trading-state changes: one runs the fused pass (``safety/fused.py``) with the
reference chain behind it, the other only the reference chain (``_fused`` off, the
unfused ``CHAIN`` order). Every verdict (approved, code, reason, check) and the risk
state each leaves behind must be equal. Limits, prices and quantities are drawn from
small sets around each limit's boundary, so orders land at, just under and just over
them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from bolt_exec.clock import SimClock
from bolt_exec.model.enums import OrderType, Side
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
)
from bolt_exec.model.order import Order
from bolt_exec.safety.chain import _AMEND_ONLY, CHAIN
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.decision import Decision
from bolt_exec.safety.latch import MemoryLatchStore
from bolt_exec.safety.manager import SafetyManager
from bolt_exec.safety.policy import Policy
from tests.unit.safety.conftest import ROOT, T0, Book, make_order
from tests.unit.safety.test_fused import Counting

S = 1_000_000_000
# symbol: (mark, tick, lot, multiplier)
INSTRUMENTS = {
    "AAPL": ("100", "0.01", "1", "1"),
    "MSFT": ("200", "0.05", "1", "1"),
    "BTC": ("50000", "0.1", "0.001", "1"),
    "ES": ("40", "0.25", "1", "50"),
}


def _some(options: dict[str, st.SearchStrategy[Any]], most: int) -> st.SearchStrategy[Any]:
    """Up to ``most`` of the options set: a few limits at a time, so orders also pass."""
    keys = st.lists(st.sampled_from(sorted(options)), max_size=most, unique=True)
    return keys.flatmap(lambda chosen: st.fixed_dictionaries({k: options[k] for k in chosen}))


def _one(*values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(values)


limits = _some(
    {
        "min_order_qty": _one(1, 2, 5),
        "max_order_qty": _one(5, 10, 20),
        "max_order_notional": _one(1000, "999.99", "1000.01", 2000, 200000),
        "max_position_qty": _one(10, 15, 20, 30),
        "max_position_notional": _one(1000, 1500, 2000, 400000),
        "max_open_orders": _one(1, 2, 3),
        "collar_pct": _one(1, 5),
        "collar_ticks": _one(10, 100),
        "cooldown_after_fill_s": _one(0, 1),
        "cooldown_after_reject_s": _one(0, 1),
        "min_confidence": _one("0.5"),
    },
    most=4,
)
portfolio = _some(
    {
        "max_open_positions": _one(1, 2),
        "max_allocation_pct": _one(10, 50),
        "max_gross_exposure": _one(5000, 200000),
        "max_net_exposure": _one(5000, 200000),
        "max_leverage": _one(1, 3),
        "min_portfolio_value": _one(100, 99900),
        "daily_loss_pct": _one(1, 5),
        "daily_loss_limit": _one(50),
        "max_open_orders": _one(2, 5),
        "max_daily_trades": _one(2, 5),
    },
    most=3,
)
throttle = _some(
    {
        "per_strategy": _one({"rate_per_s": 2, "burst": 3}),
        "per_instrument": _one({"rate_per_s": 1, "burst": 2}),
        "per_broker": _one({"rate_per_s": 5, "burst": 4}),
    },
    most=2,
)
policies = st.fixed_dictionaries(
    {
        "version": st.just(1),
        "enable_trading": st.just(True),  # false: no fused pass (test_no_fused_pass_for...)
        "limits": st.fixed_dictionaries(
            {"global": limits}, optional={"instruments": st.fixed_dictionaries({"AAPL": limits})}
        ),
        "portfolio": portfolio,
        "throttles": st.fixed_dictionaries({"orders": throttle}),
        # a tripped kill switch denies the rest of the run: trip on the daily loss now and then
        "kill_switch": st.fixed_dictionaries({"trip_on_daily_loss": _one(False, False, True)}),
    },
    optional={
        "instruments": _one({"block": ["MSFT"]}, {"allow": ["AAPL", "ES"]}),
        "reference": st.fixed_dictionaries(
            {"max_age_s": _one(1, 5), "require_for_limit_orders": st.booleans()}
        ),
        "plans": st.fixed_dictionaries({"min_confidence": _one("0.6")}),
        "brokers": _one({"kite": {"venue": "zerodha"}}, {"kite": {"otr": True}}),
        "otr": st.fixed_dictionaries({"enabled": st.booleans()}),
        "duplicates": st.fixed_dictionaries({"window_s": _one(0, 1)}),
        "self_trade_prevention": st.booleans(),
    },
) | st.just(yaml.safe_load((ROOT / "policy.yaml").read_text()))
# what else an order may carry: a plan's confidence, a parent, reduce-only, another scope
EXTRAS: list[dict[str, Any]] = [
    {},
    {},
    {"tags": {"confidence": "0.55"}},
    {"tags": {"confidence": "0.9"}},
    {"parent_id": "P1"},
    {"reduce_only": True},
    {"tags": {"path": "reconcile"}},
    {"strategy_id": "s2"},
    {"broker": "kite"},
]
SCALE = {"BTC": Decimal("0.001")}  # quantities in thousandths (a lot of 0.001)
# ticks away from the mark: 0, the collar_ticks edges, and (below) the collar_pct edges
TICKS = (0, 1, -1, 9, 10, 11, -10, -11, 99, 100, 101)
PCT_EDGES = ("0.01", "0.05", "-0.01", "-0.05")


class _Bus:
    """Just enough of a MessageBus for ``attach`` (positions then come from the fills)."""

    def subscribe(self, topic: str, handler: Any, priority: int = 0) -> None:
        pass

    def publish(self, topic: str, message: Any) -> None:
        pass


def _snapshot(m: SafetyManager) -> dict[str, Any]:
    s = m.state
    book = s.book
    return {
        "trading_state": m.trading_state,
        "counts": (m.check_count, dict(m.check_counts), dict(m.strategy_counts)),
        "audit": list(m.audit),
        "day": (s.day, s.trades_today, sorted(s.parents_today), s.day_start_equity),
        "otr": (s.otr_messages, s.otr_trades),
        "recent": dict(s.recent),
        "orders": sorted(o.client_order_id for o in s.orders.all()),
        "book": (book.gross, book.net, book.equity, book.cash, book.open_positions),
        "lines": {k: (book.qty(k), book.mark(k)) for k in book.symbols()},
        "buckets": {k: (b._tokens, b._last_ns) for k, b in s._buckets.items()},
        "windows": {k: [list(w._times) for w in ws] for k, ws in s._windows.items()},
        "modifications": dict(s.modifications),
    }


class FusedAgainstReference(RuleBasedStateMachine):
    @initialize(
        policy=policies,
        cash=st.sampled_from(["100000", "1000000"]),
        attach=st.booleans(),
        held=st.lists(st.sampled_from(["0", "10", "-10"]), min_size=4, max_size=4),
    )
    def start(self, policy: dict[str, Any], cash: str, attach: bool, held: list[str]) -> None:
        self.clock = SimClock(T0)
        self.book = Book(self.clock)
        for symbol, (px, tick, lot, mult) in INSTRUMENTS.items():
            self.book.add(
                symbol,
                px,
                tick_size=Decimal(tick),
                lot_size=Decimal(lot),
                min_qty=Decimal(lot),
                multiplier=Decimal(mult),
            )
        for symbol, qty in zip(INSTRUMENTS, held, strict=True):
            self.book.set_position(symbol, str(Decimal(qty) * SCALE.get(symbol, 1)))
        config = Policy.from_mapping(policy).compile()
        self.fused, self.ref = (
            Counting(config, self.clock, latch_store=MemoryLatchStore(), cash=Decimal(cash))
            for _ in range(2)
        )
        self.ref._fused = None
        self.ref._submit_chain = tuple(c for c in CHAIN if c not in _AMEND_ONLY)
        for m in self.managers:
            m.sync(self.book)  # the OMS's positions and marks, as at start-up
            if attach:
                m.attach(_Bus())
        self.working: list[Order] = []
        self.trades = 0

    @property
    def managers(self) -> tuple[SafetyManager, SafetyManager]:
        return self.fused, self.ref

    def _same(self, a: Decision, b: Decision) -> None:
        assert (a.approved, a.code, a.reason, a.check) == (b.approved, b.code, b.reason, b.check)
        assert _snapshot(self.fused) == _snapshot(self.ref)

    @rule(
        symbol=st.sampled_from(sorted(INSTRUMENTS)),
        side=st.sampled_from(Side),
        qty=st.sampled_from([1, 2, 4, 5, 6, 9, 10, 11, 15, 20, 21]) | st.integers(1, 40),
        fraction=st.sampled_from(["1"] * 8 + ["0.5", "0.001", "1.0001"]),
        ticks=st.sampled_from(TICKS),
        pct=st.sampled_from((None, *PCT_EDGES)),
        kind=st.sampled_from(["LIMIT", "LIMIT", "MARKET", "STOP", "STOP_LIMIT"]),
        extra=st.sampled_from(EXTRAS),
        again=st.sampled_from([0, 0, 1, 3]),
    )
    def submit(
        self,
        symbol: str,
        side: Side,
        qty: int,
        fraction: str,
        ticks: int,
        pct: str | None,
        kind: str,
        extra: dict[str, Any],
        again: int,
    ) -> None:
        """One order, then ``again`` more like it (one more share each): the same scope."""
        for more in range(again + 1):
            self._submit(symbol, side, qty + more, fraction, ticks, pct, kind, extra)

    def _submit(
        self,
        symbol: str,
        side: Side,
        qty: int,
        fraction: str,
        ticks: int,
        pct: str | None,
        kind: str,
        extra: dict[str, Any],
    ) -> None:
        mark, tick = self.book.marks[symbol][0], Decimal(INSTRUMENTS[symbol][1])
        px = mark * (1 + Decimal(pct)) if pct is not None else mark
        price = str(px + ticks * tick)
        order_type = OrderType(kind)
        size = Decimal(qty) * Decimal(fraction) * SCALE.get(symbol, 1)
        order = make_order(
            symbol,
            side,
            str(size),
            price if order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None,
            order_type=order_type,
            stop_px=price if order_type in (OrderType.STOP, OrderType.STOP_LIMIT) else None,
            ts=self.clock.now_ns(),
            **extra,
        )
        before = self.fused.decided
        decisions = [m.check_submit(order, self.book) for m in self.managers]
        self._same(*decisions)
        path = "reference" if self.fused.decided > before else "fused"
        event(f"{path}: {decisions[1].code or 'approved'}")
        if decisions[0].approved:
            for kind_ in (OrderSubmitted, OrderAccepted):
                order.apply(kind_(client_order_id=order.client_order_id, ts_event=0, ts_init=0))
            self.working.append(order)

    @precondition(lambda self: bool(self.working))
    @rule(data=st.data(), part=st.sampled_from(["all", "half"]), dpx=st.sampled_from([0, -5, 5]))
    def fill(self, data: st.DataObject, part: str, dpx: int) -> None:
        order = data.draw(st.sampled_from(self.working))
        qty = order.leaves_qty if part == "all" else order.leaves_qty / 2
        self.trades += 1
        mark = self.book.marks[order.symbol][0]
        order.apply(
            OrderFilled(
                client_order_id=order.client_order_id,
                ts_event=self.clock.now_ns(),
                ts_init=0,
                trade_id=f"T{self.trades}",
                symbol=order.symbol,
                side=order.side,
                last_qty=qty,
                last_px=mark + dpx,
            )
        )
        for m in self.managers:
            m.on_event("order.filled", order.last_event)
        signed = qty if order.side is Side.BUY else -qty
        held = self.book.position(order.symbol)
        self.book.set_position(order.symbol, str((held.qty if held else 0) + signed))
        if order.is_terminal:
            self.working.remove(order)

    @precondition(lambda self: bool(self.working))
    @rule(data=st.data(), how=st.sampled_from(["cancel", "reject", "silent"]))
    def finish(self, data: st.DataObject, how: str) -> None:
        """End a working order: canceled, rejected, or canceled with the event lost."""
        order = data.draw(st.sampled_from(self.working))
        coid = order.client_order_id
        if how == "reject" and not order.filled_qty:  # a venue rejects only a fresh order
            end: Any = OrderRejected(client_order_id=coid, ts_event=0, ts_init=0, reason="x")
        else:
            end = OrderCanceled(client_order_id=coid, ts_event=0, ts_init=0)
        order.apply(end)
        if how != "silent":
            for m in self.managers:
                m.on_event(f"order.{'rejected' if how == 'reject' else 'canceled'}", end)
        self.working.remove(order)

    @rule(
        dt=st.sampled_from([0, 1, 1000, S // 2, S - 1, S, 5 * S, 5 * S + 1, 86_400 * S]),
        remark=st.booleans(),
    )
    def advance(self, dt: int, remark: bool) -> None:
        """Time passes; usually the marks are stamped again (the feed is alive)."""
        self.clock.advance_by(dt)
        if remark:
            for symbol, (px, _) in self.book.marks.items():
                self.book.marks[symbol] = (px, self.clock.now_ns())

    @rule(symbol=st.sampled_from(sorted(INSTRUMENTS)), move=st.sampled_from(["0", "1", "-2"]))
    def remark(self, symbol: str, move: str) -> None:
        """A new reference price object (sometimes equal to the old one), stamped now."""
        px = self.book.marks[symbol][0] + Decimal(move)
        self.book.marks[symbol] = (px, self.clock.now_ns())

    @rule(symbol=st.sampled_from(sorted(INSTRUMENTS)), qty=st.sampled_from(["0", "3", "-3"]))
    def drift(self, symbol: str, qty: str) -> None:
        """The OMS's position moves without a fill the manager saw (read when unattached)."""
        self.book.set_position(symbol, qty)

    @rule(factor=st.sampled_from(["0.95", "0.99", "0.999", "1", "1.01"]))
    def set_cash(self, factor: str) -> None:
        """The account cash moves (fees, transfers): by a few per cent at most."""
        cash = self.fused.state.book.cash
        assert cash is not None
        for m in self.managers:
            m.set_cash(cash * Decimal(factor), self.clock.now_ns())

    @rule(state=st.sampled_from([TradingState.ACTIVE] * 3 + list(TradingState)))
    def set_state(self, state: TradingState) -> None:
        for m in self.managers:
            if not m.kill_switch.is_tripped:
                m.set_trading_state(state, "op", "test")

    @precondition(lambda self: bool(self.working))
    @rule(data=st.data(), qty=st.integers(1, 30))
    def amend(self, data: st.DataObject, qty: int) -> None:
        order = data.draw(st.sampled_from(self.working))
        decisions = [
            m.check_amend(order, Decimal(qty), None, None, self.book) for m in self.managers
        ]
        self._same(*decisions)


FusedAgainstReference.TestCase.settings = settings(
    max_examples=300, stateful_step_count=50, deadline=None
)
TestFusedAgainstReference = FusedAgainstReference.TestCase

"""The fused submit pass: used for the common order, identical at every limit's boundary.

``test_limits.py`` judges each probe on a fresh manager, whose first order always goes
through the reference chain (the scope is not resolved yet). Here each probe follows a
warm-up order the chain denies (it spends nothing but resolves the scope and the day),
so the probe meets the fused pass; the verdict must be the expected one and the same as
a reference-only manager's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml

from bolt_exec.clock import SimClock
from bolt_exec.model.events import OrderAccepted, OrderFilled, OrderSubmitted
from bolt_exec.model.order import Order
from bolt_exec.safety.codes import ReasonCode as R
from bolt_exec.safety.decision import Decision
from bolt_exec.safety.fused import FusedSubmit
from bolt_exec.safety.gate import PortfolioView
from bolt_exec.safety.manager import SafetyManager
from bolt_exec.safety.policy import Policy

from .conftest import ROOT, Book, base_policy, make_order
from .test_limits import CASES


class Counting(SafetyManager):
    """Counts the orders the reference chain decided (the rest the fused pass approved)."""

    decided = 0

    def _decide(
        self,
        order: Order,
        view: PortfolioView,
        qty: Decimal | None,
        limit_px: Decimal | None,
        stop_px: Decimal | None,
        *,
        amend: bool,
    ) -> Decision:
        self.decided += 1
        return super()._decide(order, view, qty, limit_px, stop_px, amend=amend)


def _manager(policy: dict[str, Any], clock: SimClock, cash: str | None, fused: bool) -> Counting:
    manager = Counting(
        Policy.from_mapping(policy).compile(), clock, cash=None if cash is None else Decimal(cash)
    )
    if not fused:
        manager._fused = None
    return manager


def _probe(manager: Counting, book: Book, kwargs: dict[str, Any]) -> Decision:
    scope = {k: kwargs[k] for k in ("symbol", "strategy_id", "broker") if k in kwargs}
    warm = manager.check_submit(make_order(qty="0.0001", **scope), book)  # off every lot
    assert not warm.approved
    return manager.check_submit(make_order(**kwargs), book)


@pytest.mark.parametrize(
    ("policy", "cash", "orders"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_fused_pass_at_each_limit_boundary(
    clock: SimClock,
    book: Book,
    policy: dict[str, Any],
    cash: str | None,
    orders: list[tuple[dict[str, Any], R | None]],
) -> None:
    if cash is None and not policy.get("portfolio", {}).get("max_leverage"):
        cash = "1000000"
    for kwargs, expected in orders:
        fused = _manager(policy, clock, cash, fused=True)
        reference = _manager(policy, clock, cash, fused=False)
        decision = _probe(fused, book, kwargs)
        assert decision == _probe(reference, book, kwargs)
        if expected is None:
            assert decision.approved, (kwargs, decision)
            if fused._fused is not None:
                assert fused.decided == 1, "the fused pass approved the probe"
        else:
            assert decision.code == expected.value, (kwargs, decision)


def test_demo_policy_orders_pass_through_the_fused_pass(clock: SimClock, book: Book) -> None:
    """Under policy.yaml, once a scope is resolved its plain orders never need the chain."""
    policy = yaml.safe_load((ROOT / "policy.yaml").read_text())
    manager = _manager(policy, clock, "1000000", fused=True)
    manager.sync(book)
    book.set_position("AAPL", "20")
    for i in range(10):
        clock.advance_by(10_000_000)
        # buys under the reference, sells over it: within the collar, never crossing
        side, px = ("BUY", 9990 - i) if i % 2 else ("SELL", 10010 + i)
        order = make_order("AAPL", side, 1 + i, str(Decimal(px) / 100))
        assert manager.check_submit(order, book).approved
    assert manager.decided == 1  # the first order resolved the scope
    assert manager.check_count == 10
    assert manager.check_counts["direct"] == 10


@pytest.mark.parametrize(
    "policy",
    [
        {"version": 1},  # enable_trading false: the chain denies everything
        base_policy(otr={"enabled": True}, brokers={"paper": {"otr": True}}),  # may warn
    ],
    ids=["trading_disabled", "otr"],
)
def test_no_fused_pass_for_a_chain_it_cannot_stand_in_for(
    clock: SimClock, policy: dict[str, Any]
) -> None:
    manager = _manager(policy, clock, "1000000", fused=True)
    assert manager._fused is None
    assert FusedSubmit.build(manager, manager._submit_chain) is None


def test_a_policy_swapped_in_is_obeyed_at_once(clock: SimClock, book: Book) -> None:
    """The fused pass re-reads its limits when the manager's config is replaced."""
    manager = _manager(base_policy(limits={"global": {"max_order_qty": 10}}), clock, "1e6", True)
    assert manager.check_submit(make_order(qty=10), book).approved
    assert manager.check_submit(make_order(qty=10), book).approved
    tighter = Policy.from_mapping(base_policy(limits={"global": {"max_order_qty": 5}}))
    manager.config = tighter.compile()
    assert manager.check_submit(make_order(qty=10), book).code == R.QTY_ABOVE_MAX


S = 1_000_000_000
Step = tuple[Any, ...]
# (policy, cash, steps): "held" sets the OMS position, "wait" advances the clock, "fill"
# fills the last approved order at the reference, "order" sends one and names the verdict
SCRIPTS: dict[str, tuple[dict[str, Any], str, list[Step]]] = {
    "max_position_qty_with_working": (
        base_policy(limits={"global": {"max_position_qty": 20}}),
        "1000000",
        [
            ("held", "10"),
            ("order", {"qty": 5}, None),
            ("order", {"qty": 5}, None),
            ("order", {"qty": 1}, R.POSITION_QTY_LIMIT),
            ("order", {"qty": 25, "side": "SELL"}, None),
        ],
    ),
    "max_order_notional_cents": (
        base_policy(limits={"global": {"max_order_notional": "1000.00"}}),
        "1000000",
        [
            ("order", {"qty": 10, "limit_px": "100"}, None),
            ("order", {"qty": 10, "limit_px": "100.01"}, R.NOTIONAL_ABOVE_MAX),
            ("order", {"qty": 10, "limit_px": "99.99"}, None),
        ],
    ),
    "duplicate_window": (
        base_policy(duplicates={"window_s": 1}),
        "1000000",
        [
            ("order", {"qty": 3}, None),
            ("wait", S - 1),
            ("order", {"qty": 3}, R.DUPLICATE_ORDER),
            ("wait", 1),
            ("order", {"qty": 3}, None),
            ("order", {"qty": 3, "parent_id": "P"}, None),
        ],
    ),
    "cooldown_after_fill": (
        base_policy(limits={"global": {"cooldown_after_fill_s": 1}}),
        "1000000",
        [
            ("order", {"qty": 3}, None),
            ("fill",),
            ("wait", S - 1),
            ("order", {"qty": 1}, R.COOLDOWN),
            ("wait", 1),
            ("order", {"qty": 1}, None),
        ],
    ),
    "stale_reference": (
        base_policy(),
        "1000000",
        [
            ("order", {"qty": 1}, None),
            ("wait", 5 * S),
            ("order", {"qty": 2}, None),
            ("wait", 1),
            ("order", {"qty": 3}, R.STALE_REFERENCE),
        ],
    ),
    "self_trade_at_their_price": (
        base_policy(self_trade_prevention=True),
        "1000000",
        [
            ("order", {"qty": 1, "side": "SELL", "limit_px": "100.05"}, None),
            ("order", {"qty": 1, "limit_px": "100.04"}, None),
            ("order", {"qty": 1, "limit_px": "100.05"}, R.SELF_TRADE),
        ],
    ),
    "open_orders": (
        base_policy(limits={"global": {"max_open_orders": 2}}, portfolio={"max_open_orders": 3}),
        "1000000",
        [
            ("order", {"qty": 1}, None),
            ("order", {"qty": 2}, None),
            ("order", {"qty": 3}, R.MAX_OPEN_ORDERS),
            ("order", {"symbol": "MSFT", "limit_px": "200"}, None),
            ("order", {"symbol": "MSFT", "limit_px": "200", "qty": 2}, R.MAX_OPEN_ORDERS),
        ],
    ),
    "daily_trades": (
        base_policy(portfolio={"max_daily_trades": 2}),
        "1000000",
        [
            ("order", {"qty": 1}, None),
            ("order", {"qty": 2}, None),
            ("order", {"qty": 3}, R.DAILY_TRADE_LIMIT),
        ],
    ),
    "throttle_refill": (
        base_policy(throttles={"orders": {"per_instrument": {"rate_per_s": 1, "burst": 2}}}),
        "1000000",
        [
            ("order", {"qty": 1}, None),
            ("order", {"qty": 2}, None),
            ("order", {"qty": 3}, R.RATE_LIMIT),
            ("wait", S - 1),
            ("order", {"qty": 3}, R.RATE_LIMIT),
            ("wait", 1),
            ("order", {"qty": 3}, None),
        ],
    ),
    "allocation_and_leverage": (
        base_policy(portfolio={"max_allocation_pct": 30, "max_leverage": 1}),
        "10000",
        [
            ("order", {"qty": 15}, None),
            ("order", {"qty": 15}, None),
            ("order", {"qty": 1}, R.ALLOCATION_LIMIT),
        ],
    ),
}


@pytest.mark.parametrize(("policy", "cash", "steps"), SCRIPTS.values(), ids=SCRIPTS)
def test_fused_pass_scripts(
    clock: SimClock, book: Book, policy: dict[str, Any], cash: str, steps: list[Step]
) -> None:
    """Each limit crossed on top of earlier orders, fills and time: fused == reference."""
    pair = [_manager(policy, clock, cash, fused=flag) for flag in (True, False)]
    for m in pair:
        assert not m.check_submit(make_order(qty="0.0001"), book).approved  # warm-up
    last: Order | None = None
    for step in steps:
        if step[0] == "held":
            book.set_position("AAPL", step[1])
        elif step[0] == "wait":
            clock.advance_by(step[1])  # the marks age with it
        elif step[0] == "fill":
            assert last is not None
            _fill(last, pair, book, clock)
        else:
            order = make_order(**step[1])
            verdicts = [m.check_submit(order, book) for m in pair]
            assert verdicts[0] == verdicts[1], step
            expected = step[2]
            assert verdicts[0].code == ("" if expected is None else expected.value), step
            if verdicts[0].approved:
                last = order
    assert pair[0].decided < pair[1].decided  # the fused pass did approve some of them


def _fill(order: Order, managers: list[Counting], book: Book, clock: SimClock) -> None:
    coid = order.client_order_id
    for kind in (OrderSubmitted, OrderAccepted):
        order.apply(kind(client_order_id=coid, ts_event=0, ts_init=0))
    order.apply(
        OrderFilled(
            client_order_id=coid,
            ts_event=clock.now_ns(),
            ts_init=0,
            trade_id="T1",
            symbol=order.symbol,
            side=order.side,
            last_qty=order.qty,
            last_px=book.marks[order.symbol][0],
        )
    )
    for m in managers:
        m.on_event("order.filled", order.last_event)
    position = book.position(order.symbol)
    held = position.qty if position is not None else Decimal(0)
    book.set_position(order.symbol, str(held + order.qty * order.side.sign))

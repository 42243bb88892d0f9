"""Order-flow limits at their boundaries: throttles, venue caps, counters, guards, OTR."""

from __future__ import annotations

from decimal import Decimal

from bolt_exec.clock import SimClock
from bolt_exec.model.enums import Side
from bolt_exec.model.events import OrderFilled, OrderRejected
from bolt_exec.safety.codes import ReasonCode as R

from .conftest import Book, base_policy, make_order, manager_for

S = 1_000_000_000


def test_token_bucket_per_strategy_burst_then_refill(clock: SimClock, book: Book) -> None:
    policy = base_policy(throttles={"orders": {"per_strategy": {"rate_per_s": 2, "burst": 3}}})
    manager = manager_for(policy, clock)
    assert all(manager.check_submit(make_order(qty=1), book).approved for _ in range(3))
    denied = manager.check_submit(make_order(qty=1), book)
    assert denied.code == R.RATE_LIMIT
    assert "retry in 0.500s" in denied.reason
    # another strategy has its own bucket
    assert manager.check_submit(make_order(qty=1, strategy_id="s2"), book).approved
    clock.advance_by(S // 2 - 1)
    assert manager.check_submit(make_order(qty=1), book).code == R.RATE_LIMIT
    clock.advance_by(1)
    assert manager.check_submit(make_order(qty=1), book).approved


def test_denied_orders_spend_no_tokens(clock: SimClock, book: Book) -> None:
    policy = base_policy(
        throttles={"orders": {"per_instrument": {"rate_per_s": 1, "burst": 1}}},
        limits={"global": {"max_order_qty": 5}},
    )
    manager = manager_for(policy, clock)
    for _ in range(5):
        assert manager.check_submit(make_order(qty=6), book).code == R.QTY_ABOVE_MAX
    assert manager.check_submit(make_order(qty=1), book).approved


def test_kite_published_caps_10_per_second(clock: SimClock, book: Book) -> None:
    manager = manager_for(base_policy(brokers={"kite": {"venue": "zerodha"}}), clock)
    for i in range(10):
        assert manager.check_submit(make_order(qty=1, broker="kite", ts=i), book).approved
    denied = manager.check_submit(make_order(qty=1, broker="kite"), book)
    assert denied.code == R.VENUE_RATE_LIMIT
    assert "kite 10 orders/s" in denied.reason
    assert manager.check_submit(make_order(qty=1, broker="paper"), book).approved
    clock.advance_by(S)
    assert manager.check_submit(make_order(qty=1, broker="kite"), book).approved


def test_binance_published_cap_100_per_10s_is_a_sliding_window(clock: SimClock, book: Book) -> None:
    manager = manager_for(
        base_policy(brokers={"bn": {"venue": "binance"}}, reference={"max_age_s": 60}), clock
    )
    for _ in range(100):
        assert manager.check_submit(make_order(qty=1, broker="bn"), book).approved
        clock.advance_by(S // 20)  # 100 orders over 5 s
    assert manager.check_submit(make_order(qty=1, broker="bn"), book).code == R.VENUE_RATE_LIMIT
    clock.advance_by(5 * S)  # now T0 + 10 s: the first order (at T0) leaves the window
    assert manager.check_submit(make_order(qty=1, broker="bn"), book).approved
    assert manager.check_submit(make_order(qty=1, broker="bn"), book).code == R.VENUE_RATE_LIMIT


def test_kite_25_modifications_per_order(clock: SimClock, book: Book) -> None:
    manager = manager_for(base_policy(brokers={"kite": {"venue": "zerodha"}}), clock)
    order = make_order(qty=10, broker="kite")
    assert manager.check_submit(order, book).approved
    for i in range(25):
        px = Decimal("99") + Decimal(i) / 100
        assert manager.check_amend(order, None, px, None, book).approved, i
    denied = manager.check_amend(order, None, Decimal("99.5"), None, book)
    assert denied.code == R.MAX_MODIFICATIONS


def test_modify_throttle(clock: SimClock, book: Book) -> None:
    policy = base_policy(throttles={"modifies": {"per_strategy": {"rate_per_s": 1, "burst": 1}}})
    manager = manager_for(policy, clock)
    order = make_order(qty=10)
    assert manager.check_submit(order, book).approved
    assert manager.check_amend(order, Decimal(9), None, None, book).approved
    assert manager.check_amend(order, Decimal(8), None, None, book).code == R.MODIFY_RATE_LIMIT


def test_amend_increase_is_held_to_position_limit(clock: SimClock, book: Book) -> None:
    manager = manager_for(base_policy(limits={"global": {"max_position_qty": 100}}), clock)
    order = make_order(qty=50)
    assert manager.check_submit(order, book).approved
    assert manager.check_amend(order, Decimal(100), None, None, book).approved
    assert manager.check_amend(order, Decimal(101), None, None, book).code == (R.POSITION_QTY_LIMIT)


def test_max_open_orders_global_and_per_symbol(clock: SimClock, book: Book) -> None:
    policy = base_policy(
        portfolio={"max_open_orders": 3}, limits={"global": {"max_open_orders": 2}}
    )
    manager = manager_for(policy, clock)
    assert manager.check_submit(make_order(qty=1), book).approved
    assert manager.check_submit(make_order(qty=1), book).approved
    assert manager.check_submit(make_order(qty=1), book).code == R.MAX_OPEN_ORDERS
    assert manager.check_submit(make_order("MSFT", qty=1, limit_px="200"), book).approved
    assert manager.check_submit(make_order("MSFT", qty=1, limit_px="200"), book).code == (
        R.MAX_OPEN_ORDERS
    )


def test_terminal_events_free_open_order_slots(clock: SimClock, book: Book) -> None:
    manager = manager_for(base_policy(portfolio={"max_open_orders": 1}), clock)
    first = make_order(qty=1)
    assert manager.check_submit(first, book).approved
    assert manager.check_submit(make_order(qty=1), book).code == R.MAX_OPEN_ORDERS
    manager.on_event(
        "order.rejected",
        OrderRejected(
            client_order_id=first.client_order_id, ts_event=clock.now_ns(), ts_init=0, reason="x"
        ),
    )
    assert manager.check_submit(make_order(qty=1), book).approved


def test_cooldown_after_fill_and_reject(clock: SimClock, book: Book) -> None:
    policy = base_policy(
        limits={"global": {"cooldown_after_fill_s": 1, "cooldown_after_reject_s": 2}}
    )
    manager = manager_for(policy, clock)
    order = make_order(qty=5)
    assert manager.check_submit(order, book).approved
    manager.on_event(
        "order.filled",
        OrderFilled(
            client_order_id=order.client_order_id,
            ts_event=clock.now_ns(),
            ts_init=0,
            trade_id="T1",
            symbol="AAPL",
            side=Side.BUY,
            last_qty=Decimal(5),
            last_px=Decimal(100),
        ),
    )
    book.set_position("AAPL", "5")
    clock.advance_by(S - 1)
    assert manager.check_submit(make_order(qty=1), book).code == R.COOLDOWN
    assert manager.check_submit(make_order(qty=1, side="SELL"), book).approved  # exits pass
    clock.advance_by(1)
    second = make_order(qty=1)
    assert manager.check_submit(second, book).approved
    manager.on_event(
        "order.rejected",
        OrderRejected(
            client_order_id=second.client_order_id, ts_event=clock.now_ns(), ts_init=0, reason="x"
        ),
    )
    clock.advance_by(2 * S - 1)
    assert manager.check_submit(make_order(qty=1), book).code == R.COOLDOWN
    clock.advance_by(1)
    assert manager.check_submit(make_order(qty=1), book).approved


def test_max_daily_trades_rolls_at_the_trading_day_start(clock: SimClock, book: Book) -> None:
    policy = base_policy(portfolio={"max_daily_trades": 2, "trading_day_start_utc": "14:30"})
    manager = manager_for(policy, clock)  # the fixture's T0 is 14:30:00 UTC
    assert manager.check_submit(make_order(qty=1), book).approved
    assert manager.check_submit(make_order(qty=1), book).approved
    assert manager.check_submit(make_order(qty=1), book).code == R.DAILY_TRADE_LIMIT
    clock.advance_by(86_400 * S - 1)
    for sym, px in book.marks.items():
        book.marks[sym] = (px[0], clock.now_ns())
    assert manager.check_submit(make_order(qty=1), book).code == R.DAILY_TRADE_LIMIT
    clock.advance_by(1)
    assert manager.check_submit(make_order(qty=1), book).approved


def test_duplicate_guard_window(clock: SimClock, book: Book) -> None:
    manager = manager_for(base_policy(duplicates={"window_s": 1}), clock)
    assert manager.check_submit(make_order(qty=7), book).approved
    assert manager.check_submit(make_order(qty=7), book).code == R.DUPLICATE_ORDER
    assert manager.check_submit(make_order(qty=8), book).approved
    clock.advance_by(S - 1)
    assert manager.check_submit(make_order(qty=7), book).code == R.DUPLICATE_ORDER
    clock.advance_by(1)
    assert manager.check_submit(make_order(qty=7), book).approved


def test_self_trade_prevention(clock: SimClock, book: Book) -> None:
    manager = manager_for(base_policy(self_trade_prevention=True), clock)
    assert manager.check_submit(make_order(qty=5, side="SELL", limit_px="101"), book).approved
    assert manager.check_submit(make_order(qty=1, limit_px="100.99"), book).approved
    assert manager.check_submit(make_order(qty=1, limit_px="101"), book).code == R.SELF_TRADE
    assert manager.check_submit(make_order(qty=1, limit_px=None), book).code == R.SELF_TRADE


def test_otr_warns_then_denies_new_risk(clock: SimClock, book: Book) -> None:
    policy = base_policy(
        otr={
            "enabled": True,
            "warn_ratio": 3,
            "deny_ratio": 5,
            "grace_messages": 0,
            "exempt_band_pct": None,
        },
        brokers={"kite": {"venue": "zerodha", "use_published_limits": False, "otr": True}},
    )
    manager = manager_for(policy, clock)
    codes = [manager.check_submit(make_order(qty=1, broker="kite"), book).code for _ in range(6)]
    assert codes == ["", "", R.OTR_WARNING, R.OTR_WARNING, R.OTR_LIMIT, R.OTR_LIMIT]
    assert len(manager.warnings) == 2
    assert manager.check_submit(make_order(qty=1, broker="paper"), book).approved  # not counted


def test_otr_exempt_band_orders_are_not_counted(clock: SimClock, book: Book) -> None:
    policy = base_policy(
        otr={"enabled": True, "warn_ratio": 1, "deny_ratio": 2, "grace_messages": 0},
        brokers={"kite": {"venue": "zerodha", "use_published_limits": False, "otr": True}},
    )
    manager = manager_for(policy, clock)
    for _ in range(5):  # 100.75 is inside 0.75 % of the reference 100
        assert (
            manager.check_submit(make_order(qty=1, broker="kite", limit_px="100.75"), book).code
            == ""
        )
    assert manager.state.otr_messages == 0


def test_an_algorithm_counts_as_one_daily_trade_and_skips_the_duplicate_guard(
    clock: SimClock, book: Book
) -> None:
    policy = base_policy(portfolio={"max_daily_trades": 3}, duplicates={"window_s": 5})
    manager = manager_for(policy, clock)
    for _ in range(5):  # identical iceberg clips of one parent
        assert manager.check_submit(make_order(qty=10, parent_id="P1"), book).approved
    assert manager.check_submit(make_order(qty=10), book).approved
    assert manager.check_submit(make_order(qty=10), book).code == R.DUPLICATE_ORDER
    assert manager.check_submit(make_order(qty=10, parent_id="P2"), book).approved
    assert manager.check_submit(make_order(qty=10, parent_id="P3"), book).code == (
        R.DAILY_TRADE_LIMIT
    )
    assert manager.check_submit(make_order(qty=10, parent_id="P1"), book).approved

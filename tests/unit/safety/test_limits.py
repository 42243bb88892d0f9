"""Every limit at, just under and just over its boundary."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bolt_exec.clock import SimClock
from bolt_exec.safety.codes import ReasonCode as R

from .conftest import Book, base_policy, make_order, manager_for

OK = None


def _limits(**kw: Any) -> dict[str, Any]:
    return base_policy(limits={"global": kw})


CASES: list[tuple[str, dict[str, Any], str | None, list[tuple[dict[str, Any], R | None]]]] = [
    (
        "max_order_qty",
        _limits(max_order_qty=100),
        None,
        [({"qty": 99}, OK), ({"qty": 100}, OK), ({"qty": 101}, R.QTY_ABOVE_MAX)],
    ),
    (
        "min_order_qty",
        _limits(min_order_qty=10),
        None,
        [({"qty": 9}, R.QTY_BELOW_MIN), ({"qty": 10}, OK), ({"qty": 11}, OK)],
    ),
    (
        "max_order_notional",
        _limits(max_order_notional=10000),
        None,
        [({"qty": 99}, OK), ({"qty": 100}, OK), ({"qty": 101}, R.NOTIONAL_ABOVE_MAX)],
    ),
    (
        "max_position_notional",
        _limits(max_position_notional=10000),
        None,
        [({"qty": 99}, OK), ({"qty": 100}, OK), ({"qty": 101}, R.POSITION_NOTIONAL_LIMIT)],
    ),
    (
        "collar_pct",
        _limits(collar_pct=5),
        None,
        [
            ({"limit_px": "104.99"}, OK),
            ({"limit_px": "105"}, OK),
            ({"limit_px": "105.01"}, R.PRICE_COLLAR),
            ({"limit_px": "94.99", "side": "SELL"}, R.PRICE_COLLAR),
        ],
    ),
    (
        "collar_ticks",
        _limits(collar_ticks=10),
        None,
        [
            ({"limit_px": "100.09"}, OK),
            ({"limit_px": "100.10"}, OK),
            ({"limit_px": "100.11"}, R.PRICE_COLLAR),
        ],
    ),
    (
        "max_gross_exposure",
        base_policy(portfolio={"max_gross_exposure": 10000}),
        None,
        [({"qty": 99}, OK), ({"qty": 100}, OK), ({"qty": 101}, R.GROSS_EXPOSURE_LIMIT)],
    ),
    (
        "max_net_exposure",
        base_policy(portfolio={"max_net_exposure": 10000}),
        None,
        [
            ({"qty": 99}, OK),
            ({"qty": 100}, OK),
            ({"qty": 101}, R.NET_EXPOSURE_LIMIT),
            ({"qty": 101, "side": "SELL"}, R.NET_EXPOSURE_LIMIT),
        ],
    ),
    (
        "max_allocation_pct",
        base_policy(portfolio={"max_allocation_pct": 30}),
        "10000",
        [({"qty": 29}, OK), ({"qty": 30}, OK), ({"qty": 31}, R.ALLOCATION_LIMIT)],
    ),
    (
        "max_leverage",
        base_policy(portfolio={"max_leverage": 3}),
        "1000",
        [({"qty": 29}, OK), ({"qty": 30}, OK), ({"qty": 31}, R.LEVERAGE_LIMIT)],
    ),
    (
        "min_portfolio_value_under",
        base_policy(portfolio={"min_portfolio_value": 100}),
        "99.99",
        [({"qty": 1}, R.PORTFOLIO_BELOW_MIN)],
    ),
    (
        "min_portfolio_value_at",
        base_policy(portfolio={"min_portfolio_value": 100}),
        "100",
        [({"qty": 1, "limit_px": "10"}, OK)],
    ),
    (
        "portfolio_unknown",
        base_policy(portfolio={"max_leverage": 3}),
        None,
        [({"qty": 1}, R.PORTFOLIO_UNKNOWN)],
    ),
    (
        "allowlist",
        base_policy(instruments={"allow": ["MSFT"]}),
        None,
        [({"qty": 1}, R.NOT_ALLOWLISTED), ({"symbol": "MSFT", "limit_px": "200"}, OK)],
    ),
    (
        "blocklist",
        base_policy(instruments={"block": ["AAPL"]}),
        None,
        [({"qty": 1}, R.BLOCKLISTED), ({"symbol": "MSFT", "limit_px": "200"}, OK)],
    ),
    ("unknown_instrument", base_policy(), None, [({"symbol": "NOPE"}, R.UNKNOWN_INSTRUMENT)]),
    (
        "precision",
        base_policy(),
        None,
        [
            ({"limit_px": "100.005"}, R.BAD_PRICE_PRECISION),
            ({"qty": "1.5"}, R.BAD_QTY_PRECISION),
            ({"symbol": "BTC", "qty": "0.0015", "limit_px": "50000"}, R.BAD_QTY_PRECISION),
            ({"symbol": "BTC", "qty": "0.001", "limit_px": "50000.1"}, OK),
        ],
    ),
    ("trading_disabled", {"version": 1}, None, [({"qty": 1}, R.TRADING_DISABLED)]),
    ("halted", base_policy(initial_state="HALTED"), None, [({"qty": 1}, R.HALTED)]),
    ("reducing_flat", base_policy(initial_state="REDUCING"), None, [({"qty": 1}, R.REDUCING_ONLY)]),
    (
        "confidence",
        base_policy(plans={"min_confidence": 0.6}),
        None,
        [
            ({"tags": {"confidence": "0.59"}}, R.LOW_CONFIDENCE),
            ({"tags": {"confidence": "0.6"}}, OK),
            ({"tags": {"confidence": "0.61"}}, OK),
            ({"tags": {"source": "plan"}}, R.MISSING_CONFIDENCE),
            ({"tags": {"plan_id": "p1", "confidence": "high"}}, R.MISSING_CONFIDENCE),
            ({"tags": {}}, OK),
        ],
    ),
    (
        "confidence_scoped",
        base_policy(limits={"strategies": {"s1": {"min_confidence": 0.9}}}),
        None,
        [
            ({"tags": {"confidence": "0.89"}}, R.LOW_CONFIDENCE),
            ({"tags": {"confidence": "0.9"}}, OK),
        ],
    ),
]


@pytest.mark.parametrize(
    ("policy", "cash", "orders"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_limit_boundary(
    clock: SimClock,
    book: Book,
    policy: dict[str, Any],
    cash: str | None,
    orders: list[tuple[dict[str, Any], R | None]],
) -> None:
    for kwargs, expected in orders:
        # a fresh manager per order: each probe is judged alone, not on top of the last one
        manager = manager_for(policy, clock, cash=cash or ("1000000" if cash is None else cash))
        if policy.get("portfolio", {}).get("max_leverage") and cash is None:
            manager = manager_for(policy, clock, cash=None)
        decision = manager.check_submit(make_order(**kwargs), book)
        if expected is None:
            assert decision.approved, (kwargs, decision)
        else:
            assert not decision.approved, (kwargs, decision)
            assert decision.code == expected.value, (kwargs, decision)
            assert decision.reason
            assert decision.check


@pytest.mark.parametrize(
    ("held", "buy", "expected"),
    [
        ("50", 49, None),
        ("50", 50, None),
        ("50", 51, R.POSITION_QTY_LIMIT),
        ("-50", 150, None),
        ("-50", 151, R.POSITION_QTY_LIMIT),
    ],
)
def test_max_position_qty_boundary_counts_the_position(
    clock: SimClock, book: Book, held: str, buy: int, expected: R | None
) -> None:
    manager = manager_for(_limits(max_position_qty=100), clock)
    book.set_position("AAPL", held)
    decision = manager.check_submit(make_order(qty=buy), book)
    assert decision.approved is (expected is None), decision
    if expected:
        assert decision.code == expected.value


def test_max_position_qty_counts_working_orders_on_the_same_side(
    clock: SimClock, book: Book
) -> None:
    manager = manager_for(_limits(max_position_qty=100), clock)
    assert manager.check_submit(make_order(qty=60), book).approved
    assert manager.check_submit(make_order(qty=40), book).approved
    denied = manager.check_submit(make_order(qty=1), book)
    assert denied.code == R.POSITION_QTY_LIMIT
    assert manager.check_submit(make_order(qty=100, side="SELL"), book).approved


def test_position_limit_never_blocks_a_reducing_order(clock: SimClock, book: Book) -> None:
    manager = manager_for(_limits(max_position_qty=10, max_position_notional=1), clock)
    book.set_position("AAPL", "500")  # far beyond the limit already
    assert manager.check_submit(make_order(qty=100, side="SELL"), book).approved
    assert manager.check_submit(make_order(qty=1), book).code == R.POSITION_QTY_LIMIT


@pytest.mark.parametrize(("open_positions", "expected"), [(2, None), (3, R.MAX_OPEN_POSITIONS)])
def test_max_open_positions_boundary(
    clock: SimClock, book: Book, open_positions: int, expected: R | None
) -> None:
    for i in range(open_positions):
        book.add(f"P{i}", "10")
        book.set_position(f"P{i}", "1")
    manager = manager_for(base_policy(portfolio={"max_open_positions": 3}), clock)
    manager.sync(book)
    decision = manager.check_submit(make_order(qty=1), book)
    assert decision.approved is (expected is None), decision
    # adding to an existing position is not opening a new one
    assert manager.check_submit(make_order("P0", qty=1, limit_px="10"), book).approved


def test_max_open_positions_counts_flat_symbols_with_working_orders(
    clock: SimClock, book: Book
) -> None:
    manager = manager_for(base_policy(portfolio={"max_open_positions": 2}), clock)
    assert manager.check_submit(make_order("AAPL", qty=1), book).approved
    assert manager.check_submit(make_order("MSFT", qty=1, limit_px="200"), book).approved
    assert manager.check_submit(make_order("BTC", qty="0.001", limit_px="50000"), book).code == (
        R.MAX_OPEN_POSITIONS
    )


@pytest.mark.parametrize(
    ("age_ns", "expected"),
    [
        (4_999_999_999, None),
        (5_000_000_000, None),
        (5_000_000_001, R.STALE_REFERENCE),
    ],
)
def test_stale_reference_boundary(
    clock: SimClock, book: Book, age_ns: int, expected: R | None
) -> None:
    manager = manager_for(base_policy(), clock)
    clock.advance_by(age_ns)
    decision = manager.check_submit(make_order(qty=1), book)
    assert decision.approved is (expected is None), decision


def test_stale_reference_still_lets_a_position_be_reduced(clock: SimClock, book: Book) -> None:
    manager = manager_for(base_policy(), clock)
    book.set_position("AAPL", "10")
    clock.advance_by(60 * 10**9)
    assert manager.check_submit(make_order(qty=1), book).code == R.STALE_REFERENCE
    assert manager.check_submit(make_order(qty=10, side="SELL", limit_px=None), book).approved


def test_market_order_without_reference_is_denied(clock: SimClock, book: Book) -> None:
    manager = manager_for(base_policy(), clock)
    del book.marks["AAPL"]
    assert manager.check_submit(make_order(limit_px=None), book).code == R.NO_REFERENCE_PRICE


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ("99.99", None),
        ("100", R.DAILY_LOSS_LIMIT),
        ("100.01", R.DAILY_LOSS_LIMIT),
    ],
)
def test_daily_loss_limit_boundary(
    clock: SimClock, book: Book, loss: str, expected: R | None
) -> None:
    policy = base_policy(
        portfolio={"daily_loss_limit": 100}, kill_switch={"trip_on_daily_loss": False}
    )
    manager = manager_for(policy, clock, cash="10000")
    assert manager.check_submit(make_order(qty=1), book).approved  # the day starts at 10000
    manager.set_cash(Decimal(10000) - Decimal(loss))
    decision = manager.check_submit(make_order(qty=1, limit_px="99.99"), book)
    assert decision.approved is (expected is None), decision


def test_reducing_state_allows_only_reducing_orders(clock: SimClock, book: Book) -> None:
    manager = manager_for(base_policy(initial_state="REDUCING"), clock)
    book.set_position("AAPL", "10")
    assert manager.check_submit(make_order(qty=1), book).code == R.REDUCING_ONLY
    assert manager.check_submit(make_order(qty=11, side="SELL"), book).code == R.REDUCING_ONLY
    assert manager.check_submit(make_order(qty=10, side="SELL"), book).approved
    # the first sell is working: another sell of 1 would overshoot flat
    assert manager.check_submit(make_order(qty=1, side="SELL"), book).code == R.REDUCING_ONLY


def test_reduce_only_order_that_increases_is_denied(clock: SimClock, book: Book) -> None:
    manager = manager_for(base_policy(), clock)
    book.set_position("AAPL", "-5")
    assert manager.check_submit(make_order(qty=6, reduce_only=True), book).code == (
        R.REDUCE_ONLY_WOULD_INCREASE
    )
    assert manager.check_submit(make_order(qty=5, reduce_only=True), book).approved

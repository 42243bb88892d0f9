"""The per-scope cache: resolved once, equal to a fresh resolution, dropped with its config."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bolt_exec.clock import SimClock
from bolt_exec.model.instrument import Instrument
from bolt_exec.safety.codes import ReasonCode as R
from bolt_exec.safety.policy import Policy
from bolt_exec.safety.scope import OrderScope, ScopeCache
from bolt_exec.safety.state import RiskState

from .conftest import T0, Book, base_policy, make_order, manager_for

SCOPED = base_policy(
    limits={
        "global": {"max_order_qty": 1000, "min_order_qty": 2, "collar_pct": 5},
        "brokers": {"paper": {"max_order_qty": 500}},
        "strategies": {"twap": {"max_order_qty": 300}},
        "instruments": {"MSFT": {"max_order_qty": 100}},
    },
    throttles={"orders": {"per_strategy": {"rate_per_s": 5, "burst": 5}}},
)


def test_scope_cache_resolves_each_scope_once(clock: SimClock, book: Book) -> None:
    manager = manager_for(SCOPED, clock)
    for _ in range(3):
        assert manager.check_submit(make_order("AAPL", qty=10), book).approved
    assert len(manager._scopes) == 1
    manager.check_submit(make_order("MSFT", qty=10, limit_px="200"), book)
    manager.check_submit(make_order("AAPL", qty=10, strategy_id="twap"), book)
    assert len(manager._scopes) == 3


def test_scope_limits_follow_the_precedence(clock: SimClock, book: Book) -> None:
    """instrument > strategy > broker > global, field by field, as RiskConfig.limits_for."""
    manager = manager_for(SCOPED, clock)
    for symbol, strategy, cap in (
        ("AAPL", "s1", 500),
        ("AAPL", "twap", 300),
        ("MSFT", "twap", 100),
    ):
        px = book.marks[symbol][0]
        ok = make_order(symbol, qty=cap, strategy_id=strategy, limit_px=str(px))
        over = make_order(symbol, qty=cap + 1, strategy_id=strategy, limit_px=str(px))
        assert manager.check_submit(ok, book).approved
        assert manager.check_submit(over, book).code == R.QTY_ABOVE_MAX.value
        assert manager.check_submit(
            make_order(symbol, qty=1, strategy_id=strategy, limit_px=str(px)), book
        ).code == (R.QTY_BELOW_MIN.value)


def test_a_new_config_drops_every_cached_scope() -> None:
    """Scopes are resolved for one RiskConfig; handing the cache another re-resolves them."""
    # Arrange
    old = Policy.from_mapping(SCOPED).compile()
    new = Policy.from_mapping(
        base_policy(limits={"global": {"max_order_qty": 7, "collar_pct": 1}})
    ).compile()
    cache = ScopeCache()
    inst = Instrument("AAPL")
    state = RiskState(old)
    first = cache.resolve(old, state, "paper", "s1", "AAPL", inst, T0)
    assert cache.lookup(old, "paper", "s1", "AAPL") is first
    # Act
    missed = cache.lookup(new, "paper", "s1", "AAPL")
    second = cache.resolve(new, RiskState(new), "paper", "s1", "AAPL", inst, T0)
    # Assert
    assert missed is None
    assert len(cache) == 1
    assert second.limits == new.limits_for("paper", "s1", "AAPL")
    assert second.qty_high == Decimal(7)
    assert cache.lookup(new, "paper", "s1", "AAPL") is second
    assert cache.lookup(old, "paper", "s1", "AAPL") is None  # and back again


def test_an_unknown_instrument_is_asked_for_again(clock: SimClock, book: Book) -> None:
    """A scope without an instrument is never cached: loading the instrument later works."""
    manager = manager_for(SCOPED, clock)
    first = manager.check_submit(make_order("NVDA", qty=10), book)
    assert first.code == R.UNKNOWN_INSTRUMENT.value
    book.add("NVDA", "100")
    assert manager.check_submit(make_order("NVDA", qty=10), book).approved


def _decimals(lo: str, hi: str) -> st.SearchStrategy[Decimal | None]:
    return st.none() | st.decimals(Decimal(lo), Decimal(hi), places=3, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    min_order_qty=_decimals("0.001", "50"),
    max_order_qty=_decimals("1", "5000"),
    inst_min=st.decimals(Decimal(0), Decimal(50), places=3),
    inst_max=_decimals("1", "5000"),
    tick=st.sampled_from(["0.01", "0.05", "0.5", "1"]),
    lot=st.sampled_from(["0.001", "1", "10"]),
    mult=st.sampled_from(["1", "0.1", "50"]),
)
def test_scope_bounds_equal_the_per_order_resolution(
    min_order_qty: Decimal | None,
    max_order_qty: Decimal | None,
    inst_min: Decimal,
    inst_max: Decimal | None,
    tick: str,
    lot: str,
    mult: str,
) -> None:
    """The cached bounds are the tighter of the policy's and the venue's, as computed per order."""
    assume(min_order_qty is None or max_order_qty is None or min_order_qty <= max_order_qty)
    limits: dict[str, Any] = {"min_order_qty": min_order_qty, "max_order_qty": max_order_qty}
    config = Policy.from_mapping(base_policy(limits={"global": limits})).compile()
    inst = Instrument(
        "X",
        tick_size=Decimal(tick),
        lot_size=Decimal(lot),
        min_qty=inst_min,
        max_qty=inst_max,
        multiplier=Decimal(mult),
    )
    scope = OrderScope(config, RiskState(config), "paper", "s1", "X", inst, T0)
    resolved = config.limits_for("paper", "s1", "X")
    low = resolved.min_order_qty
    if low is None or inst.min_qty > low:
        low = inst.min_qty
    high = resolved.max_order_qty
    if inst.max_qty is not None and (high is None or inst.max_qty < high):
        high = inst.max_qty
    assert (scope.qty_low, scope.qty_high) == (low, high)
    assert scope.mult == inst.multiplier
    assert (scope.tick, scope.lot) == (inst.tick_size, inst.lot_size)


def test_no_instrument_scope_has_no_grid_and_unit_multiplier() -> None:
    config = Policy.from_mapping(base_policy()).compile()
    scope = OrderScope(config, RiskState(config), "paper", "s1", "X", None, T0)
    assert (scope.tick, scope.lot, scope.mult, scope.qty_low) == (None, None, Decimal(1), None)

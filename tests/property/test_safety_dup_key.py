"""The duplicate guard's exact number keys: equal exactly when the Decimals are equal."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.clock import SimClock
from bolt_exec.safety.codes import ReasonCode as R
from bolt_exec.safety.flow_checks import exact
from tests.unit.safety.conftest import T0, Book, base_policy, make_order, manager_for

# the same value in several spellings (1.1, 1.10, 11E-1) must meet, as Decimal == says
numbers = st.builds(
    lambda digits, exp, pad: Decimal(f"{digits}{'0' * pad}E{exp - pad}"),
    st.integers(0, 10**12),
    st.integers(-8, 4),
    st.integers(0, 3),
)


@given(a=numbers, b=numbers)
def test_exact_keys_are_equal_exactly_when_the_numbers_are(a: Decimal, b: Decimal) -> None:
    assert (exact(a) == exact(b)) is (a == b)
    if a == b:
        assert hash(exact(a)) == hash(exact(b))


@given(a=numbers)
def test_exact_key_of_a_respelt_number_is_the_same(a: Decimal) -> None:
    respelt = a.quantize(Decimal("1E-12")) if a.adjusted() < 12 else a
    assert exact(respelt) == exact(a)
    assert exact(None) is None


def test_duplicate_guard_matches_numerically_equal_prices() -> None:
    """100 and 100.00 are the same limit price: the second order is a duplicate."""
    clock = SimClock(T0)
    book = Book(clock)
    book.add("AAPL", "100")
    manager = manager_for(base_policy(duplicates={"window_s": 1}), clock)
    assert manager.check_submit(make_order(qty=7, limit_px="100"), book).approved
    second = manager.check_submit(make_order(qty="7.0", limit_px="100.00"), book)
    assert second.code == R.DUPLICATE_ORDER
    assert manager.check_submit(make_order(qty=7, limit_px="100.01"), book).approved

"""Slicing maths: children sum exactly to the parent, on the lot grid, never over-fill."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.algos.slicing import clamp_child, cumulative_split, even_split, merge_small

lots = st.sampled_from([Decimal(1), Decimal(100), Decimal("0.001"), Decimal("0.5")])


@given(
    lot=lots,
    n_lots=st.integers(1, 10**6),
    weights=st.lists(
        st.floats(0, 1000, allow_nan=False, allow_infinity=False), min_size=1, max_size=60
    ),
)
def test_cumulative_split_sums_exactly_on_lot_grid(lot, n_lots, weights):
    if sum(weights) == 0:
        weights = [*weights[:-1], 1.0]
    total = lot * n_lots
    slices = cumulative_split(total, weights, lot)
    assert sum(slices) == total
    assert len(slices) == len(weights)
    assert all(s >= 0 and s % lot == 0 for s in slices)


@given(lot=lots, n_lots=st.integers(1, 10**6), n=st.integers(1, 500))
def test_even_split_slices_differ_by_at_most_one_lot(lot, n_lots, n):
    slices = even_split(lot * n_lots, n, lot)
    assert sum(slices) == lot * n_lots
    assert max(slices) - min(slices) <= lot


@given(lot=lots, n_lots=st.integers(1, 10**5), n=st.integers(1, 200), min_lots=st.integers(1, 50))
def test_merge_small_leaves_no_slice_below_min_except_final_remainder(lot, n_lots, n, min_lots):
    total = lot * n_lots
    min_qty = lot * min_lots
    merged = merge_small(even_split(total, n, lot), min_qty)
    assert sum(merged) == total
    assert len(merged) == n
    nonzero = [q for q in merged if q > 0]
    assert all(q >= min_qty for q in nonzero[:-1])
    assert all(q % lot == 0 for q in merged)


@given(
    lot=lots,
    parent_lots=st.integers(1, 10_000),
    ops=st.lists(
        st.tuples(st.integers(0, 20_000), st.sampled_from(["fill", "reject", "cancel", "partial"])),
        max_size=80,
    ),
    min_lots=st.integers(1, 10),
)
def test_clamp_child_never_overfills_under_random_outcomes(lot, parent_lots, ops, min_lots):
    """Drive clamp_child with random wants and venue outcomes; the parent is never exceeded."""
    parent = lot * parent_lots
    min_qty = lot * min_lots
    filled = Decimal(0)
    in_flight: list[Decimal] = []
    for want_lots, outcome in ops:
        qty = clamp_child(
            lot * want_lots,
            parent_qty=parent,
            filled=filled,
            in_flight=sum(in_flight, Decimal(0)),
            lot=lot,
            min_qty=min_qty,
        )
        if qty > 0:
            assert qty % lot == 0
            assert qty >= min_qty or qty == parent - filled - sum(in_flight, Decimal(0))
            in_flight.append(qty)
        if not in_flight:
            continue
        child = in_flight.pop(0)
        if outcome == "fill":
            filled += child
        elif outcome == "partial":
            filled += (child / lot // 2) * lot
        # reject/cancel: the child's quantity returns to the pool only now, once confirmed
        assert filled + sum(in_flight, Decimal(0)) <= parent
    assert filled <= parent

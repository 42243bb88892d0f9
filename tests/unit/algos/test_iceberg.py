from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.algos.base import ChildView, ParentOrder, Progress
from bolt_exec.algos.iceberg import Iceberg
from bolt_exec.errors import ValidationError


def _parent(inst, **kw):
    return ParentOrder(
        parent_id="I",
        instrument=inst,
        side="BUY",
        qty=Decimal(1050),
        start_ns=0,
        limit_px=Decimal("10.00"),
        **kw,
    )


def test_iceberg_shows_one_display_slice_at_a_time(inst):
    algo = Iceberg(display_qty=200)
    algo.start(_parent(inst), 0)
    filled, sizes = Decimal(0), []
    for t in range(20):
        step = algo.step(t, None, Progress(filled_qty=filled))
        if step.is_done:
            break
        (child,) = step.children
        assert child.limit_px == Decimal("10.00")
        # while it works, nothing new goes out
        open_view = ChildView("I-E0", child.qty, Decimal(0), child.limit_px, t)
        busy = algo.step(t, None, Progress(filled, child.qty, (open_view,)))
        assert busy.children == ()
        sizes.append(child.qty)
        filled += child.qty
    assert sizes == [200, 200, 200, 200, 200, 50]


def test_iceberg_jitter_is_seeded(inst):
    def sizes(seed):
        algo = Iceberg(display_qty=200, display_jitter=0.3, seed=seed)
        algo.start(_parent(inst), 0)
        out, filled = [], Decimal(0)
        while True:
            step = algo.step(0, None, Progress(filled_qty=filled))
            if step.is_done:
                return out
            out.append(step.children[0].qty)
            filled += step.children[0].qty

    a, b = sizes(1), sizes(1)
    assert a == b
    assert sum(a) == 1050
    assert len(set(a)) > 1


def test_iceberg_needs_a_limit_price(inst):
    algo = Iceberg(display_qty=100)
    with pytest.raises(ValidationError) as e:
        algo.start(
            ParentOrder(parent_id="I", instrument=inst, side="BUY", qty=Decimal(100), start_ns=0), 0
        )
    assert e.value.field == "limit_px"


def test_iceberg_cancels_and_stops_at_end(inst):
    algo = Iceberg(display_qty=100)
    algo.start(_parent(inst, end_ns=100), 0)
    child = ChildView("I-E0", Decimal(100), Decimal(0), Decimal("10.00"), 0)
    step = algo.step(100, None, Progress(Decimal(0), Decimal(100), (child,)))
    assert step.cancel == ("I-E0",)
    assert not step.is_done
    step = algo.step(101, None, Progress())
    assert step.is_done
    assert "1050 unfilled" in step.reason

"""The context's worst-case projection: ``increases`` is exactly ``|projected| > |position|``."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.clock import SimClock
from bolt_exec.model.enums import Side
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.context import CheckContext
from bolt_exec.safety.policy import Policy
from bolt_exec.safety.state import RiskState
from tests.unit.safety.conftest import T0, make_order

CONFIG = Policy.from_mapping({"version": 1}).compile()
qtys = st.integers(-500, 500).map(Decimal)


@given(
    position=qtys,
    qty=st.integers(1, 500),
    side=st.sampled_from(Side),
    working=st.lists(st.tuples(st.sampled_from(Side), st.integers(1, 100)), max_size=4),
)
def test_increases_matches_its_definition(
    position: Decimal, qty: int, side: Side, working: list[tuple[Side, int]]
) -> None:
    state = RiskState(CONFIG)
    for w_side, w_qty in working:
        state.orders.add(make_order("AAPL", w_side, w_qty))
    order = make_order("AAPL", side, qty)
    ctx = CheckContext(
        order,
        CONFIG,
        state,
        TradingState.ACTIVE,
        None,
        SimClock(T0).now_ns(),
        position,
        Decimal(100),
        T0,
    )
    same = sum((Decimal(q) for s, q in working if s is side), Decimal(0))
    projected = position + (same + qty) * side.sign
    assert ctx.projected == projected
    assert ctx.increases is (abs(projected) > abs(position))
    assert ctx.is_reducing is (
        position != 0 and abs(projected) <= abs(position) and projected * position >= 0
    )

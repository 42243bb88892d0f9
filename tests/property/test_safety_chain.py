"""The compiled chain gives the same verdicts as the full chain (dropping is pure speed)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bolt_exec.clock import SimClock
from bolt_exec.safety.chain import _AMEND_ONLY, CHAIN
from bolt_exec.safety.manager import SafetyManager
from bolt_exec.safety.policy import Policy
from tests.unit.safety.conftest import T0, Book, make_order

maybe = st.none() | st.integers(1, 200)

policies = st.fixed_dictionaries(
    {
        "version": st.just(1),
        "enable_trading": st.booleans(),
        "limits": st.fixed_dictionaries(
            {
                "global": st.fixed_dictionaries(
                    {
                        "max_order_qty": maybe,
                        "max_position_qty": maybe,
                        "collar_pct": st.none() | st.integers(1, 10),
                        "max_open_orders": st.none() | st.integers(1, 5),
                    }
                )
            }
        ),
        "portfolio": st.fixed_dictionaries(
            {
                "max_open_positions": st.none() | st.integers(1, 3),
                "max_leverage": st.none() | st.integers(1, 3),
                "max_daily_trades": st.none() | st.integers(1, 5),
            }
        ),
        "duplicates": st.fixed_dictionaries({"window_s": st.sampled_from([0, 1])}),
        "self_trade_prevention": st.booleans(),
        "plans": st.fixed_dictionaries({"min_confidence": st.none() | st.just(0.5)}),
    }
)
orders = st.lists(
    st.tuples(
        st.sampled_from(["AAPL", "MSFT"]),
        st.sampled_from(["BUY", "SELL"]),
        st.integers(1, 150),
        st.sampled_from(["95", "100", "104", None]),
        st.sampled_from([{}, {"confidence": "0.4"}, {"confidence": "0.9"}]),
    ),
    min_size=1,
    max_size=25,
)


def _run(policy: dict[str, Any], flow: list[Any], full: bool) -> list[str]:
    clock = SimClock(T0)
    book = Book(clock)
    book.add("AAPL", "100")
    book.add("MSFT", "100")
    manager = SafetyManager(Policy.from_mapping(policy).compile(), clock, cash=Decimal(10**5))
    if full:
        manager._submit_chain = tuple(c for c in CHAIN if c not in _AMEND_ONLY)
    out = []
    for symbol, side, qty, px, tags in flow:
        decision = manager.check_submit(make_order(symbol, side, qty, px, tags=tags), book)
        out.append(decision.code if not decision.approved else "ok")
    return out


@settings(max_examples=150, deadline=None)
@given(policy=policies, flow=orders)
def test_compiled_chain_has_the_same_verdicts_as_the_full_chain(
    policy: dict[str, Any], flow: list[Any]
) -> None:
    assert _run(policy, flow, full=False) == _run(policy, flow, full=True)

"""Accounting properties: positions and cash balance exactly under any fill sequence."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.ledger.portfolio import Portfolio
from bolt_exec.model.enums import Side
from bolt_exec.model.events import OrderFilled
from bolt_exec.model.position import Position
from bolt_exec.testing.builders import make_instrument

fills = st.lists(
    st.tuples(
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(1, 10_000).map(lambda n: Decimal(n) / 1000),  # 0.001 lots
        st.integers(1, 5_000_000).map(lambda n: Decimal(n) / 100),  # 0.01 ticks
        st.integers(0, 500).map(lambda n: Decimal(n) / 100),
    ),
    min_size=1,
    max_size=40,
)


@given(
    fills,
    st.sampled_from([Decimal(1), Decimal(50), Decimal("0.1")]),
    st.integers(1, 5_000_000).map(lambda n: Decimal(n) / 100),
)
def test_cash_plus_marked_position_equals_pnl_minus_fees(
    seq: list[tuple[Side, Decimal, Decimal, Decimal]], multiplier: Decimal, mark: Decimal
) -> None:
    inst = make_instrument(
        "ES", lot_size=Decimal("0.001"), min_qty=Decimal("0.001"), multiplier=multiplier
    )
    book = Portfolio()
    for i, (side, qty, px, fee) in enumerate(seq):
        book.apply_fill(
            "b",
            inst,
            OrderFilled(
                client_order_id="O",
                ts_event=i,
                ts_init=i,
                trade_id=str(i),
                symbol="ES",
                side=side,
                last_qty=qty,
                last_px=px,
                fee=fee,
            ),
        )
    book.mark("ES", mark, len(seq))
    pos = book.position("ES", "b")
    assert pos is not None
    cash = book.cash_flows()[("b", "USD")]
    assert cash + pos.qty * mark * multiplier == pos.realized_pnl + pos.unrealized_pnl - pos.fees
    assert pos.qty == sum((s.sign * q for s, q, _, _ in seq), Decimal(0))
    assert pos.fees == sum((f for *_, f in seq), Decimal(0))


@given(fills)
def test_round_trip_at_one_price_realizes_nothing(
    seq: list[tuple[Side, Decimal, Decimal, Decimal]],
) -> None:
    pos = Position("X")
    px = Decimal("101.37")
    for side, qty, _, _ in seq:
        pos.apply_fill(side, qty, px)
    for side, qty, _, _ in reversed(seq):
        pos.apply_fill(side.opposite, qty, px)
    assert pos.qty == 0 and pos.cost == 0
    assert abs(pos.realized_pnl) < Decimal("1e-9")


def test_average_cost_examples() -> None:
    pos = Position("X")
    pos.apply_fill(Side.BUY, Decimal(100), Decimal(10))
    pos.apply_fill(Side.BUY, Decimal(100), Decimal(12))
    assert pos.avg_px == 11
    assert pos.apply_fill(Side.SELL, Decimal(50), Decimal(15)) == 200  # (15 - 11) * 50
    assert pos.avg_px == 11 and pos.qty == 150
    assert pos.apply_fill(Side.SELL, Decimal(200), Decimal(9)) == -300  # closes 150 at -2
    assert pos.qty == -50 and pos.avg_px == 9 and pos.side == "SHORT"
    pos.mark(Decimal(8))
    assert pos.unrealized_pnl == 50

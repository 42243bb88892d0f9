"""The lenient projection fold agrees with the Order aggregate on every legal history."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bolt_exec.errors import InvalidTransition
from bolt_exec.model.enums import OrderType, Side
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderSubmitted,
    OrderTriggered,
)
from bolt_exec.model.order import Order
from bolt_exec.store import MemoryOrderStore

KINDS = [
    "submit",
    "accept",
    "reject",
    "trigger",
    "pcancel",
    "cancel",
    "cancel_rej",
    "preplace",
    "replace",
    "replace_rej",
    "expire",
    "fill",
    "fill",
]


def _event(kind: str, n: int, qty: int, trade: int) -> OrderEvent:
    base = {"client_order_id": "A", "ts_event": n, "ts_init": n, "event_id": f"A-{n}"}
    if kind == "fill":
        return OrderFilled(
            **base,
            trade_id=f"t{trade}",
            symbol="X",
            side=Side.BUY,
            last_qty=Decimal(qty),
            last_px=Decimal(100 + trade),
        )
    if kind in ("replace", "preplace"):
        cls = OrderReplaced if kind == "replace" else OrderPendingReplace
        return cls(**base, qty=Decimal(qty + 10))
    return {
        "submit": lambda: OrderSubmitted(**base),
        "accept": lambda: OrderAccepted(**base, venue_order_id="V"),
        "reject": lambda: OrderRejected(**base, reason="r"),
        "trigger": lambda: OrderTriggered(**base),
        "pcancel": lambda: OrderPendingCancel(**base),
        "cancel": lambda: OrderCanceled(**base),
        "cancel_rej": lambda: OrderCancelRejected(**base, reason="r"),
        "replace_rej": lambda: OrderReplaceRejected(**base, reason="r"),
        "expire": lambda: OrderExpired(**base),
    }[kind]()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(KINDS), st.integers(1, 6), st.integers(0, 3)),
        max_size=25,
    ),
    st.integers(1, 4),
)
def test_projection_matches_order_aggregate(steps: list[tuple[str, int, int]], batch: int) -> None:
    # Arrange: keep only what the state machine accepts, as the OMS would journal it.
    init = OrderInitialized(
        client_order_id="A",
        ts_event=0,
        ts_init=0,
        event_id="A-0",
        symbol="X",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        qty=Decimal(10),
        limit_px=Decimal(100),
    )
    order = Order(init)
    journal: list[OrderEvent] = [init]
    for n, (kind, qty, trade) in enumerate(steps, start=1):
        event = _event(kind, n, qty, trade)
        try:
            order.apply(event)
        except InvalidTransition:
            continue
        journal.append(event)
    store = MemoryOrderStore()

    # Act
    for i in range(0, len(journal), batch):
        store.append(journal[i : i + batch])

    # Assert
    (rec,) = store.order_records()
    assert rec.status is order.status
    assert rec.filled_qty == order.filled_qty
    assert rec.avg_px == order.avg_px
    assert rec.qty == order.qty
    assert store.load_orders()["A"].status is order.status
    pos = store.load_positions().get(("", "X"))
    assert (pos.qty if pos else Decimal(0)) == order.filled_qty

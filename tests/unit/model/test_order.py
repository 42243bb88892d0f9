"""The Order aggregate: exact fills, duplicate fills, races with cancels and amends."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.errors import InvalidTransition
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderReplaced,
    OrderSubmitted,
)
from bolt_exec.model.order import Order
from bolt_exec.testing.builders import fill_for, make_order


def _working(qty: int = 10) -> Order:
    order = make_order(qty=qty)
    order.apply(OrderSubmitted(client_order_id=order.client_order_id, ts_event=1, ts_init=1))
    order.apply(
        OrderAccepted(
            client_order_id=order.client_order_id, ts_event=2, ts_init=2, venue_order_id="V1"
        )
    )
    return order


def test_partial_fills_summing_to_qty_make_the_order_filled_exactly() -> None:
    order = make_order(qty=Decimal("0.3"))
    order.apply(OrderSubmitted(client_order_id=order.client_order_id, ts_event=1, ts_init=1))
    for i in range(3):
        order.apply(fill_for(order, Decimal("0.1"), "10.00", trade_id=f"T{i}"))
    assert order.status is OrderStatus.FILLED
    assert order.filled_qty == Decimal("0.3") and order.leaves_qty == 0
    assert order.avg_px == Decimal("10.00")


def test_avg_px_is_the_quantity_weighted_mean() -> None:
    order = _working(10)
    order.apply(fill_for(order, 4, "100.00", trade_id="A"))
    order.apply(fill_for(order, 6, "101.00", trade_id="B"))
    assert order.avg_px == Decimal("100.6")


def test_duplicate_trade_id_is_a_noop_returning_false() -> None:
    order = _working(10)
    assert order.apply(fill_for(order, 4, trade_id="T1")) is True
    assert order.apply(fill_for(order, 4, trade_id="T1")) is False
    assert order.filled_qty == 4 and len(order.events) == 4


def test_overfill_raises_and_changes_nothing() -> None:
    order = _working(10)
    order.apply(fill_for(order, 8, trade_id="A"))
    with pytest.raises(InvalidTransition, match="overfill"):
        order.apply(fill_for(order, 3, trade_id="B"))
    assert order.filled_qty == 8 and order.status is OrderStatus.PARTIALLY_FILLED


def test_fill_racing_a_cancel_keeps_the_cancel_pending_then_cancels() -> None:
    order = _working(10)
    order.apply(OrderPendingCancel(client_order_id=order.client_order_id, ts_event=3, ts_init=3))
    order.apply(fill_for(order, 4, trade_id="A"))
    assert order.status is OrderStatus.PENDING_CANCEL
    order.apply(OrderCanceled(client_order_id=order.client_order_id, ts_event=4, ts_init=4))
    assert order.status is OrderStatus.CANCELED and order.filled_qty == 4


def test_fill_after_cancel_ack_counts_and_order_stays_canceled() -> None:
    order = _working(10)
    order.apply(OrderCanceled(client_order_id=order.client_order_id, ts_event=3, ts_init=3))
    order.apply(fill_for(order, 4, trade_id="late"))
    assert order.status is OrderStatus.CANCELED and order.filled_qty == 4


def test_fill_after_cancel_ack_that_completes_the_order_makes_it_filled() -> None:
    order = _working(10)
    order.apply(OrderCanceled(client_order_id=order.client_order_id, ts_event=3, ts_init=3))
    order.apply(fill_for(order, 10, trade_id="late"))
    assert order.status is OrderStatus.FILLED


def test_cancel_rejected_resumes_partially_filled() -> None:
    order = _working(10)
    order.apply(fill_for(order, 2, trade_id="A"))
    order.apply(OrderPendingCancel(client_order_id=order.client_order_id, ts_event=3, ts_init=3))
    order.apply(
        OrderCancelRejected(
            client_order_id=order.client_order_id, ts_event=4, ts_init=4, reason="too late"
        )
    )
    assert order.status is OrderStatus.PARTIALLY_FILLED


def test_replace_while_partially_filled_updates_qty_and_px_and_stays_partial() -> None:
    order = _working(10)
    order.apply(fill_for(order, 3, trade_id="A"))
    order.apply(
        OrderPendingReplace(
            client_order_id=order.client_order_id,
            ts_event=3,
            ts_init=3,
            qty=Decimal(20),
            limit_px=Decimal("99.00"),
        )
    )
    order.apply(
        OrderReplaced(
            client_order_id=order.client_order_id,
            ts_event=4,
            ts_init=4,
            qty=Decimal(20),
            limit_px=Decimal("99.00"),
        )
    )
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert (order.qty, order.limit_px, order.leaves_qty) == (20, Decimal("99.00"), 17)


def test_replace_below_filled_qty_is_refused() -> None:
    order = _working(10)
    order.apply(fill_for(order, 5, trade_id="A"))
    with pytest.raises(InvalidTransition):
        order.apply(
            OrderReplaced(
                client_order_id=order.client_order_id, ts_event=4, ts_init=4, qty=Decimal(4)
            )
        )


def test_event_for_another_order_is_refused() -> None:
    order = _working(10)
    other = make_order(client_order_id="O-2")
    with pytest.raises(InvalidTransition):
        order.apply(fill_for(other, 1))


def test_orders_are_equal_by_client_order_id() -> None:
    a, b = make_order(client_order_id="X"), make_order(client_order_id="X", qty=5)
    assert a == b and hash(a) == hash(b) and a != make_order(client_order_id="Y")

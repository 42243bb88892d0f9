"""An amend whose answer we never heard is settled by the venue's values before its fills.

Order A: 10 at 100.00, amended up to 15 at 101.50; the venue applied the amend, filled
10 and canceled the other 5, while every answer was lost. Counted against our old 10,
the fills used to make the order FILLED here while the venue has it CANCELED at 15.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import (
    OrderCanceled,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderReplaceRejected,
)
from bolt_exec.model.order import Order
from bolt_exec.model.reports import OrderStatusReport
from bolt_exec.reconcile import (
    FillMissing,
    Outcome,
    QtyMismatch,
    ReconcilePolicy,
    StatusMismatch,
    diff,
    resolve,
)
from bolt_exec.reconcile.diff import amend_in_doubt

from .conftest import LATER, Book, T
from .test_resolve import apply_all, run

FINISHED = (OrderStatus.CANCELED, Decimal(15), Decimal(10), Decimal("101.50"))


def _amended_up(book: Book, *then: str) -> Order:
    a = book.order("A")
    a.apply(
        OrderPendingReplace(
            client_order_id="A",
            ts_event=T + 10,
            ts_init=T + 10,
            event_id="A-amend",
            qty=Decimal(15),
            limit_px=Decimal("101.50"),
        )
    )
    if "pcancel" in then:
        a.apply(
            OrderPendingCancel(client_order_id="A", ts_event=T + 11, ts_init=T + 11, event_id="c")
        )
    if "cancel" in then:
        a.apply(OrderCanceled(client_order_id="A", ts_event=T + 12, ts_init=T + 12, event_id="d"))
    return a


def _canceled_at_15(a: Order) -> OrderStatusReport:
    report = Book().report(a, status=OrderStatus.CANCELED, filled="10", avg_px="101.50")
    return msgspec.structs.replace(report, qty=Decimal(15), limit_px=Decimal("101.50"))


def _end(a: Order, policy: ReconcilePolicy, *, fills: bool) -> tuple[object, ...]:
    book = Book()
    trades = (book.fill("A", "t1", "10", "101.50"),) if fills else ()
    res = run([a], book.status(orders=(_canceled_at_15(a),), fills=trades), policy)
    assert res.unresolved == []
    after = apply_all([a], res)["A"]
    return (after.status, after.qty, after.filled_qty, after.avg_px)


def test_diff_puts_the_venue_quantity_before_the_fills_and_the_cancel(book: Book) -> None:
    a = _amended_up(book, "pcancel")

    found = diff([a], [], book.status(orders=(_canceled_at_15(a),)), compare_positions=False)

    assert [type(d) for d in found] == [QtyMismatch, FillMissing, StatusMismatch]
    qty, _, status = found
    assert isinstance(qty, QtyMismatch) and qty.venue_qty == Decimal(15)
    assert isinstance(status, StatusMismatch)
    assert (status.local, status.venue) == (OrderStatus.PENDING_CANCEL, OrderStatus.CANCELED)


@pytest.mark.parametrize("fills", [False, True], ids=["inferred", "reported"])
@pytest.mark.parametrize("policy", list(ReconcilePolicy))
def test_amend_up_cancel_pending_ends_as_the_venue_has_it(
    book: Book, policy: ReconcilePolicy, fills: bool
) -> None:
    """Our cancel overrode the pending amend here (PENDING_CANCEL at 10)."""
    assert _end(_amended_up(book, "pcancel"), policy, fills=fills) == FINISHED


@pytest.mark.parametrize("fills", [False, True], ids=["inferred", "reported"])
def test_amend_up_then_canceled_by_the_venue_ends_as_the_venue_has_it(
    book: Book, fills: bool
) -> None:
    """Still PENDING_REPLACE at 10 here; the venue canceled the rest on its own."""
    a = _amended_up(book)
    res = run([a], book.status(orders=(_canceled_at_15(a),)))

    assert [type(e).__name__ for e in res.events] == [
        "OrderReplaced",
        "OrderFilled",
        "OrderCanceled",
    ]
    assert _end(_amended_up(book), ReconcilePolicy.CONSERVATIVE, fills=fills) == FINISHED


def test_accepted_order_the_venue_amended_up_takes_the_quantity_before_the_fills(
    book: Book,
) -> None:
    """A venue-side amend up we never heard of: its fills do not complete our old 10."""
    a = book.order("A")

    res = run([a], book.status(orders=(_canceled_at_15(a),)))

    after = apply_all([a], res)["A"]
    assert (after.status, after.qty, after.filled_qty) == FINISHED[:3]


def test_finished_order_the_venue_ended_at_another_quantity_takes_it_before_the_fills(
    book: Book,
) -> None:
    """We heard the cancel (CANCELED at 10) but not the amend up or the fills: the venue's
    15 proves the amend took first, so it is applied (a late answer: the order stays
    CANCELED) before the fills, which then leave it CANCELED at 15 with 10 filled, as the
    venue has it, instead of completing our old 10."""
    a = _amended_up(book, "pcancel", "cancel")

    res = run([a], book.status(orders=(_canceled_at_15(a),)))

    assert [type(e).__name__ for e in res.events][:2] == ["OrderReplaced", "OrderFilled"]
    assert all(action.outcome is Outcome.APPLIED for action in res.actions)
    after = apply_all([a], res)["A"]
    assert (after.status, after.qty, after.filled_qty, after.avg_px) == FINISHED


def test_amend_is_in_doubt_while_any_amend_is_unanswered(book: Book) -> None:
    a = _amended_up(book, "pcancel")
    answered = _amended_up(book)
    answered.apply(
        OrderReplaceRejected(
            client_order_id="A", ts_event=T + 20, ts_init=T + 20, event_id="r", reason="no"
        )
    )

    assert amend_in_doubt(a)
    assert not amend_in_doubt(answered)
    assert not amend_in_doubt(book.order("B"))


def test_resolution_of_the_venue_values_is_deterministic(book: Book) -> None:
    a = _amended_up(book, "pcancel")
    status = book.status(orders=(_canceled_at_15(a),), ts=LATER)
    found = diff([a], [], status, compare_positions=False)

    one = resolve(found, orders={"A": a}, broker="paper", ts_ns=LATER + 1)
    two = resolve(found, orders={"A": a}, broker="paper", ts_ns=LATER + 1)

    assert one == two

"""diff + resolve with the venue's answers to targeted status queries, as data (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderFilled, OrderPendingReplace, OrderReplaced
from bolt_exec.model.order import Order
from bolt_exec.reconcile import MissingAtVenue, Outcome, ReconcilePolicy, diff, resolve
from bolt_exec.reconcile.discrepancies import OrderQuery, QueryAnswer, inferred_trade_id

from .conftest import LATER, Book, T


def _amend(order: Order, qty: str, *, answered: bool) -> None:
    coid = order.client_order_id
    order.apply(
        OrderPendingReplace(
            client_order_id=coid,
            ts_event=T + 20,
            ts_init=T + 20,
            event_id=f"{coid}-PR",
            qty=Decimal(qty),
        )
    )
    if answered:
        order.apply(
            OrderReplaced(
                client_order_id=coid,
                ts_event=T + 21,
                ts_init=T + 21,
                event_id=f"{coid}-R",
                qty=Decimal(qty),
            )
        )


def _settle(book: Book, order: Order, query: OrderQuery, policy: ReconcilePolicy, **kw: object):
    found = diff(
        [order],
        [],
        book.status(),
        compare_positions=False,
        queries={query.client_order_id: query},
        **kw,
    )  # type: ignore[arg-type]
    res = resolve(
        found, orders={order.client_order_id: order}, policy=policy, broker="paper", ts_ns=LATER
    )
    for e in res.events:
        order.apply(e)
    return found, res


def _found(
    book: Book, order: Order, status: OrderStatus, *, qty: str, filled: str, avg: str = "99"
) -> OrderQuery:
    return OrderQuery(
        order.client_order_id,
        QueryAnswer.FOUND,
        book.report(order, status=status, qty=qty, filled=filled, avg_px=avg),
    )


@pytest.mark.parametrize("policy", list(ReconcilePolicy))
@pytest.mark.parametrize("answered", [True, False], ids=["amend-acked", "amend-answer-lost"])
def test_filled_answer_after_amend_down_infers_fills_at_the_amended_qty(
    book: Book, policy: ReconcilePolicy, answered: bool
) -> None:
    a = book.order("A", qty="100")
    _amend(a, "60", answered=answered)

    found, res = _settle(
        book, a, _found(book, a, OrderStatus.FILLED, qty="60", filled="60"), policy
    )

    assert not any(isinstance(d, MissingAtVenue) for d in found)
    assert res.unresolved == []
    assert (a.status, a.qty, a.filled_qty, a.avg_px) == (
        OrderStatus.FILLED,
        Decimal(60),
        Decimal(60),
        Decimal(99),
    )
    [fill] = [e for e in res.events if isinstance(e, OrderFilled)]
    assert fill.reconciliation and fill.trade_id == inferred_trade_id("A", Decimal(60))


@pytest.mark.parametrize("policy", list(ReconcilePolicy))
def test_canceled_answer_after_partial_fill_cancels_and_the_fills_stand(
    book: Book, policy: ReconcilePolicy
) -> None:
    a = book.order("A", qty="100", path=("submit", "accept", "pcancel"))

    _, res = _settle(book, a, _found(book, a, OrderStatus.CANCELED, qty="100", filled="40"), policy)

    assert res.unresolved == []
    assert (a.status, a.filled_qty) == (OrderStatus.CANCELED, Decimal(40))


@pytest.mark.parametrize("venue", [OrderStatus.REJECTED, OrderStatus.CANCELED, OrderStatus.EXPIRED])
def test_terminal_answer_is_applied_and_an_order_with_fills_is_never_rejected(
    book: Book, venue: OrderStatus
) -> None:
    a = book.order("A", qty="10", fills=(("t1", "4", "99"),))
    b = book.order("B", qty="10")

    _settle(book, a, _found(book, a, venue, qty="10", filled="4"), ReconcilePolicy.CONSERVATIVE)
    _settle(book, b, _found(book, b, venue, qty="10", filled="0"), ReconcilePolicy.CONSERVATIVE)

    assert a.status is (
        OrderStatus.EXPIRED if venue is OrderStatus.EXPIRED else OrderStatus.CANCELED
    )
    assert a.filled_qty == Decimal(4)
    assert b.status is venue


@pytest.mark.parametrize("policy", list(ReconcilePolicy))
def test_unanswered_query_leaves_the_order_in_flight_and_escalates(
    book: Book, policy: ReconcilePolicy
) -> None:
    a = book.order("A")
    query = OrderQuery("A", QueryAnswer.UNANSWERED, error="BrokerTimeout: slow")

    found, res = _settle(book, a, query, policy)

    assert [d.query for d in found if isinstance(d, MissingAtVenue)] == [QueryAnswer.UNANSWERED]
    assert res.events == [] and res.commands == []
    assert [a.outcome for a in res.actions] == [Outcome.ESCALATED]
    assert "left in flight" in res.actions[0].note
    assert a.status is OrderStatus.ACCEPTED


def test_not_found_answer_falls_back_to_what_we_know(book: Book) -> None:
    never_acked = book.order("A", path=("submit",))
    acked = book.order("B")

    _settle(book, never_acked, OrderQuery("A", QueryAnswer.NOT_FOUND), ReconcilePolicy.CONSERVATIVE)
    _settle(book, acked, OrderQuery("B", QueryAnswer.NOT_FOUND), ReconcilePolicy.CANCEL_UNKNOWN)

    assert never_acked.status is OrderStatus.REJECTED
    assert acked.status is OrderStatus.CANCELED


def test_query_fills_complete_the_history_a_watermark_cut(book: Book) -> None:
    """A broker without a targeted query is asked by a mass status from the order's start."""
    a = book.order("A", qty="10")
    query = OrderQuery(
        "A", QueryAnswer.NOT_FOUND, fills=(book.fill("A", "t1", "4", "99"),), fills_complete=True
    )

    found, res = _settle(book, a, query, ReconcilePolicy.CONSERVATIVE, fills_since_ns=LATER)

    [missing] = [d for d in found if isinstance(d, MissingAtVenue)]
    assert missing.fills_known and missing.has_fills
    assert res.unresolved == []
    assert (a.status, a.filled_qty) == (OrderStatus.CANCELED, Decimal(4))


def test_replaying_the_same_answer_adds_nothing(book: Book) -> None:
    a = book.order("A", qty="100")
    _amend(a, "60", answered=False)
    query = _found(book, a, OrderStatus.FILLED, qty="60", filled="60")
    _, first = _settle(book, a, query, ReconcilePolicy.CONSERVATIVE)

    found, again = _settle(book, a, query, ReconcilePolicy.CONSERVATIVE)

    assert first.events and found == [] and again.is_clean


def test_real_fills_reported_after_an_inferred_one_are_not_booked_twice(book: Book) -> None:
    a = book.order("A", qty="60")
    _settle(
        book,
        a,
        _found(book, a, OrderStatus.FILLED, qty="60", filled="60"),
        ReconcilePolicy.CONSERVATIVE,
    )
    late = book.status(fills=(book.fill("A", "t1", "40", "99"), book.fill("A", "t2", "20", "99")))

    found = diff([a], [], late, compare_positions=False)

    assert a.filled_qty == Decimal(60)
    assert found == []


def test_no_synthetic_position_fill_while_an_orders_fate_is_unknown(book: Book) -> None:
    a = book.order("A", qty="10")
    status = book.status(positions={"AAPL": "10"})
    query = {"A": OrderQuery("A", QueryAnswer.UNANSWERED, error="timeout")}

    found = diff([a], [], status, queries=query)
    res = resolve(
        found, orders={"A": a}, policy=ReconcilePolicy.VENUE_TRUTH, broker="paper", ts_ns=LATER
    )

    assert res.events == []
    assert [type(d).__name__ for d in res.unresolved] == ["MissingAtVenue", "PositionMismatch"]

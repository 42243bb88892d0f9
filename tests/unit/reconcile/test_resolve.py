"""resolve(): discrepancies to corrective events / commands under each policy."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from bolt_exec.model.commands import CancelOrder
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderInitialized,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderSubmitted,
)
from bolt_exec.model.order import Order
from bolt_exec.model.reports import MassStatus
from bolt_exec.reconcile import Outcome, ReconcilePolicy, Resolution, diff, resolve

from .conftest import LATER, Book, T

NOW = LATER + 1


def run(
    orders: list[Order],
    status: MassStatus,
    policy: ReconcilePolicy = ReconcilePolicy.CONSERVATIVE,
) -> Resolution:
    found = diff(orders, [], status, compare_positions=False)
    return resolve(
        found,
        orders={o.client_order_id: o for o in orders},
        policy=policy,
        broker="paper",
        ts_ns=NOW,
    )


def apply_all(orders: list[Order], resolution: Resolution) -> dict[str, Order]:
    book = {o.client_order_id: o for o in orders}
    for e in resolution.events:
        if isinstance(e, OrderInitialized):
            book[e.client_order_id] = Order(e)
        else:
            book[e.client_order_id].apply(e)
    return book


def test_missed_ack_and_fill_are_applied_under_every_policy(book: Book) -> None:
    a = book.order("A", path=("submit",))
    status = book.status(
        orders=(book.report(a, status=OrderStatus.PARTIALLY_FILLED, filled="4", avg_px="100"),),
        fills=(book.fill("A", "t1", "4", "100"),),
    )
    for policy in ReconcilePolicy:
        res = run([book.order("A", path=("submit",))], status, policy)

        assert [type(e) for e in res.events] == [OrderFilled]  # the fill proves the ack
        assert all(e.reconciliation for e in res.events)
        assert res.unresolved == []
    final = apply_all([a], run([a], status))
    assert final["A"].status is OrderStatus.PARTIALLY_FILLED
    assert final["A"].venue_order_id == "V-A"


def test_never_acknowledged_order_missing_at_venue_is_rejected(book: Book) -> None:
    a = book.order("A", path=("submit",))

    res = run([a], book.status())

    (event,) = res.events
    assert isinstance(event, OrderRejected)
    assert event.code == "RECON_NOT_FOUND"
    assert apply_all([a], res)["A"].status is OrderStatus.REJECTED


def test_order_with_fills_missing_at_venue_is_canceled_never_rejected(book: Book) -> None:
    a = book.order("A", fills=(("t1", "3", "100"),))

    res = run([a], book.status())

    (event,) = res.events
    assert isinstance(event, OrderCanceled)
    assert "fills stand" in event.reason
    final = apply_all([a], res)["A"]
    assert (final.status, final.filled_qty) == (OrderStatus.CANCELED, Decimal(3))


def test_venue_rejected_after_fills_becomes_canceled(book: Book) -> None:
    a = book.order("A", fills=(("t1", "3", "100"),))

    res = run([a], book.status(orders=(book.report(a, status=OrderStatus.REJECTED),)))

    assert [type(e) for e in res.events] == [OrderCanceled]


def test_venue_rejected_without_fills_becomes_rejected(book: Book) -> None:
    a = book.order("A", path=("submit",))

    res = run([a], book.status(orders=(book.report(a, status=OrderStatus.REJECTED),)))

    assert [type(e) for e in res.events] == [OrderRejected]


def test_missing_order_with_unknown_fill_history_escalates_when_conservative(book: Book) -> None:
    a = book.order("A")
    found = diff([a], [], book.status(), fills_since_ns=a.ts_init + 1)

    res = resolve(found, orders={"A": a}, broker="paper", ts_ns=NOW)
    loose = resolve(
        found, orders={"A": a}, broker="paper", ts_ns=NOW, policy=ReconcilePolicy.VENUE_TRUTH
    )

    assert res.events == []
    assert len(res.unresolved) == 1
    assert [type(e) for e in loose.events] == [OrderCanceled]


def test_external_order_is_escalated_conservative_adopted_under_venue_truth(book: Book) -> None:
    x = book.order("X", fills=(("t1", "2", "100"),))
    status = book.status(
        orders=(book.report(x, status=OrderStatus.PARTIALLY_FILLED),),
        fills=(book.fill("X", "t1", "2", "100"),),
    )

    cautious = run([], status)
    adopted = run([], status, ReconcilePolicy.VENUE_TRUTH)

    assert [a.outcome for a in cautious.actions] == [Outcome.ESCALATED]
    assert [type(e) for e in adopted.events] == [
        OrderInitialized,
        OrderSubmitted,
        OrderAccepted,
        OrderFilled,
    ]
    init = adopted.events[0]
    assert isinstance(init, OrderInitialized)
    assert (init.strategy_id, init.tags) == ("external", {"origin": "external"})
    final = apply_all([], adopted)["X"]
    assert (final.status, final.filled_qty) == (OrderStatus.PARTIALLY_FILLED, Decimal(2))


def test_cancel_unknown_adopts_and_cancels_the_external_order(book: Book) -> None:
    x = book.order("X")

    res = run([], book.status(orders=(book.report(x),)), ReconcilePolicy.CANCEL_UNKNOWN)

    assert res.commands == [
        CancelOrder(client_order_id="X", symbol="AAPL", venue_order_id="V-X", ts_init=NOW)
    ]
    assert res.actions[0].outcome is Outcome.COMMAND


def test_zombie_is_escalated_or_canceled_by_policy(book: Book) -> None:
    a = book.order("A", path=("submit", "accept", "pcancel", "cancel"))
    status = book.status(orders=(book.report(a),))

    assert run([a], status).unresolved != []
    assert [c.client_order_id for c in run([a], status, ReconcilePolicy.VENUE_TRUTH).commands] == [
        "A"
    ]


def test_lost_cancel_request_is_resent_even_when_conservative(book: Book) -> None:
    a = book.order("A", path=("submit", "accept", "pcancel"))

    res = run([a], book.status(orders=(book.report(a),)))

    assert [c.client_order_id for c in res.commands] == ["A"]
    assert res.events == []


def test_venue_quantity_is_adopted_with_a_replace(book: Book) -> None:
    a = book.order("A")

    res = run([a], book.status(orders=(book.report(a, qty="7"),)))

    (event,) = res.events
    assert isinstance(event, OrderReplaced)
    assert event.qty == Decimal(7)
    assert apply_all([a], res)["A"].qty == Decimal(7)


def _pending_amend(book: Book, qty: str, limit_px: str) -> Order:
    a = book.order("A")
    a.apply(
        OrderPendingReplace(
            client_order_id="A",
            ts_event=T + 10,
            ts_init=T + 10,
            event_id="A-9",
            qty=Decimal(qty),
            limit_px=Decimal(limit_px),
        )
    )
    return a


def test_amend_the_venue_applied_before_we_heard_takes_the_venue_values(book: Book) -> None:
    """Regression (crash test): the venue applied the amend, then we crashed before its
    OrderReplaced was journaled; the reconciler used to 'restore' the old quantity, so the
    venue's later fills overflowed the order."""
    a = _pending_amend(book, "15", "101.50")
    report = msgspec.structs.replace(book.report(a), qty=Decimal(15), limit_px=Decimal("101.50"))

    res = run([a], book.status(orders=(report,)))

    (event,) = res.events
    assert isinstance(event, OrderReplaced)
    after = apply_all([a], res)["A"]
    assert (after.status, after.qty, after.limit_px) == (
        OrderStatus.ACCEPTED,
        Decimal(15),
        Decimal("101.50"),
    )


def test_amend_the_venue_never_got_leaves_the_order_as_the_venue_works_it(book: Book) -> None:
    a = _pending_amend(book, "15", "101.50")

    res = run([a], book.status(orders=(book.report(a),)))

    after = apply_all([a], res)["A"]
    assert (after.status, after.qty, after.limit_px) == (
        OrderStatus.ACCEPTED,
        Decimal(10),
        Decimal("100.00"),
    )


def test_fill_beyond_the_old_quantity_proves_the_pending_amend_took(book: Book) -> None:
    """Regression (crash test): the venue applied our amend (10 -> 15) and filled all 15,
    then we crashed before journaling either; the order is no longer working at the venue,
    so only the fill tells. It used to be refused (15 > leaves 10) and escalated."""
    a = _pending_amend(book, "15", "101.50")

    res = run([a], book.status(fills=(book.fill("A", "t1", "15", "101.50"),)))

    assert res.unresolved == []
    assert [type(e).__name__ for e in res.events] == ["OrderReplaced", "OrderFilled"]
    after = apply_all([a], res)["A"]
    assert (after.status, after.qty, after.filled_qty, after.limit_px) == (
        OrderStatus.FILLED,
        Decimal(15),
        Decimal(15),
        Decimal("101.50"),
    )


def test_fill_that_completes_the_old_quantity_waits_for_the_amend_the_venue_shows(
    book: Book,
) -> None:
    """Regression (crash test): the venue applied our amend (10 -> 15), then filled 10;
    counted against the old 10 the fill made the order FILLED while the venue works the
    other 5, and the resulting 'zombie' was escalated."""
    a = _pending_amend(book, "15", "101.50")
    report = msgspec.structs.replace(
        book.report(a, status=OrderStatus.PARTIALLY_FILLED, filled="10", avg_px="101.50"),
        qty=Decimal(15),
        limit_px=Decimal("101.50"),
    )

    res = run([a], book.status(orders=(report,), fills=(book.fill("A", "t1", "10", "101.50"),)))

    assert res.unresolved == []
    after = apply_all([a], res)["A"]
    assert (after.status, after.qty, after.filled_qty, after.limit_px) == (
        OrderStatus.PARTIALLY_FILLED,
        Decimal(15),
        Decimal(10),
        Decimal("101.50"),
    )


def test_fill_beyond_even_the_pending_amend_is_still_escalated(book: Book) -> None:
    a = _pending_amend(book, "15", "101.50")

    res = run([a], book.status(fills=(book.fill("A", "t1", "16", "101.50"),)))

    assert res.events == []
    assert len(res.unresolved) == 1


def test_venue_knowing_fewer_fills_is_escalated(book: Book) -> None:
    a = book.order("A", fills=(("t1", "4", "100"),))

    res = run([a], book.status(orders=(book.report(a, filled="1"),)))

    assert res.events == []
    assert len(res.unresolved) == 1


def test_event_the_state_machine_refuses_is_escalated_not_emitted(book: Book) -> None:
    """A venue FILLED report whose fills cannot be priced leaves the order as it is."""
    a = book.order("A")
    a.limit_px = None  # the aggregate offers no price to infer a fill at
    report = book.report(a, status=OrderStatus.FILLED, filled="10")
    report = MassStatus(
        broker="paper",
        ts=LATER,
        orders=(
            type(report)(
                **{**{f: getattr(report, f) for f in report.__struct_fields__}, "avg_px": None}
            ),
        ),
    )

    res = run([a], report)

    assert res.events == []
    assert len(res.unresolved) == 1


def test_resolution_is_deterministic(book: Book) -> None:
    a = book.order("A", path=("submit",))
    status = book.status(
        orders=(book.report(a, status=OrderStatus.FILLED, filled="10", avg_px="100"),),
    )

    first = run([a], status, ReconcilePolicy.VENUE_TRUTH)
    second = run([a], status, ReconcilePolicy.VENUE_TRUTH)

    assert first == second
    assert [e.event_id for e in first.events] == ["RECON-A-FILL-RECON-A-10"]


@pytest.mark.parametrize("policy", list(ReconcilePolicy))
def test_position_mismatch_is_booked_only_under_venue_truth(
    book: Book, policy: ReconcilePolicy
) -> None:
    found = diff([], [], book.status(positions={"MSFT": "5"}))

    res = resolve(found, orders={}, policy=policy, broker="paper", ts_ns=NOW)

    if policy is ReconcilePolicy.VENUE_TRUTH:
        fill = res.events[-1]
        assert isinstance(fill, OrderFilled)
        assert (fill.symbol, fill.last_qty, fill.last_px) == ("MSFT", Decimal(5), Decimal(100))
    else:
        assert res.events == []
        assert len(res.unresolved) == 1

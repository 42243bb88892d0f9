"""diff(): what differs between our orders/positions and a venue's mass status."""

from __future__ import annotations

from decimal import Decimal

from bolt_exec.model.enums import OrderStatus, Side
from bolt_exec.model.instrument import Instrument
from bolt_exec.reconcile.diff import (
    FillMissing,
    MissingAtVenue,
    MissingLocally,
    PositionMismatch,
    QtyMismatch,
    StatusMismatch,
    diff,
    external_order_id,
    inferred_trade_id,
)

from .conftest import LATER, Book, T


def test_views_in_sync_give_no_discrepancy(book: Book) -> None:
    a = book.order("A", fills=(("t1", "4", "100.00"),))
    status = book.status(
        orders=(book.report(a, status=OrderStatus.PARTIALLY_FILLED),),
        fills=(book.fill("A", "t1", "4", "100.00"),),
        positions={"AAPL": "4"},
    )

    assert diff([a], book.positions_of(a), status) == []


def test_venue_fill_we_missed_is_fill_missing_with_its_trade_id(book: Book) -> None:
    a = book.order("A")
    status = book.status(
        orders=(book.report(a, status=OrderStatus.PARTIALLY_FILLED, filled="4", avg_px="99.50"),),
        fills=(book.fill("A", "t9", "4", "99.50"),),
        positions={"AAPL": "4"},
    )

    (found,) = diff([a], [], status)

    assert isinstance(found, FillMissing)
    assert (found.trade_id, found.last_qty, found.last_px) == ("t9", Decimal(4), Decimal("99.50"))
    assert not found.is_inferred


def test_filled_qty_beyond_known_fills_is_inferred_at_the_venue_average(book: Book) -> None:
    """Venue: 10 filled at avg 101; we know 4 @ 100, so the other 6 were @ 101.666..."""
    a = book.order("A", fills=(("t1", "4", "100"),))
    status = book.status(
        orders=(book.report(a, status=OrderStatus.FILLED, filled="10", avg_px="101"),),
        positions={"AAPL": "10"},
    )

    (found,) = diff([a], book.positions_of(a), status)

    assert isinstance(found, FillMissing)
    assert found.is_inferred
    assert found.trade_id == inferred_trade_id("A", Decimal(10)) == "RECON-A-10"
    assert found.last_qty == Decimal(6)
    assert found.last_px * 6 + Decimal(400) == Decimal(1010)


def test_order_we_think_submitted_but_venue_works_is_a_status_mismatch(book: Book) -> None:
    a = book.order("A", path=("submit",))
    status = book.status(orders=(book.report(a),))

    (found,) = diff([a], [], status)

    assert found == StatusMismatch(
        "paper",
        "A",
        OrderStatus.SUBMITTED,
        OrderStatus.ACCEPTED,
        "V-A",
        T + 100,
        venue_qty=a.qty,
        venue_limit_px=a.limit_px,
    )


def test_open_order_absent_at_venue_is_missing_at_venue(book: Book) -> None:
    a = book.order("A", path=("submit",))
    b = book.order("B", fills=(("t1", "3", "100"),))

    found = diff([a, b], book.positions_of(b), book.status(positions={"AAPL": "3"}))

    assert found == [
        MissingAtVenue("paper", "A", OrderStatus.SUBMITTED, Decimal(0), False, True, symbol="AAPL"),
        MissingAtVenue(
            "paper", "B", OrderStatus.PARTIALLY_FILLED, Decimal(3), True, True, symbol="AAPL"
        ),
    ]


def test_missing_order_older_than_the_fill_watermark_has_unknown_fills(book: Book) -> None:
    a = book.order("A")

    (found,) = diff([a], [], book.status(), fills_since_ns=T + 10)

    assert isinstance(found, MissingAtVenue)
    assert not found.fills_known


def test_fills_that_complete_a_missing_order_leave_no_missing_at_venue(book: Book) -> None:
    a = book.order("A")
    status = book.status(fills=(book.fill("A", "t1", "10", "100"),), positions={"AAPL": "10"})

    found = diff([a], [], status)

    assert [type(d) for d in found] == [FillMissing]


def test_orders_in_flight_are_not_judged(book: Book) -> None:
    """An order whose last event is within the grace period may predate the snapshot."""
    a = book.order("A", path=("submit",), ts=LATER - 1_000_000_000)
    b = book.order("B", path=("submit",), ts=LATER - 1_000_000_000)

    found = diff([a, b], [], book.status(orders=(book.report(b),)))

    assert found == []


def test_unknown_venue_order_is_missing_locally(book: Book) -> None:
    x = book.order("X")  # built only to make the venue's report
    status = book.status(orders=(book.report(x),))

    (found,) = diff([], [], status)

    assert isinstance(found, MissingLocally)
    assert found.client_order_id == "X"
    assert found.report is not None


def test_fills_of_an_unknown_order_without_client_id_get_an_external_id(book: Book) -> None:
    fill = book.fill("", "t1", "5", "100")
    status = book.status(fills=(fill,), positions={"AAPL": "5"})

    (found,) = diff([], [], status)

    assert isinstance(found, MissingLocally)
    assert found.client_order_id == external_order_id("paper", "V-") == "EXT-paper-V-"
    assert found.fills == (fill,)


def test_finished_unknown_order_without_fills_is_ignored(book: Book) -> None:
    x = book.order("X")

    assert diff([], [], book.status(orders=(book.report(x, status=OrderStatus.CANCELED),))) == []


def test_venue_quantity_differs_is_qty_mismatch(book: Book) -> None:
    a = book.order("A")

    (found,) = diff([a], [], book.status(orders=(book.report(a, qty="7"),)))

    assert isinstance(found, QtyMismatch)
    assert (found.local_qty, found.venue_qty) == (Decimal(10), Decimal(7))


def test_venue_knowing_fewer_fills_is_qty_mismatch(book: Book) -> None:
    a = book.order("A", fills=(("t1", "4", "100"),))
    status = book.status(orders=(book.report(a, filled="1"),), positions={"AAPL": "4"})

    (found,) = diff([a], book.positions_of(a), status)

    assert isinstance(found, QtyMismatch)
    assert (found.local_filled, found.venue_filled) == (Decimal(4), Decimal(1))


def test_terminal_here_but_working_at_venue_is_a_status_mismatch(book: Book) -> None:
    a = book.order("A", path=("submit", "accept", "pcancel", "cancel"))

    (found,) = diff([a], [], book.status(orders=(book.report(a),)))

    assert isinstance(found, StatusMismatch)
    assert (found.local, found.venue) == (OrderStatus.CANCELED, OrderStatus.ACCEPTED)


def test_lost_cancel_request_is_a_status_mismatch(book: Book) -> None:
    a = book.order("A", path=("submit", "accept", "pcancel"))

    (found,) = diff([a], [], book.status(orders=(book.report(a),)))

    assert isinstance(found, StatusMismatch)
    assert found.local is OrderStatus.PENDING_CANCEL


def test_position_difference_after_missing_fills_is_reported_once(book: Book) -> None:
    a = book.order("A")
    status = book.status(
        orders=(book.report(a, status=OrderStatus.PARTIALLY_FILLED, filled="4", avg_px="100"),),
        fills=(book.fill("A", "t1", "4", "100"),),
        positions={"AAPL": "4", "MSFT": "-2"},
    )

    found = diff([a], [], status)

    assert [type(d) for d in found] == [FillMissing, PositionMismatch]
    pm = found[1]
    assert isinstance(pm, PositionMismatch)
    assert (pm.symbol, pm.local_qty, pm.venue_qty) == ("MSFT", Decimal(0), Decimal(-2))


def test_position_difference_below_one_lot_is_venue_rounding(book: Book) -> None:
    btc = Instrument("BTCUSDT", lot_size=Decimal("0.001"), min_qty=Decimal("0.001"))
    a = book.order("A", symbol="BTCUSDT", qty="1", fills=(("t1", "0.5", "100"),))
    ours = book.positions_of(a)

    near = book.status(
        orders=(book.report(a),),
        fills=(book.fill("A", "t1", "0.5", "100", symbol="BTCUSDT"),),
        positions={"BTCUSDT": "0.5004"},
    )
    far = book.status(
        orders=(book.report(a),),
        fills=(book.fill("A", "t1", "0.5", "100", symbol="BTCUSDT"),),
        positions={"BTCUSDT": "0.501"},
    )

    assert diff([a], ours, near, instruments={"BTCUSDT": btc}) == []
    assert [type(d) for d in diff([a], ours, near)] == [PositionMismatch]
    assert [type(d) for d in diff([a], ours, far, instruments={"BTCUSDT": btc})] == [
        PositionMismatch
    ]


def test_orders_of_other_brokers_are_not_compared(book: Book) -> None:
    a = book.order("A", broker="ib")

    assert diff([a], [], book.status()) == []


def test_compare_positions_false_skips_positions(book: Book) -> None:
    a = book.order("A", fills=(("t1", "4", "100"),), side=Side.SELL)
    status = book.status(
        orders=(book.report(a),), fills=(book.fill("A", "t1", "4", "100", side=Side.SELL),)
    )

    assert [type(d) for d in diff([a], book.positions_of(a), status)] == [PositionMismatch]
    assert diff([a], book.positions_of(a), status, compare_positions=False) == []

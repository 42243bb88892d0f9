"""IbkrBroker against the fake TWS: the real ib_async client over a loopback socket."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.model.commands import SubmitOrder
from bolt_exec.model.enums import LiquiditySide, OrderStatus, OrderType, Side
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
)
from bolt_exec.testing.ibkr import IbkrVenue, submit_cmd


def kinds(events: list[OrderEvent]) -> list[type[OrderEvent]]:
    """The event types, in order."""
    return [type(e) for e in events]


@pytest.mark.asyncio
async def test_market_order_fills_with_fees_and_order_ref(venue: IbkrVenue) -> None:
    # Arrange
    venue.tws.script.fill_parts = [Decimal(2)]
    # Act
    venue.submit(submit_cmd("c-mkt-1", qty="5"))
    await venue.wait_for(lambda: len(venue.fills("c-mkt-1")) == 2)
    # Assert
    order = venue.tws.find("c-mkt-1", None)
    assert order.order_ref == "c-mkt-1"
    fills = venue.fills("c-mkt-1")
    assert [f.last_qty for f in fills] == [Decimal(2), Decimal(3)]
    assert all(f.last_px == Decimal(190) for f in fills)
    assert [f.trade_id for f in fills] == [e.exec_id for e in venue.tws.executions]
    assert [f.fee for f in fills] == [e.commission for e in venue.tws.executions]
    assert {f.fee_currency for f in fills} == {"USD"}
    assert {f.venue_order_id for f in fills} == {str(order.perm_id)}
    assert isinstance(venue.of("c-mkt-1")[0], OrderAccepted)
    assert venue.order("c-mkt-1").status is OrderStatus.FILLED


@pytest.mark.asyncio
async def test_limit_order_accepted_then_cancelled_once(venue: IbkrVenue) -> None:
    venue.submit(submit_cmd("c-lmt-1", "3", OrderType.LIMIT, limit_px="180"))
    await venue.wait_for(lambda: bool(venue.of("c-lmt-1", OrderAccepted)))
    accepted = venue.of("c-lmt-1", OrderAccepted)[0]
    assert accepted.venue_order_id == str(venue.tws.find("c-lmt-1", None).perm_id)

    venue.cancel("c-lmt-1")
    await venue.wait_for(lambda: bool(venue.of("c-lmt-1", OrderCanceled)))
    await venue.settle()  # the trailing error 202 must not produce a second cancel

    expected: list[type[OrderEvent]] = [OrderAccepted, OrderCanceled]
    assert kinds(venue.of("c-lmt-1")) == expected
    assert venue.tws.find("c-lmt-1", None).status == "Cancelled"
    assert venue.order("c-lmt-1").status is OrderStatus.CANCELED


@pytest.mark.asyncio
async def test_amend_replaces_in_place_with_same_order_id(venue: IbkrVenue) -> None:
    venue.submit(submit_cmd("c-amd-1", "3", OrderType.LIMIT, limit_px="180"))
    await venue.wait_for(lambda: bool(venue.of("c-amd-1", OrderAccepted)))

    venue.amend("c-amd-1", qty=Decimal(4), limit_px=Decimal("181.5"))
    await venue.wait_for(lambda: bool(venue.of("c-amd-1", OrderReplaced)))

    replaced = venue.of("c-amd-1", OrderReplaced)
    assert len(replaced) == 1
    assert replaced[0].qty == Decimal(4)
    assert replaced[0].limit_px == Decimal("181.5")
    order = venue.tws.find("c-amd-1", None)
    assert (order.qty, order.lmt_price, order.modifications) == (Decimal(4), Decimal("181.5"), 1)
    assert len(venue.tws.orders) == 1  # modified in place, not a second order
    oms_order = venue.order("c-amd-1")
    assert (oms_order.status, oms_order.qty, oms_order.limit_px) == (
        OrderStatus.ACCEPTED,
        Decimal(4),
        Decimal("181.5"),
    )


@pytest.mark.asyncio
async def test_amend_refused_keeps_order_working(venue: IbkrVenue) -> None:
    venue.submit(submit_cmd("c-amd-2", "3", OrderType.LIMIT, limit_px="180"))
    await venue.wait_for(lambda: bool(venue.of("c-amd-2", OrderAccepted)))
    venue.tws.script.reject_modify_next.append((201, "Order rejected - reason:margin"))

    venue.amend("c-amd-2", qty=Decimal(300))
    await venue.wait_for(lambda: bool(venue.of("c-amd-2", OrderReplaceRejected)))
    await venue.settle()

    assert not venue.of("c-amd-2", OrderCanceled)
    assert not venue.of("c-amd-2", OrderRejected)
    assert venue.tws.find("c-amd-2", None).status == "Submitted"
    # the order is still cancellable through the adapter
    venue.cancel("c-amd-2")
    await venue.wait_for(lambda: bool(venue.of("c-amd-2", OrderCanceled)))
    assert venue.order("c-amd-2").status is OrderStatus.CANCELED


@pytest.mark.asyncio
async def test_reject_201_becomes_order_rejected(venue: IbkrVenue) -> None:
    venue.reject_next(201, "Order rejected - reason:no trading permissions")

    venue.submit(submit_cmd("c-rej-1", "3", OrderType.LIMIT, limit_px="180"))
    await venue.wait_for(lambda: bool(venue.of("c-rej-1")))
    await venue.settle()

    events = venue.of("c-rej-1")
    assert [type(e) for e in events] == [OrderRejected]
    rejected = events[0]
    assert isinstance(rejected, OrderRejected)
    assert rejected.code == "201"
    assert "no trading permissions" in rejected.reason
    assert venue.order("c-rej-1").status is OrderStatus.REJECTED


@pytest.mark.asyncio
async def test_partial_fill_then_cancel_keeps_fills(venue: IbkrVenue) -> None:
    venue.submit(submit_cmd("c-part-1", "10", OrderType.LIMIT, limit_px="185"))
    await venue.wait_for(lambda: bool(venue.of("c-part-1", OrderAccepted)))

    venue.fill("c-part-1", Decimal(4), Decimal("184.75"))
    await venue.wait_for(lambda: bool(venue.fills("c-part-1")))
    venue.cancel("c-part-1")
    await venue.wait_for(lambda: bool(venue.of("c-part-1", OrderCanceled)))

    [fill] = venue.fills("c-part-1")
    assert (fill.last_qty, fill.last_px) == (Decimal(4), Decimal("184.75"))
    assert kinds(venue.of("c-part-1")) == [OrderAccepted, OrderFilled, OrderCanceled]
    oms_order = venue.order("c-part-1")
    assert (oms_order.status, oms_order.filled_qty) == (OrderStatus.CANCELED, Decimal(4))


@pytest.mark.asyncio
async def test_fill_after_cancel_request_reports_fill_and_cancel_reject(
    venue: IbkrVenue,
) -> None:
    """TWS fills the order while the cancel is in flight, then refuses the cancel (10148)."""
    venue.submit(submit_cmd("c-race-1", "6", OrderType.LIMIT, limit_px="185"))
    await venue.wait_for(lambda: bool(venue.of("c-race-1", OrderAccepted)))
    venue.tws.script.fill_on_cancel = True

    venue.cancel("c-race-1")
    await venue.wait_for(lambda: bool(venue.of("c-race-1", OrderCancelRejected)))
    await venue.settle()

    assert [f.last_qty for f in venue.fills("c-race-1")] == [Decimal(6)]
    assert not venue.of("c-race-1", OrderCanceled)  # ib_async says Cancelled; IB did not
    reject = venue.of("c-race-1", OrderCancelRejected)[0]
    assert isinstance(reject, OrderCancelRejected)
    assert "10148" in reject.reason
    assert venue.order("c-race-1").status is OrderStatus.FILLED


@pytest.mark.asyncio
async def test_duplicate_exec_details_emit_one_fill_per_exec_id(venue: IbkrVenue) -> None:
    venue.tws.script.duplicate_fills = True
    venue.tws.script.fill_parts = [Decimal(1)]

    venue.submit(submit_cmd("c-dup-1", "3"))
    await venue.wait_for(lambda: len(venue.fills("c-dup-1")) == 2)
    await venue.broker.mass_status()  # reqExecutions replays both fills and commissions
    await venue.settle()

    trade_ids = [f.trade_id for f in venue.fills("c-dup-1")]
    assert len(trade_ids) == len(set(trade_ids)) == 2
    assert venue.order("c-dup-1").filled_qty == Decimal(3)


@pytest.mark.asyncio
async def test_out_of_order_acks_after_fill_add_no_events(venue: IbkrVenue) -> None:
    """Fills overtake the acks; stale PreSubmitted/Submitted after the fill say nothing."""
    venue.tws.script.out_of_order = True

    venue.submit(submit_cmd("c-ooo-1", "5"))
    await venue.wait_for(lambda: bool(venue.fills("c-ooo-1")))
    await venue.settle()

    events = venue.of("c-ooo-1")
    assert isinstance(events[-1], OrderFilled)  # nothing after the fill that completed it
    assert len(venue.of("c-ooo-1", OrderAccepted)) <= 1
    assert venue.fills("c-ooo-1")[0].fee == venue.tws.executions[0].commission
    assert venue.order("c-ooo-1").status is OrderStatus.FILLED


@pytest.mark.asyncio
async def test_missing_commission_report_fill_still_reported(venue: IbkrVenue) -> None:
    venue.tws.script.withhold_commission = True

    venue.submit(submit_cmd("c-nocomm-1", "2"))
    await venue.wait_for(lambda: bool(venue.fills("c-nocomm-1")))

    [fill] = venue.fills("c-nocomm-1")
    assert (fill.last_qty, fill.fee, fill.fee_currency) == (Decimal(2), Decimal(0), "")


@pytest.mark.asyncio
async def test_market_move_fills_resting_limit_as_maker(venue: IbkrVenue) -> None:
    venue.submit(submit_cmd("c-rest-1", "2", OrderType.LIMIT, limit_px="185", side=Side.BUY))
    await venue.wait_for(lambda: bool(venue.of("c-rest-1", OrderAccepted)))

    venue.set_price("AAPL", Decimal("184.5"))
    await venue.wait_for(lambda: bool(venue.fills("c-rest-1")))

    [fill] = venue.fills("c-rest-1")
    assert (fill.last_qty, fill.last_px, fill.liquidity) == (
        Decimal(2),
        Decimal("184.5"),
        LiquiditySide.MAKER,
    )
    assert venue.order("c-rest-1").status is OrderStatus.FILLED


@pytest.mark.asyncio
async def test_resubmitting_a_client_order_id_never_sends_a_second_order(
    venue: IbkrVenue,
) -> None:
    command = submit_cmd("c-once-1", "3", OrderType.LIMIT, limit_px="180")
    venue.submit(command)
    venue.submit(command)
    await venue.wait_for(lambda: bool(venue.of("c-once-1", OrderAccepted)))
    await venue.settle()

    places = [r for r in venue.tws.requests if r[0] == "3"]
    assert len(places) == 1
    assert len(venue.tws.orders) == 1


@pytest.mark.asyncio
async def test_execution_correction_is_not_counted_twice(
    venue: IbkrVenue, caplog: pytest.LogCaptureFixture
) -> None:
    venue.submit(submit_cmd("c-corr-1", "5"))
    await venue.wait_for(lambda: bool(venue.fills("c-corr-1")))
    original = venue.tws.executions[0].exec_id

    corrected = venue.tws.correct_execution(original, Decimal("189.95"))
    await venue.wait_for(lambda: corrected.exec_id in caplog.text)
    await venue.settle()

    assert [f.trade_id for f in venue.fills("c-corr-1")] == [original]
    assert venue.order("c-corr-1").filled_qty == Decimal(5)
    assert "corrects one already reported" in caplog.text


@pytest.mark.asyncio
async def test_stop_order_rests_then_fills_when_the_market_reaches_it(venue: IbkrVenue) -> None:
    command = SubmitOrder(
        client_order_id="c-stop-1",
        symbol="AAPL",
        side=Side.SELL,
        order_type=OrderType.STOP,
        qty=Decimal(2),
        stop_px=Decimal("185"),
    )
    venue.submit(command)
    await venue.wait_for(lambda: bool(venue.of("c-stop-1", OrderAccepted)))
    order = venue.tws.find("c-stop-1", None)
    assert (order.order_type, order.aux_price, order.lmt_price) == ("STP", Decimal(185), None)

    venue.set_price("AAPL", Decimal("186"))  # not there yet
    await venue.settle()
    assert not venue.fills("c-stop-1")
    venue.set_price("AAPL", Decimal("184.9"))
    await venue.wait_for(lambda: bool(venue.fills("c-stop-1")))

    assert venue.fills("c-stop-1")[0].last_px == Decimal("184.9")
    assert venue.order("c-stop-1").status is OrderStatus.FILLED

"""check_mass_status: closed orders some venues list are not 'working but unknown'."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from bolt_exec.model.enums import OrderStatus, OrderType, Side
from bolt_exec.model.reports import MassStatus, OrderStatusReport
from bolt_exec.runtime.startup import check_mass_status
from bolt_exec.testing.builders import make_oms


def _report(coid: str, status: OrderStatus) -> OrderStatusReport:
    return OrderStatusReport(
        client_order_id=coid,
        venue_order_id="V-" + coid,
        symbol="AAPL",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        status=status,
        qty=Decimal(10),
        filled_qty=Decimal(10) if status is OrderStatus.FILLED else Decimal(0),
        limit_px=Decimal("99.00"),
    )


def test_closed_orders_from_an_earlier_session_are_not_problems() -> None:
    oms, _paper, clock = make_oms()
    status = MassStatus(
        broker="paper", ts=clock.now_ns(), orders=(_report("OLD-1", OrderStatus.FILLED),)
    )
    report = asyncio.run(check_mass_status(oms, "paper", status))
    assert report.problems == ()


def test_a_working_order_we_do_not_know_is_a_problem() -> None:
    oms, _paper, clock = make_oms()
    status = MassStatus(
        broker="paper", ts=clock.now_ns(), orders=(_report("GHOST-1", OrderStatus.ACCEPTED),)
    )
    report = asyncio.run(check_mass_status(oms, "paper", status))
    assert len(report.problems) == 1 and "GHOST-1" in report.problems[0]

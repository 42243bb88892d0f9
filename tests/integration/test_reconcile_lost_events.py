"""Orders whose fate the mass status cannot tell are settled by asking the venue.

The real OrderManager and PaperBroker; the venue's events are lost with its
disconnect (or, for the answer to a command that did reach it, a deaf link, see
``venue_session``). A mass status lists open orders only, so an order that
filled or was canceled while we heard nothing is simply absent from it, and its
fills may predate the fill watermark. The reconciler must ask the venue about
that one order and settle it by the answer, never by guessing CANCELED.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.errors import BrokerTimeout
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.reports import OrderStatusReport
from bolt_exec.reconcile import MissingAtVenue, PositionMismatch, ReconcilePolicy
from bolt_exec.reconcile.discrepancies import QueryAnswer
from bolt_exec.reconcile.service import ReconcileOutcome, ReconcileService

from .venue_session import LossyVenue

POLICIES = list(ReconcilePolicy)
FILLED = OrderStatus.FILLED


def _service(
    v: LossyVenue, policy: ReconcilePolicy, *, reported: bool, escalated: list[ReconcileOutcome]
) -> ReconcileService:
    # reported=False: a watermark past the lost fills (restored from an earlier run, or a
    # venue that keeps a day of trades), so the mass status does not show them either.
    return ReconcileService(
        v.oms,
        "paper",
        policy=policy,
        escalate=escalated.append,
        start_since_ns=None if reported else v.clock.now_ns() - 1,
    )


@pytest.mark.asyncio
@pytest.mark.parametrize("reported", [False, True], ids=["fills-unreported", "fills-reported"])
@pytest.mark.parametrize("policy", POLICIES)
async def test_order_amended_down_then_filled_while_disconnected_ends_filled(
    policy: ReconcilePolicy, reported: bool
) -> None:
    """100 amended to 60 (acknowledged), then filled at 60 while we heard nothing."""
    # Arrange
    v = LossyVenue()
    coid = v.rest(100)
    v.oms.amend(coid, qty=60)
    await v.drop()
    v.trade_through(40)
    v.trade_through(40)
    await v.restore()
    v.past_grace()
    escalated: list[ReconcileOutcome] = []
    service = _service(v, policy, reported=reported, escalated=escalated)

    # Act
    outcome = await service.run_once()
    again = await service.run_once()

    # Assert
    assert v.venue_status(coid) == (FILLED, Decimal(60), Decimal(60))
    assert v.our_status(coid) == (FILLED, Decimal(60), Decimal(60))
    assert outcome.is_ok, outcome.summary()
    assert escalated == []
    pos = v.oms.position("AAPL")
    assert pos is not None and pos.qty == Decimal(60)
    assert again.resolution is not None and again.resolution.is_clean


@pytest.mark.asyncio
@pytest.mark.parametrize("reported", [False, True], ids=["fills-unreported", "fills-reported"])
@pytest.mark.parametrize("policy", POLICIES)
async def test_amend_answer_and_fills_lost_ends_filled_at_the_amended_qty(
    policy: ReconcilePolicy, reported: bool
) -> None:
    """The amend reached the venue but its answer did not reach us (PENDING_REPLACE at 100);
    the venue then filled the order at the amended 60."""
    v = LossyVenue()
    coid = v.rest(100)
    v.deaf()
    v.oms.amend(coid, qty=60)
    v.trade_through(100)
    v.hear()
    v.past_grace()
    assert v.our_status(coid) == (OrderStatus.PENDING_REPLACE, Decimal(100), Decimal(0))
    escalated: list[ReconcileOutcome] = []
    service = _service(v, policy, reported=reported, escalated=escalated)

    outcome = await service.run_once()

    assert v.venue_status(coid) == (FILLED, Decimal(60), Decimal(60))
    assert v.our_status(coid) == (FILLED, Decimal(60), Decimal(60))
    assert outcome.is_ok, outcome.summary()
    assert escalated == []
    assert (await service.run_once()).is_ok


@pytest.mark.asyncio
@pytest.mark.parametrize("reported", [False, True], ids=["fills-unreported", "fills-reported"])
@pytest.mark.parametrize("policy", POLICIES)
async def test_partial_fill_then_cancel_with_every_answer_lost_ends_canceled_with_its_fills(
    policy: ReconcilePolicy, reported: bool
) -> None:
    # Arrange: 40 of 100 fill while disconnected; our cancel lands, its answer is lost.
    v = LossyVenue()
    coid = v.rest(100)
    await v.drop()
    v.trade_through(40)
    await v.restore()
    v.deaf()
    assert v.oms.cancel(coid)
    v.hear()
    v.past_grace()
    escalated: list[ReconcileOutcome] = []
    service = _service(v, policy, reported=reported, escalated=escalated)

    # Act
    outcome = await service.run_once()

    # Assert
    assert v.venue_status(coid) == (OrderStatus.CANCELED, Decimal(100), Decimal(40))
    assert v.our_status(coid) == (OrderStatus.CANCELED, Decimal(100), Decimal(40))
    assert outcome.is_ok, outcome.summary()
    pos = v.oms.position("AAPL")
    assert pos is not None and pos.qty == Decimal(40)
    assert (await service.run_once()).resolution.is_clean  # type: ignore[union-attr]


class SlowQueryPaper(PaperBroker):
    """The paper venue whose targeted status query times out until told otherwise."""

    slow = True

    def order_report(self, client_order_id: str) -> OrderStatusReport | None:
        if self.slow:
            raise BrokerTimeout("order query timed out", venue=self.name)
        return super().order_report(client_order_id)


@pytest.mark.asyncio
@pytest.mark.parametrize("policy", POLICIES)
async def test_status_query_timeout_leaves_the_order_in_flight_then_settles_it(
    policy: ReconcilePolicy,
) -> None:
    # Arrange
    paper = SlowQueryPaper(
        [Instrument("AAPL", venue="XNAS")], session_close=None, initial_cash={"USD": 10**8}
    )
    v = LossyVenue(paper)
    coid = v.rest(50)
    await v.drop()
    v.trade_through(50)
    await v.restore()
    v.past_grace()
    escalated: list[ReconcileOutcome] = []
    service = _service(v, policy, reported=False, escalated=escalated)
    journaled = len(v.store)

    # Act
    stuck = await service.run_once()
    paper.slow = False
    settled = await service.run_once()

    # Assert: ambiguous is not dead, then the answer settles it.
    assert stuck.resolution is not None
    missing, position = stuck.unresolved  # the position gap waits for the order's fate
    assert isinstance(missing, MissingAtVenue)
    assert isinstance(position, PositionMismatch)
    assert missing.query is QueryAnswer.UNANSWERED
    assert "BrokerTimeout" in missing.query_error
    assert escalated == [stuck]
    assert settled.is_ok, settled.summary()
    assert v.our_status(coid) == (FILLED, Decimal(50), Decimal(50))
    assert len(v.store) > journaled


@pytest.mark.asyncio
async def test_status_query_timeout_journals_nothing() -> None:
    paper = SlowQueryPaper(
        [Instrument("AAPL", venue="XNAS")], session_close=None, initial_cash={"USD": 10**8}
    )
    v = LossyVenue(paper)
    coid = v.rest(50)
    await v.drop()
    v.trade_through(50)
    await v.restore()
    v.past_grace()
    journaled = len(v.store)

    outcome = await _service(
        v, ReconcilePolicy.CANCEL_UNKNOWN, reported=False, escalated=[]
    ).run_once()

    assert not outcome.is_ok
    assert v.our_status(coid) == (OrderStatus.ACCEPTED, Decimal(50), Decimal(0))
    assert len(v.store) == journaled


@pytest.mark.asyncio
async def test_order_the_venue_never_saw_is_rejected_after_asking() -> None:
    """The submit was lost on the way: the venue does not know the order (NOT_FOUND), so
    the existing rule applies: never acknowledged and never traded is REJECTED."""
    v = LossyVenue()
    await v.drop()
    coid = v.rest(10)
    await v.restore()
    v.past_grace()

    outcome = await _service(
        v, ReconcilePolicy.CONSERVATIVE, reported=True, escalated=[]
    ).run_once()

    assert outcome.is_ok, outcome.summary()
    assert v.venue_status(coid) is None
    assert v.our_status(coid)[0] is OrderStatus.REJECTED

"""An amend up whose answer was lost, then fills and a cancel: we end as the venue has it.

The real OrderManager and PaperBroker (see ``venue_session``). 100 is amended up to
150; the venue applies it but its OrderReplaced never reaches us; the venue fills
100, then our cancel takes the other 50, and those answers are lost too. Counted
against our old 100 the fills made the order FILLED here, while the venue has it
CANCELED at 150 with 100 filled (positions agreed; status and quantity did not).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.model.enums import OrderStatus
from bolt_exec.reconcile import ReconcilePolicy
from bolt_exec.reconcile.service import ReconcileOutcome, ReconcileService

from .venue_session import LIMIT, LossyVenue

CANCELED_AT_150 = (OrderStatus.CANCELED, Decimal(150), Decimal(100))


def _service(v: LossyVenue, policy: ReconcilePolicy, *, reported: bool) -> ReconcileService:
    return ReconcileService(
        v.oms,
        "paper",
        policy=policy,
        escalate=lambda o: pytest.fail(f"escalated: {o.summary()}"),
        start_since_ns=None if reported else v.clock.now_ns() - 1,
    )


@pytest.mark.asyncio
@pytest.mark.parametrize("reported", [False, True], ids=["fills-unreported", "fills-reported"])
@pytest.mark.parametrize("policy", list(ReconcilePolicy))
async def test_amend_up_fill_and_cancel_all_lost_ends_canceled_at_the_venue_qty(
    policy: ReconcilePolicy, reported: bool
) -> None:
    # Arrange
    v = LossyVenue()
    coid = v.rest(100)
    v.deaf()
    v.oms.amend(coid, qty=150)
    v.trade_through(100)
    assert v.oms.cancel(coid)
    v.hear()
    v.past_grace()
    assert v.our_status(coid) == (OrderStatus.PENDING_CANCEL, Decimal(100), Decimal(0))
    service = _service(v, policy, reported=reported)

    # Act
    outcome = await service.run_once()
    again = await service.run_once()

    # Assert
    assert v.venue_status(coid) == CANCELED_AT_150
    assert v.our_status(coid) == CANCELED_AT_150
    assert v.oms.order(coid).avg_px == LIMIT
    assert outcome.is_ok, outcome.summary()
    pos = v.oms.position("AAPL")
    assert pos is not None and pos.qty == Decimal(100)
    assert again.resolution is not None and again.resolution.is_clean


@pytest.mark.asyncio
@pytest.mark.parametrize("reported", [False, True], ids=["fills-unreported", "fills-reported"])
async def test_amend_up_lost_then_cancel_heard_ends_canceled_at_the_venue_qty(
    reported: bool,
) -> None:
    """We heard the cancel (CANCELED at 100) but not the amend or the fills. The venue's
    150 proves the amend took first: it is applied as the amend's late answer (the order
    stays CANCELED), then the fills, so we end CANCELED at 150 with 100 filled, as the
    venue has it, instead of FILLED at 100; nothing is left to escalate."""
    # Arrange
    v = LossyVenue()
    coid = v.rest(100)
    v.deaf()
    v.oms.amend(coid, qty=150)
    v.trade_through(100)
    v.hear()
    assert v.oms.cancel(coid)
    v.past_grace()
    escalated: list[ReconcileOutcome] = []
    service = ReconcileService(
        v.oms,
        "paper",
        escalate=escalated.append,
        start_since_ns=None if reported else v.clock.now_ns() - 1,
    )

    # Act
    outcome = await service.run_once()
    again = await service.run_once()

    # Assert
    assert v.venue_status(coid) == CANCELED_AT_150
    assert v.our_status(coid) == CANCELED_AT_150
    assert outcome.is_ok, outcome.summary()
    assert escalated == []
    pos = v.oms.position("AAPL")
    assert pos is not None and pos.qty == Decimal(100)
    assert again.resolution is not None and again.resolution.is_clean

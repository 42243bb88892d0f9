"""Targeted status queries are paid for from the broker's request budget.

The real OrderManager and PaperBroker, the paper venue publishing a tight limit
(10 requests a minute; the reconciler may use half: one request per 12 s) and
counting what it is asked. Three orders fill while we are disconnected, so the
mass status cannot tell their fate and each needs a targeted query. A run may
ask what its period affords (at least one); the others stay in flight, never
guessed, and are asked on later runs; the timer stretches the pause after a run
that asked, so the requests stay within the budget on average.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.adapters.base import BrokerLimits, RateLimit
from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.reports import MassStatus, OrderStatusReport
from bolt_exec.reconcile import MissingAtVenue, ReconcilePolicy
from bolt_exec.reconcile.discrepancies import QueryAnswer
from bolt_exec.reconcile.service import ReconcileOutcome, ReconcileService

from .venue_session import LossyVenue, S

SHARE = 0.5
LIMIT = RateLimit(10, 60.0, "requests")
PER_REQUEST_S = LIMIT.per_seconds / (LIMIT.count * SHARE)  # 12 s


class TightPaper(PaperBroker):
    """The paper venue with a tight published request limit; it logs every request."""

    limits = BrokerLimits(rates=(LIMIT,))

    def __init__(self) -> None:
        super().__init__(
            [Instrument("AAPL", venue="XNAS")], session_close=None, initial_cash={"USD": 10**8}
        )
        self.requests: list[tuple[int, str]] = []

    async def mass_status(self, since_ns: int | None = None) -> MassStatus:
        self.requests += [(self._now(), "mass")] * 3  # open orders, fills, positions
        return await super().mass_status(since_ns)

    def order_report(self, client_order_id: str) -> OrderStatusReport | None:
        self.requests.append((self._now(), client_order_id))
        return super().order_report(client_order_id)

    def _now(self) -> int:
        assert self._clock is not None
        return self._clock.now_ns()


@pytest.mark.asyncio
async def test_tight_limits_defer_queries_and_stretch_the_timer() -> None:
    # Arrange: three orders filled while disconnected; fills before the watermark.
    paper = TightPaper()
    v = LossyVenue(paper)
    ids = [v.rest(10), v.rest(10), v.rest(10)]
    await v.drop()
    v.trade_through(30)
    await v.restore()
    v.past_grace()
    escalated: list[ReconcileOutcome] = []
    service = ReconcileService(
        v.oms,
        "paper",
        policy=ReconcilePolicy.CONSERVATIVE,
        escalate=escalated.append,
        interval_s=30.0,
        budget_share=SHARE,
        start_since_ns=v.clock.now_ns() - 1,
        overlap_ns=0,  # later mass statuses do not show the lost fills either
    )
    assert service.interval_s == pytest.approx(3 * PER_REQUEST_S)  # 36 s: a mass status

    # Act: the timer, driven by the service's own pauses.
    outcomes: list[ReconcileOutcome] = []
    pauses: list[float] = []
    after_first: list[tuple[OrderStatus, Decimal, Decimal]] = []
    while len(outcomes) < 5:
        outcomes.append(await service.run_once())
        pauses.append(service.next_delay_s)
        after_first = after_first or [v.our_status(c) for c in ids]
        v.clock.advance_by(int(service.next_delay_s * S))

    # Assert: one query a run; the others wait in flight, never guessed.
    first = outcomes[0]
    asked_first = [what for _, what in paper.requests[:4]]
    assert asked_first == ["mass", "mass", "mass", ids[0]]
    deferred = [d for d in first.unresolved if isinstance(d, MissingAtVenue)]
    assert {d.client_order_id for d in deferred} == set(ids[1:])
    assert all(d.query is QueryAnswer.UNANSWERED for d in deferred)
    assert all("budget" in d.query_error for d in deferred)
    assert [status for status, _, _ in after_first] == [
        OrderStatus.FILLED,
        OrderStatus.ACCEPTED,
        OrderStatus.ACCEPTED,
    ]
    assert escalated[0] is first  # fail closed while a fate is unknown
    # The pause after a run that asked is stretched to pay for it.
    assert pauses[:3] == [pytest.approx(4 * PER_REQUEST_S)] * 3
    assert pauses[3:] == [pytest.approx(3 * PER_REQUEST_S)] * 2
    # Every order settled by the venue's answer in the end, and nothing left open.
    assert [v.our_status(c)[0] for c in ids] == [OrderStatus.FILLED] * 3
    assert outcomes[2].is_ok and outcomes[4].resolution.is_clean  # type: ignore[union-attr]
    # Within the share of the limit, over the whole timeline.
    elapsed_s = sum(pauses)
    assert len(paper.requests) / elapsed_s <= LIMIT.count * SHARE / LIMIT.per_seconds


@pytest.mark.asyncio
async def test_check_order_requests_stretch_the_pause_after_the_next_run() -> None:
    paper = TightPaper()
    v = LossyVenue(paper)
    coid = v.rest(10)
    service = ReconcileService(v.oms, "paper", budget_share=SHARE, interval_s=30.0)

    await service.check_order(coid)
    await service.run_once()

    assert service.last_cost == 4  # the mass status and the check between runs
    assert service.next_delay_s == pytest.approx(4 * PER_REQUEST_S)

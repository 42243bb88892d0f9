"""ReconcileService: fetch, apply, escalate; ambiguous outcomes never reject anything."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bolt_exec.adapters.base import BrokerBase, BrokerLimits, RateLimit
from bolt_exec.clock import SimClock
from bolt_exec.errors import BrokerTimeout, BrokerUnavailable
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderEvent, OrderFilled, OrderRejected
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.order import Order
from bolt_exec.model.reports import MassStatus
from bolt_exec.oms.manager import OrderManager
from bolt_exec.reconcile import ReconcilePolicy
from bolt_exec.reconcile.service import ReconcileOutcome, ReconcileService, min_interval_s
from bolt_exec.store import MemoryOrderStore

from .conftest import LATER, Book, T


class ScriptedBroker(BrokerBase):
    """A venue whose mass status answers come from a script (a status, or an error to raise)."""

    def __init__(self, answers: Sequence[MassStatus | Exception], limits: BrokerLimits) -> None:
        super().__init__()
        self.name = "paper"
        self.limits = limits
        self.answers = list(answers)
        self.asked: list[int | None] = []
        self.cancels: list[CancelOrder] = []

    @property
    def is_connected(self) -> bool:
        return True

    async def connect(self) -> None:
        return None

    async def disconnect(self) -> None:
        return None

    def instruments(self) -> Sequence[Instrument]:
        return (Instrument("AAPL", venue="XNAS"),)

    def submit(self, command: SubmitOrder) -> None:
        raise AssertionError("the reconciler never submits")

    def cancel(self, command: CancelOrder) -> None:
        self.cancels.append(command)

    def amend(self, command: AmendOrder) -> None:
        raise AssertionError("the reconciler never amends")

    async def mass_status(self, since_ns: int | None = None) -> MassStatus:
        self.asked.append(since_ns)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class Harness:
    """The real OMS over a scripted venue, its journal seeded with ``orders``' events."""

    def __init__(self, broker: ScriptedBroker, orders: list[Order], **kw: object) -> None:
        self.store = MemoryOrderStore()
        for o in orders:
            self.store.append(o.events)
        self.seeded = len(self.store)
        self.escalated: list[ReconcileOutcome] = []
        self.clock = SimClock(LATER)
        self.oms = OrderManager(broker, clock=self.clock, store=self.store)
        self.service = ReconcileService(
            self.oms,
            "paper",
            escalate=self.escalated.append,
            compare_positions=False,
            **kw,  # type: ignore[arg-type]
        )

    @property
    def applied(self) -> list[OrderEvent]:
        """What the reconciler had the OMS journal."""
        return list(self.store.events())[self.seeded :]

    @property
    def orders(self) -> dict[str, Order]:
        return {o.client_order_id: o for o in self.oms.orders()}


@pytest.mark.asyncio
async def test_run_once_applies_the_missing_fill_and_moves_the_watermark(book: Book) -> None:
    a = book.order("A")
    status = book.status(
        orders=(book.report(a, status=OrderStatus.PARTIALLY_FILLED, filled="4", avg_px="100"),),
        fills=(book.fill("A", "t1", "4", "100"),),
    )
    broker = ScriptedBroker([status], BrokerLimits())
    h = Harness(broker, [a], overlap_ns=10)

    outcome = await h.service.run_once()
    again = await h.service.run_once()

    assert outcome.is_ok
    assert [type(e) for e in h.applied] == [OrderFilled]
    assert h.orders["A"].status is OrderStatus.PARTIALLY_FILLED
    assert again.resolution is not None and again.resolution.is_clean
    assert broker.asked == [None, LATER - 10]
    assert "in sync" in again.summary()


@pytest.mark.asyncio
@pytest.mark.parametrize("error", [BrokerTimeout("slow"), BrokerUnavailable("down")])
async def test_broker_errors_apply_nothing_and_escalate_when_stale(
    book: Book, error: Exception
) -> None:
    a = book.order("A", path=("submit",))
    broker = ScriptedBroker([error], BrokerLimits())
    h = Harness(broker, [a], max_failures=3)

    outcomes = [await h.service.run_once() for _ in range(3)]

    assert h.applied == []
    assert h.orders["A"].status is OrderStatus.SUBMITTED  # in flight, never rejected
    assert [o.failures for o in outcomes] == [1, 2, 3]
    assert h.escalated == [outcomes[2]]
    assert "nothing applied" in outcomes[0].summary()


@pytest.mark.asyncio
async def test_unresolved_discrepancy_is_escalated_with_a_frame(book: Book) -> None:
    x = book.order("X")
    broker = ScriptedBroker([book.status(orders=(book.report(x),))], BrokerLimits())
    h = Harness(broker, [])

    outcome = await h.service.run_once()

    assert h.escalated == [outcome]
    frame = outcome.frame()
    assert list(frame["kind"]) == ["MissingLocally"]
    assert list(frame["outcome"]) == ["ESCALATED"]


@pytest.mark.asyncio
async def test_zombie_cancel_goes_to_the_broker(book: Book) -> None:
    a = book.order("A", path=("submit", "accept", "pcancel", "cancel"))
    broker = ScriptedBroker([book.status(orders=(book.report(a),))], BrokerLimits())
    h = Harness(broker, [a], policy=ReconcilePolicy.CANCEL_UNKNOWN)

    await h.service.run_once()

    assert [c.client_order_id for c in broker.cancels] == ["A"]


@pytest.mark.asyncio
async def test_check_order_keeps_a_recent_order_in_flight_then_settles_it(book: Book) -> None:
    """After a submit timed out: not found yet is not a rejection, until the grace passes."""
    a = book.order("A", path=("submit",), ts=LATER - 1_000_000)
    broker = ScriptedBroker([book.status()], BrokerLimits())
    h = Harness(broker, [a], grace_ns=5_000_000_000)

    early = await h.service.check_order("A")
    h.clock.advance_by(10_000_000_000)
    broker.answers = [book.status(ts=h.clock.now_ns())]
    late = await h.service.check_order("A")

    assert early.resolution is not None and early.resolution.is_clean
    assert [type(e) for e in h.applied] == [OrderRejected]
    assert late.is_ok
    assert h.orders["A"].status is OrderStatus.REJECTED


@pytest.mark.asyncio
async def test_check_order_broker_timeout_changes_nothing(book: Book) -> None:
    a = book.order("A", path=("submit",), ts=T)
    h = Harness(ScriptedBroker([BrokerTimeout("slow")], BrokerLimits()), [a])

    outcome = await h.service.check_order("A")

    assert outcome.resolution is None
    assert h.applied == []
    assert h.service.failures == 0  # a targeted query does not count as a stale book


def test_interval_respects_the_brokers_request_budget() -> None:
    limits = BrokerLimits(rates=(RateLimit(10, 1.0), RateLimit(1200, 60.0)))
    broker = ScriptedBroker([MassStatus(broker="paper", ts=0)], limits)

    assert min_interval_s(broker, 0.1) == pytest.approx(3.0)
    assert Harness(broker, [], interval_s=1.0).service.interval_s == pytest.approx(3.0)
    assert Harness(broker, [], interval_s=60.0).service.interval_s == 60.0


class StoppingBroker(ScriptedBroker):
    """Stops the service from inside its second mass-status call (no sleeping in the test)."""

    service: ReconcileService | None = None

    async def mass_status(self, since_ns: int | None = None) -> MassStatus:
        status = await super().mass_status(since_ns)
        if len(self.asked) == 2 and self.service is not None:
            self.service.stop()
        return status


@pytest.mark.asyncio
async def test_run_loop_runs_at_once_then_on_the_timer_until_stopped(book: Book) -> None:
    broker = StoppingBroker([book.status()], BrokerLimits())
    h = Harness(broker, [], interval_s=0.01)
    broker.service = h.service

    await asyncio.wait_for(h.service.run(), timeout=10)

    assert len(broker.asked) == 2

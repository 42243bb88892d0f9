"""ReconcileService: reconciles one of the OMS's brokers, at start-up and on a timer.

The only async part of reconciliation. It is built from the OrderManager
(``ReconcileService(oms, "paper")``), the one writer, and nothing else. Each run:

1. ``await broker.mass_status(since)`` (open orders, fills since the watermark,
   positions);
2. :func:`~bolt_exec.reconcile.diff.diff` against the OMS's orders and positions
   on that broker;
3. asks the venue about every order the mass status cannot account for (it lists
   open orders only, so a missing order may have filled, been canceled, or never
   arrived; and where positions differ, our finished orders on that symbol may
   have fills from before the watermark): a targeted status query per order, see
   :mod:`bolt_exec.reconcile.query`; the answers go back into ``diff`` as data;
4. :func:`~bolt_exec.reconcile.resolve.resolve` under the policy;
5. hands every corrective event to ``oms.on_event`` (the one writer journals and
   applies it) and every command to
   :class:`~bolt_exec.reconcile.commands.CorrectiveActions` (through the OMS and
   its safety gate; there is no path from here straight to a broker);
6. logs one summary line and calls ``escalate`` (by default the OMS's
   SafetyManager) with the outcome when anything is left unresolved, or when the
   broker could not be asked ``max_failures`` times in a row (our view is going
   stale: fail closed).

Ambiguous outcomes are never rejections: a timeout or transport error
(``BrokerTimeout``, ``BrokerUnavailable``) applies nothing and leaves every
order as it is, whether it hits the mass status or a targeted query (the order
stays in flight and the run escalates). :meth:`ReconcileService.check_order` is
the targeted query for one order in flight (after a submit timed out); an order
stays in flight until the grace period has passed and the venue still does not
know it.

Watermark: the first run asks for fills since ``start_since_ns`` (None: the
venue's whole history); each successful run moves it to the snapshot time
minus ``overlap_ns``, so a fill on the boundary is seen twice rather than
never (fills dedupe by trade id).

Request budget (:mod:`bolt_exec.reconcile.budget`): a run costs its mass status
(``REQUESTS_PER_RUN``) plus one request per targeted query it made (and those
:meth:`~ReconcileService.check_order` made since the last run). A run asks at most
what the budget allows (``budget.queries_allowed``, never more than
``max_queries``); the other orders stay in flight, unanswered, and are asked
first next run. After each run the timer waits ``next_delay_s``: ``interval_s``,
stretched after an expensive run so that the average stays within
``budget_share`` of the tightest rate limit the broker publishes
(``BrokerLimits.rates``; query limits when it has any).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence

from bolt_exec.adapters.base import BrokerBase
from bolt_exec.errors import BoltExecError, BrokerError, RateLimited, ValidationError
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.order import Order
from bolt_exec.model.reports import MassStatus
from bolt_exec.oms.manager import OrderManager
from bolt_exec.reconcile.budget import REQUESTS_PER_RUN, RequestBudget
from bolt_exec.reconcile.commands import CorrectiveActions
from bolt_exec.reconcile.diff import (
    DEFAULT_GRACE_NS,
    Discrepancy,
    FillMissing,
    MissingAtVenue,
    OrderQuery,
    PositionMismatch,
    amend_in_doubt,
    diff,
)
from bolt_exec.reconcile.outcome import Escalation, ReconcileOutcome, escalate_to
from bolt_exec.reconcile.query import ask_venue
from bolt_exec.reconcile.resolve import ReconcilePolicy, Resolution, resolve

__all__ = ["ReconcileOutcome", "ReconcileService", "min_interval_s"]

log = logging.getLogger(__name__)


def min_interval_s(broker: BrokerBase, budget_share: float) -> float:
    """Return the shortest period between runs that keeps within ``budget_share`` of the limits.

    ``REQUESTS_PER_RUN * per_seconds / (count * budget_share)`` for the tightest
    published rate that is not an order limit (order limits only when the broker
    publishes nothing else); 0 when the broker publishes none. See
    :class:`~bolt_exec.reconcile.budget.RequestBudget`.
    """
    return RequestBudget.of(broker.limits.rates, budget_share, 0.0).min_interval_s


class ReconcileService:
    """Reconciles one of the OMS's brokers against the OMS's view.

    There is deliberately no way to give it a broker, an event sink or a command
    sender of its own: our view is ``oms``'s, corrective events go to
    ``oms.on_event`` (the one writer) and corrective commands to
    :class:`~bolt_exec.reconcile.commands.CorrectiveActions` (the OMS and its
    safety gate), so a service built by hand is as safe as the runtime's.

    Args:
        oms: the OrderManager.
        broker: the name of the broker to reconcile (may be omitted when the OMS has
            only one). Only its ``mass_status`` and, if it has one, a targeted query
            (``order_status`` / ``order_report(client_order_id)``,
            ``query_order(symbol, client_order_id)``) are used.
        policy: see :class:`~bolt_exec.reconcile.resolve.ReconcilePolicy`.
        escalate: receives every outcome that leaves something unresolved, and the
            outcome of every failed run from the ``max_failures``-th on (default:
            the OMS's SafetyManager, ``on_reconciliation``, when it has one).
        instruments: by symbol, for position tolerances (default: the broker's).
        interval_s: wanted period between runs (raised to respect the broker's limits).
        budget_share: the share of the tightest rate limit the timer may use.
        grace_ns: how long an order counts as in flight (see ``diff``).
        overlap_ns: how far each new fill watermark reaches back.
        start_since_ns: the first run's fill watermark (None: all history).
        max_failures: failed runs in a row before escalating.
        compare_positions: False for venues that cannot report positions.
        max_queries: targeted status queries per run at most (the rest wait a run); the
            request budget may allow fewer.

    Attributes:
        budget: the request budget (see :mod:`bolt_exec.reconcile.budget`).
        interval_s: the period between runs that send no query.
        next_delay_s: the pause the timer takes after the last run (``interval_s``,
            stretched after an expensive run).
        last_cost: the venue requests the last run sent.

    Raises:
        TypeError: given a broker instead of the OMS (the old, unsafe form).
        ValidationError: ``broker`` is not one of the OMS's brokers.

    Emits:
        nothing itself; corrective ``OrderEvent``s (``reconciliation=True``) go
        through ``oms.on_event`` and are published by the OMS.
    """

    def __init__(
        self,
        oms: OrderManager,
        broker: str | None = None,
        *,
        policy: ReconcilePolicy = ReconcilePolicy.CONSERVATIVE,
        escalate: Callable[[ReconcileOutcome], object] | None = None,
        instruments: Mapping[str, Instrument] | None = None,
        interval_s: float = 30.0,
        budget_share: float = 0.1,
        grace_ns: int = DEFAULT_GRACE_NS,
        overlap_ns: int = 60_000_000_000,
        start_since_ns: int | None = None,
        max_failures: int = 3,
        compare_positions: bool = True,
        max_queries: int = 10,
    ) -> None:
        if not isinstance(oms, OrderManager):
            raise TypeError(
                f"ReconcileService takes the OrderManager, not {type(oms).__name__}: "
                "ReconcileService(oms, 'paper'); corrective events and commands go through "
                "the OMS and its safety gate, never straight to a broker"
            )
        name = broker if broker is not None else next(iter(oms.brokers))
        if name not in oms.brokers or (broker is None and len(oms.brokers) > 1):
            raise ValidationError(
                "broker",
                broker,
                "does not name one of the OMS's brokers",
                f"use one of {list(oms.brokers)}",
            )
        self.oms = oms
        self.broker: BrokerBase = oms.brokers[name]
        self.policy = policy
        self.budget = RequestBudget.of(self.broker.limits.rates, budget_share, interval_s)
        self.interval_s = self.budget.interval_s
        self.next_delay_s = self.interval_s
        self.last_cost = 0
        self._spent_between = 0  # requests check_order sent since the last run
        self.since_ns = start_since_ns
        self.failures = 0
        self.last: ReconcileOutcome | None = None
        self.corrective = CorrectiveActions(oms, name)
        if escalate is None and isinstance(oms.safety, Escalation):
            escalate = escalate_to(oms.safety)
        self._escalate = escalate
        self._name = name
        self._instruments = (
            instruments
            if instruments is not None
            else {i.symbol: i for i in self.broker.instruments()}
        )
        self._grace_ns = grace_ns
        self._overlap_ns = overlap_ns
        self._max_failures = max_failures
        self._compare_positions = compare_positions
        self._max_queries = max_queries
        self._stop = asyncio.Event()
        self._last_exc: BrokerError | None = None

    def _ours(self) -> list[Order]:
        return [o for o in self.oms.orders() if o.broker in ("", self._name)]

    # ------------------------------------------------------------------ one run
    async def run_once(self) -> ReconcileOutcome:
        """Fetch, diff, ask about what the snapshot cannot tell, resolve, apply, escalate."""
        since = self.since_ns
        cost, self._spent_between = REQUESTS_PER_RUN + self._spent_between, 0
        try:
            status = await self.broker.mass_status(since)
        except BrokerError as exc:
            self._spent(cost)
            return self._failed(exc)
        ours = self._ours()
        limit = self.budget.queries_allowed(self._max_queries)
        queries, asked = await self._ask(self._to_ask(status, since, ours), limit)
        self._spent(cost + asked)
        outcome = self._reconcile(status, since, ours, queries)
        self.since_ns = status.ts - self._overlap_ns
        return outcome

    def _spent(self, cost: int) -> None:
        self.last_cost = cost
        self.next_delay_s = self.budget.pause_s(cost)

    async def check_order(self, client_order_id: str) -> ReconcileOutcome:
        """Ask the venue about one order (e.g. after a submit timed out) and settle it.

        An order the venue does not know stays in flight until the grace period
        has passed; a broker error changes nothing.
        """
        order = next((o for o in self._ours() if o.client_order_id == client_order_id), None)
        now = self.oms.clock.now_ns()
        if order is None:
            return ReconcileOutcome(self._name, now, None, "unknown order")
        queries, asked = await self._ask([order], 1)
        self._spent_between += asked  # paid for by the pause after the next run
        query = queries[client_order_id]
        if query.error:
            return self._failed(query.error, count=False)
        status = MassStatus(broker=self._name, ts=now)
        return self._reconcile(status, None, [order], queries, whole_book=False)

    def _to_ask(self, status: MassStatus, since: int | None, ours: list[Order]) -> list[Order]:
        # Orders the snapshot cannot account for: those missing at the venue, and, where
        # positions differ, our finished orders on that symbol it does not list (fills of
        # theirs we never heard of, from before the watermark), most recent first.
        found = self._diff(status, since, ours, {})
        missing = {d.client_order_id for d in found if isinstance(d, MissingAtVenue)}
        # Fills of an order the snapshot does not list, while an amend of it is unanswered:
        # only the venue's report tells at which quantity they complete it (if at all).
        filled = {d.client_order_id for d in found if isinstance(d, FillMissing)}
        missing |= {
            o.client_order_id for o in ours if o.client_order_id in filled and amend_in_doubt(o)
        }
        gaps = {d.symbol for d in found if isinstance(d, PositionMismatch)}
        listed = {r.client_order_id for r in status.orders}
        done = sorted(
            (
                o
                for o in ours
                if o.is_terminal
                and o.symbol in gaps
                and o.filled_qty < o.qty
                and o.client_order_id not in listed
            ),
            key=lambda o: -o.ts_last,
        )
        return [o for o in ours if o.client_order_id in missing] + done

    async def _ask(self, orders: Sequence[Order], limit: int) -> tuple[dict[str, OrderQuery], int]:
        if not orders:
            return {}, 0
        return await ask_venue(self.broker, orders, overlap_ns=self._overlap_ns, limit=limit)

    def _diff(
        self,
        status: MassStatus,
        since: int | None,
        ours: Sequence[Order],
        queries: Mapping[str, OrderQuery],
        whole_book: bool = True,
    ) -> list[Discrepancy]:
        found = diff(
            ours,
            [p for p in self.oms.positions() if p.broker in ("", self._name)] if whole_book else (),
            status,
            instruments=self._instruments,
            fills_since_ns=since,
            grace_ns=self._grace_ns,
            compare_positions=self._compare_positions and whole_book,
            queries=queries,
        )
        if not whole_book:  # a targeted query says nothing about other orders or externals
            keep = {o.client_order_id for o in ours}
            found = [d for d in found if getattr(d, "client_order_id", None) in keep]
        return found

    def _reconcile(
        self,
        status: MassStatus,
        since: int | None,
        ours: Sequence[Order],
        queries: Mapping[str, OrderQuery],
        whole_book: bool = True,
    ) -> ReconcileOutcome:
        found = self._diff(status, since, ours, queries, whole_book)
        now = self.oms.clock.now_ns()
        resolution = resolve(
            found,
            orders={o.client_order_id: o for o in ours},
            policy=self.policy,
            broker=self._name,
            ts_ns=now,
        )
        errors = self._apply_all(resolution)
        self.failures = 0
        outcome = ReconcileOutcome(self._name, now, resolution, apply_errors=errors)
        self.last = outcome
        (log.info if outcome.is_ok else log.warning)("%s", outcome.summary())
        if not outcome.is_ok and self._escalate is not None:
            self._escalate(outcome)
        return outcome

    def _apply_all(self, resolution: Resolution) -> tuple[str, ...]:
        errors: list[str] = []
        for event in resolution.events:
            try:
                self.oms.on_event(event)
            except BoltExecError as exc:  # the OMS refused it: report, never crash the loop
                errors.append(f"{type(event).__name__} {event.client_order_id}: {exc}")
        for command in resolution.commands:
            try:
                self.corrective(command)
            except BoltExecError as exc:
                errors.append(f"cancel {command.client_order_id}: {exc}")
        return tuple(errors)

    def _failed(self, exc: BrokerError | str, *, count: bool = True) -> ReconcileOutcome:
        if isinstance(exc, BrokerError):
            self._last_exc = exc
        if count:
            self.failures += 1
        outcome = ReconcileOutcome(
            self._name,
            self.oms.clock.now_ns(),
            None,
            exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}",
            self.failures,
        )
        self.last = outcome
        log.warning("%s", outcome.summary())
        if count and self.failures >= self._max_failures and self._escalate is not None:
            self._escalate(outcome)
        return outcome

    # ------------------------------------------------------------------ the timer
    async def run(self) -> None:
        """Run at once, then after each run's ``next_delay_s`` until :meth:`stop` (backing
        off on errors)."""
        self._stop.clear()
        while not self._stop.is_set():
            outcome = await self.run_once()
            delay = self.next_delay_s
            if outcome.resolution is None:
                # Retry sooner than the period, but never faster than the budget allows.
                backoff = min(self.interval_s, 2.0 ** min(self.failures, 6))
                delay = max(backoff, self.last_cost * self.budget.seconds_per_request)
                exc = self._last_exc
                if isinstance(exc, RateLimited) and exc.retry_after:
                    delay = max(delay, exc.retry_after)
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=delay)
            except TimeoutError:
                continue

    def stop(self) -> None:
        """Stop :meth:`run` after the current run."""
        self._stop.set()

    def __repr__(self) -> str:
        return (
            f"ReconcileService(broker={self._name!r}, policy={self.policy.value}, "
            f"interval_s={self.interval_s:g})"
        )

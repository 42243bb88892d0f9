"""ReconcileService: runs diff + resolve against one broker, at start-up and on a timer.

The only async part of reconciliation. Each run:

1. ``await broker.mass_status(since)`` (open orders, fills since the watermark,
   positions);
2. :func:`~bolt_exec.reconcile.diff.diff` against our orders and positions;
3. :func:`~bolt_exec.reconcile.resolve.resolve` under the policy;
4. hands every corrective event to ``apply_event`` (the OMS's ``on_event``:
   the one writer journals and applies it) and every command to
   ``send_command`` (cancels only);
5. logs one summary line and calls ``escalate`` with the outcome when
   anything is left unresolved, or when the broker could not be asked
   ``max_failures`` times in a row (our view is going stale: fail closed).

Ambiguous outcomes are never rejections: a timeout or transport error
(``BrokerTimeout``, ``BrokerUnavailable``) applies nothing and leaves every
order as it is; :meth:`ReconcileService.check_order` is the targeted status
query for one order in flight (the OMS calls it when a submit timed out), and
an order stays in flight until the grace period has passed and the venue
still does not know it.

Watermark: the first run asks for fills since ``start_since_ns`` (None: the
venue's whole history); each successful run moves it to the snapshot time
minus ``overlap_ns``, so a fill on the boundary is seen twice rather than
never (fills dedupe by trade id).

Request budget: a run costs about three venue requests; the timer never runs
more often than ``budget_share`` of the tightest rate limit the broker
publishes (``BrokerLimits.rates``; query limits when it has any, see
:func:`min_interval_s`) allows.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from bolt_exec.adapters.base import BrokerBase
from bolt_exec.clock import Clock
from bolt_exec.errors import BoltExecError, BrokerError, RateLimited
from bolt_exec.model.commands import CancelOrder
from bolt_exec.model.events import OrderEvent
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position
from bolt_exec.model.reports import MassStatus, OrderStatusReport
from bolt_exec.reconcile.diff import DEFAULT_GRACE_NS, Discrepancy, MissingAtVenue, diff
from bolt_exec.reconcile.report import resolution_frame, summary
from bolt_exec.reconcile.resolve import ReconcilePolicy, Resolution, resolve

__all__ = ["ReconcileOutcome", "ReconcileService", "min_interval_s"]

log = logging.getLogger(__name__)

REQUESTS_PER_RUN: Final = 3


def min_interval_s(broker: BrokerBase, budget_share: float) -> float:
    """Return the shortest period between runs that keeps within ``budget_share`` of the limits.

    ``REQUESTS_PER_RUN * per_seconds / (count * budget_share)`` for the tightest
    published rate; 0 when the broker publishes none. A run sends queries, not
    orders: when the broker publishes a limit for anything but orders (Kite's
    ``requests``, Binance's ``request_weight``, IB's ``messages``) only those
    count, so an order cap (Kite's 3,000 orders a day) does not stretch the period
    to a quarter of an hour; a broker with order limits only is judged by them.
    """
    rates = broker.limits.rates
    queries = [r for r in rates if r.scope != "orders"]
    worst = 0.0
    for rate in queries or rates:
        if rate.count > 0:
            worst = max(worst, REQUESTS_PER_RUN * rate.per_seconds / (rate.count * budget_share))
    return worst


@dataclass(frozen=True, slots=True)
class ReconcileOutcome:
    """One run: what was found and done, or why the broker could not be asked.

    Attributes:
        broker: the broker's name.
        ts: when the run ended (clock time, ns).
        resolution: the resolution, or None if the broker could not be asked.
        error: the broker error's text when it could not ("" otherwise).
        failures: consecutive failed runs so far (0 after a success).
        apply_errors: events or commands the OMS/broker refused while applying.
    """

    broker: str
    ts: int
    resolution: Resolution | None
    error: str = ""
    failures: int = 0
    apply_errors: tuple[str, ...] = ()

    @property
    def unresolved(self) -> list[Discrepancy]:
        """The discrepancies policy did not let the resolver settle."""
        return [] if self.resolution is None else self.resolution.unresolved

    @property
    def is_ok(self) -> bool:
        """True if the broker answered and nothing is left to escalate."""
        return self.resolution is not None and not self.unresolved and not self.apply_errors

    def frame(self) -> pd.DataFrame:
        """The run as a DataFrame (one row per discrepancy)."""
        if self.resolution is None:
            return resolution_frame(Resolution(self.broker, ReconcilePolicy.CONSERVATIVE, 0, ()))
        return resolution_frame(self.resolution)

    def summary(self) -> str:
        """One log line."""
        if self.resolution is None:
            return (
                f"reconcile {self.broker}: broker not reachable ({self.error}); "
                f"{self.failures} failed run(s) in a row; nothing applied"
            )
        line = summary(self.resolution)
        if self.apply_errors:
            line += f"; {len(self.apply_errors)} could not be applied"
        return line


class ReconcileService:
    """Reconciles one broker against our view.

    Args:
        broker: the venue adapter (only ``mass_status`` and, if it has one, a
            targeted ``order_status(client_order_id)`` / ``order_report(...)`` are used).
        orders: returns our orders (all of them; terminal ones show late fills).
        positions: returns our positions.
        apply_event: the OMS's ``on_event`` (the one writer).
        clock: for timestamps of corrective events.
        policy: see :class:`~bolt_exec.reconcile.resolve.ReconcilePolicy`.
        send_command: sends a cancel to the venue (default: ``broker.cancel``;
            cancels are never gated, and the venue's answer comes back as events).
        escalate: receives every outcome that leaves something unresolved, and
            the outcome of every failed run from the ``max_failures``-th on.
        instruments: by symbol, for position tolerances.
        interval_s: wanted period between runs (raised to respect the broker's limits).
        budget_share: the share of the tightest rate limit the timer may use.
        grace_ns: how long an order counts as in flight (see ``diff``).
        overlap_ns: how far each new fill watermark reaches back.
        start_since_ns: the first run's fill watermark (None: all history).
        max_failures: failed runs in a row before escalating.
        compare_positions: False for venues that cannot report positions.

    Emits:
        nothing itself; corrective ``OrderEvent``s (``reconciliation=True``) go
        through ``apply_event`` and are published by the OMS.
    """

    def __init__(
        self,
        broker: BrokerBase,
        *,
        orders: Callable[[], Iterable[Order]],
        positions: Callable[[], Iterable[Position]],
        apply_event: Callable[[OrderEvent], object],
        clock: Clock,
        policy: ReconcilePolicy = ReconcilePolicy.CONSERVATIVE,
        send_command: Callable[[CancelOrder], object] | None = None,
        escalate: Callable[[ReconcileOutcome], object] | None = None,
        instruments: Mapping[str, Instrument] | None = None,
        interval_s: float = 30.0,
        budget_share: float = 0.1,
        grace_ns: int = DEFAULT_GRACE_NS,
        overlap_ns: int = 60_000_000_000,
        start_since_ns: int | None = None,
        max_failures: int = 3,
        compare_positions: bool = True,
    ) -> None:
        self.broker = broker
        self.policy = policy
        self.interval_s = max(interval_s, min_interval_s(broker, budget_share))
        self.since_ns = start_since_ns
        self.failures = 0
        self.last: ReconcileOutcome | None = None
        self._orders = orders
        self._positions = positions
        self._apply = apply_event
        self._send = send_command or broker.cancel
        self._escalate = escalate
        self._clock = clock
        self._instruments = instruments or {}
        self._grace_ns = grace_ns
        self._overlap_ns = overlap_ns
        self._max_failures = max_failures
        self._compare_positions = compare_positions
        self._stop = asyncio.Event()
        self._last_exc: BrokerError | None = None

    # ------------------------------------------------------------------ one run
    async def run_once(self) -> ReconcileOutcome:
        """Fetch, diff, resolve, apply, escalate; return what happened."""
        since = self.since_ns
        try:
            status = await self.broker.mass_status(since)
        except BrokerError as exc:
            return self._failed(exc)
        outcome = self._reconcile(status, since, self._orders())
        self.since_ns = status.ts - self._overlap_ns
        await self._follow_up(outcome)
        return outcome

    async def check_order(self, client_order_id: str) -> ReconcileOutcome:
        """Ask the venue about one order (e.g. after a submit timed out) and settle it.

        An order the venue does not know stays in flight until the grace period
        has passed; a broker error changes nothing.
        """
        order = next((o for o in self._orders() if o.client_order_id == client_order_id), None)
        if order is None:
            return ReconcileOutcome(self.broker.name, self._clock.now_ns(), None, "unknown order")
        try:
            status = await self._query_one(order)
        except BrokerError as exc:
            return self._failed(exc, count=False)
        return self._reconcile(status, None, [order], False)

    async def _query_one(self, order: Order) -> MassStatus:
        one = getattr(self.broker, "order_status", None) or getattr(
            self.broker, "order_report", None
        )
        if one is not None:
            got: Any = one(order.client_order_id)
            report: OrderStatusReport | None = await got if inspect.isawaitable(got) else got
            return MassStatus(
                broker=self.broker.name,
                ts=self._clock.now_ns(),
                orders=(report,) if report is not None else (),
            )
        full = await self.broker.mass_status(order.ts_init - self._overlap_ns)
        coid = order.client_order_id
        return MassStatus(
            broker=full.broker,
            ts=full.ts,
            orders=tuple(r for r in full.orders if r.client_order_id == coid),
            fills=tuple(f for f in full.fills if f.client_order_id == coid),
        )

    def _reconcile(
        self,
        status: MassStatus,
        since: int | None,
        orders: Iterable[Order],
        whole_book: bool = True,
    ) -> ReconcileOutcome:
        ours = list(orders)
        found = diff(
            ours,
            self._positions() if whole_book else (),
            status,
            instruments=self._instruments,
            fills_since_ns=since,
            grace_ns=self._grace_ns,
            compare_positions=self._compare_positions and whole_book,
        )
        if not whole_book:  # a targeted query says nothing about other orders or externals
            keep = {o.client_order_id for o in ours}
            found = [d for d in found if getattr(d, "client_order_id", None) in keep]
        now = self._clock.now_ns()
        resolution = resolve(
            found,
            orders={o.client_order_id: o for o in ours},
            policy=self.policy,
            broker=self.broker.name,
            ts_ns=now,
        )
        errors = self._apply_all(resolution)
        self.failures = 0
        outcome = ReconcileOutcome(self.broker.name, now, resolution, apply_errors=errors)
        self.last = outcome
        (log.info if outcome.is_ok else log.warning)("%s", outcome.summary())
        if not outcome.is_ok and self._escalate is not None:
            self._escalate(outcome)
        return outcome

    def _apply_all(self, resolution: Resolution) -> tuple[str, ...]:
        errors: list[str] = []
        for event in resolution.events:
            try:
                self._apply(event)
            except BoltExecError as exc:  # the OMS refused it: report, never crash the loop
                errors.append(f"{type(event).__name__} {event.client_order_id}: {exc}")
        for command in resolution.commands:
            try:
                self._send(command)
            except BoltExecError as exc:
                errors.append(f"cancel {command.client_order_id}: {exc}")
        return tuple(errors)

    def _failed(self, exc: BrokerError, *, count: bool = True) -> ReconcileOutcome:
        self._last_exc = exc
        if count:
            self.failures += 1
        outcome = ReconcileOutcome(
            self.broker.name,
            self._clock.now_ns(),
            None,
            f"{type(exc).__name__}: {exc}",
            self.failures,
        )
        self.last = outcome
        log.warning("%s", outcome.summary())
        if count and self.failures >= self._max_failures and self._escalate is not None:
            self._escalate(outcome)
        return outcome

    async def _follow_up(self, outcome: ReconcileOutcome) -> None:
        # Orders missing at the venue whose fill history predates the watermark:
        # ask about each one before anyone decides it is dead.
        for d in outcome.unresolved:
            if isinstance(d, MissingAtVenue) and not d.fills_known:
                await self.check_order(d.client_order_id)

    # ------------------------------------------------------------------ the timer
    async def run(self) -> None:
        """Run at once, then every ``interval_s`` until :meth:`stop` (backing off on errors)."""
        self._stop.clear()
        while not self._stop.is_set():
            outcome = await self.run_once()
            delay = self.interval_s
            if outcome.resolution is None:
                delay = min(self.interval_s, 2.0 ** min(self.failures, 6))
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
            f"ReconcileService(broker={self.broker.name!r}, policy={self.policy.value}, "
            f"interval_s={self.interval_s:g})"
        )

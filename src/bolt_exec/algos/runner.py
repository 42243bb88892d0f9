"""AlgoRunner: drives execution algorithms and submits their children through the OMS.

Theory of operation
-------------------
The runner owns what algorithms must not: timers, market-data snapshots and
order submission. For each parent it keeps the algorithm, the children it sent
and a child counter. A *step* asks the algorithm for an :class:`AlgoStep`
given the parent's :class:`Progress` (filled, in flight, open children), then:

1. cancels the children it names (``oms.cancel``);
2. submits each child intent as ``oms.submit(..., parent_id=parent_id,
   client_order_id=f"{parent_id}-E{n}")`` — so every child passes safety and is
   journaled (design invariants 3 and 7), with a deterministic id;
3. arms a timer for ``next_wake_ns``;
4. saves the algorithm's JSON state to the state store, if any.

Steps run on timers only. Child events (fills, cancels, rejects) arrive on the
bus while the OMS is committing; the runner updates its books at once and
schedules a step at the current time, so the algorithm never runs inside the
OMS's commit.

A parent stops when its algorithm says it is done, when the user cancels it
(:meth:`AlgoRunner.cancel`: open children are canceled first), when the kill
switch is on (``halted()`` returns True) or when safety denies a child (no
surprise orders: a human looks before it continues).

Crash recovery: with a state store (anything with ``get_algo_state(id)`` and
``put_algo_state(id, dict)``), :meth:`AlgoRunner.resume` rebuilds a running
algorithm from its last saved state and from the children the (recovered)
OMS knows, skips child ids already used, and carries on.

Emits (on the OMS bus): ``algo.started``, ``algo.done`` with an
:class:`AlgoStatus`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bolt_exec.algos.base import (
    AlgoStep,
    ChildView,
    ExecAlgorithm,
    MarketView,
    ParentOrder,
    Progress,
    algo_from_state,
)
from bolt_exec.algos.ports import AlgoStateStore, AlgoStatus, MarketSource, OrderGateway
from bolt_exec.clock import Clock, Timer
from bolt_exec.errors import UsageError, ValidationError
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderDenied, OrderEvent, OrderFilled
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.order import Order

__all__ = ["AlgoRunner", "AlgoStateStore", "AlgoStatus", "MarketSource", "OrderGateway"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Run:
    algo: ExecAlgorithm
    parent: ParentOrder
    n: int = 0
    children: list[str] = field(default_factory=list)
    open: dict[str, Order] = field(default_factory=dict)
    closed_filled: Decimal = ZERO
    timer: Timer | None = None
    pending_step: bool = False
    is_stopping: bool = False
    is_done: bool = False
    reason: str = ""


class AlgoRunner:
    """Runs execution algorithms against an OrderManager (see the module docstring).

    Args:
        oms: the OrderManager (anything with its submit/cancel/orders/bus).
        clock: the clock timers are set on (the OMS's).
        market: market snapshots for the algorithms; None gives them none.
        state_store: where algorithm state is saved after every step, or None.
        halted: returns True while the kill switch is on; the runner then stops
            every parent (the SafetyManager's own state is the source of truth).
    """

    def __init__(
        self,
        oms: OrderGateway,
        clock: Clock,
        *,
        market: MarketSource | None = None,
        state_store: AlgoStateStore | None = None,
        halted: Callable[[], bool] | None = None,
    ) -> None:
        self.oms = oms
        self.clock = clock
        self.market = market
        self.state_store = state_store
        self.halted = halted
        self._runs: dict[str, _Run] = {}
        self._child_parent: dict[str, str] = {}
        self._subscribed = False

    # -- public API ----------------------------------------------------------------------------
    def execute(self, algo: ExecAlgorithm, parent: ParentOrder) -> str:
        """Start working ``parent`` with ``algo``; return the parent id.

        The first step runs at the parent's start (or now, if that is past).

        Raises:
            ValidationError: if the parent id is already running.
        """
        if parent.parent_id in self._runs:
            raise ValidationError(
                "parent_id", parent.parent_id, "is already running", "give every parent a unique id"
            )
        self._subscribe()
        now = self.clock.now_ns()
        algo.start(parent, now)
        run = _Run(algo=algo, parent=algo.p)
        self._runs[parent.parent_id] = run
        self.oms.bus.publish("algo.started", self.status(parent.parent_id))
        self._arm(run, max(now, parent.start_ns))
        self._save(run)
        return parent.parent_id

    def cancel(self, parent_id: str, reason: str = "parent canceled") -> None:
        """Stop a parent: cancel its open children, then finish once they are done."""
        run = self._run(parent_id)
        if run.is_done:
            return
        run.is_stopping = True
        run.reason = reason
        self._cancel_open(run)
        self._maybe_finish(run)

    def status(self, parent_id: str) -> AlgoStatus:
        """Return a parent's progress."""
        run = self._run(parent_id)
        prog = self._progress(run)
        return AlgoStatus(
            parent_id=parent_id,
            algo=run.algo.name,
            qty=run.parent.qty,
            filled_qty=prog.filled_qty,
            in_flight_qty=prog.in_flight_qty,
            children=len(run.children),
            is_done=run.is_done,
            reason=run.reason,
        )

    def algorithm(self, parent_id: str) -> ExecAlgorithm:
        """Return the algorithm working ``parent_id``."""
        return self._run(parent_id).algo

    def children(self, parent_id: str) -> list[str]:
        """Return the client order ids of a parent's children, in submission order."""
        return list(self._run(parent_id).children)

    def parents(self) -> list[str]:
        """Return every parent id this runner knows, in start order."""
        return list(self._runs)

    @property
    def is_idle(self) -> bool:
        """True when every parent is done."""
        return all(r.is_done for r in self._runs.values())

    def resume(self, parent_id: str, state: dict[str, Any] | None = None) -> None:
        """Resume a parent from its saved state (after a crash or a restart).

        Children the OMS knows (recovered from its journal) are re-attached:
        their fills count and open ones stay in flight. Child ids already used
        are skipped, so nothing is sent twice under the same id.

        Raises:
            UsageError: if there is no saved state for ``parent_id``.
        """
        if state is None and self.state_store is not None:
            state = self.state_store.get_algo_state(parent_id)
        if state is None:
            raise UsageError(
                f"parent_id={parent_id!r}: no saved algorithm state to resume; "
                "was it started with a state_store?"
            )
        self._subscribe()
        algo = algo_from_state(state["algo"])
        run = _Run(
            algo=algo,
            parent=algo.p,
            n=int(state["runner"]["n"]),
            is_done=bool(state["runner"]["is_done"]),
            reason=state["runner"]["reason"],
        )
        self._runs[parent_id] = run
        for order in self._orders_of(parent_id):
            self._attach(run, order)
            run.n = max(run.n, _child_number(order.client_order_id))
        if not run.is_done:
            self._arm(run, self.clock.now_ns())

    # -- internals -----------------------------------------------------------------------------
    def _subscribe(self) -> None:
        # subscribe on the first parent, so sessions without algorithms pay nothing per event
        if not self._subscribed:
            self.oms.bus.subscribe("order.*", self._on_order_event, 30)
            self._subscribed = True

    def _run(self, parent_id: str) -> _Run:
        run = self._runs.get(parent_id)
        if run is None:
            raise ValidationError(
                "parent_id",
                parent_id,
                "is not a parent this runner knows",
                f"known: {list(self._runs)[:10]}",
            )
        return run

    def _orders_of(self, parent_id: str) -> Iterable[Order]:
        return [o for o in self.oms.orders() if o.parent_id == parent_id]

    def _attach(self, run: _Run, order: Order) -> None:
        coid = order.client_order_id
        if coid not in self._child_parent:
            run.children.append(coid)
            self._child_parent[coid] = run.parent.parent_id
        if order.is_terminal:
            run.closed_filled += order.filled_qty
            run.open.pop(coid, None)
        else:
            run.open[coid] = order

    def _progress(self, run: _Run) -> Progress:
        filled = run.closed_filled
        in_flight = ZERO
        views = []
        for o in run.open.values():
            filled += o.filled_qty
            in_flight += o.leaves_qty
            views.append(
                ChildView(
                    o.client_order_id,
                    o.qty,
                    o.filled_qty,
                    o.limit_px,
                    o.ts_init,
                    o.status is OrderStatus.PENDING_CANCEL,
                )
            )
        return Progress(filled, in_flight, tuple(views), len(run.children))

    def _arm(self, run: _Run, ts_ns: int) -> None:
        if run.timer is not None:
            run.timer.cancel()
        pid = run.parent.parent_id
        run.timer = self.clock.set_timer(ts_ns, lambda _ts: self._step(pid), name=f"algo:{pid}")

    def _market(self, run: _Run) -> MarketView | None:
        return (
            None if self.market is None else self.market.market_view(run.parent.instrument.symbol)
        )

    def _step(self, parent_id: str) -> None:
        run = self._runs[parent_id]
        run.pending_step = False
        if run.is_done:
            return
        if self.halted is not None and self.halted() and not run.is_stopping:
            run.is_stopping, run.reason = True, "kill switch active"
        if run.is_stopping:
            self._cancel_open(run)
            self._maybe_finish(run)
            return
        now = self.clock.now_ns()
        step = run.algo.step(now, self._market(run), self._progress(run))
        self._apply(run, step, now)
        self._save(run)

    def _apply(self, run: _Run, step: AlgoStep, now: int) -> None:
        for coid in step.cancel:
            if coid in run.open:
                self.oms.cancel(coid)
        p = run.parent
        for child in step.children:
            if run.is_stopping:
                break
            # re-check against the live books: an event may have landed since the step began
            prog = self._progress(run)
            if prog.filled_qty + prog.in_flight_qty + child.qty > p.qty:
                log.error(
                    "algo %s: child of %s would over-fill parent (%s filled, %s in flight)",
                    p.parent_id,
                    child.qty,
                    prog.filled_qty,
                    prog.in_flight_qty,
                )
                break
            run.n += 1
            coid = f"{p.parent_id}-E{run.n}"
            tags = {"algo": run.algo.name}
            if child.tag:
                tags["slice"] = child.tag
            handle = self.oms.submit(
                p.instrument.symbol,
                p.side,
                child.qty,
                child.order_type,
                limit_px=child.limit_px,
                tif=child.tif,
                broker=p.broker or None,
                strategy_id=p.strategy_id,
                parent_id=p.parent_id,
                client_order_id=coid,
                tags=tags,
            )
            self._attach(run, handle.order)
            last = handle.order.last_event
            if isinstance(last, OrderDenied):
                # safety said no: stop rather than keep asking (no surprise orders)
                run.is_stopping = True
                run.reason = f"child {coid} denied: {last.code} {last.reason}"
        if run.is_stopping:
            self._cancel_open(run)
            self._maybe_finish(run)
        elif step.is_done:
            run.is_stopping = True
            run.reason = step.reason
            self._maybe_finish(run)
        elif step.next_wake_ns is not None:
            self._arm(run, max(step.next_wake_ns, now))

    def _cancel_open(self, run: _Run) -> None:
        for coid, order in list(run.open.items()):
            if order.status is not OrderStatus.PENDING_CANCEL:
                self.oms.cancel(coid)

    def _maybe_finish(self, run: _Run) -> None:
        if run.is_done or run.open:
            return
        run.is_done = True
        if run.timer is not None:
            run.timer.cancel()
            run.timer = None
        self._save(run)
        self.oms.bus.publish("algo.done", self.status(run.parent.parent_id))

    def _on_order_event(self, _topic: str, event: OrderEvent) -> None:
        pid = self._child_parent.get(event.client_order_id)
        if pid is None:
            return
        run = self._runs[pid]
        order = run.open.get(event.client_order_id)
        if order is None:
            if isinstance(event, OrderFilled):
                # a fill after the child was done (it raced a cancel or an expiry): count it
                run.closed_filled += event.last_qty
                self._check_overfill(run)
                self._save(run)
            return
        if isinstance(event, OrderFilled):
            self._check_overfill(run)
        if order.is_terminal:
            run.open.pop(event.client_order_id)
            run.closed_filled += order.filled_qty
            if isinstance(event, OrderDenied) and not run.is_stopping:
                run.is_stopping = True
                run.reason = f"child {event.client_order_id} denied: {event.code} {event.reason}"
            if run.is_stopping:
                self._maybe_finish(run)
            elif not run.pending_step:
                # step again now, but outside the OMS's commit (a timer at the current time)
                run.pending_step = True
                pid_ = pid
                self.clock.set_timer(
                    self.clock.now_ns(), lambda _ts: self._step(pid_), name=f"algo:{pid}:event"
                )
            self._save(run)

    def _check_overfill(self, run: _Run) -> None:
        # Only a venue that reports a fill after it confirmed the cancel, and after the
        # replacement child went out, can get here; say so loudly and stop sending.
        prog = self._progress(run)
        if prog.filled_qty > run.parent.qty:
            log.error(
                "algo %s: parent over-filled by a late fill: %s of %s",
                run.parent.parent_id,
                prog.filled_qty,
                run.parent.qty,
            )
            self.oms.bus.publish("algo.overfill", self.status(run.parent.parent_id))
            if not run.is_stopping:
                run.is_stopping, run.reason = True, "over-filled by a late venue fill"
                self._cancel_open(run)
                self._maybe_finish(run)

    def _save(self, run: _Run) -> None:
        if self.state_store is None:
            return
        self.state_store.put_algo_state(
            run.parent.parent_id,
            {
                "algo": run.algo.state(),
                "runner": {
                    "n": run.n,
                    "is_done": run.is_done,
                    "reason": run.reason,
                    "children": list(run.children),
                },
            },
        )


def _child_number(client_order_id: str) -> int:
    tail = client_order_id.rsplit("-E", 1)[-1]
    return int(tail) if tail.isdigit() else 0

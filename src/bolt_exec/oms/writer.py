"""OrderWriter: the one write path every order event takes.

Theory of operation
-------------------
Commands and broker events both end in :meth:`OrderWriter._commit`, which checks
an event against the order's transition table (an illegal one is refused before
anything is written), applies it to the Order and the portfolio, and queues it.
:meth:`OrderWriter._flush` then journals the queued events in ONE append (group
commit) and only then publishes them (``order.<kind>``, ``execution.<symbol>``
and the order's handle): write-ahead, design invariant 2. Commands flush before
anything leaves for a broker (persist, then transmit).

Broker events can arrive *while* a command runs (the paper broker answers
synchronously when it has no latency). They wait in an inbox and are processed,
in arrival order, once the command has finished: the OMS runs to completion, so
no handler ever sees a half-applied command. A command issued by a handler runs
inline; the outermost command drains the inbox.

If the journal fails, the in-memory book is ahead of what was written, so the
writer refuses every later command until a restart rebuilds the book from the
journal (fail closed).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from msgspec.structs import force_setattr
from mypy_extensions import mypyc_attr

from bolt_exec.bus import MessageBus
from bolt_exec.clock import Clock
from bolt_exec.errors import InvalidTransition, StoreError
from bolt_exec.model.enums import OPEN_STATUSES
from bolt_exec.model.events import EVENT_TOPICS, OrderEvent, OrderFilled, OrderInitialized
from bolt_exec.model.order import Order
from bolt_exec.oms.book import OrderBook
from bolt_exec.store.base import OrderStore

__all__ = ["OrderWriter"]

log = logging.getLogger(__name__)


# OrderManager, built on this, takes Python subclasses in the compiled build; so must this.
@mypyc_attr(allow_interpreted_subclasses=True)
class OrderWriter(OrderBook):
    """The OMS's write side: check, apply, group-commit, publish."""

    def __init__(self, clock: Clock, store: OrderStore, bus: MessageBus, *, strict: bool) -> None:
        super().__init__(clock)
        self.store = store  # fixed for the OMS's life: its append methods are bound here
        # Bound once (not per flush): the writer journals several times per order.
        self._journal: Callable[[list[OrderEvent]], object] = store.append
        self._journal_new = _append_new_of(store)
        self._pending_fresh = True  # every pending event's id was stamped by the OMS
        self.bus = bus
        self.strict = strict
        self.anomalies: list[str] = []
        self._inbox: deque[OrderEvent] = deque()
        self._pending: list[OrderEvent] = []  # applied, not yet journaled
        self._journal_failure: Exception | None = None
        self._busy = False
        self._command = _CommandScope(self)

    # ------------------------------------------------------------------ broker events
    def on_event(self, event: OrderEvent) -> None:
        """Take an event from a broker (the sink every adapter is bound to)."""
        self._inbox.append(event)
        if not self._busy:
            self._drain()

    def _begin(self) -> bool:
        """Start a command; return True if it is the outermost one (see :meth:`_end`).

        Broker events that arrive while a command runs wait in the inbox. A command
        issued from inside a handler (an algorithm reacting to a fill, a bracket placing
        its exits) runs inline; the outermost command drains the inbox when it ends.
        Commands run inside ``with self._command:`` (:class:`_CommandScope`), which calls
        this, then :meth:`_end` or :meth:`_abort`: a plain object with ``__enter__`` and
        ``__exit__``, because on this, the library's hottest path, a generator-based
        ``contextmanager`` costs more than the rest of a cancel.
        """
        if self._journal_failure is not None:
            raise StoreError(
                "the OMS stopped after its journal failed; restart it to recover"
            ) from self._journal_failure
        if self._busy:
            return False
        self._busy = True
        return True

    def _end(self, outer: bool) -> None:
        """Finish a command: the outermost one processes what arrived meanwhile."""
        if outer:
            self._busy = False
            if self._inbox or self._pending:
                self._drain()

    def _abort(self, outer: bool) -> None:
        """A command raised: release the OMS; what arrived waits for the next drain."""
        if outer:
            self._busy = False

    def _drain(self) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            inbox = self._inbox
            on_broker_event = self._on_broker_event
            while inbox or self._pending:
                while inbox:
                    on_broker_event(inbox.popleft())
                self._flush()  # one journal transaction for everything that arrived
        finally:
            self._busy = False

    def _on_broker_event(self, event: OrderEvent) -> None:
        order = self._orders.get(event.client_order_id)
        if order is None:
            self._on_unknown_order(event)
            return
        kind = type(event)
        if kind is OrderFilled and order.has_trade(event.trade_id):  # type: ignore[attr-defined]
            return  # duplicate delivery of the same venue trade: an explicit no-op
        try:
            self._commit(order, event)  # Order.apply refuses an illegal transition
        except InvalidTransition as exc:
            problem = str(exc)
        else:
            return
        self._anomaly(problem)

    def _on_unknown_order(self, event: OrderEvent) -> None:
        if isinstance(event, OrderInitialized) and event.reconciliation:
            # The reconciler adopts an order the venue has and we never sent (external).
            if not event.event_id:
                force_setattr(event, "event_id", f"{event.client_order_id}-1")
            self._store_new(Order(event), event, fresh=False)
            return
        self._anomaly(
            f"event for unknown order {event.client_order_id!r}: "
            f"{type(event).__name__} (the reconciler adopts external orders)"
        )

    # ------------------------------------------------------------------ the one write path
    def _store_new(self, order: Order, init: OrderInitialized, *, fresh: bool = True) -> None:
        coid = order.client_order_id
        self._orders[coid] = order
        self._pending.append(init)
        if not fresh:
            self._pending_fresh = False

    def _local(self, order: Order, kind: type[OrderEvent], **fields: Any) -> None:
        """Commit an event the OMS itself originates (now, for ``order``)."""
        now = self.clock.now_ns()
        coid = order.client_order_id
        # _commit stamps the event id
        self._commit(order, kind(client_order_id=coid, ts_event=now, ts_init=now, **fields))

    def _commit(self, order: Order, event: OrderEvent) -> None:
        coid = order.client_order_id
        if not event.event_id:
            # Broker events arrive without an id; the OMS owns them from here, so stamping
            # the (frozen) struct in place is safe and saves a copy on the hot path. The
            # number is one past the order's last event, so the id is new to the journal.
            force_setattr(event, "event_id", f"{coid}-{len(order.events) + 1}")
        else:
            self._pending_fresh = False  # an id from elsewhere: the journal must check it
        fill = event if type(event) is OrderFilled else None
        if fill is not None and fill.last_qty > order.leaves_qty:
            self._anomaly(
                f"order {coid!r}: fill {fill.trade_id!r} of "
                f"{fill.last_qty} exceeds leaves {order.leaves_qty}; not applied"
            )
            return
        order.apply(event)
        if fill is not None:
            self.portfolio.apply_fill(order.broker, self.instrument(order.symbol), fill)
        if order.status in OPEN_STATUSES:
            self._open[coid] = order
        else:
            self._open.pop(coid, None)
        self._pending.append(event)

    def _flush(self) -> None:
        """Journal the pending events in one append (group commit), then publish them.

        Write-ahead: nothing is published, and no command leaves for a broker, before
        the events that led to it are durable. Handlers may issue commands while their
        event is published; those commands' events are journaled by a later append.
        """
        # The journal is typed as returning object: the count is not needed here, and the
        # compiled build would otherwise refuse (as a journal failure) a duck-typed store
        # returning None.
        while self._pending:
            batch, self._pending = self._pending, []
            fresh, self._pending_fresh = self._pending_fresh, True
            try:
                if fresh and self._journal_new is not None:
                    self._journal_new(batch)
                else:
                    self._journal(batch)
            except Exception as exc:
                # Our state is now ahead of the journal: refuse everything until a restart
                # rebuilds the book from what was durably written.
                self._journal_failure = exc
                raise StoreError(
                    f"the order journal failed ({type(exc).__name__}); the OMS has stopped "
                    "taking commands: restart it to recover from the journal and reconcile"
                ) from exc
            bus, watched = self.bus, self._watched
            for event in batch:
                kind = type(event)
                bus.publish(EVENT_TOPICS[kind], event)
                if kind is OrderFilled:
                    bus.publish(f"execution.{event.symbol}", event)  # type: ignore[attr-defined]
                if watched:
                    handle = watched.get(event.client_order_id)
                    if handle is not None:
                        handle._notify(event)

    def _anomaly(self, message: str) -> None:
        log.error("OMS anomaly: %s", message)
        self.anomalies.append(message)
        self.bus.publish("oms.anomaly", message)
        if self.strict:
            raise InvalidTransition("?", "?", message)


def _append_new_of(store: OrderStore) -> Callable[[list[OrderEvent]], object] | None:
    """The store's ``append_new``, if it has one the writer may use; else None.

    A store may offer ``append_new`` (see MemoryOrderStore) for events the OMS stamped
    itself, whose ids cannot repeat; batches holding any other event take ``append``.
    A subclass that overrides ``append`` (to count, mirror or fail batches) and not
    ``append_new`` must still see every batch, so the class nearest the store's own
    that defines either method decides.
    """
    for klass in type(store).__mro__:
        defined = vars(klass)
        if "append_new" in defined:
            # not part of the OrderStore protocol, hence getattr
            new: Callable[[list[OrderEvent]], object] = getattr(store, "append_new")  # noqa: B009
            return new
        if "append" in defined:
            return None
    return None


class _CommandScope:
    """``with writer._command:``: run a command to completion (see ``OrderWriter._begin``).

    One object per writer, re-entered by nested commands: each entry pushes whether it
    was the outermost command, each exit pops it.
    """

    # No __slots__: the optional compiled build (setup.py, BOLT_EXEC_MYPYC=1) makes this a
    # native class with a fixed layout of its own, and mypyc refuses __slots__ there.

    def __init__(self, writer: OrderWriter) -> None:
        self._writer = writer
        self._outer: list[bool] = []

    def __enter__(self) -> None:
        self._outer.append(self._writer._begin())

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        outer = self._outer.pop()
        if exc_type is None:
            self._writer._end(outer)
        else:
            self._writer._abort(outer)

"""OrderStore: the journal port the OrderManager writes ahead to (design invariant 2).

:meth:`OrderStore.append` returns only once the events are durable (as durable
as the store promises); the OMS publishes nothing before that. Appends are
idempotent on ``(client_order_id, event_id)``: event ids are unique per order
(the OMS stamps ``{client_order_id}-{n}``), and the SQL journal enforces it with
its one unique index. Besides the journal a store keeps projections
(orders, fills, positions) updated in the same transaction, the kill-switch
latch and resumable algorithm state.

:class:`MemoryOrderStore` keeps everything in memory (no durability; paper
sessions and tests). :class:`~bolt_exec.store.sql.SqlOrderStore` is the
durable one (SQLite file by default, any SQLAlchemy URL).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from mypy_extensions import mypyc_attr

from bolt_exec.errors import ConcurrencyConflict, InvalidTransition, ValidationError
from bolt_exec.model.events import OrderEvent, OrderInitialized
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position
from bolt_exec.store.projection import FillRecord, OrderRecord, fold_batch

__all__ = [
    "AlgoState",
    "JournalEntry",
    "KillSwitchState",
    "MemoryOrderStore",
    "OrderStore",
    "replay_orders",
]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journal row: the event and where it sits in the journal."""

    seq: int
    event: OrderEvent


@dataclass(frozen=True, slots=True)
class KillSwitchState:
    """The persisted kill-switch latch.

    Attributes:
        is_latched: True while the switch is tripped (only cancels may pass).
        reason: why it was tripped (or reset, after a reset).
        actor: who tripped it (a monitor's name or an operator).
        ts: when it was tripped, in UNIX ns (0 if never).
        reset_by: the operator who last reset it ("" if never).
        reset_reason: the operator's reason for the reset.
        ts_reset: when it was last reset (0 if never).
    """

    is_latched: bool = False
    reason: str = ""
    actor: str = ""
    ts: int = 0
    reset_by: str = ""
    reset_reason: str = ""
    ts_reset: int = 0


@dataclass(frozen=True, slots=True)
class AlgoState:
    """Resumable state of one execution algorithm.

    Attributes:
        algo_id: the algorithm instance's id (usually the parent order's id).
        state: JSON-serialisable state (Decimals as strings).
        version: 1 after the first put, +1 on each put (optimistic concurrency).
        ts: when it was last written, in UNIX ns.
    """

    algo_id: str
    state: dict[str, Any]
    version: int
    ts: int


class OrderStore(Protocol):
    """An append-only journal of order events, with projections and operator state.

    A store may also offer ``append_new(events) -> int``, for batches whose event ids
    the caller guarantees were never appended (the OMS's own ``{client_order_id}-{n}``
    stamps): it may skip the duplicate check, but a later ``append`` of the same
    events must still be a no-op (see :meth:`MemoryOrderStore.append_new`).
    """

    def append(self, events: Sequence[OrderEvent]) -> int:
        """Make ``events`` durable, in order, in one transaction; return how many were new.

        Repeated event ids of an order (in the journal or earlier in the batch) are
        no-ops; events without an id are always appended.
        """
        ...

    def events(self, client_order_id: str | None = None) -> Iterator[OrderEvent]:
        """Iterate the journal in append order (one order's events when given)."""
        ...

    def entries(self, after_seq: int = 0) -> Iterator[JournalEntry]:
        """Iterate journal entries with sequence number greater than ``after_seq``."""
        ...

    def load_orders(self, *, open_only: bool = False) -> dict[str, Order]:
        """Rebuild orders by replaying their journaled events (the exact reconstruction)."""
        ...

    def order_records(self, *, open_only: bool = False) -> list[OrderRecord]:
        """Return rows of the orders projection, in creation order."""
        ...

    def fills(self, client_order_id: str | None = None) -> list[FillRecord]:
        """Return rows of the fills projection, in journal order."""
        ...

    def load_positions(self) -> dict[tuple[str, str], Position]:
        """Return the positions projection keyed by ``(broker, symbol)``."""
        ...

    def kill_switch(self) -> KillSwitchState:
        """Return the persisted kill-switch latch."""
        ...

    def trip_kill_switch(self, *, reason: str, actor: str, ts_ns: int) -> KillSwitchState:
        """Latch the kill switch durably (a second trip keeps the first trip's record)."""
        ...

    def reset_kill_switch(self, *, operator: str, reason: str, ts_ns: int) -> KillSwitchState:
        """Release the latch; needs a named operator and a reason (both audited)."""
        ...

    def get_algo_state(self, algo_id: str) -> AlgoState | None:
        """Return an algorithm's saved state, or None."""
        ...

    def put_algo_state(
        self,
        algo_id: str,
        state: Mapping[str, Any],
        *,
        ts_ns: int,
        expected_version: int | None = None,
    ) -> AlgoState:
        """Save an algorithm's state durably; with ``expected_version``, only if unchanged."""
        ...

    def delete_algo_state(self, algo_id: str) -> None:
        """Forget an algorithm's state (it finished)."""
        ...

    def algo_states(self) -> dict[str, AlgoState]:
        """Return every saved algorithm state."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...


def replay_orders(events: Iterable[OrderEvent]) -> dict[str, Order]:
    """Rebuild Order aggregates from journaled events, in journal order.

    Events the state machine refuses (which the OMS would never have journaled)
    are skipped, so one bad row cannot stop a recovery; duplicate fills are
    no-ops as always.
    """
    orders: dict[str, Order] = {}
    for event in events:
        order = orders.get(event.client_order_id)
        if order is None:
            if isinstance(event, OrderInitialized):
                orders[event.client_order_id] = Order(event)
            continue
        if isinstance(event, OrderInitialized):
            continue
        try:
            order.apply(event)
        except InvalidTransition:
            continue
    return orders


def check_operator_text(field: str, value: str) -> None:
    """Refuse an empty operator name or reason (every latch change is audited)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, value, "must be a non-empty string", f"say {field} explicitly")


def check_algo_state(algo_id: str, state: Mapping[str, Any]) -> str:
    """Validate and encode algorithm state as JSON text.

    Raises:
        ValidationError: for an empty id or state that JSON cannot hold.
    """
    if not isinstance(algo_id, str) or not algo_id:
        raise ValidationError("algo_id", algo_id, "must be a non-empty string")
    try:
        return json.dumps(dict(state), sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            "state",
            type(state).__name__,
            f"is not JSON-serialisable ({exc})",
            "store Decimals and datetimes as strings, and only dict/list/str/int/float/bool/None",
        ) from None


# Subclassed by adapters, tests and users: keep that possible in the compiled build.
@mypyc_attr(allow_interpreted_subclasses=True)
class MemoryOrderStore:
    """Everything in memory: fast, and gone with the process.

    It folds the same projections as the SQL store and passes the same suite. The
    fold is lazy: ``append`` only journals (the OMS keeps its own live view, so a
    paper session or a backtest never pays for projections it does not read), and the
    projections catch up when one is read.
    """

    def __init__(self) -> None:
        self._entries: list[OrderEvent] = []  # the journal; entry n has seq n + 1
        # Event id -> its order; (order, id) pairs for the rare id that two orders share.
        self._ids: dict[str, str] = {}
        self._shared_ids: set[tuple[str, str]] = set()
        self._indexed = 0  # entries before this one are in _ids (see append_new)
        self._orders: dict[str, OrderRecord] = {}
        self._fills: list[FillRecord] = []
        self._trades: set[tuple[str, str]] = set()
        self._positions: dict[tuple[str, str], Position] = {}
        self._kill = KillSwitchState()
        self._algos: dict[str, AlgoState] = {}
        self._folded = 0

    def _catch_up(self) -> None:
        if self._folded == len(self._entries):
            return
        fresh = self._entries[self._folded :]
        fold = fold_batch(
            fresh,
            first_seq=self._folded + 1,
            orders=self._orders,
            known_trades=self._trades,
            positions=self._positions,
        )
        self._orders.update(fold.orders)
        self._fills.extend(fold.fills)
        self._trades.update((f.client_order_id, f.trade_id) for f in fold.fills)
        self._positions.update(fold.positions)
        self._folded = len(self._entries)

    def append(self, events: Sequence[OrderEvent]) -> int:
        """Append, skipping (order, event id) pairs already present; return how many were new."""
        self._index_ids()
        ids = self._ids
        entries = self._entries
        before = len(entries)
        for event in events:
            event_id = event.event_id
            if event_id:
                if event_id not in ids:  # the usual case: a new id
                    ids[event_id] = event.client_order_id
                elif not self._new_shared_id(event.client_order_id, event_id):
                    continue
            entries.append(event)
        self._indexed = len(entries)
        return len(entries) - before

    def append_new(self, events: Sequence[OrderEvent]) -> int:
        """Append events whose ids the caller knows are new; return how many (all).

        The OMS calls this for the events it stamped itself (``{client_order_id}-{n}``,
        ``n`` one past the order's last event), which cannot repeat an id: it skips the
        per-event lookup in the id index, the costliest part of an in-memory append over
        a long session. The index catches up on the next :meth:`append`, so a later
        re-append of the same events is still a no-op.
        """
        self._entries.extend(events)
        return len(events)

    def _index_ids(self) -> None:
        entries = self._entries
        if self._indexed == len(entries):
            return
        ids = self._ids
        for event in entries[self._indexed :]:
            event_id = event.event_id
            if event_id:
                if event_id not in ids:
                    ids[event_id] = event.client_order_id
                else:
                    self._new_shared_id(event.client_order_id, event_id)
        self._indexed = len(entries)

    def _new_shared_id(self, coid: str, event_id: str) -> bool:
        # An id already seen: new only if it is another order's and not yet seen for this one.
        if self._ids[event_id] == coid or (coid, event_id) in self._shared_ids:
            return False
        self._shared_ids.add((coid, event_id))
        return True

    def events(self, client_order_id: str | None = None) -> Iterator[OrderEvent]:
        """Iterate in append order."""
        if client_order_id is None:
            return iter(list(self._entries))
        return iter([e for e in self._entries if e.client_order_id == client_order_id])

    def entries(self, after_seq: int = 0) -> Iterator[JournalEntry]:
        """Iterate entries after ``after_seq``."""
        return iter(
            [JournalEntry(after_seq + i + 1, e) for i, e in enumerate(self._entries[after_seq:])]
        )

    def load_orders(self, *, open_only: bool = False) -> dict[str, Order]:
        """Replay the journal into Order aggregates."""
        if not open_only:
            return replay_orders(self.events())
        self._catch_up()
        wanted = {r.client_order_id for r in self._orders.values() if r.is_open}
        return replay_orders(e for e in self._entries if e.client_order_id in wanted)

    def order_records(self, *, open_only: bool = False) -> list[OrderRecord]:
        """Return copies of the orders projection, in creation order."""
        self._catch_up()
        rows = sorted(self._orders.values(), key=lambda r: r.created_seq)
        return [r.copy() for r in rows if r.is_open or not open_only]

    def fills(self, client_order_id: str | None = None) -> list[FillRecord]:
        """Return the fills projection."""
        self._catch_up()
        return [f for f in self._fills if client_order_id in (None, f.client_order_id)]

    def load_positions(self) -> dict[tuple[str, str], Position]:
        """Return copies of the positions projection."""
        self._catch_up()
        return {k: replace(p) for k, p in self._positions.items()}

    def kill_switch(self) -> KillSwitchState:
        """Return the latch."""
        return self._kill

    def trip_kill_switch(self, *, reason: str, actor: str, ts_ns: int) -> KillSwitchState:
        """Latch the kill switch (a repeated trip keeps the first record)."""
        check_operator_text("reason", reason)
        check_operator_text("actor", actor)
        if not self._kill.is_latched:
            self._kill = replace(self._kill, is_latched=True, reason=reason, actor=actor, ts=ts_ns)
        return self._kill

    def reset_kill_switch(self, *, operator: str, reason: str, ts_ns: int) -> KillSwitchState:
        """Release the latch."""
        check_operator_text("operator", operator)
        check_operator_text("reason", reason)
        self._kill = replace(
            self._kill, is_latched=False, reset_by=operator, reset_reason=reason, ts_reset=ts_ns
        )
        return self._kill

    def get_algo_state(self, algo_id: str) -> AlgoState | None:
        """Return a copy of the saved state, or None."""
        st = self._algos.get(algo_id)
        return None if st is None else replace(st, state=json.loads(json.dumps(st.state)))

    def put_algo_state(
        self,
        algo_id: str,
        state: Mapping[str, Any],
        *,
        ts_ns: int,
        expected_version: int | None = None,
    ) -> AlgoState:
        """Save state; raise ConcurrencyConflict if ``expected_version`` is stale."""
        text = check_algo_state(algo_id, state)
        current = self._algos.get(algo_id)
        version = 0 if current is None else current.version
        if expected_version is not None and expected_version != version:
            raise ConcurrencyConflict(
                f"algo_id={algo_id!r}: expected state version {expected_version}, found "
                f"{version}; reload with get_algo_state() and retry"
            )
        new = AlgoState(algo_id, json.loads(text), version + 1, ts_ns)
        self._algos[algo_id] = new
        return new

    def delete_algo_state(self, algo_id: str) -> None:
        """Forget an algorithm's state."""
        self._algos.pop(algo_id, None)

    def algo_states(self) -> dict[str, AlgoState]:
        """Return every saved state."""
        return {k: v for k, v in ((k, self.get_algo_state(k)) for k in self._algos) if v}

    @property
    def last_seq(self) -> int:
        """The sequence number of the last journal entry (0 when empty)."""
        return len(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"MemoryOrderStore(events={len(self._entries)})"

    def close(self) -> None:
        """Nothing to release."""

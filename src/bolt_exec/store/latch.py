"""The kill-switch latch kept in the order store (the SafetyManager's ``LatchStore`` port).

:class:`OrderStoreLatch` adapts any :class:`~bolt_exec.store.base.OrderStore`
to :class:`bolt_exec.safety.latch.LatchStore`, so the latch lives in the same
database as the journal, in the ``bolt_kill_switch`` row, with every trip and
reset in the append-only ``bolt_kill_switch_log``.

Fail closed: if the store cannot be read, :meth:`OrderStoreLatch.load` reports
the latch *tripped* (we cannot prove an operator did not trip it).

Another process (``bolt-exec kill``) trips a running session through
:func:`open_latch`, which opens the store without the writer lease (it writes
only the latch row, in its own short transaction, and never the journal); the
running SafetyManager sees it on its next poll.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bolt_exec.errors import StoreError
from bolt_exec.safety.latch import LatchState
from bolt_exec.store.base import KillSwitchState, OrderStore
from bolt_exec.store.sql import SqlOrderStore
from bolt_exec.store.url import mask_url, parse_url

__all__ = ["OrderStoreLatch", "open_latch"]

log = logging.getLogger(__name__)


def _state(k: KillSwitchState) -> LatchState:
    return LatchState(
        tripped=k.is_latched,
        reason=k.reason,
        actor=k.actor,
        ts_ns=k.ts,
        reset_by=k.reset_by,
        reset_reason=k.reset_reason,
        reset_ts_ns=k.ts_reset,
    )


class OrderStoreLatch:
    """A ``LatchStore`` backed by an order store's kill-switch row."""

    def __init__(self, store: OrderStore) -> None:
        self.store = store

    def load(self) -> LatchState:
        """Return the persisted latch; tripped if the store cannot be read (fail closed)."""
        try:
            return _state(self.store.kill_switch())
        except StoreError as exc:
            log.error("kill-switch latch unreadable, treating it as tripped: %s", exc)
            return LatchState(True, f"latch unreadable: {exc}", "latch")

    def save(self, state: LatchState) -> None:
        """Persist ``state`` durably: a trip latches (the first trip's record is kept),
        a release records the operator and the reason.

        Raises:
            StoreError: if the store cannot be written (the caller must not assume it).
            ValidationError: a release without an operator or a reason.
        """
        current = self.store.kill_switch()
        if state.tripped:
            if not current.is_latched:
                self.store.trip_kill_switch(
                    reason=state.reason or "tripped",
                    actor=state.actor or "unknown",
                    ts_ns=state.ts_ns,
                )
        elif current.is_latched or state.reset_ts_ns > current.ts_reset:
            self.store.reset_kill_switch(
                operator=state.reset_by, reason=state.reset_reason, ts_ns=state.reset_ts_ns
            )


def open_latch(location: str | Path) -> OrderStoreLatch:
    """Open the latch of the store at ``location`` for an operator tool (no writer lease).

    The store must exist (a running or past session created it).

    Raises:
        StoreError: if there is no usable store there (a SQLite file that does not exist
            is refused, not created: a typo must not trip a latch no session reads).
    """
    url = parse_url(location)
    db = url.database or ""
    if url.get_backend_name() == "sqlite" and db and db != ":memory:" and not Path(db).exists():
        raise StoreError(
            f"no order store at {mask_url(url)}: the file does not exist; give the store "
            "the running session journals to (its --store / store= location)"
        )
    return OrderStoreLatch(SqlOrderStore(location, exclusive=False, auto_migrate=False))

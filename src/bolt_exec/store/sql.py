"""SqlOrderStore: the durable journal on SQLite (the embedded default) or any SQLAlchemy URL.

Theory of operation
-------------------
One writer (the OrderManager) appends batches. :meth:`SqlOrderStore.append`
writes the batch's journal rows and the projection rows it changes (fills,
orders, positions) in ONE transaction and commits (the transaction itself is
:class:`~bolt_exec.store.sql_append.JournalWriter`'s); it returns only after
the commit. The OMS publishes nothing before ``append`` returns (write-ahead,
design invariant 2), so a crash at any instant loses nothing anyone was told
about. Batching is group commit: one transaction (one fsync) covers every
event of the batch.

Durability (``durability=``):

* ``"full"`` (default): SQLite ``journal_mode=WAL`` + ``synchronous=FULL``,
  PostgreSQL ``synchronous_commit=on``. Each commit is fsynced before
  ``append`` returns: a process crash, an OS crash or a power cut loses
  nothing that was appended. Chosen because real money sits behind the
  journal and group commit makes the fsync cheap per event.
* ``"process"``: SQLite ``synchronous=NORMAL`` (WAL), PostgreSQL
  ``synchronous_commit=off``. Survives a crash (even SIGKILL) of *our* process;
  an OS crash or power cut may lose the last commits. For backtests and paper.

Only open orders are cached in memory (to fold the next events without a
read); a terminal order's row is re-read on the rare late event. Journal
sequence numbers are assigned by the writer, gap-free; a second writer on the
same database collides on them and gets :class:`~bolt_exec.errors.ConcurrencyConflict`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from sqlalchemy import select, true
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from bolt_exec.errors import ConcurrencyConflict, StoreError
from bolt_exec.model.events import OrderEvent, decode_event
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position
from bolt_exec.store import sql_state
from bolt_exec.store.base import AlgoState, JournalEntry, KillSwitchState, replay_orders
from bolt_exec.store.engine import connect, make_engine
from bolt_exec.store.lease import WriterLease
from bolt_exec.store.mapping import fill_from_row
from bolt_exec.store.projection import FillRecord, OrderRecord
from bolt_exec.store.schema import check_schema
from bolt_exec.store.sql_append import (
    CACHED_STATUSES,
    JournalWriter,
    chunks,
    read_orders,
    read_positions,
)
from bolt_exec.store.tables import FILLS, JOURNAL, ORDERS
from bolt_exec.store.url import mask_url, parse_url, scrub

__all__ = ["Durability", "SqlOrderStore"]

log = logging.getLogger(__name__)

Durability = Literal["full", "process"]
_PAGE: Final = 10_000
_OPEN: Final = tuple(s.value for s in CACHED_STATUSES)
T = TypeVar("T")


class SqlOrderStore:
    """The order store on a SQL database.

    Args:
        location: a SQLAlchemy URL or a SQLite file path (``"bolt.db"``).
        durability: ``"full"`` (fsync per commit; the default) or ``"process"``.
        auto_migrate: upgrade a store written by an older bolt_exec on open.
        connect_timeout_s: how long to wait for a database server.
        read_only: open an existing store for reading only (reporters, notebooks,
            a second process): no writer lease, no migration, every write refused.
        exclusive: take the writer lease (see :mod:`bolt_exec.store.lease`), so a second
            writer is refused at open; False leaves only the journal's sequence check.

    Raises:
        StoreError: if the location is unreachable, corrupt, foreign or newer;
            the message names the problem and the fix, never a password, and
            nothing is written.
    """

    def __init__(
        self,
        location: str | Path,
        *,
        durability: Durability = "full",
        auto_migrate: bool = True,
        connect_timeout_s: float = 10.0,
        read_only: bool = False,
        exclusive: bool = True,
    ) -> None:
        if durability not in ("full", "process"):
            raise StoreError(f"durability={durability!r}: use 'full' or 'process'")
        self._url = parse_url(location)
        self._where = mask_url(self._url)
        self.durability: Durability = durability
        self._lock = threading.RLock()
        self.read_only = read_only
        self._lease = WriterLease()
        self._engine = make_engine(
            self._url,
            self._where,
            durability=durability,
            read_only=read_only,
            timeout_s=connect_timeout_s,
        )
        self._conn = connect(self._engine, self._url, self._where)
        try:
            if exclusive and not read_only:
                self._lease = WriterLease.acquire(self._url, self._conn, self._where)
            self.schema_revision = check_schema(
                self._conn,
                where=self._where,
                auto_migrate=auto_migrate and not read_only,
                create=not read_only,
            )
            self._writer = JournalWriter(self._conn)
            self._writer.load()
        except StoreError:
            self._dispose()
            raise
        except SQLAlchemyError as exc:
            self._dispose()
            err = self._error("open", exc)
            raise StoreError(
                f"{err}; nothing was changed. If the file is damaged, move it aside and restore "
                "the store from a backup"
            ) from None
        self._exclusive = exclusive and not read_only

    def _reconnect(self) -> None:
        # The server dropped our session (restart, failover, idle kill). Reconnect, take
        # the lease again (it died with the session) and reload what the caches hold.
        log.warning("store %s: connection lost; reconnecting", self._where)
        try:
            self._lease.release()
            self._conn.close()
        except SQLAlchemyError:
            pass  # it is already gone
        self._conn = connect(self._engine, self._url, self._where)
        if self._exclusive:
            self._lease = WriterLease.acquire(self._url, self._conn, self._where)
        self._writer = JournalWriter(self._conn)
        try:
            self._writer.load()
        except SQLAlchemyError:
            log.exception("store %s: reloading the caches failed", self._where)
        if self._writer.stale:
            raise StoreError(f"store {self._where}: reconnected but cannot read the store")

    def _dispose(self) -> None:
        try:
            lease = getattr(self, "_lease", None)
            if lease is not None:
                lease.release()
            self._conn.close()
        finally:
            self._engine.dispose()

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(
                f"store {self._where} is open read-only; open it without read_only=True "
                "(one writer per store) to change it"
            )

    def _error(self, action: str, exc: BaseException) -> StoreError:
        orig = getattr(exc, "orig", None) or exc
        first = scrub(orig, self._url).strip().splitlines()
        reason = first[0] if first else type(exc).__name__
        return StoreError(f"store {self._where}: {action} failed: {reason}")

    # -- appending ---------------------------------------------------------------------------
    def append(self, events: Sequence[OrderEvent]) -> int:
        """Journal ``events`` in one transaction; return how many were new.

        Returns only after the commit is durable (see the module's durability
        notes). Repeated event ids (of the same order) are skipped. On failure
        nothing of the batch is journaled and the store raises.

        Raises:
            ConcurrencyConflict: another writer appended to the same database.
            StoreError: the database failed (after one reconnect, if the connection
                was lost); the batch was NOT journaled.
        """
        if not events:
            return 0
        self._writable()
        batch = events
        with self._lock:
            try:
                if self._writer.stale:
                    self._reconnect()
                try:
                    return self._writer.append(batch)
                except DBAPIError as exc:
                    if not exc.connection_invalidated:
                        raise
                # Safe to retry: appends are idempotent on event id, so a batch whose
                # commit did land before the connection died is not journaled twice.
                self._reconnect()
                return self._writer.append(batch)
            except IntegrityError as exc:
                self._conn.rollback()
                raise ConcurrencyConflict(
                    f"store {self._where}: another writer changed the journal "
                    f"({self._error('append', exc)}); the batch was NOT journaled. Run one "
                    "OrderManager per store"
                ) from None
            except SQLAlchemyError as exc:
                self._safe_rollback()
                raise StoreError(
                    f"{self._error('append', exc)}; the batch was NOT journaled and nothing "
                    "was published. Check the database (disk full? server down?)"
                ) from None

    def _safe_rollback(self) -> None:
        try:
            self._conn.rollback()
        except SQLAlchemyError:
            log.exception("rollback after a failed append also failed")

    # -- reading -----------------------------------------------------------------------------
    def _read(self, fn: Callable[[], T], action: str) -> T:
        with self._lock:
            try:
                return fn()
            except SQLAlchemyError as exc:
                self._safe_rollback()
                raise self._error(action, exc) from None
            finally:
                if self._conn.in_transaction():
                    self._conn.rollback()

    def entries(self, after_seq: int = 0) -> Iterator[JournalEntry]:
        """Iterate journal entries after ``after_seq``, in pages (constant memory)."""
        last = after_seq
        while True:
            page = self._read(
                lambda last=last: self._conn.execute(  # type: ignore[misc]
                    select(JOURNAL.c.seq, JOURNAL.c.payload)
                    .where(JOURNAL.c.seq > last)
                    .order_by(JOURNAL.c.seq)
                    .limit(_PAGE)
                ).all(),
                "read journal",
            )
            for seq, payload in page:
                yield JournalEntry(int(seq), decode_event(payload))
            if len(page) < _PAGE:
                return
            last = int(page[-1][0])

    def events(self, client_order_id: str | None = None) -> Iterator[OrderEvent]:
        """Iterate the journal in append order (one order's events when given)."""
        if client_order_id is None:
            return (e.event for e in self.entries())
        rows = self._read(
            lambda: self._conn.execute(
                select(JOURNAL.c.payload)
                .where(JOURNAL.c.client_order_id == client_order_id)
                .order_by(JOURNAL.c.seq)
            ).all(),
            "read journal",
        )
        return iter([decode_event(r[0]) for r in rows])

    def load_orders(self, *, open_only: bool = False) -> dict[str, Order]:
        """Rebuild orders by replaying the journal (open ones only: their events only)."""
        if not open_only:
            return replay_orders(self.events())
        coids = [r.client_order_id for r in self.order_records(open_only=True)]
        payloads: list[tuple[int, str]] = []

        def page(chunk: Sequence[str]) -> list[tuple[int, str]]:
            q = select(JOURNAL.c.seq, JOURNAL.c.payload).where(JOURNAL.c.client_order_id.in_(chunk))
            return [(int(s), str(p)) for s, p in self._conn.execute(q)]

        for chunk in chunks(coids):
            payloads.extend(self._read(lambda chunk=chunk: page(chunk), "read journal"))  # type: ignore[misc]
        payloads.sort()
        return replay_orders(decode_event(p) for _, p in payloads)

    def order_records(self, *, open_only: bool = False) -> list[OrderRecord]:
        """Return rows of the orders projection, in creation order."""
        where = ORDERS.c.status.in_(_OPEN) if open_only else true()
        return self._read(lambda: read_orders(self._conn, where), "read orders")

    def fills(self, client_order_id: str | None = None) -> list[FillRecord]:
        """Return rows of the fills projection, in journal order."""
        q = select(FILLS).order_by(FILLS.c.seq)
        if client_order_id is not None:
            q = q.where(FILLS.c.client_order_id == client_order_id)
        return self._read(
            lambda: [fill_from_row(r) for r in self._conn.execute(q).mappings()], "read fills"
        )

    def load_positions(self) -> dict[tuple[str, str], Position]:
        """Return the positions projection keyed by ``(broker, symbol)``."""
        return self._read(
            lambda: {(p.broker, p.symbol): p for p in read_positions(self._conn)}, "read positions"
        )

    @property
    def last_seq(self) -> int:
        """The sequence number of the last journal entry (0 when empty)."""
        return self._writer.last_seq

    def __len__(self) -> int:
        return self._writer.last_seq

    # -- operator state ----------------------------------------------------------------------
    def kill_switch(self) -> KillSwitchState:
        """Return the persisted kill-switch latch."""
        return self._read(lambda: sql_state.read_kill_switch(self._conn), "read kill switch")

    def trip_kill_switch(self, *, reason: str, actor: str, ts_ns: int) -> KillSwitchState:
        """Latch the kill switch durably (a repeated trip keeps the first record)."""
        self._writable()
        return self._read(
            lambda: sql_state.trip_kill_switch(self._conn, reason=reason, actor=actor, ts_ns=ts_ns),
            "trip kill switch",
        )

    def reset_kill_switch(self, *, operator: str, reason: str, ts_ns: int) -> KillSwitchState:
        """Release the latch; needs a named operator and a reason (both audited)."""
        self._writable()
        return self._read(
            lambda: sql_state.reset_kill_switch(
                self._conn, operator=operator, reason=reason, ts_ns=ts_ns
            ),
            "reset kill switch",
        )

    def get_algo_state(self, algo_id: str) -> AlgoState | None:
        """Return an algorithm's saved state, or None."""
        return self._read(lambda: sql_state.get_algo_state(self._conn, algo_id), "read algo state")

    def put_algo_state(
        self,
        algo_id: str,
        state: Mapping[str, Any],
        *,
        ts_ns: int,
        expected_version: int | None = None,
    ) -> AlgoState:
        """Save an algorithm's state durably; with ``expected_version``, only if unchanged."""
        self._writable()
        return self._read(
            lambda: sql_state.put_algo_state(
                self._conn, algo_id, state, ts_ns=ts_ns, expected_version=expected_version
            ),
            "save algo state",
        )

    def delete_algo_state(self, algo_id: str) -> None:
        """Forget an algorithm's state."""
        self._writable()
        self._read(lambda: sql_state.delete_algo_state(self._conn, algo_id), "delete algo state")

    def algo_states(self) -> dict[str, AlgoState]:
        """Return every saved algorithm state."""
        return self._read(lambda: sql_state.list_algo_states(self._conn), "read algo states")

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self._dispose()

    def __enter__(self) -> SqlOrderStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqlOrderStore(url={self._where!r}, durability={self.durability!r})"

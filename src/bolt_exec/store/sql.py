"""SqlOrderStore: the durable journal on SQLite (the embedded default) or any SQLAlchemy URL.

Theory of operation
-------------------
One writer (the OrderManager) appends batches. :meth:`SqlOrderStore.append`
folds a batch into the projections in memory (``projection.fold_batch``), then
writes journal rows, fill rows, order rows and position rows in ONE
transaction and commits; it returns only after the commit. The OMS publishes
nothing before ``append`` returns (write-ahead, design invariant 2), so a crash
at any instant loses nothing anyone was told about. Batching is group commit:
one transaction (one fsync) covers every event of the batch.

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
sequence numbers are assigned here, gap-free; a second writer on the same
database collides on them and gets :class:`~bolt_exec.errors.ConcurrencyConflict`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from sqlalchemy import Table, func, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from bolt_exec.errors import ConcurrencyConflict, StoreError
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderEvent, OrderFilled, decode_event
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position
from bolt_exec.store import sql_state
from bolt_exec.store.base import AlgoState, JournalEntry, KillSwitchState, replay_orders
from bolt_exec.store.bulk import BulkInsert, Upsert
from bolt_exec.store.engine import connect, make_engine
from bolt_exec.store.lease import WriterLease
from bolt_exec.store.mapping import (
    FILL_COLUMNS,
    JOURNAL_COLUMNS,
    ORDER_COLUMNS,
    POSITION_COLUMNS,
    fill_from_row,
    fill_values,
    journal_values,
    order_from_row,
    order_values,
    position_from_row,
    position_values,
)
from bolt_exec.store.projection import FillRecord, OrderRecord, fold_batch
from bolt_exec.store.schema import check_schema
from bolt_exec.store.tables import FILLS, JOURNAL, ORDERS, POSITIONS
from bolt_exec.store.url import mask_url, parse_url, scrub

__all__ = ["Durability", "SqlOrderStore"]

log = logging.getLogger(__name__)

Durability = Literal["full", "process"]
_CHUNK: Final = 900  # bound parameters per IN (...) clause; far below every backend's limit
_PAGE: Final = 10_000
_OPEN: Final = (*(s.value for s in OrderStatus if s.is_open), OrderStatus.INITIALIZED.value)
T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


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
            self._last_seq = int(self._conn.execute(select(func.max(JOURNAL.c.seq))).scalar() or 0)
            self._orders = {
                r.client_order_id: r for r in self._read_orders(ORDERS.c.status.in_(_OPEN))
            }
            self._positions = {(p.broker, p.symbol): p for p in self._read_positions()}
            self._conn.rollback()
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
        self._in_sql: dict[tuple[Any, ...], str] = {}
        self._exclusive = exclusive and not read_only
        self._stale = False
        self._prepare()

    def _prepare(self) -> None:
        self._ins_journal = BulkInsert(self._conn, JOURNAL.insert(), JOURNAL_COLUMNS)
        self._ins_fills = BulkInsert(self._conn, FILLS.insert(), FILL_COLUMNS)
        self._put_orders = self._upsert(ORDERS, ("client_order_id",), ORDER_COLUMNS)
        self._put_positions = self._upsert(POSITIONS, ("broker", "symbol"), POSITION_COLUMNS)

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
        self._prepare()
        self._reload_caches()
        if self._stale:
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

    def _upsert(self, table: Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> Upsert:
        dialect = self._engine.dialect.name
        ins: Any
        if dialect == "sqlite":
            ins = sqlite.insert(table)
        elif dialect == "postgresql":
            ins = postgresql.insert(table)
        else:
            return Upsert(self._conn, table, None, columns)
        cols = {c.name: ins.excluded[c.name] for c in table.c if c.name not in keys}
        stmt = ins.on_conflict_do_update(index_elements=list(keys), set_=cols)
        return Upsert(self._conn, table, BulkInsert(self._conn, stmt, columns), columns)

    # -- appending ---------------------------------------------------------------------------
    def append(self, events: Sequence[OrderEvent]) -> int:
        """Journal ``events`` in one transaction; return how many were new.

        Returns only after the commit is durable (see the module's durability
        notes). Repeated event ids are skipped. On failure nothing of the batch
        is journaled and the store raises.

        Raises:
            ConcurrencyConflict: another writer appended to the same database.
            StoreError: the database failed (after one reconnect, if the connection
                was lost); the batch was NOT journaled.
        """
        if not events:
            return 0
        self._writable()
        batch = list(events)
        with self._lock:
            try:
                if self._stale:
                    self._reconnect()
                try:
                    return self._append(batch)
                except DBAPIError as exc:
                    if not exc.connection_invalidated:
                        raise
                # Safe to retry: appends are idempotent on event id, so a batch whose
                # commit did land before the connection died is not journaled twice.
                self._reconnect()
                return self._append(batch)
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

    def _append(self, events: list[OrderEvent]) -> int:
        conn = self._conn
        fresh = self._drop_known_ids(events)
        if not fresh:
            conn.rollback()
            return 0
        coids = {e.client_order_id for e in fresh}
        orders = {c: r for c in coids if (r := self._orders.get(c)) is not None}
        missing = [c for c in coids if c not in orders]
        for chunk in _chunks(missing):
            if self._lookup(ORDERS.c.client_order_id, chunk):  # usually none: new orders
                for r in self._read_orders(ORDERS.c.client_order_id.in_(chunk)):
                    orders[r.client_order_id] = r
        fill_coids = sorted({e.client_order_id for e in fresh if isinstance(e, OrderFilled)})
        known_trades: set[tuple[str, str]] = set()
        for chunk in _chunks(fill_coids):
            rows = self._lookup(FILLS.c.client_order_id, chunk, FILLS.c.trade_id)
            known_trades.update((str(a), str(b)) for a, b in rows)
        fold = fold_batch(
            fresh,
            first_seq=self._last_seq + 1,
            orders=orders,
            known_trades=known_trades,
            positions=self._positions,
        )
        try:
            self._ins_journal.run([journal_values(q, e) for q, e in fold.journal])
            if fold.fills:
                self._ins_fills.run([fill_values(f) for f in fold.fills])
            self._put_orders.run([order_values(r) for r in fold.orders.values()])
            if fold.positions:
                self._put_positions.run([position_values(p) for p in fold.positions.values()])
            conn.commit()
        except BaseException:
            # The fold mutated the cached rows; put them back to the committed state.
            self._safe_rollback()
            self._reload_caches()
            raise
        self._last_seq = fold.journal[-1][0]
        for coid, record in fold.orders.items():
            if record.is_open:
                self._orders[coid] = record
            else:
                self._orders.pop(coid, None)
        self._positions.update(fold.positions)
        return len(fresh)

    def _reload_caches(self) -> None:
        try:
            self._last_seq = int(self._conn.execute(select(func.max(JOURNAL.c.seq))).scalar() or 0)
            self._orders = {
                r.client_order_id: r for r in self._read_orders(ORDERS.c.status.in_(_OPEN))
            }
            self._positions = {(p.broker, p.symbol): p for p in self._read_positions()}
            self._conn.rollback()
            self._stale = False
        except SQLAlchemyError:
            # The next append reconnects and reloads before it folds anything.
            log.exception("store %s: reloading the caches failed", self._where)
            self._stale = True

    def _lookup(self, column: Any, values: Sequence[str], *extra: Any) -> list[Any]:
        # SELECT column, *extra WHERE column IN (...): rendered once per size and run on
        # the driver, because SQLAlchemy's expanding IN costs more than the query here.
        dialect = self._engine.dialect
        if dialect.name == "postgresql":  # one array parameter: a short query psycopg caches
            cols = ", ".join([column.name, *(c.name for c in extra)])
            any_sql = f"SELECT {cols} FROM {column.table.name} WHERE {column.name} = ANY(%b)"
            return list(self._conn.exec_driver_sql(any_sql, (list(values),)))
        mark = {"qmark": "?", "format": "%s"}.get(dialect.paramstyle)
        if mark is None:
            stmt = select(column, *extra).where(column.in_(values))
            return list(self._conn.execute(stmt))
        key = (column.table.name, column.name, tuple(c.name for c in extra), len(values))
        sql = self._in_sql.get(key)
        if sql is None:
            cols = ", ".join([column.name, *(c.name for c in extra)])
            marks = ", ".join([mark] * len(values))
            sql = f"SELECT {cols} FROM {column.table.name} WHERE {column.name} IN ({marks})"
            self._in_sql[key] = sql
        return list(self._conn.exec_driver_sql(sql, tuple(values)))

    def _drop_known_ids(self, events: list[OrderEvent]) -> list[OrderEvent]:
        seen: set[str] = set()
        ids = [e.event_id for e in events if e.event_id]
        known: set[str] = set()
        for chunk in _chunks(ids):
            known.update(str(r[0]) for r in self._lookup(JOURNAL.c.event_id, chunk))
        fresh = []
        for e in events:
            if e.event_id:
                if e.event_id in known or e.event_id in seen:
                    continue
                seen.add(e.event_id)
            fresh.append(e)
        return fresh

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

    def _read_orders(self, where: Any) -> list[OrderRecord]:
        rows = self._conn.execute(select(ORDERS).where(where).order_by(ORDERS.c.created_seq))
        return [order_from_row(r) for r in rows.mappings()]

    def _read_positions(self) -> list[Position]:
        rows = self._conn.execute(
            select(POSITIONS).order_by(POSITIONS.c.broker, POSITIONS.c.symbol)
        )
        return [position_from_row(r) for r in rows.mappings()]

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

        for chunk in _chunks(coids):
            payloads.extend(self._read(lambda chunk=chunk: page(chunk), "read journal"))  # type: ignore[misc]
        payloads.sort()
        return replay_orders(decode_event(p) for _, p in payloads)

    def order_records(self, *, open_only: bool = False) -> list[OrderRecord]:
        """Return rows of the orders projection, in creation order."""
        where = ORDERS.c.status.in_(_OPEN) if open_only else true()
        return self._read(lambda: self._read_orders(where), "read orders")

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
            lambda: {(p.broker, p.symbol): p for p in self._read_positions()}, "read positions"
        )

    @property
    def last_seq(self) -> int:
        """The sequence number of the last journal entry (0 when empty)."""
        return self._last_seq

    def __len__(self) -> int:
        return self._last_seq

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

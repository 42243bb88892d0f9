"""The SQL store's append transaction: journal rows, then the projections, one commit.

Theory of operation
-------------------
:class:`JournalWriter` owns the write side of a :class:`~bolt_exec.store.sql.SqlOrderStore`:
the compiled bulk statements and the caches a batch folds against (the last
sequence number, the open orders, the positions). One call of :meth:`append`
is one transaction: insert the batch's journal rows, fold the batch into the
projections (``projection.fold_batch``), write the changed projection rows,
commit. It returns only after the commit, so nothing is published before it is
durable (design invariant 2).

Idempotency is the journal's job, optimistically: the unique index on
``(client_order_id, event_id)`` refuses a repeated event id, so a batch is
first written without looking its ids up (the common case: nothing repeats).
If the database refuses the journal rows, nothing has been folded yet; the
transaction is rolled back and the batch goes again, this time dropping the
ids the journal already holds. A second refusal is a real conflict (another
writer took our sequence numbers) and is raised. Repeats *within* a batch are
dropped in Python before anything is written.

The fold mutates the cached rows in place (copying them would cost more than
the database write), so any failure after the fold rolls back and reloads the
caches from the committed state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any, Final, TypeVar

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bolt_exec.model.enums import OPEN_STATUSES, OrderStatus
from bolt_exec.model.events import OrderEvent, OrderFilled
from bolt_exec.model.position import Position
from bolt_exec.store.bulk import BulkInsert, Upsert
from bolt_exec.store.mapping import (
    EMPTY_IS_NULL,
    FILL_COLUMNS,
    JOURNAL_COLUMNS,
    ORDER_COLUMNS,
    POSITION_COLUMNS,
    fill_values,
    journal_rows,
    order_from_row,
    order_values,
    position_from_row,
    position_values,
)
from bolt_exec.store.projection import OrderRecord, fold_batch
from bolt_exec.store.tables import FILLS, JOURNAL, ORDERS, POSITIONS

__all__ = ["CACHED_STATUSES", "JournalWriter", "chunks", "read_orders", "read_positions"]

log = logging.getLogger(__name__)

_CHUNK: Final = 900  # bound parameters per IN (...) clause; far below every backend's limit
# The orders the writer keeps in memory: those that may still change (see OrderRecord.is_open).
CACHED_STATUSES: Final = frozenset({*OPEN_STATUSES, OrderStatus.INITIALIZED})
T = TypeVar("T")


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """Yield ``items`` in slices small enough for one ``IN (...)`` clause."""
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def read_orders(conn: Connection, where: Any) -> list[OrderRecord]:
    """Return the orders-projection rows matching ``where``, in creation order."""
    rows = conn.execute(select(ORDERS).where(where).order_by(ORDERS.c.created_seq))
    return [order_from_row(r) for r in rows.mappings()]


def read_positions(conn: Connection) -> list[Position]:
    """Return the positions projection, ordered by broker and symbol."""
    rows = conn.execute(select(POSITIONS).order_by(POSITIONS.c.broker, POSITIONS.c.symbol))
    return [position_from_row(r) for r in rows.mappings()]


class JournalWriter:
    """Appends batches on one connection (see the module docstring).

    Errors from the database propagate as SQLAlchemy exceptions, after the
    transaction was rolled back and the caches restored; the store translates them.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._in_sql: dict[tuple[Any, ...], str] = {}
        self._ins_journal = BulkInsert(conn, JOURNAL.insert(), JOURNAL_COLUMNS, EMPTY_IS_NULL)
        self._ins_fills = BulkInsert(conn, FILLS.insert(), FILL_COLUMNS)
        self._put_orders = self._upsert(ORDERS, ("client_order_id",), ORDER_COLUMNS)
        self._put_positions = self._upsert(POSITIONS, ("broker", "symbol"), POSITION_COLUMNS)
        self.last_seq = 0
        self._orders: dict[str, OrderRecord] = {}
        self._positions: dict[tuple[str, str], Position] = {}
        self.stale = True

    def _upsert(self, table: Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> Upsert:
        dialect = self._conn.dialect.name
        ins: Any
        if dialect == "sqlite":
            ins = sqlite.insert(table)
        elif dialect == "postgresql":
            ins = postgresql.insert(table)
        else:
            return Upsert(self._conn, table, None, columns, EMPTY_IS_NULL)
        cols = {c.name: ins.excluded[c.name] for c in table.c if c.name not in keys}
        stmt = ins.on_conflict_do_update(index_elements=list(keys), set_=cols)
        driver = BulkInsert(self._conn, stmt, columns, EMPTY_IS_NULL)
        return Upsert(self._conn, table, driver, columns)

    def load(self) -> None:
        """(Re)load the caches from the committed state; raises SQLAlchemyError."""
        conn = self._conn
        self.last_seq = int(conn.execute(select(func.max(JOURNAL.c.seq))).scalar() or 0)
        where = ORDERS.c.status.in_([s.value for s in CACHED_STATUSES])
        self._orders = {r.client_order_id: r for r in read_orders(conn, where)}
        self._positions = {(p.broker, p.symbol): p for p in read_positions(conn)}
        conn.rollback()
        self.stale = False

    def _abort(self) -> None:
        # Roll back and restore the caches the fold may have mutated. If even that
        # fails, the store reconnects and reloads before its next append.
        try:
            self._conn.rollback()
            self.load()
        except SQLAlchemyError:
            log.exception("rolling back a failed append and reloading the caches failed")
            self.stale = True

    def append(self, events: Sequence[OrderEvent]) -> int:
        """Journal ``events`` (and fold them) in one transaction; return how many were new."""
        fresh = _drop_repeats(events)
        if not fresh:
            return 0
        written = self._write(fresh, optimistic=True)
        if written is None:
            # A repeated event id (or another writer) refused the journal rows before
            # anything was folded. Go again, dropping what the journal already holds.
            self._conn.rollback()
            written = self._write(fresh, optimistic=False)
        return written or 0

    def _write(self, fresh: list[OrderEvent], *, optimistic: bool) -> int | None:
        # None: optimistic, and the journal refused the rows (nothing folded or cached).
        conn = self._conn
        try:
            if not optimistic:
                fresh = self._drop_journaled(fresh)
                if not fresh:
                    conn.rollback()
                    return 0
            self._ins_journal.run(journal_rows(fresh, self.last_seq + 1))
        except IntegrityError:
            if optimistic:
                return None
            self._abort()
            raise
        except BaseException:
            self._abort()
            raise
        try:
            self._fold_and_write(fresh)
            conn.commit()
        except BaseException:
            self._abort()
            raise
        self.last_seq += len(fresh)
        return len(fresh)

    def _fold_and_write(self, fresh: list[OrderEvent]) -> None:
        cache = self._orders
        orders: dict[str, OrderRecord] = {}
        missing: list[str] = []
        for coid in {e.client_order_id for e in fresh}:
            record = cache.get(coid)
            if record is None:
                missing.append(coid)
            else:
                orders[coid] = record
        for chunk in chunks(missing):
            if self._lookup(ORDERS.c.client_order_id, chunk):  # usually none: new orders
                for r in read_orders(self._conn, ORDERS.c.client_order_id.in_(chunk)):
                    orders[r.client_order_id] = r
        fill_coids = sorted({e.client_order_id for e in fresh if type(e) is OrderFilled})
        known_trades: set[tuple[str, str]] = set()
        for chunk in chunks(fill_coids):
            rows = self._lookup(FILLS.c.client_order_id, chunk, FILLS.c.trade_id)
            known_trades.update((str(a), str(b)) for a, b in rows)
        fold = fold_batch(
            fresh,
            first_seq=self.last_seq + 1,
            orders=orders,
            known_trades=known_trades,
            positions=self._positions,
        )
        if fold.fills:
            self._ins_fills.run([fill_values(f) for f in fold.fills])
        self._put_orders.run([order_values(r) for r in fold.orders.values()])
        if fold.positions:
            self._put_positions.run([position_values(p) for p in fold.positions.values()])
        # Cache updates are safe before the commit: a failed commit reloads the caches.
        for coid, record in fold.orders.items():
            if record.status in CACHED_STATUSES:
                cache[coid] = record
            else:
                cache.pop(coid, None)
        self._positions.update(fold.positions)

    def _drop_journaled(self, events: list[OrderEvent]) -> list[OrderEvent]:
        coids = sorted({e.client_order_id for e in events if e.event_id})
        known: set[tuple[str, str]] = set()
        for chunk in chunks(coids):
            rows = self._lookup(JOURNAL.c.client_order_id, chunk, JOURNAL.c.event_id)
            known.update((str(c), str(i)) for c, i in rows if i is not None)
        return [e for e in events if (e.client_order_id, e.event_id) not in known]

    def _lookup(self, column: Any, values: Sequence[str], *extra: Any) -> list[Any]:
        # SELECT column, *extra WHERE column IN (...): rendered once per size and run on
        # the driver, because SQLAlchemy's expanding IN costs more than the query here.
        dialect = self._conn.dialect
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


def _drop_repeats(events: Sequence[OrderEvent]) -> list[OrderEvent]:
    # The first of two events with one (order, event id) in a batch wins; no id, no dedupe.
    ids = {e.event_id for e in events}
    if len(ids) == len(events) and "" not in ids:
        return list(events)  # the usual batch: every id distinct, so every pair is
    seen: set[tuple[str, str]] = set()
    fresh: list[OrderEvent] = []
    for e in events:
        if e.event_id:
            key = (e.client_order_id, e.event_id)
            if key in seen:
                continue
            seen.add(key)
        fresh.append(e)
    return fresh

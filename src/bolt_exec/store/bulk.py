"""Bulk writes: one compiled statement per table, many rows per round trip.

SQLAlchemy Core compiles each statement once; rows then go straight to the DBAPI
cursor as multi-row ``VALUES`` lists (SQLite) or ``unnest`` arrays (PostgreSQL),
which is what lets a journal batch reach the database at memory speed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import Any

from sqlalchemy import Boolean, Connection, Table

from bolt_exec.errors import StoreError

__all__ = ["BulkInsert", "Upsert"]


class BulkInsert:
    """A statement compiled once by SQLAlchemy Core and run straight on the DBAPI cursor.

    Rows are tuples in ``columns`` order. Where the dialect takes positional
    parameters, a batch goes as multi-row ``INSERT ... VALUES (...), (...)``
    statements (as many rows as fit under the backend's parameter limit): one
    statement per few hundred rows instead of one per row, which is what lets a
    batch reach the database at memory speed. Elsewhere, ``executemany`` of dicts.

    In the ``empty_is_null`` columns, rows carry ``""`` for NULL and the statement
    turns it back (``NULLIF(?, '')``, or in Python where the SQL cannot): the sqlite3
    driver binds a ``str`` directly but sends ``None`` through its slow adapter
    lookup. Only for columns where ``""`` is never a value (decimals, event ids).
    """

    def __init__(
        self,
        conn: Connection,
        stmt: Any,
        columns: tuple[str, ...],
        empty_is_null: Collection[str] = (),
    ) -> None:
        compiled = stmt.compile(dialect=conn.dialect)
        self._conn = conn
        self.sql: str = compiled.string
        self._columns = columns
        # Columns whose "" still has to become None in Python before the driver sees it.
        self._empty = [i for i, n in enumerate(columns) if n in empty_is_null]
        order = list(compiled.positiontup or []) if conn.dialect.positional else []
        self._multi = order == list(columns) and " VALUES (" in self.sql
        self._unnest = self._multi and conn.dialect.name == "postgresql"
        if self._unnest:
            # PostgreSQL: one array parameter per column, INSERT ... SELECT FROM unnest(...).
            # The SQL stays short (psycopg parses long queries in Python, slowly).
            head, rest = self.sql.split(" VALUES ", 1)
            tail = rest[_group_end(rest) + 1 :]
            table = stmt.table
            types = [table.c[name].type.compile(dialect=conn.dialect) for name in columns]
            # Rows carry booleans as 0/1 (see mapping); a boolean[] array needs real bools.
            self._bools = [i for i, n in enumerate(columns) if isinstance(table.c[n].type, Boolean)]
            arrays = ", ".join(f"%b::{t}[]" for t in types)  # %b: binary parameters
            self.sql = f"{head} SELECT * FROM unnest({arrays}){tail}"
        elif self._multi:
            head, rest = self.sql.split(" VALUES ", 1)
            end = _group_end(rest)
            self._head: str = head + " VALUES "
            self._group: str = rest[: end + 1]
            marks = self._group[1:-1].split(", ")
            if self._empty and len(marks) == len(columns):
                for i in self._empty:
                    marks[i] = f"NULLIF({marks[i]}, '')"
                self._group = "(" + ", ".join(marks) + ")"
                self._empty = []
            self._tail: str = rest[end + 1 :]
            self._per = max(1, _max_params(conn) // len(columns))
            self._full_sql = self._rows_sql(self._per)

    def _rows_sql(self, n: int) -> str:
        return self._head + ", ".join([self._group] * n) + self._tail

    def run(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self._unnest:
            # %b (binary) parameters: arrays of text go without per-element escaping.
            arrays = [list(c) for c in zip(*rows, strict=True)]
            for i in self._bools:
                arrays[i] = [bool(v) for v in arrays[i]]
            for i in self._empty:
                arrays[i] = [v or None for v in arrays[i]]
            self._conn.exec_driver_sql(self.sql, tuple(arrays))
            return
        if self._empty:
            rows = [_nulls(r, self._empty) for r in rows]
        if not self._multi:
            params = [dict(zip(self._columns, r, strict=True)) for r in rows]
            self._conn.exec_driver_sql(self.sql, params)
            return
        per = self._per
        for i in range(0, len(rows), per):
            chunk = rows[i : i + per]
            sql = self._full_sql if len(chunk) == per else self._rows_sql(len(chunk))
            # Flattened by in-place list extension: a third of chain.from_iterable's cost
            # per row. A tuple, because SQLAlchemy reads a list as many parameter sets.
            flat: list[Any] = []
            for row in chunk:
                flat += row
            self._conn.exec_driver_sql(sql, tuple(flat))


def _nulls(row: tuple[Any, ...], empty: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in empty:
        values[i] = values[i] or None
    return tuple(values)


def _group_end(text: str) -> int:
    # Index of the parenthesis closing the first "( ... )" group (casts contain none).
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    raise StoreError(f"cannot parse compiled insert: {text[:80]!r}")  # pragma: no cover


def _max_params(conn: Connection) -> int:
    if conn.dialect.name == "sqlite":
        return 30_000 if sqlite3.sqlite_version_info >= (3, 32) else 900
    return 30_000  # PostgreSQL's limit is 65,535 per statement


class Upsert:
    """Insert-or-replace rows: ON CONFLICT where the dialect has it, else delete + insert."""

    def __init__(
        self,
        conn: Connection,
        table: Table,
        driver: BulkInsert | None,
        columns: tuple[str, ...],
        empty_is_null: Collection[str] = (),
    ) -> None:
        self._conn = conn
        self._table = table
        self._driver = driver
        self._columns = columns
        self._empty = [i for i, n in enumerate(columns) if n in empty_is_null]

    def run(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self._driver is not None:
            self._driver.run(rows)
            return
        keys = list(self._table.primary_key.columns)
        rows = [_nulls(r, self._empty) for r in rows]
        dicts = [dict(zip(self._columns, r, strict=True)) for r in rows]
        for row in dicts:
            self._conn.execute(self._table.delete().where(*[k == row[k.name] for k in keys]))
        self._conn.execute(self._table.insert(), dicts)

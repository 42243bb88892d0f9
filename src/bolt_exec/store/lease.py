"""The writer lease: at most one process writes a store (one OrderManager per store).

* SQLite file: an exclusive ``flock`` on ``<file>.writer.lock`` (holding our pid),
  held while the store is open; the OS drops it when the process dies, even by
  SIGKILL, so a crash never leaves a stale lock.
* PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``), dropped
  by the server when the session ends.
* Other backends and in-memory SQLite: no lease (the journal's sequence numbers
  still make a second writer fail on its first append).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Final

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from bolt_exec.errors import StoreError

try:  # POSIX only; elsewhere SQLite stores go without a lease
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["WriterLease"]

_PG_KEY: Final = 0x626F6C745F657865  # "bolt_exe"


class WriterLease:
    """An exclusive right to write one store; :meth:`release` (or process exit) ends it."""

    def __init__(self, file: IO[str] | None = None, conn: Connection | None = None) -> None:
        self._file = file
        self._conn = conn

    @classmethod
    def acquire(cls, url: URL, conn: Connection, where: str) -> WriterLease:
        """Take the lease for the store at ``url``.

        Raises:
            StoreError: if another process holds it (the message names the pid
                when the backend tells).
        """
        backend = url.get_backend_name()
        if backend == "sqlite":
            database = url.database or ""
            if database in ("", ":memory:") or database.startswith("file:") or fcntl is None:
                return cls()
            return cls._acquire_file(Path(database + ".writer.lock"), where)
        if backend == "postgresql":
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_KEY}).scalar()
            conn.commit()
            if not got:
                raise StoreError(
                    f"store {where} is already open for writing by another session; run one "
                    "OrderManager per store (open readers with read_only=True)"
                )
            return cls(conn=conn)
        return cls()

    @classmethod
    def _acquire_file(cls, path: Path, where: str) -> WriterLease:
        fh = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            raise StoreError(
                f"store {where} is already open for writing by process {holder}; run one "
                "OrderManager per store (open readers with read_only=True)"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        return cls(file=fh)

    def release(self) -> None:
        """Give the lease up (idempotent)."""
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_KEY})
                self._conn.commit()
            except SQLAlchemyError:
                pass  # closing the session releases it anyway
            self._conn = None

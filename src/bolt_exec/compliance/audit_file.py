"""The file-backed audit trail: JSON Lines, fsync'd appends, one writer, verified on open.

Each record is one canonical JSON line. :meth:`FileAuditTrail.append` writes
and flushes the line (so a process crash loses nothing it returned), then
``fsync``-s it (so a power cut loses nothing either) -- every record by
default, or every ``fsync_every`` records when the caller trades the last few
records of a power cut for throughput (an fsync costs milliseconds on many
disks). The file is locked against a second writer, and an existing file is
verified before anything is appended: an audit trail that is already broken
is never extended.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from bolt_exec.clock import Clock
from bolt_exec.compliance.audit import AuditTrail
from bolt_exec.compliance.audit_record import AuditKind, AuditRecord, VerifyResult, verify_chain
from bolt_exec.errors import StoreError, ValidationError

__all__ = ["FileAuditTrail", "read_jsonl_records"]

try:  # file locking is POSIX-only; elsewhere the single-writer rule is the caller's
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def read_jsonl_records(data: bytes) -> list[AuditRecord | Exception]:
    """Parse JSON Lines audit data; an unparsable line becomes its exception."""
    out: list[AuditRecord | Exception] = []
    for n, line in enumerate(data.split(b"\n")):
        if not line.strip():
            continue
        try:
            out.append(AuditRecord.from_mapping(json.loads(line)))
        except (ValueError, TypeError, AttributeError) as exc:
            out.append(ValueError(f"line {n + 1}: {exc}"))
    return out


class FileAuditTrail(AuditTrail):
    """A JSON Lines audit file: append, flush and fsync; one writer at a time.

    Args:
        path: the ``.jsonl`` file (created with its directory when missing).
        clock: the time source when callers give none.
        repair_torn_tail: cut off an incomplete last line (a crash mid-append)
            instead of refusing to open; the cut is itself recorded.
        fsync_every: fsync after this many records (1, the default: every one).

    Raises:
        StoreError: when the existing chain is broken (with where and why),
            the tail is torn and repair was not asked for, or another process
            holds the file.
    """

    def __init__(
        self,
        path: Path | str,
        clock: Clock | None = None,
        *,
        repair_torn_tail: bool = False,
        fsync_every: int = 1,
    ) -> None:
        super().__init__(clock)
        if fsync_every < 1:
            raise ValidationError(
                "fsync_every", fsync_every, "must be >= 1", "1 syncs every record"
            )
        self._fsync_every = fsync_every
        self._unsynced = 0
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a+b")  # noqa: SIM115 - held open for the trail's life
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as exc:
                    raise StoreError(
                        f"audit file {self.path} is held by another writer; "
                        "only one process may append to an audit trail"
                    ) from exc
            self._open_existing(repair_torn_tail)
        except BaseException:
            self._fh.close()
            raise

    def _open_existing(self, repair: bool) -> None:
        self._fh.seek(0)
        data = self._fh.read()
        torn = b""
        if data and not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            torn, data = data[cut:], data[:cut]
            if not repair:
                raise StoreError(
                    f"audit file {self.path}: the last line (byte {cut}, {len(torn)} bytes) is "
                    "incomplete, probably a crash during an append; inspect it, then open with "
                    "repair_torn_tail=True to cut it off (the cut is recorded)"
                )
        records = read_jsonl_records(data)
        result = verify_chain(records)
        if not result.ok:
            raise StoreError(
                f"audit file {self.path} fails verification, refusing to append:\n"
                + result.summary()
            )
        self._next_seq, self._head = result.count, result.head_hash
        if torn:
            self._fh.truncate(len(data))
            self._sync()
            last_ts = records[-1].ts_ns if records and isinstance(records[-1], AuditRecord) else 0
            self.append(
                AuditKind.OPERATOR,
                "audit.torn_tail_removed",
                actor="audit",
                payload={
                    "reason": "incomplete last line cut off on open",
                    "bytes": len(torn),
                    "sha256": hashlib.sha256(torn).hexdigest(),
                },
                ts_ns=self._clock.now_ns() if self._clock else last_ts,
            )

    def _sync(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._unsynced = 0

    def sync(self) -> None:
        """Force every appended record to disk now (for ``fsync_every`` > 1)."""
        if not self._fh.closed:
            self._sync()

    def _write(self, record: AuditRecord) -> None:
        if self._fh.closed:
            raise StoreError(f"audit file {self.path} is closed; open a new FileAuditTrail")
        self._fh.seek(0, os.SEEK_END)
        self._fh.write(record.to_json() + b"\n")
        self._fh.flush()
        self._unsynced += 1
        if self._unsynced >= self._fsync_every:
            self._sync()

    def records(self) -> Iterator[AuditRecord]:
        """Read the file afresh (so verification sees what is really on disk)."""
        for rec in read_jsonl_records(self.path.read_bytes()):
            if isinstance(rec, Exception):
                raise StoreError(f"audit file {self.path}: {rec}")
            yield rec

    def verify(self) -> VerifyResult:
        """Verify what is on disk, unreadable lines included, against this trail's head."""
        count, head = self.head
        return verify_chain(
            read_jsonl_records(self.path.read_bytes()), expected_count=count, expected_head=head
        )

    def close(self) -> None:
        """Release the file (and its lock)."""
        if not self._fh.closed:
            self._sync()
            self._fh.close()

    def __enter__(self) -> FileAuditTrail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The kill-switch latch: a tiny persisted record that survives restarts.

:class:`LatchStore` is the port (load/save). :class:`JsonFileLatchStore` keeps
the latch in one JSON file, written atomically (temp file, fsync, rename), so
``bolt-exec kill`` in another process can trip a running session: the
session polls the file on its clock timer. The store engineer adds a database
implementation of the same protocol.

Fail closed: a latch file that exists but cannot be read or parsed loads as
*tripped*, because we cannot prove an operator did not trip it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

__all__ = ["JsonFileLatchStore", "LatchState", "LatchStore", "MemoryLatchStore"]


@dataclass(frozen=True, slots=True)
class LatchState:
    """The latch: tripped or not, by whom, why and when; and the last reset."""

    tripped: bool = False
    reason: str = ""
    actor: str = ""
    ts_ns: int = 0
    reset_by: str = ""
    reset_reason: str = ""
    reset_ts_ns: int = 0


class LatchStore(Protocol):
    """Where the latch persists."""

    def load(self) -> LatchState:
        """Return the persisted latch (untripped when nothing was ever saved)."""
        ...

    def save(self, state: LatchState) -> None:
        """Persist ``state`` durably before returning."""
        ...


class MemoryLatchStore:
    """A latch in memory (tests and backtests: it does not survive the process)."""

    def __init__(self, state: LatchState | None = None) -> None:
        self.state = state or LatchState()

    def load(self) -> LatchState:
        """Return the latch."""
        return self.state

    def save(self, state: LatchState) -> None:
        """Keep ``state``."""
        self.state = state


class JsonFileLatchStore:
    """A latch in a JSON file, shared between processes on one machine."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self) -> LatchState:
        """Read the file; a missing file is untripped, an unreadable one is tripped."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return LatchState()
        except OSError as exc:
            return LatchState(True, f"latch file {self.path} unreadable: {exc.strerror}", "latch")
        try:
            data = json.loads(raw)
            return LatchState(
                tripped=bool(data["tripped"]),
                reason=str(data.get("reason", "")),
                actor=str(data.get("actor", "")),
                ts_ns=int(data.get("ts_ns", 0)),
                reset_by=str(data.get("reset_by", "")),
                reset_reason=str(data.get("reset_reason", "")),
                reset_ts_ns=int(data.get("reset_ts_ns", 0)),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return LatchState(True, f"latch file {self.path} is corrupt", "latch")

    def save(self, state: LatchState) -> None:
        """Write atomically: a reader sees the old or the new latch, never half of one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".latch-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(asdict(state), fh, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

"""OrderIdWatermark: the highest IB orderId ever used by one client id, kept on disk.

TWS rejects an orderId it has seen (error 103), and a restarted gateway may
report a ``nextValidId`` *below* ids that were used before it went down. The
adapter therefore never takes an id at or below this mark. Kept in memory, it
protects one process; with a ``path`` it also survives a restart of ours.
The file is replaced atomically (write, fsync, rename), so a crash leaves the
old mark or the new one, never a torn file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bolt_exec.errors import ConfigError

__all__ = ["OrderIdWatermark"]


class OrderIdWatermark:
    """The highest orderId used; ``raise_to`` persists before the id is used on the wire."""

    def __init__(self, floor: int = 0, path: Path | None = None) -> None:
        self._path = path
        self._value = max(floor, self._load())

    @property
    def value(self) -> int:
        """The highest orderId known to have been used."""
        return self._value

    def raise_to(self, order_id: int) -> None:
        """Record that ``order_id`` is about to be used."""
        if order_id <= self._value:
            return
        self._value = order_id
        if self._path is not None:
            tmp = self._path.with_name(self._path.name + ".tmp")
            with tmp.open("w") as fh:
                json.dump({"high_water": order_id}, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._path)

    def _load(self) -> int:
        if self._path is None or not self._path.exists():
            return 0
        try:
            value = json.loads(self._path.read_text())["high_water"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"order_id_state_file={str(self._path)!r} is not a watermark file "
                f"({type(exc).__name__}); delete it only if no order was sent with this client_id"
            ) from None
        if not isinstance(value, int) or value < 0:
            raise ConfigError(
                f"order_id_state_file={str(self._path)!r}: high_water={value!r} is not a "
                "non-negative integer"
            )
        return value

"""Plain helpers shared by the MiFID unit tests (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bolt_exec.model.events import OrderEvent

FIRM_LEI = "549300BOLTEXEC0FIR82"
OTHER_LEI = "969500UP76J52A9OXU27"
CCP_LEI = "HWUPKR0MPOU8FGXBT394"

JournalFactory = Callable[..., list[OrderEvent]]


def ts(
    year: int, month: int, day: int, hour: int, minute: int, second: int, microsecond: int = 0
) -> int:
    """UNIX nanoseconds of a UTC wall time."""
    moment = datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000

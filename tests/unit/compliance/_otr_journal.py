"""Hand-built journals with deterministic timestamps, for the SEBI/CFTC/audit tests."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bolt_exec.model.enums import OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderReplaced,
    OrderSubmitted,
)

IST = ZoneInfo("Asia/Kolkata")
ET = ZoneInfo("America/New_York")


def at(day: date, hh: int, mm: int = 0, ss: int = 0, tz: ZoneInfo = IST) -> int:
    """Return the UNIX ns of a local wall-clock time."""
    local = datetime.combine(day, time(hh, mm, ss), tz)
    return int(local.astimezone(UTC).timestamp()) * 1_000_000_000


class Journal:
    """Append order events the way the OMS journals them."""

    def __init__(self) -> None:
        self.events: list[OrderEvent] = []
        self._seq: dict[str, int] = {}

    def _id(self, coid: str) -> str:
        n = self._seq.get(coid, 0) + 1
        self._seq[coid] = n
        return f"{coid}-{n}"

    def _add(self, ev_type: type[OrderEvent], coid: str, ts: int, **kw: Any) -> None:
        self.events.append(
            ev_type(client_order_id=coid, ts_event=ts, ts_init=ts, event_id=self._id(coid), **kw)
        )

    def new(
        self,
        coid: str,
        symbol: str,
        ts: int,
        limit_px: str | None,
        *,
        qty: str = "1",
        side: Side = Side.BUY,
        tif: TimeInForce = TimeInForce.DAY,
        tags: dict[str, str] | None = None,
        accept: bool = True,
    ) -> None:
        self._add(
            OrderInitialized,
            coid,
            ts,
            symbol=symbol,
            side=side,
            order_type=OrderType.LIMIT if limit_px is not None else OrderType.MARKET,
            qty=Decimal(qty),
            limit_px=None if limit_px is None else Decimal(limit_px),
            tif=tif,
            broker="paper",
            strategy_id="s1",
            tags=dict(tags or {}),
        )
        self._add(OrderSubmitted, coid, ts, broker="paper")
        if accept:
            self._add(OrderAccepted, coid, ts, venue_order_id=f"V{coid}")

    def amend(self, coid: str, ts: int, limit_px: str, *, confirm: bool = True) -> None:
        self._add(OrderPendingReplace, coid, ts, limit_px=Decimal(limit_px))
        if confirm:
            self._add(OrderReplaced, coid, ts, limit_px=Decimal(limit_px))

    def cancel(self, coid: str, ts: int, *, request: bool = True) -> None:
        if request:
            self._add(OrderPendingCancel, coid, ts)
        self._add(OrderCanceled, coid, ts)

    def fill(
        self,
        coid: str,
        ts: int,
        trade_id: str,
        symbol: str,
        qty: str,
        px: str,
        side: Side = Side.BUY,
    ) -> None:
        self._add(
            OrderFilled,
            coid,
            ts,
            trade_id=trade_id,
            symbol=symbol,
            side=side,
            last_qty=Decimal(qty),
            last_px=Decimal(px),
        )


GOLDEN_ROOT = Path(__file__).resolve().parents[2] / "golden"


def check_golden(relpath: str, data: bytes) -> None:
    """Compare ``data`` with a golden file; rewrite it only when BOLT_EXEC_UPDATE_GOLDENS=1."""
    path = GOLDEN_ROOT / relpath
    if os.environ.get("BOLT_EXEC_UPDATE_GOLDENS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.exists(), f"missing golden {path}; run with BOLT_EXEC_UPDATE_GOLDENS=1 once"
    expected = path.read_bytes()
    assert data == expected, (
        f"{relpath} differs from the golden file; if the change is intended, "
        "rerun with BOLT_EXEC_UPDATE_GOLDENS=1 and review the diff"
    )

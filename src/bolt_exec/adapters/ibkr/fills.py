"""FillReporter: every execution becomes one OrderFilled, with its commission when it comes.

TWS sends ``execDetails`` and, separately, a ``commissionReport`` for the same
``execId``. A fill is reported as soon as its commission is known, or after
``commission_wait`` seconds without it (the position must not wait for the
fee). Each ``execId`` is reported at most once per adapter, however often TWS
repeats it (duplicate delivery, reqExecutions replays, reconnects).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from bolt_exec.adapters.ibkr import codec
from bolt_exec.adapters.ibkr.connection import Connection
from bolt_exec.adapters.ibkr.snapshot import as_dict
from bolt_exec.adapters.ibkr.tracker import OrderTracker
from bolt_exec.model.events import OrderEvent

__all__ = ["FillReporter"]

_log = logging.getLogger(__name__)


class FillReporter:
    """Turn the library's fills into OrderFilled events, once each."""

    def __init__(
        self,
        orders: OrderTracker,
        conn: Connection,
        *,
        client_id: int,
        emit: Callable[[OrderEvent], None],
        now: Callable[[], int],
        commission_wait: float,
    ) -> None:
        self._orders = orders
        self._conn = conn
        self._emit = emit
        self._now = now
        self._wait = commission_wait
        self._client_id = client_id
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._pending: dict[str, Any] = {}

    def on_execution(self, fill: Any) -> None:
        """A live execution: report it with its commission, or after ``commission_wait``."""
        exec_id = fill.execution.execId
        if self._orders.has_exec_id(exec_id) or exec_id in self._timers:
            return
        if fill.commissionReport.execId == exec_id or self._wait == 0:
            self.report(fill)
            return
        self._timers[exec_id] = self._conn.call_later(self._wait, self._flush, exec_id)
        self._pending[exec_id] = fill

    def flush_all(self) -> None:
        """Report every fill still waiting for its commission (before disconnecting)."""
        for exec_id in list(self._timers):
            self._flush(exec_id)

    def report_missed(self) -> None:
        """After a reconnect, report executions of our orders made while we were away.

        The library's start-up sync re-reads the day's executions (with commissions)
        but raises no event for orders that finished during the outage.
        """
        for fill in self._conn.ib.fills():
            execution = fill.execution
            if self._orders.by_client_order_id(execution.orderRef) is not None and (
                not self._orders.has_exec_id(execution.execId)
            ):
                self.report(fill)

    def report(self, fill: Any) -> None:
        """Emit the fill now unless its execId was already reported."""
        exec_id = fill.execution.execId
        timer = self._timers.pop(exec_id, None)
        if timer is not None:
            timer.cancel()
        self._pending.pop(exec_id, None)
        if fill.execution.clientId not in (0, self._client_id):
            return  # another API client's execution: mass_status shows it to the reconciler
        event = codec.decode_fill(
            as_dict(fill.execution),
            as_dict(fill.commissionReport),
            self._conn.symbol_of(fill.contract),
            ts_init=self._now(),
        )
        if event is None:
            return
        if self._orders.is_correction(exec_id):
            # reporting it would count the shares twice; the reconciler sees the new terms
            _log.error(
                "IBKR: execution %s corrects one already reported (%s @ %s); not reported as "
                "a new fill, reconcile to pick up the corrected terms",
                exec_id,
                event.last_qty,
                event.last_px,
            )
            self._orders.claim_exec_id(exec_id)
            return
        if not self._orders.claim_exec_id(exec_id):
            return
        tracked = self._orders.by_client_order_id(event.client_order_id)
        if tracked is not None:
            tracked.note(event)
        self._emit(event)

    def _flush(self, exec_id: str) -> None:
        fill = self._pending.get(exec_id)
        if fill is None:
            return
        if fill.commissionReport.execId != exec_id:
            _log.warning(
                "IBKR: no commission report for execution %s; reporting the fill without its fee",
                exec_id,
            )
        self.report(fill)

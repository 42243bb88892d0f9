"""Wire a ReconcileService to an OrderManager: corrective actions go through the OMS and safety.

The reconciler decides (pure ``diff`` + ``resolve``); the
:class:`~bolt_exec.reconcile.service.ReconcileService` is built from the OMS, so
its decisions meet the live system only through it:

* corrective *events* go to ``oms.on_event`` (the one writer journals them);
* corrective *commands* go to :class:`~bolt_exec.reconcile.commands.CorrectiveActions`,
  never straight to a broker: a cancel is first shown to the SafetyManager
  (``check_cancel`` with ``path="reconcile"``: cancels always pass, and are counted),
  a corrective *order* goes through ``oms.submit`` tagged ``{"path": "reconcile"}``,
  so the whole pre-trade chain checks it (design invariant 3); a denial is
  reported, never sent;
* unresolved discrepancies are escalated to the SafetyManager's
  ``on_reconciliation`` (:func:`~bolt_exec.reconcile.outcome.escalate_to`), which
  tightens the trading state by policy (``on_reconcile_discrepancy``) and never
  loosens it.

This module keeps the runtime's names for those pieces (they live in
:mod:`bolt_exec.reconcile` now, so a service built by hand is wired the same way).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bolt_exec.oms.manager import OrderManager
from bolt_exec.reconcile.commands import RECONCILE_PATH, CorrectiveActions
from bolt_exec.reconcile.outcome import describe, escalate_to, unresolved_count
from bolt_exec.reconcile.resolve import ReconcilePolicy
from bolt_exec.reconcile.service import ReconcileOutcome, ReconcileService

__all__ = [
    "RECONCILE_PATH",
    "CorrectiveActions",
    "describe",
    "escalate_to",
    "reconcile_service",
    "unresolved_count",
]


def reconcile_service(
    oms: OrderManager,
    broker: str,
    *,
    policy: ReconcilePolicy = ReconcilePolicy.CONSERVATIVE,
    escalate: Callable[[ReconcileOutcome], object] | None = None,
    **kwargs: Any,
) -> ReconcileService:
    """Build a :class:`ReconcileService` for ``oms``'s broker ``broker``.

    The same as ``ReconcileService(oms, broker, ...)``: our view is the OMS's orders
    and positions on that broker; corrective events go to ``oms.on_event`` and
    commands to :class:`CorrectiveActions`. ``escalate`` defaults to the OMS's gate
    when it has ``on_reconciliation`` (a SafetyManager). Other keyword arguments go
    to :class:`ReconcileService` (``interval_s``, ``budget_share``, ``grace_ns``...).
    """
    return ReconcileService(oms, broker, policy=policy, escalate=escalate, **kwargs)

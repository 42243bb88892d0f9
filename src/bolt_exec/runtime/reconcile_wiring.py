"""Wire a ReconcileService to an OrderManager: corrective actions go through the OMS and safety.

The reconciler decides (pure ``diff`` + ``resolve``); this module is where its
decisions meet the live system:

* corrective *events* go to ``oms.on_event`` (the one writer journals them);
* corrective *commands* go to :class:`CorrectiveActions`, never straight to a
  broker: a cancel is first shown to the SafetyManager (``check_cancel`` with
  ``path="reconcile"``: cancels always pass, and are counted), then sent through
  ``oms.cancel`` when the OMS can journal it (an open order), or to the order's
  broker as is when it cannot (a zombie we hold as done, a cancel request the
  venue lost: there is no legal transition to journal, and the venue's answer
  comes back as events). A corrective *order* goes through ``oms.submit`` tagged
  ``{"path": "reconcile"}``, so the whole pre-trade chain checks it (design
  invariant 3); a denial is reported, never sent. Today's resolver emits cancels
  only (it never creates risk on its own); the order path is there so a policy
  that does emit one cannot bypass the gate;
* unresolved discrepancies are escalated to the SafetyManager's
  ``on_reconciliation`` (:func:`escalate_to`), which tightens the trading state
  by policy (``on_reconcile_discrepancy``) and never loosens it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bolt_exec.errors import ReconciliationError
from bolt_exec.model.commands import CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderStatus
from bolt_exec.oms.manager import OrderManager
from bolt_exec.reconcile.actions import RECON_STRATEGY, ReconcilePolicy
from bolt_exec.reconcile.service import ReconcileOutcome, ReconcileService

__all__ = ["CorrectiveActions", "describe", "escalate_to", "reconcile_service", "unresolved_count"]

log = logging.getLogger(__name__)

RECONCILE_PATH = "reconcile"


class CorrectiveActions:
    """Executes the reconciler's commands for one broker through the OMS and the gate.

    Args:
        oms: the OrderManager (its ``safety`` sees every command first).
        broker: the broker reconciled (corrective orders are routed to it).
    """

    def __init__(self, oms: OrderManager, broker: str) -> None:
        self.oms = oms
        self.broker = broker

    def __call__(self, command: CancelOrder | SubmitOrder) -> None:
        """Execute one command.

        Raises:
            UnknownOrderError: a cancel for an order the OMS does not hold.
            ReconciliationError: the gate denied it (nothing was sent).
        """
        if isinstance(command, SubmitOrder):
            self._submit(command)
        else:
            self._cancel(command)

    def _cancel(self, command: CancelOrder) -> None:
        order = self.oms.order(command.client_order_id)
        check: Callable[..., Any] | None = getattr(self.oms.safety, "check_cancel", None)
        if check is not None:
            decision = check(order, path=RECONCILE_PATH)
            if not decision.approved:
                raise ReconciliationError(
                    f"corrective cancel of {order.client_order_id} denied by safety: "
                    f"{decision.code} {decision.reason}"
                )
        if order.is_open and order.status is not OrderStatus.PENDING_CANCEL:
            self.oms.cancel(order.client_order_id)  # journaled as PENDING_CANCEL
            return
        # A zombie (done here, working there) or a lost cancel request: nothing legal to
        # journal, so the request goes to the venue as is and its answer comes back as events.
        self.oms.brokers[order.broker or self.broker].cancel(command)

    def _submit(self, command: SubmitOrder) -> None:
        handle = self.oms.submit(
            command.symbol,
            command.side,
            command.qty,
            command.order_type,
            limit_px=command.limit_px,
            stop_px=command.stop_px,
            tif=command.tif,
            expire_ts=command.expire_ts,
            broker=self.broker,
            strategy_id=RECON_STRATEGY,
            reduce_only=command.reduce_only,
            post_only=command.post_only,
            tags={"path": RECONCILE_PATH},
        )
        if handle.status is OrderStatus.DENIED:
            raise ReconciliationError(
                f"corrective order {handle.client_order_id} ({command.side} {command.qty} "
                f"{command.symbol}) denied by safety: {handle.reason}; nothing was sent"
            )


def unresolved_count(outcome: ReconcileOutcome) -> int:
    """What an outcome leaves open: unresolved discrepancies, commands or events that could
    not be applied, and 1 for a broker that could not be asked (our view is going stale)."""
    stale = 1 if outcome.resolution is None else 0
    return len(outcome.unresolved) + len(outcome.apply_errors) + stale


def describe(outcome: ReconcileOutcome, limit: int = 5) -> str:
    """The outcome's summary line and what it left open (kind and order id, up to ``limit``)."""
    left = [
        f"{type(d).__name__} {getattr(d, 'client_order_id', '') or getattr(d, 'symbol', '')}"
        for d in outcome.unresolved[:limit]
    ]
    left += list(outcome.apply_errors[: max(0, limit - len(left))])
    return outcome.summary() + (f" [{'; '.join(left)}]" if left else "")


def escalate_to(safety: Any) -> Callable[[ReconcileOutcome], None]:
    """Return an ``escalate`` callback that hands an outcome to ``safety.on_reconciliation``."""

    def escalate(outcome: ReconcileOutcome) -> None:
        n = unresolved_count(outcome)
        if n:
            detail = describe(outcome)
            log.warning("escalating to safety: %s", detail)
            safety.on_reconciliation(n, detail)

    return escalate


def reconcile_service(
    oms: OrderManager,
    broker: str,
    *,
    policy: ReconcilePolicy = ReconcilePolicy.CONSERVATIVE,
    escalate: Callable[[ReconcileOutcome], object] | None = None,
    **kwargs: Any,
) -> ReconcileService:
    """Build a :class:`ReconcileService` for ``oms``'s broker ``broker``.

    Our view is the OMS's orders and positions on that broker; corrective events go
    to ``oms.on_event`` and commands to :class:`CorrectiveActions`. ``escalate``
    defaults to the OMS's gate when it has ``on_reconciliation`` (a SafetyManager).
    Other keyword arguments go to :class:`ReconcileService` (``interval_s``,
    ``budget_share``, ``grace_ns``...).
    """
    venue = oms.brokers[broker]
    if escalate is None and hasattr(oms.safety, "on_reconciliation"):
        escalate = escalate_to(oms.safety)
    kwargs.setdefault("instruments", {i.symbol: i for i in venue.instruments()})
    return ReconcileService(
        venue,
        orders=lambda: [o for o in oms.orders() if o.broker in ("", broker)],
        positions=lambda: [p for p in oms.positions() if p.broker in ("", broker)],
        apply_event=oms.on_event,
        clock=oms.clock,
        policy=policy,
        send_command=CorrectiveActions(oms, broker),
        escalate=escalate,
        **kwargs,
    )

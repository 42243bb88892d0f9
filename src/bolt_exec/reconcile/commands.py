"""Corrective commands go through the OMS and its safety gate, never straight to a broker.

The resolver emits cancels (it never creates risk on its own); a policy that
emits an order must not be able to bypass the gate either. :class:`CorrectiveActions`
is the only way :class:`~bolt_exec.reconcile.service.ReconcileService` sends
anything:

* a cancel is first shown to the gate (``check_cancel`` with ``path="reconcile"``:
  cancels always pass, and are counted), then sent through ``oms.cancel`` when the
  OMS can journal it (an open order), or to the order's broker as is when it cannot
  (a zombie we hold as done, a cancel request the venue lost: there is no legal
  transition to journal, and the venue's answer comes back as events);
* an order goes through ``oms.submit`` tagged ``{"path": "reconcile"}``, so the whole
  pre-trade chain checks it (design invariant 3); a denial raises, nothing is sent.
"""

from __future__ import annotations

from bolt_exec.errors import ReconciliationError
from bolt_exec.model.commands import CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderStatus
from bolt_exec.oms.manager import OrderManager
from bolt_exec.reconcile.actions import RECON_STRATEGY

__all__ = ["RECONCILE_PATH", "CorrectiveActions"]

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
        # check_cancel is not part of the SafetyGate protocol (a pass-through gate has none).
        check = getattr(self.oms.safety, "check_cancel", None)
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

"""PlanExecutor: a plan becomes a confidence-sized market order through the OMS.

Every order it sends goes through the OrderManager, so the SafetyManager sees
it (tagged ``plan_id`` and ``confidence``, which the minimum-confidence check
reads). The result of each plan is published on ``plan.result.<symbol>``.
"""

from __future__ import annotations

import logging

from bolt_exec.agent.plan import ExecutionResult, ExecutionStatus, Plan, PlanAction
from bolt_exec.agent.sizing import ConfidenceSizing
from bolt_exec.errors import BoltExecError
from bolt_exec.model.enums import OrderStatus
from bolt_exec.oms.manager import OrderManager

__all__ = ["PlanExecutor"]

log = logging.getLogger(__name__)


class PlanExecutor:
    """Turns plans into orders and reports what happened.

    Emits:
        ``plan.result.<symbol>`` with an :class:`ExecutionResult` for every plan.
    """

    def __init__(
        self,
        oms: OrderManager,
        sizing: ConfidenceSizing,
        *,
        broker: str | None = None,
        strategy_id: str = "plan",
    ) -> None:
        self.oms = oms
        self.sizing = sizing
        self.broker = broker
        self.strategy_id = strategy_id

    def execute(self, plan: Plan) -> ExecutionResult:
        """Act on one plan; never raises for a market or risk outcome."""
        result = self._execute(plan)
        log.info("plan %s %s %s: %s", plan.plan_id, plan.action, plan.symbol, result.message)
        self.oms.bus.publish(f"plan.result.{plan.symbol}", result)
        return result

    def _execute(self, plan: Plan) -> ExecutionResult:
        now = self.oms.clock.now_ns()

        def result(status: ExecutionStatus, message: str, **kw: object) -> ExecutionResult:
            return ExecutionResult(
                symbol=plan.symbol,
                plan_action=plan.action,
                plan_confidence=plan.confidence,
                executed=status is ExecutionStatus.SUCCESS,
                status=status,
                message=message,
                ts=now,
                **kw,
            )

        if plan.action is PlanAction.HOLD:
            return result(ExecutionStatus.HOLD, "plan says HOLD: no order")
        try:
            inst = self.oms.instrument(plan.symbol)
        except BoltExecError as exc:
            return result(ExecutionStatus.ERROR, str(exc))
        qty = self.sizing.size(plan.confidence, inst)
        if qty == 0:
            return result(
                ExecutionStatus.SKIPPED,
                f"confidence {plan.confidence:.2f} is below the floor {self.sizing.floor} or "
                f"sizes below {plan.symbol}'s minimum quantity",
            )
        tags = {"plan_id": plan.plan_id, "confidence": repr(plan.confidence), "source": "plan"}
        try:
            h = self.oms.submit(
                plan.symbol,
                plan.action.value,
                qty,
                "MARKET",
                broker=self.broker,
                strategy_id=self.strategy_id,
                tags=tags,
            )
        except BoltExecError as exc:
            return result(ExecutionStatus.ERROR, str(exc), order_size=qty)
        if h.status is OrderStatus.DENIED:
            return result(
                ExecutionStatus.DENIED,
                f"denied: {h.reason}",
                order_id=h.client_order_id,
                order_size=qty,
            )
        if h.status is OrderStatus.REJECTED:
            return result(
                ExecutionStatus.ERROR,
                f"rejected by the venue: {h.reason}",
                order_id=h.client_order_id,
                order_size=qty,
            )
        return result(
            ExecutionStatus.SUCCESS,
            f"order placed: {plan.action} {qty} {plan.symbol}",
            order_id=h.client_order_id,
            order_size=qty,
        )

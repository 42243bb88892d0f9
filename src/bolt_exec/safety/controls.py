"""TradingControls: the trading state, who may change it, and the audit of every change.

The SafetyManager inherits these controls. Leaving HALTED needs the kill
switch reset first; every change names an actor and a reason, is appended to
the audit list and published on ``safety.state`` (``TradingStateChanged``)
and ``safety.audit`` (``AuditRecord``).
"""

from __future__ import annotations

from bolt_exec.clock import Clock
from bolt_exec.errors import KillSwitchActive, UsageError
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.config import RiskConfig
from bolt_exec.safety.events import TOPIC_AUDIT, TOPIC_STATE, AuditRecord, TradingStateChanged
from bolt_exec.safety.killswitch import KillSwitch, Publisher

__all__ = ["TradingControls"]


class TradingControls:
    """Trading state and audit (set up by the SafetyManager's constructor)."""

    config: RiskConfig
    clock: Clock
    kill_switch: KillSwitch
    publisher: Publisher | None
    trading_state: TradingState
    audit: list[AuditRecord]

    def set_trading_state(self, new: TradingState | str, operator: str, reason: str) -> None:
        """Move the trading state; audited. ACTIVE/REDUCING need the kill switch reset first.

        Raises:
            KillSwitchActive: when leaving HALTED while the latch is set.
            UsageError: when ``operator`` or ``reason`` is blank.
        """
        state = TradingState(new)
        if not operator.strip() or not reason.strip():
            raise UsageError(
                f"set_trading_state({state}) needs an operator and a reason (got "
                f"operator={operator!r}, reason={reason!r})"
            )
        if state is not TradingState.HALTED and self.kill_switch.is_tripped:
            raise KillSwitchActive(
                f"cannot set trading state {state}: the kill switch is latched "
                f"({self.kill_switch.latch.reason}); reset it first with an operator and a reason"
            )
        self._set_state(state, operator, reason)

    def on_reconciliation(
        self, unresolved: int, detail: str = "", actor: str = "reconciler"
    ) -> None:
        """Fail closed on divergence: unresolved discrepancies tighten the state by policy.

        ``on_reconcile_discrepancy`` (REDUCING or HALTED) applies only if it is
        tighter than the current state; nothing here ever loosens the state, an
        operator does that with :meth:`set_trading_state`.
        """
        if unresolved <= 0:
            return
        target = self.config.on_reconcile_discrepancy
        order = (TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED)
        if order.index(target) > order.index(self.trading_state):
            self._set_state(target, actor, f"{unresolved} unresolved discrepancies: {detail}")

    def halt(self, actor: str, reason: str) -> None:
        """Set HALTED (the kill switch calls this first when it trips)."""
        self._set_state(TradingState.HALTED, actor, reason)

    def _set_state(self, state: TradingState, actor: str, reason: str) -> None:
        old = self.trading_state
        self.trading_state = state
        ts = self.clock.now_ns()
        self._record(ts, actor, "trading_state", f"{old} -> {state}: {reason}")
        self._publish(
            TOPIC_STATE,
            TradingStateChanged(old=old.value, new=state.value, actor=actor, reason=reason, ts=ts),
        )

    def _record(
        self,
        ts: int,
        actor: str,
        action: str,
        detail: str = "",
        code: str = "",
        client_order_id: str = "",
    ) -> None:
        record = AuditRecord(
            ts=ts,
            actor=actor,
            action=action,
            detail=detail,
            code=code,
            client_order_id=client_order_id,
        )
        self.audit.append(record)
        self._publish(TOPIC_AUDIT, record)

    def _publish(self, topic: str, message: object) -> None:
        if self.publisher is not None:
            self.publisher.publish(topic, message)

"""Build and connect a SafetyManager from a policy for an OrderManager.

``OrderManager(..., policy="policy.yaml")`` lands here: the policy is loaded
(pydantic, at the boundary), a SafetyManager is built with the kill-switch
latch at the policy's ``latch_path`` (so ``bolt-exec kill`` from another
process reaches this session), and once the OMS exists the manager is
subscribed to its bus, bound as the kill switch's target and seeded with the
recovered book. Under a SimClock its timer (latch polling, monitors) starts at
once; a live runtime starts it inside its event loop.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bolt_exec.clock import Clock, SimClock
from bolt_exec.model.numbers import to_decimal

if TYPE_CHECKING:
    from bolt_exec.oms.manager import OrderManager
    from bolt_exec.safety.manager import SafetyManager
    from bolt_exec.safety.policy import Policy

__all__ = ["connect_safety", "safety_from_policy"]


def safety_from_policy(
    policy: Policy | str | Path,
    clock: Clock,
    *,
    cash: object,
    latch_path: str | Path | None,
) -> SafetyManager:
    """Build a SafetyManager (not yet connected to an OMS)."""
    from bolt_exec.safety.latch import JsonFileLatchStore
    from bolt_exec.safety.manager import SafetyManager
    from bolt_exec.safety.policy import Policy

    pol = policy if isinstance(policy, Policy) else Policy.from_yaml(policy)
    path = Path(latch_path) if latch_path is not None else Path(pol.kill_switch.latch_path)
    cash_ = to_decimal(cash, "cash", allow_zero=True) if cash is not None else None
    return SafetyManager.from_policy(pol, clock, cash=cash_, latch_store=JsonFileLatchStore(path))


def connect_safety(oms: OrderManager, safety: Any) -> None:
    """Subscribe, bind and seed a SafetyManager; start its timer under a SimClock."""
    safety.attach(oms.bus)
    safety.bind(oms)
    safety.sync(oms)
    if isinstance(oms.clock, SimClock):
        safety.start()


def paper_cash(brokers: Any) -> Decimal | None:
    """The paper brokers' cash summed (one account currency assumed), or None if none."""
    total: Decimal | None = None
    for broker in brokers:
        account = getattr(broker, "account", None)
        if account is not None:
            total = (total or Decimal(0)) + sum(account.cash.values(), Decimal(0))
    return total

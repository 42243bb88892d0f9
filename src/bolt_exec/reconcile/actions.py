"""What a reconciliation decided: the policy, and one action per discrepancy."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bolt_exec.model.commands import CancelOrder
from bolt_exec.model.events import OrderEvent
from bolt_exec.reconcile.diff import Discrepancy

__all__ = [
    "EXTERNAL_STRATEGY",
    "RECON_STRATEGY",
    "Action",
    "Outcome",
    "ReconcilePolicy",
    "Resolution",
]

EXTERNAL_STRATEGY = "external"
RECON_STRATEGY = "reconciliation"


class ReconcilePolicy(StrEnum):
    """How far the resolver may go beyond the facts about our own orders (see module doc)."""

    CONSERVATIVE = "CONSERVATIVE"
    CANCEL_UNKNOWN = "CANCEL_UNKNOWN"
    VENUE_TRUTH = "VENUE_TRUTH"


class Outcome(StrEnum):
    """What became of one discrepancy."""

    APPLIED = "APPLIED"
    COMMAND = "COMMAND"
    ESCALATED = "ESCALATED"


@dataclass(frozen=True, slots=True)
class Action:
    """The resolution of one discrepancy."""

    discrepancy: Discrepancy
    outcome: Outcome
    events: tuple[OrderEvent, ...] = ()
    commands: tuple[CancelOrder, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Resolution:
    """Everything one reconciliation decided, in order."""

    broker: str
    policy: ReconcilePolicy
    ts: int
    actions: tuple[Action, ...]

    @property
    def events(self) -> list[OrderEvent]:
        """Every corrective event, in the order to apply them."""
        return [e for a in self.actions for e in a.events]

    @property
    def commands(self) -> list[CancelOrder]:
        """Every command to send."""
        return [c for a in self.actions for c in a.commands]

    @property
    def unresolved(self) -> list[Discrepancy]:
        """The discrepancies escalated to the SafetyManager / an operator."""
        return [a.discrepancy for a in self.actions if a.outcome is Outcome.ESCALATED]

    @property
    def is_clean(self) -> bool:
        """True if there was nothing to reconcile."""
        return not self.actions

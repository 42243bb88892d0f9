"""What one reconciliation run came to, and how what it leaves open reaches the SafetyManager.

:class:`ReconcileOutcome` is the record of one run (the resolution, or why the
broker could not be asked); :func:`escalate_to` turns a SafetyManager (anything
with ``on_reconciliation(n, detail)``) into the service's ``escalate`` callback,
which tightens the trading state by policy and never loosens it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import pandas as pd

from bolt_exec.reconcile.discrepancies import Discrepancy
from bolt_exec.reconcile.report import resolution_frame, summary
from bolt_exec.reconcile.resolve import ReconcilePolicy, Resolution

__all__ = ["Escalation", "ReconcileOutcome", "describe", "escalate_to", "unresolved_count"]

log = logging.getLogger(__name__)


@runtime_checkable
class Escalation(Protocol):
    """What takes unresolved reconciliations (the SafetyManager)."""

    def on_reconciliation(self, unresolved: int, detail: str, /) -> object:
        """Tighten the trading state by policy for ``unresolved`` open items."""


@dataclass(frozen=True, slots=True)
class ReconcileOutcome:
    """One run: what was found and done, or why the broker could not be asked.

    Attributes:
        broker: the broker's name.
        ts: when the run ended (clock time, ns).
        resolution: the resolution, or None if the broker could not be asked.
        error: the broker error's text when it could not ("" otherwise).
        failures: consecutive failed runs so far (0 after a success).
        apply_errors: events or commands the OMS/broker refused while applying.
    """

    broker: str
    ts: int
    resolution: Resolution | None
    error: str = ""
    failures: int = 0
    apply_errors: tuple[str, ...] = ()

    @property
    def unresolved(self) -> list[Discrepancy]:
        """The discrepancies policy did not let the resolver settle."""
        return [] if self.resolution is None else self.resolution.unresolved

    @property
    def is_ok(self) -> bool:
        """True if the broker answered and nothing is left to escalate."""
        return self.resolution is not None and not self.unresolved and not self.apply_errors

    def frame(self) -> pd.DataFrame:
        """The run as a DataFrame (one row per discrepancy)."""
        if self.resolution is None:
            return resolution_frame(Resolution(self.broker, ReconcilePolicy.CONSERVATIVE, 0, ()))
        return resolution_frame(self.resolution)

    def summary(self) -> str:
        """One log line."""
        if self.resolution is None:
            return (
                f"reconcile {self.broker}: broker not reachable ({self.error}); "
                f"{self.failures} failed run(s) in a row; nothing applied"
            )
        line = summary(self.resolution)
        if self.apply_errors:
            line += f"; {len(self.apply_errors)} could not be applied"
        return line


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


def escalate_to(safety: Escalation) -> Callable[[ReconcileOutcome], None]:
    """Return an ``escalate`` callback that hands an outcome to ``safety.on_reconciliation``."""

    def escalate(outcome: ReconcileOutcome) -> None:
        n = unresolved_count(outcome)
        if n:
            detail = describe(outcome)
            log.warning("escalating to safety: %s", detail)
            safety.on_reconciliation(n, detail)

    return escalate

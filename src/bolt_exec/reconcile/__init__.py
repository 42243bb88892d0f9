"""Reconciliation: a pure diff of our view against a venue's, a pure resolver under a named
policy, a report, and the one async service that runs them against brokers."""

from bolt_exec.reconcile.diff import (
    Discrepancy,
    FillMissing,
    MissingAtVenue,
    MissingLocally,
    PositionMismatch,
    QtyMismatch,
    StatusMismatch,
    diff,
)
from bolt_exec.reconcile.resolve import Action, Outcome, ReconcilePolicy, Resolution, resolve

__all__ = [
    "Action",
    "Discrepancy",
    "FillMissing",
    "MissingAtVenue",
    "MissingLocally",
    "Outcome",
    "PositionMismatch",
    "QtyMismatch",
    "ReconcilePolicy",
    "Resolution",
    "StatusMismatch",
    "diff",
    "resolve",
]

"""What a reconciliation found and did, as a pandas DataFrame and as one log line."""

from __future__ import annotations

from collections import Counter
from typing import Final

import pandas as pd

from bolt_exec.reconcile.diff import PositionMismatch
from bolt_exec.reconcile.resolve import Outcome, Resolution

__all__ = ["COLUMNS", "resolution_frame", "summary"]

COLUMNS: Final = (
    "broker",
    "kind",
    "client_order_id",
    "symbol",
    "outcome",
    "events",
    "commands",
    "note",
    "detail",
)


def _detail(d: object) -> str:
    fields = getattr(d, "__slots__", ())
    skip = {"broker", "client_order_id", "symbol", "report", "fills"}
    return ", ".join(f"{f}={getattr(d, f)}" for f in fields if f not in skip)


def resolution_frame(resolution: Resolution) -> pd.DataFrame:
    """Return one row per discrepancy: kind, ids, outcome, what was emitted, and why.

    Columns are :data:`COLUMNS`; ``events`` and ``commands`` list type names.
    """
    rows = []
    for a in resolution.actions:
        d = a.discrepancy
        symbol = d.symbol if isinstance(d, PositionMismatch) else getattr(d, "symbol", "")
        rows.append(
            {
                "broker": d.broker,
                "kind": type(d).__name__,
                "client_order_id": getattr(d, "client_order_id", ""),
                "symbol": symbol,
                "outcome": a.outcome.value,
                "events": ", ".join(type(e).__name__ for e in a.events),
                "commands": ", ".join(type(c).__name__ for c in a.commands),
                "note": a.note,
                "detail": _detail(d),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def summary(resolution: Resolution) -> str:
    """Return one line for the log, e.g.

    ``reconcile paper policy=CONSERVATIVE: 3 discrepancies (FillMissing 2, StatusMismatch 1);
    3 applied, 0 commands, 0 escalated``.
    """
    head = f"reconcile {resolution.broker} policy={resolution.policy.value}"
    if resolution.is_clean:
        return f"{head}: in sync"
    kinds = Counter(type(a.discrepancy).__name__ for a in resolution.actions)
    outcomes = Counter(a.outcome for a in resolution.actions)
    listed = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    return (
        f"{head}: {len(resolution.actions)} discrepancies ({listed}); "
        f"{outcomes[Outcome.APPLIED]} applied, {outcomes[Outcome.COMMAND]} commands, "
        f"{outcomes[Outcome.ESCALATED]} escalated"
    )

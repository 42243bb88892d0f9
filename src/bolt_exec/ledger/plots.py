"""TCA plots with matplotlib's object API (no pyplot state; renders on Agg anywhere).

Both functions return a :class:`matplotlib.figure.Figure` (or draw on the
``ax`` given) so notebooks display them and scripts ``fig.savefig(...)`` them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from bolt_exec.ledger.tca import MarketTape

__all__ = ["plot_fills", "plot_schedule"]


def _axes(ax: Any) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4), layout="constrained")
    return fig, fig.add_subplot()


def _times(ts: Any) -> Any:
    return pd.to_datetime(np.asarray(ts, dtype=np.int64), utc=True)


def plot_fills(
    tape: MarketTape,
    fills: pd.DataFrame,
    *,
    title: str = "",
    ax: Any = None,
    max_points: int = 5000,
    label: str = "fills",
) -> Any:
    """Draw the mid price and the fills on it (marker area ~ fill size).

    Long tapes are thinned to about ``max_points`` points for drawing only.
    """
    fig, ax = _axes(ax)
    stride = max(1, len(tape.ts) // max_points)
    ax.plot(_times(tape.ts[::stride]), tape.mid[::stride], lw=0.8, color="0.4", label="mid")
    if len(fills):
        q = fills["qty"].map(float).to_numpy()
        ax.scatter(
            _times(fills["ts"]),
            fills["px"].map(float),
            s=10 + 40 * q / q.max(),
            alpha=0.7,
            label=label,
        )
    ax.set_ylabel("price")
    ax.set_title(title or "price and fills")
    ax.legend(loc="best")
    return fig


def plot_schedule(
    fills: pd.DataFrame,
    schedule: Sequence[tuple[int, Decimal | float]],
    *,
    qty: float,
    title: str = "",
    ax: Any = None,
    label: str = "filled",
) -> Any:
    """Draw cumulative filled quantity against the planned schedule, both as % of ``qty``."""
    fig, ax = _axes(ax)
    if schedule:
        ts = [t for t, _ in schedule]
        plan = [100 * float(c) / qty for _, c in schedule]
        name = "schedule" if label == "filled" else f"{label} schedule"
        ax.step(_times(ts), plan, where="post", color="0.5", ls="--", label=name)
    if len(fills):
        f = fills.sort_values("ts", kind="stable")
        cum = 100 * np.cumsum(f["qty"].map(float).to_numpy()) / qty
        ax.step(_times(f["ts"]), cum, where="post", label=label)
    ax.set_ylabel("% of parent")
    ax.set_title(title or "cumulative filled vs schedule")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best")
    return fig

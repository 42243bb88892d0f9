"""The TCA plots render on Agg (no display) with and without fills."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from bolt_exec.ledger.plots import plot_fills, plot_schedule
from bolt_exec.ledger.tca import MarketTape


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_plots_render_to_png():
    tape = MarketTape(ts=np.arange(0, 10**12, 10**9, dtype=np.int64), mid=np.linspace(10, 11, 1000))
    fills = pd.DataFrame({"ts": [10**10, 5 * 10**11], "qty": [100.0, 300.0], "px": [10.0, 10.5]})
    fig = plot_fills(tape, fills, title="t")
    assert _png(fig).startswith(b"\x89PNG")
    fig2 = plot_schedule(fills, [(0, 200), (10**11, 400)], qty=400)
    labels = [t.get_text() for t in fig2.axes[0].get_legend().get_texts()]
    assert labels == ["schedule", "filled"]
    assert _png(fig2).startswith(b"\x89PNG")


def test_plots_accept_no_fills():
    tape = MarketTape(ts=np.array([0, 1], dtype=np.int64), mid=np.array([1.0, 1.1]))
    empty = pd.DataFrame({"ts": [], "qty": [], "px": []})
    assert _png(plot_fills(tape, empty)).startswith(b"\x89PNG")
    assert _png(plot_schedule(empty, [], qty=1)).startswith(b"\x89PNG")

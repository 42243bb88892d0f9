"""BacktestResult: orders, fills, positions, PnL, per-parent TCA and plots of a finished run.

Everything here reads the OMS's orders and the market data; nothing changes
them (reporters only read, design invariant 9).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # pandas, TCA and plots load on first use, so a run alone stays lean
    import pandas as pd

    from bolt_exec.backtest.engine import BacktestEngine
    from bolt_exec.ledger.tca import MarketTape, ParentTCA

__all__ = ["BacktestResult"]


class BacktestResult:
    """The outcome of :meth:`BacktestEngine.run`.

    Attributes:
        engine: the engine (its OMS, runner and data stay readable).
    """

    def __init__(self, engine: BacktestEngine) -> None:
        self.engine = engine
        self.oms = engine.oms
        self.runner = engine.runner

    # -- frames --------------------------------------------------------------------------------
    def orders(self) -> pd.DataFrame:
        """Every order (children included), one row each."""
        return self.oms.orders_frame()

    def fills(self) -> pd.DataFrame:
        """Every fill, in time order (Decimal prices and quantities)."""
        return self.oms.fills_frame()

    def positions(self) -> pd.DataFrame:
        """Positions with realized/unrealized PnL and fees, marked at the last price."""
        return self.oms.positions_frame()

    def pnl(self, every_ns: int = 60 * 10**9) -> pd.DataFrame:
        """Mark-to-market PnL over time, sampled every ``every_ns`` and at the last event.

        Columns: ``ts``, ``position`` (signed), ``cash`` (from fills, before fees),
        ``fees``, ``mark`` (the mid, or bar close), ``pnl = cash + position * mark - fees``.
        """
        import pandas as pd

        tape = self.tape()
        t0, t1 = int(tape.ts[0]), int(tape.ts[-1])
        grid = np.unique(np.append(np.arange(t0, t1, every_ns, dtype=np.int64), t1))
        f = self.fills()
        sign = np.where(f["side"].to_numpy() == "BUY", 1.0, -1.0) if len(f) else np.zeros(0)
        qty = f["last_qty"].map(float).to_numpy() * sign if len(f) else np.zeros(0)
        px = f["last_px"].map(float).to_numpy() if len(f) else np.zeros(0)
        fee = f["fee"].map(float).to_numpy() if len(f) else np.zeros(0)
        fts = f["ts_event"].to_numpy(dtype=np.int64) if len(f) else np.zeros(0, dtype=np.int64)
        k = np.searchsorted(fts, grid, side="right")

        def cum(a: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            return np.concatenate(([0.0], np.cumsum(a)))[k]

        mark = tape.mid[np.searchsorted(tape.ts, grid, side="right") - 1]
        pos, cash, fees = cum(qty), cum(-qty * px), cum(fee)
        return pd.DataFrame(
            {
                "ts": grid,
                "position": pos,
                "cash": cash,
                "fees": fees,
                "mark": mark,
                "pnl": cash + pos * mark - fees,
            }
        )

    def pnl_totals(self) -> dict[str, float]:
        """Return realized, unrealized and net PnL and fees, summed over positions."""
        pos = list(self.oms.positions())
        realized = float(sum(p.realized_pnl for p in pos))
        unreal = float(sum(p.unrealized_pnl for p in pos))
        fees = float(sum(p.fees for p in pos))
        return {
            "realized": realized,
            "unrealized": unreal,
            "fees": fees,
            "net": realized + unreal - fees,
        }

    def parents(self) -> pd.DataFrame:
        """One row per parent order worked by an algorithm."""
        import pandas as pd

        rows = [self.runner.status(pid) for pid in self.runner.parents()]
        return pd.DataFrame([{k: getattr(r, k) for k in r.__slots__} for r in rows])

    def fills_digest(self) -> str:
        """SHA-256 of the fills (ids, sides, exact quantities and prices, fees, times)."""
        f = self.fills()
        text = f.drop(columns=["reconciliation"]).to_csv(index=False)
        return hashlib.sha256(text.encode()).hexdigest()

    # -- TCA -----------------------------------------------------------------------------------
    def tape(self) -> MarketTape:
        """The market data as a TCA tape (mids from quotes, or bar closes)."""
        from bolt_exec.ledger.tca import MarketTape

        tl = self.engine.timeline
        if tl.quotes is not None:
            ts, mid = tl.quotes.ts, (tl.quotes.bid + tl.quotes.ask) / 2
        elif tl.bars is not None:
            ts, mid = tl.bars.ts, tl.bars.close
        else:
            assert tl.trades is not None
            ts, mid = tl.trades.ts, tl.trades.px
        if tl.trades is not None:
            return MarketTape(ts, mid, tl.trades.ts, tl.trades.px, tl.trades.size)
        if tl.bars is not None:
            return MarketTape(ts, mid, tl.bars.ts, tl.bars.close, tl.bars.volume)
        return MarketTape(ts, mid)

    def parent_fills(self, parent_id: str) -> pd.DataFrame:
        """The fills of one parent's children, with float ``ts, qty, px, fee`` columns."""
        import pandas as pd

        kids = set(self.runner.children(parent_id))
        f = self.fills()
        f = f[f["client_order_id"].isin(kids)]
        return pd.DataFrame(
            {
                "ts": f["ts_event"].astype("int64"),
                "qty": f["last_qty"].map(float),
                "px": f["last_px"].map(float),
                "fee": f["fee"].map(float),
            }
        )

    def parent_tca(self, parent_id: str) -> ParentTCA:
        """The TCA of one parent (see :mod:`bolt_exec.ledger.tca`)."""
        from bolt_exec.ledger.tca import parent_tca

        algo = self.runner.algorithm(parent_id)
        p = algo.p
        kids = [self.oms.order(c) for c in self.runner.children(parent_id)]
        decision = int(algo.vars.get("started_ns", p.start_ns))
        start = min((o.ts_init for o in kids), default=p.start_ns)
        last_ts = int(self.engine.timeline.ts[-1])
        fills = self.parent_fills(parent_id)
        # the interval ends at the last fill once the parent is complete, else at the horizon
        done = len(fills) > 0 and float(fills["qty"].sum()) >= float(p.qty)
        if done or p.end_ns is None:
            end = int(fills["ts"].max()) if len(fills) else start
        else:
            end = p.end_ns
        return parent_tca(
            parent_id,
            p.side.value,
            p.qty,
            fills,
            self.tape(),
            decision_ts=decision,
            start_ts=start,
            end_ts=min(end, last_ts),
            schedule=algo.schedule(),
        )

    def tca(self) -> pd.DataFrame:
        """One TCA row per parent: shortfall (delay, impact, fees, opportunity) in bps,
        interval VWAP slippage, participation and deviation from schedule."""
        from bolt_exec.ledger.tca import tca_frame

        return tca_frame([self.parent_tca(pid) for pid in self.runner.parents()])

    # -- plots ---------------------------------------------------------------------------------
    def plot(self, parent_id: str | None = None) -> Any:
        """Price with fills, and cumulative filled against the schedule (a two-panel Figure)."""
        import pandas as pd
        from matplotlib.figure import Figure

        from bolt_exec.ledger.plots import plot_fills, plot_schedule

        parents = self.runner.parents()
        pid = parent_id or (parents[0] if parents else None)
        fig = Figure(figsize=(10, 7), layout="constrained")
        ax1, ax2 = fig.subplots(2, 1)
        fills = self.parent_fills(pid) if pid else pd.DataFrame({"ts": [], "qty": [], "px": []})
        plot_fills(self.tape(), fills, ax=ax1, title=f"{pid or 'all'}: price and fills")
        if pid:
            algo = self.runner.algorithm(pid)
            plot_schedule(
                fills,
                algo.schedule(),
                qty=float(algo.p.qty),
                ax=ax2,
                title=f"{pid}: cumulative filled vs schedule",
            )
        return fig

    def summary(self) -> dict[str, Any]:
        """Return headline figures: fills, filled quantity, average price, PnL."""
        f = self.fills()
        qty = float(np.sum([float(q) for q in f["last_qty"]])) if len(f) else 0.0
        notional = float(sum(q * p for q, p in zip(f["last_qty"], f["last_px"], strict=True)))
        return {
            "fills": len(f),
            "filled_qty": qty,
            "avg_px": notional / qty if qty else None,
            **self.pnl(),
        }

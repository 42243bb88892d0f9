"""Transaction cost analysis: pure functions of fills, the parent order and market data.

Theory of operation
-------------------
For one parent order of side ``s`` (+1 BUY, -1 SELL) and quantity ``Q``, with
fills ``(q_i, p_i, fee_i)``, filled ``F = sum q_i``, and mids taken from the
market tape at or before a time:

* decision price ``P_d``: the mid when the parent was decided (submitted);
* arrival price ``P_0``: the mid when the first child went out (the start);
* end price ``P_e``: the mid at the horizon end (or the last fill);

implementation shortfall (Perold), each part in bps of ``Q * P_d``::

    delay       = s * (P_0 - P_d) * F
    impact      = s * (sum q_i p_i - F * P_0)
    fees        = sum fee_i
    opportunity = s * (P_e - P_d) * (Q - F)
    total       = delay + impact + fees + opportunity
                = s * (sum q_i p_i - F * P_d) + fees + opportunity

A positive number is a cost. Interval VWAP slippage is
``s * (avg_px - VWAP) / VWAP`` in bps, with VWAP over the market's trades (or
bars, at their close) between the first child and the end; participation is
``F / market volume`` over the same interval; schedule deviation is the
filled-minus-planned quantity at every schedule point, as a share of ``Q``.

Reporters only read (design invariant 9): nothing here changes an order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pandas as pd

from bolt_exec.errors import ValidationError

__all__ = ["MarketTape", "ParentTCA", "parent_tca", "tca_frame"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class MarketTape:
    """Market data for TCA: a mid-price series and a traded-volume series.

    Attributes:
        ts / mid: times (UNIX ns, ascending) and mid prices.
        volume_ts / volume_px / volume_qty: trades (or bars at their close) for VWAP
            and participation; empty when the data has no volume.
    """

    ts: I64
    mid: F64
    volume_ts: I64 = field(default_factory=lambda: _EMPTY_I)
    volume_px: F64 = field(default_factory=lambda: _EMPTY_F)
    volume_qty: F64 = field(default_factory=lambda: _EMPTY_F)

    def mid_at(self, ts: int) -> float | None:
        """Return the latest mid at or before ``ts`` (None before the first)."""
        i = int(np.searchsorted(self.ts, ts, side="right")) - 1
        return None if i < 0 else float(self.mid[i])

    def window(self, start: int, end: int) -> tuple[F64, F64]:
        """Return (prices, quantities) of the volume series with ``start < ts <= end``."""
        a = int(np.searchsorted(self.volume_ts, start, side="right"))
        b = int(np.searchsorted(self.volume_ts, end, side="right"))
        return self.volume_px[a:b], self.volume_qty[a:b]


@dataclass(frozen=True, slots=True)
class ParentTCA:
    """The cost analysis of one parent order (bps are of ``qty * decision_px``)."""

    parent_id: str
    side: str
    qty: float
    filled_qty: float
    avg_px: float | None
    decision_px: float | None
    arrival_px: float | None
    end_px: float | None
    delay_bps: float
    impact_bps: float
    fees_bps: float
    opportunity_bps: float
    shortfall_bps: float
    interval_vwap: float | None
    vwap_slippage_bps: float | None
    participation: float | None
    schedule_max_dev_pct: float | None
    schedule_mean_abs_dev_pct: float | None
    fills: int

    def as_dict(self) -> dict[str, object]:
        """Return the row as a dict (for a DataFrame)."""
        return {k: getattr(self, k) for k in self.__slots__}


def _num(x: object) -> float:
    return float(x) if isinstance(x, Decimal | int | float) else float(str(x))


def parent_tca(
    parent_id: str,
    side: str,
    qty: Decimal | float,
    fills: pd.DataFrame,
    tape: MarketTape,
    *,
    decision_ts: int,
    start_ts: int | None = None,
    end_ts: int | None = None,
    schedule: Sequence[tuple[int, Decimal | float]] | None = None,
) -> ParentTCA:
    """Return the TCA of one parent order.

    Args:
        parent_id: the parent's id (copied to the result).
        side: ``"BUY"`` or ``"SELL"``.
        qty: the parent quantity.
        fills: the parent's fills, columns ``ts``, ``qty``, ``px`` and optionally ``fee``.
        tape: the market data.
        decision_ts: when the parent was decided (its submission).
        start_ts: when working began (default ``decision_ts``).
        end_ts: the horizon end (default: the last fill, or ``start_ts``).
        schedule: planned cumulative quantity ``(ts, cum_qty)`` for the deviation figures.

    Raises:
        ValidationError: for an unknown side, a non-positive quantity or missing columns.
    """
    if side not in ("BUY", "SELL"):
        raise ValidationError("side", side, "must be 'BUY' or 'SELL'")
    q = _num(qty)
    if q <= 0:
        raise ValidationError("qty", qty, "must be positive")
    for col in ("ts", "qty", "px"):
        if col not in fills.columns:
            raise ValidationError(
                "fills",
                list(fills.columns),
                f"has no {col!r} column",
                "pass a frame with ts, qty, px (and fee) columns",
            )
    s = 1.0 if side == "BUY" else -1.0
    f = fills.sort_values("ts", kind="stable")
    fq = f["qty"].map(_num).to_numpy(dtype=float)
    fp = f["px"].map(_num).to_numpy(dtype=float)
    fts = f["ts"].to_numpy(dtype=np.int64)
    fees = float(f["fee"].map(_num).sum()) if "fee" in f.columns and len(f) else 0.0
    filled = float(fq.sum())
    notional = float((fq * fp).sum())
    avg = notional / filled if filled else None
    start = decision_ts if start_ts is None else start_ts
    end = end_ts if end_ts is not None else (int(fts[-1]) if len(fts) else start)
    p_d, p_0, p_e = tape.mid_at(decision_ts), tape.mid_at(start), tape.mid_at(end)
    nan = float("nan")
    if p_d is None or p_0 is None or p_e is None:
        delay = impact = fee_bps = opp = total = nan
    else:
        base = q * p_d / 1e4
        delay = s * (p_0 - p_d) * filled / base
        impact = s * (notional - filled * p_0) / base
        fee_bps = fees / base
        opp = s * (p_e - p_d) * (q - filled) / base
        total = delay + impact + fee_bps + opp
    vpx, vqty = tape.window(start, end)
    vol = float(vqty.sum())
    vwap = float((vpx * vqty).sum() / vol) if vol > 0 else None
    slip = s * (avg - vwap) / vwap * 1e4 if (avg is not None and vwap) else None
    part = filled / vol if vol > 0 else None
    max_dev = mean_dev = None
    if schedule:
        pts = np.array([t for t, _ in schedule], dtype=np.int64)
        plan = np.array([_num(c) for _, c in schedule], dtype=float)
        cum = np.concatenate(([0.0], np.cumsum(fq)))
        done = cum[np.searchsorted(fts, pts, side="right")]
        dev = (done - plan) / q * 100
        max_dev = float(dev[np.argmax(np.abs(dev))])
        mean_dev = float(np.mean(np.abs(dev)))
    return ParentTCA(
        parent_id=parent_id,
        side=side,
        qty=q,
        filled_qty=filled,
        avg_px=avg,
        decision_px=p_d,
        arrival_px=p_0,
        end_px=p_e,
        delay_bps=delay,
        impact_bps=impact,
        fees_bps=fee_bps,
        opportunity_bps=opp,
        shortfall_bps=total,
        interval_vwap=vwap,
        vwap_slippage_bps=slip,
        participation=part,
        schedule_max_dev_pct=max_dev,
        schedule_mean_abs_dev_pct=mean_dev,
        fills=len(f),
    )


def tca_frame(rows: Sequence[ParentTCA]) -> pd.DataFrame:
    """Return one row per parent, indexed by ``parent_id``."""
    df = pd.DataFrame([r.as_dict() for r in rows])
    return df.set_index("parent_id") if len(df) else df

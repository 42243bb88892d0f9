"""The engine's timeline: one or two market-data streams merged in time order, with tick grids.

Quotes and trades merge into one timeline (a quote before a trade at the same
timestamp); bars run alone. Prices are also kept as integer ticks so the
wake-up scan compares exactly, not within a float tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bolt_exec.backtest.data import BarData, QuoteData, TradeData
from bolt_exec.errors import ValidationError

__all__ = ["BAR", "QUOTE", "TRADE", "Timeline"]

QUOTE, TRADE, BAR = 0, 1, 2
I64 = npt.NDArray[np.int64]


def _ticks(px: npt.NDArray[np.float64], tick: float) -> I64:
    return np.rint(px / tick).astype(np.int64)


@dataclass(slots=True, eq=False)
class Timeline:
    """Aligned positions of every market event.

    Attributes:
        ts: timestamp of each position (ascending).
        kind: QUOTE/TRADE/BAR of each position, or None when there is one stream.
        row: the row in its own stream of each position, or None when there is one stream.
        quotes / trades / bars: the streams.
        pos: per kind, the timeline positions of its rows.
        ticks: per kind, integer-tick price columns used by the wake-up scan.
    """

    ts: I64
    kind: npt.NDArray[np.int8] | None
    row: I64 | None
    quotes: QuoteData | None
    trades: TradeData | None
    bars: BarData | None
    pos: dict[int, I64]
    ticks: dict[int, dict[str, I64]]

    @classmethod
    def build(
        cls,
        quotes: QuoteData | None,
        trades: TradeData | None,
        bars: BarData | None,
        tick_size: float,
    ) -> Timeline:
        """Merge the streams (bars cannot be mixed with quotes or trades)."""
        if bars is not None and (quotes is not None or trades is not None):
            raise ValidationError(
                "bars",
                "bars + ticks",
                "cannot be mixed with quotes or trades",
                "run bars and tick data in separate backtests",
            )
        streams = {
            k: s for k, s in ((QUOTE, quotes), (TRADE, trades), (BAR, bars)) if s is not None
        }
        if not streams or all(len(s) == 0 for s in streams.values()):
            raise ValidationError(
                "data",
                None,
                "no market data to run on",
                "pass quotes=, trades= or bars= with at least one row",
            )
        ticks: dict[int, dict[str, I64]] = {}
        if quotes is not None:
            ticks[QUOTE] = {
                "lo": _ticks(quotes.bid, tick_size),
                "hi": _ticks(quotes.ask, tick_size),
            }
        if trades is not None:
            t = _ticks(trades.px, tick_size)
            ticks[TRADE] = {"lo": t, "hi": t}
        if bars is not None:
            ticks[BAR] = {"lo": _ticks(bars.low, tick_size), "hi": _ticks(bars.high, tick_size)}
        if len(streams) == 1:
            ((k, s),) = streams.items()
            return cls(
                s.ts,
                None,
                None,
                quotes,
                trades,
                bars,
                {k: np.arange(len(s), dtype=np.int64)},
                ticks,
            )
        kinds = np.concatenate([np.full(len(s), k, dtype=np.int8) for k, s in streams.items()])
        rows = np.concatenate([np.arange(len(s), dtype=np.int64) for s in streams.values()])
        ts_all = np.concatenate([s.ts for s in streams.values()])
        order = np.lexsort((kinds, ts_all))
        kind, row = kinds[order], rows[order]
        pos = {k: np.flatnonzero(kind == k).astype(np.int64) for k in streams}
        return cls(ts_all[order], kind, row, quotes, trades, bars, pos, ticks)

    def __len__(self) -> int:
        return len(self.ts)

    def kind_at(self, p: int) -> int:
        """The kind of position ``p``."""
        if self.kind is not None:
            return int(self.kind[p])
        return next(iter(self.pos))

    def row_at(self, p: int) -> int:
        """The row in its stream of position ``p``."""
        return p if self.row is None else int(self.row[p])

    def last_row(self, kind: int, p: int) -> int:
        """The last row of ``kind`` at or before position ``p`` (-1 if none)."""
        if self.kind is None:
            return p if kind in self.pos else -1
        return int(np.searchsorted(self.pos[kind], p, side="right")) - 1

"""The bundled sample data set: one synthetic trading day of quotes and trades, and 20 days of
one-minute bars, for the demo, the examples and the notebook.

The files live in ``bolt_exec/data/`` (gzipped CSV, readable without pyarrow)
and are a pure function of a seed: :func:`write_sample` regenerates them
byte for byte, and a test checks that it still does.

Symbol ``DEMO`` (tick 0.01): the day is 2024-01-02 14:30-21:00 UTC (09:30-16:00
New York); quotes every 5 s; trades arrive more often near the open and the
close (a U-shaped intensity), so volume profiles have their familiar shape.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final

import numpy as np

from bolt_exec.backtest.data import (
    BarData,
    QuoteData,
    TradeData,
    load_bars,
    load_quotes,
    load_trades,
)
from bolt_exec.backtest.synthetic import bits, splitmix64, synthetic_quotes

__all__ = ["SAMPLE_SYMBOL", "sample_bars", "sample_quotes", "sample_trades", "write_sample"]

SAMPLE_SYMBOL: Final = "DEMO"
_DAY0: Final = 1_704_205_800_000_000_000  # 2024-01-02 14:30 UTC
_SESSION: Final = 390 * 60 * 10**9
_FILES: Final = {
    "quotes": "demo_quotes.csv.gz",
    "trades": "demo_trades.csv.gz",
    "bars": "demo_bars.csv.gz",
}


def _make_quotes() -> QuoteData:
    return synthetic_quotes(4680, seed=2024, start_ns=_DAY0, step_ns=5 * 10**9, start_px=50.0)


def _make_trades(q: QuoteData) -> TradeData:
    n = len(q)
    u = splitmix64(77, n * 4).reshape(n, 4)
    x = (q.ts - _DAY0) / _SESSION
    # expected trades per quote: 1 mid-session, 3 at the edges (U shape)
    lam = 1.0 + 2.0 * (2 * x - 1) ** 2
    rows_ts, rows_px, rows_sz = [], [], []
    for k in range(4):
        take = (u[:, k] % np.uint64(1000)).astype(float) < 1000 * lam / 4
        at_ask = bits(u[:, k], 20, 1) == 1
        rows_ts.append(q.ts[take] + 1 + k)
        rows_px.append(np.where(at_ask, q.ask, q.bid)[take])
        rows_sz.append((100 * (1 + bits(u[:, k], 24, 3)))[take].astype(float))
    ts = np.concatenate(rows_ts)
    order = np.argsort(ts, kind="stable")
    return TradeData(
        ts=ts[order],
        px=np.concatenate(rows_px)[order],
        size=np.concatenate(rows_sz)[order],
        symbol=SAMPLE_SYMBOL,
    )


def _make_bars() -> BarData:
    days = 20
    m = np.arange(390)
    u = splitmix64(99, days * 390)
    shape = 1.0 + 2.0 * (2 * (m + 0.5) / 390 - 1) ** 2
    vol = (np.tile(shape, days) * 1000 * (1 + bits(u, 0, 2))).round(-2)
    step = np.where(bits(u, 8, 1) == 0, 0, np.where(bits(u, 9, 1) == 1, 1, -1)) * (
        1 + bits(u, 10, 2)
    )
    close_t = 4900 + np.cumsum(step)
    open_t = np.concatenate(([4900], close_t[:-1]))
    day_ns = 86_400 * 10**9
    ts = _DAY0 - 30 * day_ns + np.arange(days)[:, None] * day_ns + (m[None, :] + 1) * 60 * 10**9
    return BarData(
        ts=ts.ravel(),
        open=open_t / 100,
        close=close_t / 100,
        high=(np.maximum(open_t, close_t) + bits(u, 12, 2)) / 100,
        low=(np.minimum(open_t, close_t) - bits(u, 14, 2)) / 100,
        volume=vol,
        symbol=SAMPLE_SYMBOL,
    )


def write_sample(directory: str | Path) -> list[Path]:
    """Regenerate the sample files in ``directory``; return their paths."""
    out = Path(directory)
    q = _make_quotes()
    frames = {"quotes": q.frame(), "trades": _make_trades(q).frame(), "bars": _make_bars().frame()}
    paths = []
    for key, frame in frames.items():
        path = out / _FILES[key]
        # mtime=0 in the gzip header keeps the bytes reproducible
        frame.to_csv(
            path, index=False, float_format="%.2f", compression={"method": "gzip", "mtime": 0}
        )
        paths.append(path)
    return paths


def _path(key: str) -> Path:
    return Path(str(resources.files("bolt_exec.data").joinpath(_FILES[key])))


def sample_quotes() -> QuoteData:
    """The sample day's quotes (4,680 rows, every 5 s)."""
    return load_quotes(_path("quotes"), SAMPLE_SYMBOL)


def sample_trades() -> TradeData:
    """The sample day's trades (U-shaped intensity)."""
    return load_trades(_path("trades"), SAMPLE_SYMBOL)


def sample_bars() -> BarData:
    """Twenty earlier days of one-minute bars (for volume profiles)."""
    return load_bars(_path("bars"), SAMPLE_SYMBOL)

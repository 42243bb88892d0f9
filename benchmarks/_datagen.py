"""Data generators for the W1, W2 and W3 workloads (docs/benchmarks.md, normative).

Each generator returns integer arrays exactly as the spec defines them (prices
in cents) and :func:`sha256_of` hashes them as int64 little-endian, so a run can
prove it used the reference data before it is timed.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import hashlib
import json
import pstats
import resource
import sys
from typing import Final

import numpy as np
import numpy.typing as npt

from bolt_exec.backtest.synthetic import bits, splitmix64

I64 = npt.NDArray[np.int64]

W1_SHA256: Final = "48f6b41067a8c2554ead2c9752e33b6d52c4bf989c52e10f810c1f245b1994c2"
W3_SHA256: Final = "39c39eec08b281c49aced6f797e20d5735dec6e77129db4eb555912ef9f65228"
W1_T0: Final = 1_704_205_800_000_000_000
W2_T0: Final = 1_704_292_200_000_000_000


def sha256_of(*arrays: I64) -> str:
    """SHA-256 of the arrays as int64 little-endian, concatenated in order."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype="<i8").tobytes())
    return h.hexdigest()


def w1_quotes(n: int = 1_000_000, seed: int = 20240102) -> dict[str, I64]:
    """W1: quote ticks (ts, bid, ask, bid_size, ask_size), prices in cents."""
    u = splitmix64(seed, n)
    step = np.where(bits(u, 0, 1) == 0, 0, np.where(bits(u, 1, 1) == 1, 1, -1)).astype(np.int64)
    step[0] = 0
    bid = 18_500 + np.cumsum(step)
    return {
        "ts": W1_T0 + np.arange(n, dtype=np.int64) * 23_399_999,
        "bid": bid,
        "ask": bid + 1 + bits(u, 2, 1) + bits(u, 3, 1),
        "bid_size": 100 * (3 + bits(u, 8, 4)),
        "ask_size": 100 * (3 + bits(u, 12, 4)),
    }


def w3_days(count: int = 1260) -> list[dt.date]:
    """The first ``count`` Monday-Friday dates from 2019-01-01 (no holidays)."""
    days: list[dt.date] = []
    d = dt.date(2019, 1, 1)
    while len(days) < count:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def w3_bars(days: int = 1260, seed: int = 20190101) -> dict[str, I64]:
    """W3: one-minute bars (ts, open, high, low, close, volume), prices in cents."""
    day_ns = np.array(
        [
            int(dt.datetime(d.year, d.month, d.day, 14, 30, tzinfo=dt.UTC).timestamp()) * 10**9
            for d in w3_days(days)
        ],
        dtype=np.int64,
    )
    minute = np.arange(1, 391, dtype=np.int64) * 60 * 10**9
    ts = (day_ns[:, None] + minute[None, :]).ravel()
    n = len(ts)
    u = splitmix64(seed, n)
    mag = 1 + bits(u, 4, 2)
    d = np.where(bits(u, 0, 1) == 0, 0, np.where(bits(u, 1, 1) == 1, mag, -mag))
    close = 10_000 + np.cumsum(d)
    open_ = np.concatenate((np.array([10_000], dtype=np.int64), close[:-1]))
    return {
        "ts": ts,
        "open": open_,
        "high": np.maximum(open_, close) + bits(u, 8, 2),
        "low": np.minimum(open_, close) - bits(u, 10, 2),
        "close": close,
        "volume": 100 * (10 + bits(u, 12, 8)),
    }


def python_call_ns(n: int = 1_000_000) -> float:
    """Nanoseconds per empty Python function call right now: a yardstick for a noisy machine
    (figures from different runs compare better divided by it)."""
    import time

    def f() -> None:
        return None

    t = time.perf_counter_ns()
    for _ in range(n):
        f()
    return round((time.perf_counter_ns() - t) / n, 1)


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MB (Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def finish(out: dict[str, object], prof: cProfile.Profile | None, sort: str) -> None:
    """Print ``RESULT {json}``, the profile when one was taken, and exit 1 off-reference."""
    print("RESULT " + json.dumps(out))
    if prof is not None:
        pstats.Stats(prof, stream=sys.stderr).sort_stats(sort).print_stats(40)
    if not out["matches_reference"]:
        sys.exit(1)

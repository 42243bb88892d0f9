"""Seeded synthetic market data: SplitMix64 random walks of quotes, trades and bars.

Everything here is a pure function of its arguments (design invariant 6): the
same seed gives the same arrays, bit for bit, on every machine. The random
numbers are SplitMix64 (the standard sequential generator), computed for a
whole array at once with wrapping ``uint64`` arithmetic.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from bolt_exec.backtest.data import BarData, QuoteData, TradeData
from bolt_exec.errors import ValidationError

__all__ = ["bits", "splitmix64", "synthetic_bars", "synthetic_quotes", "synthetic_trades"]

U64 = npt.NDArray[np.uint64]
_GOLDEN: Final = np.uint64(0x9E3779B97F4A7C15)
_M1: Final = np.uint64(0xBF58476D1CE4E5B9)
_M2: Final = np.uint64(0x94D049BB133111EB)


def splitmix64(seed: int, n: int, start: int = 0) -> U64:
    """Return SplitMix64 outputs ``u_start .. u_{start+n-1}`` for ``seed``.

    ``z = s + (i+1)*0x9E3779B97F4A7C15; z = (z ^ (z>>30))*0xBF58476D1CE4E5B9;
    z = (z ^ (z>>27))*0x94D049BB133111EB; u_i = z ^ (z>>31)``, all mod 2**64.
    Seed 1234567 gives 6457827717110365317, 3203168211198807973, ...
    """
    if n < 0:
        raise ValidationError("n", n, "must not be negative")
    i = np.arange(start + 1, start + n + 1, dtype=np.uint64)
    z = np.uint64(seed % (1 << 64)) + i * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    out: U64 = z ^ (z >> np.uint64(31))
    return out


def bits(u: U64, shift: int, width: int) -> npt.NDArray[np.int64]:
    """Return ``(u >> shift) & (2**width - 1)`` as int64."""
    return ((u >> np.uint64(shift)) & np.uint64((1 << width) - 1)).astype(np.int64)


def synthetic_quotes(
    n: int,
    *,
    seed: int = 0,
    start_ns: int = 1_704_205_800_000_000_000,
    step_ns: int = 100_000_000,
    start_px: float = 100.0,
    tick_size: float = 0.01,
    lot: int = 100,
) -> QuoteData:
    """Return ``n`` quotes of a seeded random walk on the tick grid.

    Each step the bid moves 0 (p 1/2) or one tick up or down (p 1/4 each); the
    spread is 1, 2 or 3 ticks (p 1/4, 1/2, 1/4); sizes are ``lot * (3 + 0..15)``.
    """
    u = splitmix64(seed, n)
    step = np.where(bits(u, 0, 1) == 0, 0, np.where(bits(u, 1, 1) == 1, 1, -1))
    step[:1] = 0
    start_ticks = round(start_px / tick_size)
    bid_t = start_ticks + np.cumsum(step)
    ask_t = bid_t + 1 + bits(u, 2, 1) + bits(u, 3, 1)
    return QuoteData(
        ts=start_ns + np.arange(n, dtype=np.int64) * step_ns,
        bid=np.round(bid_t * tick_size, 10),
        ask=np.round(ask_t * tick_size, 10),
        bid_size=(lot * (3 + bits(u, 8, 4))).astype(np.float64),
        ask_size=(lot * (3 + bits(u, 12, 4))).astype(np.float64),
    )


def synthetic_trades(quotes: QuoteData, *, seed: int = 0, every: int = 3) -> TradeData:
    """Return trades printed against ``quotes``: one every ``every`` quotes on average.

    A trade takes the ask or the bid (p 1/2 each) of the quote it follows, 1 ns
    later, with a size of 100 .. 1,600 shares.
    """
    n = len(quotes.ts)
    u = splitmix64(seed ^ 0x5DEECE66D, n)
    mask = (u % np.uint64(every)) == 0
    idx = np.flatnonzero(mask)
    at_ask = bits(u[idx], 20, 1) == 1
    return TradeData(
        ts=quotes.ts[idx] + 1,
        px=np.where(at_ask, quotes.ask[idx], quotes.bid[idx]),
        size=(100 * (1 + bits(u[idx], 24, 4))).astype(np.float64),
    )


def synthetic_bars(
    n: int,
    *,
    seed: int = 0,
    start_ns: int = 1_704_205_860_000_000_000,
    bar_ns: int = 60_000_000_000,
    start_px: float = 100.0,
    tick_size: float = 0.01,
) -> BarData:
    """Return ``n`` consecutive bars of a seeded random walk (timestamps are bar closes).

    ``close`` moves 0 (p 1/2) or +-1..4 ticks; ``open`` is the previous close;
    high/low extend 0..3 ticks beyond; volume is ``100 * (10 + 0..255)``.
    """
    u = splitmix64(seed, n)
    mag = 1 + bits(u, 4, 2)
    d = np.where(bits(u, 0, 1) == 0, 0, np.where(bits(u, 1, 1) == 1, mag, -mag))
    start_ticks = round(start_px / tick_size)
    close = start_ticks + np.cumsum(d)
    open_ = np.concatenate(([start_ticks], close[:-1]))
    high = np.maximum(open_, close) + bits(u, 8, 2)
    low = np.minimum(open_, close) - bits(u, 10, 2)
    return BarData(
        ts=start_ns + np.arange(n, dtype=np.int64) * bar_ns,
        open=np.round(open_ * tick_size, 10),
        high=np.round(high * tick_size, 10),
        low=np.round(low * tick_size, 10),
        close=np.round(close * tick_size, 10),
        volume=(100 * (10 + bits(u, 12, 8))).astype(np.float64),
    )

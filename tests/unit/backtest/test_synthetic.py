from __future__ import annotations

import numpy as np

from bolt_exec.backtest.synthetic import (
    splitmix64,
    synthetic_bars,
    synthetic_quotes,
    synthetic_trades,
)


def test_splitmix64_matches_the_published_sequence():
    assert splitmix64(1234567, 3).tolist() == [
        6457827717110365317,
        3203168211198807973,
        9817491932198370423,
    ]


def test_splitmix64_start_offset_continues_the_sequence():
    assert np.array_equal(splitmix64(9, 10)[4:], splitmix64(9, 6, start=4))


def test_synthetic_data_is_deterministic_and_valid():
    a, b = synthetic_quotes(2000, seed=5), synthetic_quotes(2000, seed=5)
    assert np.array_equal(a.bid, b.bid)
    assert np.array_equal(a.ask_size, b.ask_size)
    assert not np.array_equal(a.bid, synthetic_quotes(2000, seed=6).bid)
    assert np.all(a.ask > a.bid)
    t = synthetic_trades(a, seed=5)
    assert 0 < len(t) < len(a)
    assert np.all(np.isin(t.px, np.concatenate([a.bid, a.ask])))
    bars = synthetic_bars(500, seed=1)
    assert np.all(bars.low <= bars.close)
    assert np.all(bars.open[1:] == bars.close[:-1])

"""The bundled sample data loads, and regenerating it gives the same bytes."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bolt_exec.backtest.sample import sample_bars, sample_quotes, sample_trades, write_sample


def test_sample_files_are_reproducible(tmp_path):
    for path in write_sample(tmp_path):
        bundled = Path(str(resources.files("bolt_exec.data").joinpath(path.name)))
        assert path.read_bytes() == bundled.read_bytes(), path.name


def test_sample_data_loads_valid_and_u_shaped():
    q, t, b = sample_quotes(), sample_trades(), sample_bars()
    assert len(q) == 4680
    assert q.symbol == "DEMO"
    assert len(b) == 20 * 390
    # more trades in the first and last half hour than in a mid-session hour
    x = (t.ts - q.ts[0]) / (390 * 60 * 10**9)
    edge = ((x < 1 / 13) | (x > 12 / 13)).sum()
    mid = ((x > 6 / 13) & (x < 7 / 13)).sum()
    assert edge > 3 * mid

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bolt_exec.backtest.data import BarData, QuoteData, load_bars, load_quotes, load_trades
from bolt_exec.errors import ValidationError

T0 = 1_704_205_800_000_000_000


def _quotes_frame(n=5):
    return pd.DataFrame(
        {
            "ts": T0 + np.arange(n) * 10**9,
            "bid": 100.0 + np.arange(n) * 0.01,
            "ask": 100.02 + np.arange(n) * 0.01,
            "bid_size": [300.0] * n,
            "ask_size": [400.0] * n,
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_load_quotes_round_trips_csv_and_parquet(tmp_path, suffix):
    df = _quotes_frame()
    path = tmp_path / f"q{suffix}"
    df.to_csv(path, index=False) if suffix == ".csv" else df.to_parquet(path)
    q = load_quotes(path, symbol="AAPL")
    assert len(q) == 5
    assert q.symbol == "AAPL"
    assert q.ts.dtype == np.int64
    assert q.bid.dtype == np.float64
    assert np.array_equal(q.ts, df["ts"].to_numpy())
    assert np.allclose(q.ask, df["ask"].to_numpy())


def test_load_quotes_accepts_iso_text_timestamps_and_aliases(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        "timestamp,bid_px,ask_px,bid_sz,ask_sz\n"
        "2024-01-02T14:30:00Z,1.0,1.1,5,6\n2024-01-02 14:30:01,1.0,1.1,5,6\n"
    )
    q = load_quotes(path)
    assert q.ts.tolist() == [T0, T0 + 10**9]


def test_bad_price_names_file_row_line_and_column(tmp_path):
    df = _quotes_frame()
    df.loc[3, "bid"] = -1.0
    path = tmp_path / "bad.csv"
    df.to_csv(path, index=False)
    with pytest.raises(ValidationError) as e:
        load_quotes(path)
    msg = str(e.value)
    assert e.value.field == "bid"
    assert "bad.csv" in msg
    assert "row 3" in msg
    assert "line 5" in msg


def test_unsorted_timestamps_are_refused_with_the_row(tmp_path):
    df = _quotes_frame()
    df.loc[2, "ts"] = T0 - 1
    path = tmp_path / "q.parquet"
    df.to_parquet(path)
    with pytest.raises(ValidationError, match="row 2") as e:
        load_quotes(path)
    assert e.value.field == "ts"


def test_non_numeric_cell_is_named(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("ts,price,size\n1,10.0,5\n2,abc,5\n")
    with pytest.raises(ValidationError, match="row 1") as e:
        load_trades(path)
    assert e.value.field == "px"
    assert e.value.value == "abc"


def test_missing_column_lists_the_accepted_names(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("ts,price\n1,10.0\n")
    with pytest.raises(ValidationError, match="qty"):
        load_trades(path)


def test_crossed_quote_and_bad_bar_are_refused():
    with pytest.raises(ValidationError, match="below bid"):
        QuoteData(ts=[1, 2], bid=[10.0, 10.0], ask=[10.1, 9.9], bid_size=[1, 1], ask_size=[1, 1])
    with pytest.raises(ValidationError) as e:
        BarData(ts=[1], open=[10.0], high=[9.0], low=[8.0], close=[9.5], volume=[0.0])
    assert e.value.field == "high"


def test_load_bars_and_unknown_extension(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("ts,open,high,low,close,volume\n60,10,11,9,10.5,0\n120,10.5,11,10,10.8,100\n")
    b = load_bars(path)
    assert b.close.tolist() == [10.5, 10.8]
    with pytest.raises(ValidationError, match="extension"):
        load_bars(tmp_path / "b.json") if (tmp_path / "b.json").write_text("{}") else None
    with pytest.raises(ValidationError, match="does not exist"):
        load_bars(tmp_path / "missing.csv")

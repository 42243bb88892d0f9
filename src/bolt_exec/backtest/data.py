"""Market data as columnar numpy arrays, validated once, and loaded from CSV or Parquet.

Theory of operation
-------------------
A backtest reads market data as a few aligned numpy arrays (int64 UNIX-ns
timestamps, float64 prices and sizes; design invariant 5 allows float64 for
market data). Arrays are validated when a container is built: timestamps
non-decreasing, prices positive and finite, sizes positive (bar volume may be
zero), ``ask >= bid`` and ``low <= open, close <= high``. A bad row raises a
:class:`~bolt_exec.errors.ValidationError` naming the source (file), the row
(0-based data row, and the file line for CSV) and the column, with the value.

Loaders accept the usual column spellings (``ts``/``timestamp``/``ts_event``,
``bid``/``bid_px``/``bid_price``, ...) and timestamps as integer nanoseconds or
as date-time text (naive text is read as UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from bolt_exec.errors import ValidationError

if TYPE_CHECKING:  # pandas is imported only when a file is loaded or a frame is asked for
    import pandas as pd

__all__ = [
    "BarData",
    "QuoteData",
    "TradeData",
    "load_bars",
    "load_quotes",
    "load_trades",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "ts": ("ts", "ts_event", "timestamp", "time", "datetime", "date"),
    "bid": ("bid", "bid_px", "bid_price", "bidprice"),
    "ask": ("ask", "ask_px", "ask_price", "askprice", "offer"),
    "bid_size": ("bid_size", "bid_sz", "bid_qty", "bidsize"),
    "ask_size": ("ask_size", "ask_sz", "ask_qty", "asksize", "offer_size"),
    "px": ("px", "price", "last", "last_px", "trade_px"),
    "size": ("size", "qty", "quantity", "last_qty", "volume"),
    "open": ("open", "o"),
    "high": ("high", "h"),
    "low": ("low", "l"),
    "close": ("close", "c"),
    "volume": ("volume", "v", "vol"),
}


def _fail(
    source: str, row: int, column: str, value: object, problem: str, line_offset: int
) -> None:
    where = f"{source}: row {row}" + (f" (line {row + line_offset})" if line_offset else "")
    raise ValidationError(
        column, value, f"{problem} at {where}", "fix or drop that row, then load again"
    )


def _check_sorted(ts: I64, source: str, line_offset: int) -> None:
    if len(ts) > 1:
        bad = np.flatnonzero(np.diff(ts) < 0)
        if len(bad):
            r = int(bad[0]) + 1
            _fail(
                source,
                r,
                "ts",
                int(ts[r]),
                f"timestamps must not decrease (previous row has {int(ts[r - 1])})",
                line_offset,
            )


def _check_positive(
    arr: F64, column: str, source: str, line_offset: int, *, allow_zero: bool = False
) -> None:
    bad_mask = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
    bad = np.flatnonzero(bad_mask)
    if len(bad):
        r = int(bad[0])
        _fail(
            source,
            r,
            column,
            float(arr[r]),
            "must be finite and " + ("not negative" if allow_zero else "positive"),
            line_offset,
        )


def _check_le(lo: F64, hi: F64, lo_name: str, hi_name: str, source: str, off: int) -> None:
    bad = np.flatnonzero(lo > hi)
    if len(bad):
        r = int(bad[0])
        _fail(source, r, hi_name, float(hi[r]), f"is below {lo_name}={float(lo[r])}", off)


def _i64(a: npt.ArrayLike) -> I64:
    return np.ascontiguousarray(a, dtype=np.int64)


def _f64(a: npt.ArrayLike) -> F64:
    return np.ascontiguousarray(a, dtype=np.float64)


def _align(data: object, columns: tuple[str, ...]) -> None:
    """Coerce ``ts`` to int64 and ``columns`` to float64; refuse columns of another length."""
    object.__setattr__(data, "ts", _i64(data.ts))  # type: ignore[attr-defined]
    n = len(data.ts)  # type: ignore[attr-defined]
    for name in columns:
        column = _f64(getattr(data, name))
        object.__setattr__(data, name, column)
        if len(column) != n:
            raise ValidationError(
                name, len(column), f"has a different length from ts ({n})", "align the arrays"
            )


def _frame(data: object, columns: tuple[str, ...]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({name: getattr(data, name) for name in ("ts", *columns)})


_QUOTE_COLUMNS = ("bid", "ask", "bid_size", "ask_size")
_TRADE_COLUMNS = ("px", "size")
_BAR_COLUMNS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True, slots=True, eq=False)
class QuoteData:
    """Top-of-book quotes: aligned arrays, one row per quote update."""

    ts: I64
    bid: F64
    ask: F64
    bid_size: F64
    ask_size: F64
    symbol: str = ""
    source: str = "<arrays>"
    line_offset: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        _align(self, _QUOTE_COLUMNS)
        src, off = self.source, self.line_offset
        _check_sorted(self.ts, src, off)
        for name in ("bid", "ask", "bid_size", "ask_size"):
            _check_positive(getattr(self, name), name, src, off)
        _check_le(self.bid, self.ask, "bid", "ask", src, off)

    def __len__(self) -> int:
        return len(self.ts)

    def frame(self) -> pd.DataFrame:
        """Return the quotes as a DataFrame."""
        return _frame(self, _QUOTE_COLUMNS)


@dataclass(frozen=True, slots=True, eq=False)
class TradeData:
    """Trade prints: aligned arrays, one row per trade."""

    ts: I64
    px: F64
    size: F64
    symbol: str = ""
    source: str = "<arrays>"
    line_offset: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        _align(self, _TRADE_COLUMNS)
        _check_sorted(self.ts, self.source, self.line_offset)
        _check_positive(self.px, "px", self.source, self.line_offset)
        _check_positive(self.size, "size", self.source, self.line_offset)

    def __len__(self) -> int:
        return len(self.ts)

    def frame(self) -> pd.DataFrame:
        """Return the trades as a DataFrame."""
        return _frame(self, _TRADE_COLUMNS)


@dataclass(frozen=True, slots=True, eq=False)
class BarData:
    """OHLCV bars stamped at the bar's close."""

    ts: I64
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64
    symbol: str = ""
    source: str = "<arrays>"
    line_offset: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        _align(self, _BAR_COLUMNS)
        src, off = self.source, self.line_offset
        _check_sorted(self.ts, src, off)
        for name in ("open", "high", "low", "close"):
            _check_positive(getattr(self, name), name, src, off)
        _check_positive(self.volume, "volume", src, off, allow_zero=True)
        _check_le(self.low, self.open, "low", "open", src, off)
        _check_le(self.low, self.close, "low", "close", src, off)
        _check_le(self.open, self.high, "open", "high", src, off)
        _check_le(self.close, self.high, "close", "high", src, off)

    def __len__(self) -> int:
        return len(self.ts)

    def frame(self) -> pd.DataFrame:
        """Return the bars as a DataFrame."""
        return _frame(self, _BAR_COLUMNS)


# -- loading -----------------------------------------------------------------------------------
def _read(path: str | Path) -> tuple[pd.DataFrame, str, int]:
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise ValidationError("path", str(p), "does not exist", "check the file name")
    suffix = "".join(p.suffixes[-2:]).lower()
    if suffix.endswith((".parquet", ".pq")):
        return pd.read_parquet(p), str(p), 0
    if suffix.endswith((".csv", ".csv.gz", ".txt")):
        # line 1 is the header, so data row r is on line r + 2
        return pd.read_csv(p), str(p), 2
    raise ValidationError(
        "path", str(p), "has an unknown extension", "use .csv, .csv.gz or .parquet"
    )


def _column(df: pd.DataFrame, name: str, source: str) -> pd.Series:
    lower = {str(c).lower(): c for c in df.columns}
    for alias in _ALIASES[name]:
        if alias in lower:
            return df[lower[alias]]
    raise ValidationError(
        name,
        sorted(map(str, df.columns)),
        f"no column for {name!r} in {source}",
        f"name a column one of {list(_ALIASES[name])}",
    )


def _numeric(s: pd.Series, name: str, source: str, off: int) -> F64:
    import pandas as pd

    conv = pd.to_numeric(s, errors="coerce")
    bad = np.flatnonzero(conv.isna().to_numpy())
    if len(bad):
        r = int(bad[0])
        _fail(source, r, name, s.iloc[r], "is not a number", off)
    return _f64(conv.to_numpy())


def _timestamps(s: pd.Series, source: str, off: int) -> I64:
    import pandas as pd

    if pd.api.types.is_integer_dtype(s.dtype):
        return _i64(s.to_numpy())
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        dt = pd.to_datetime(s, utc=True)
    else:
        dt = pd.to_datetime(s, utc=True, errors="coerce", format="mixed")
        bad = np.flatnonzero(dt.isna().to_numpy())
        if len(bad):
            r = int(bad[0])
            _fail(
                source,
                r,
                "ts",
                s.iloc[r],
                "is not a timestamp (integer ns or ISO date-time text)",
                off,
            )
    return _i64(pd.DatetimeIndex(dt).as_unit("ns").asi8)


def load_quotes(path: str | Path, symbol: str = "") -> QuoteData:
    """Load top-of-book quotes from a CSV or Parquet file.

    Args:
        path: the file (``.csv``, ``.csv.gz`` or ``.parquet``).
        symbol: the symbol the quotes are for (kept on the result).

    Raises:
        ValidationError: naming the file, row and column of the first bad value.
    """
    df, src, off = _read(path)
    return QuoteData(
        ts=_timestamps(_column(df, "ts", src), src, off),
        bid=_numeric(_column(df, "bid", src), "bid", src, off),
        ask=_numeric(_column(df, "ask", src), "ask", src, off),
        bid_size=_numeric(_column(df, "bid_size", src), "bid_size", src, off),
        ask_size=_numeric(_column(df, "ask_size", src), "ask_size", src, off),
        symbol=symbol,
        source=src,
        line_offset=off,
    )


def load_trades(path: str | Path, symbol: str = "") -> TradeData:
    """Load trade prints (ts, px, size) from a CSV or Parquet file; see :func:`load_quotes`."""
    df, src, off = _read(path)
    return TradeData(
        ts=_timestamps(_column(df, "ts", src), src, off),
        px=_numeric(_column(df, "px", src), "px", src, off),
        size=_numeric(_column(df, "size", src), "size", src, off),
        symbol=symbol,
        source=src,
        line_offset=off,
    )


def load_bars(path: str | Path, symbol: str = "") -> BarData:
    """Load OHLCV bars (stamped at the bar close) from CSV or Parquet; see :func:`load_quotes`."""
    df, src, off = _read(path)
    return BarData(
        ts=_timestamps(_column(df, "ts", src), src, off),
        open=_numeric(_column(df, "open", src), "open", src, off),
        high=_numeric(_column(df, "high", src), "high", src, off),
        low=_numeric(_column(df, "low", src), "low", src, off),
        close=_numeric(_column(df, "close", src), "close", src, off),
        volume=_numeric(_column(df, "volume", src), "volume", src, off),
        symbol=symbol,
        source=src,
        line_offset=off,
    )

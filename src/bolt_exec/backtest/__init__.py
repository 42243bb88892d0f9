"""Backtests: market data as arrays, synthetic data, the engine and its results.

from bolt_exec.backtest import BacktestEngine, Strategy, load_quotes
"""

from bolt_exec.backtest.data import (
    BarData,
    QuoteData,
    TradeData,
    load_bars,
    load_quotes,
    load_trades,
)
from bolt_exec.backtest.engine import BacktestEngine, backtest
from bolt_exec.backtest.results import BacktestResult
from bolt_exec.backtest.strategy import BacktestContext, Strategy, TickView
from bolt_exec.backtest.synthetic import synthetic_bars, synthetic_quotes, synthetic_trades

__all__ = [
    "BacktestContext",
    "BacktestEngine",
    "BacktestResult",
    "BarData",
    "QuoteData",
    "Strategy",
    "TickView",
    "TradeData",
    "backtest",
    "load_bars",
    "load_quotes",
    "load_trades",
    "synthetic_bars",
    "synthetic_quotes",
    "synthetic_trades",
]

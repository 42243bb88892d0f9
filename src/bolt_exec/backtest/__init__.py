"""Backtests: market data as arrays, synthetic data, the engine and its results.

A backtest runs the same OrderManager, safety gate and PaperBroker as a live
session, on a simulated clock, deterministically::

    from bolt_exec.algos import TWAP
    from bolt_exec.backtest import Strategy, backtest, load_quotes

    class BuyTwap(Strategy):
        def on_start(self, ctx):
            ctx.execute(TWAP(slices=12, interval_ns=300 * 10**9), "BUY", 10_000,
                        end_ns=ctx.now_ns() + 3600 * 10**9)

    result = backtest(instrument, BuyTwap(), quotes=load_quotes("aapl.parquet", "AAPL"))
    result.tca(); result.fills(); result.pnl(); result.plot()

Define ``on_quote`` / ``on_trade`` / ``on_bar`` on the strategy to see every
event; without them the engine jumps between wake-ups.
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

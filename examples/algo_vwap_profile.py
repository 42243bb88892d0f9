"""Estimate an intraday volume profile from 20 days of bars and follow it with a VWAP.

python examples/algo_vwap_profile.py
"""

from __future__ import annotations

from decimal import Decimal

from bolt_exec.algos import VWAP, profile_from_bars
from bolt_exec.backtest import BacktestContext, Strategy, backtest
from bolt_exec.backtest.sample import SAMPLE_SYMBOL, sample_bars, sample_quotes, sample_trades
from bolt_exec.model.instrument import Instrument

MIN = 60 * 10**9


class SellWithVwap(Strategy):
    """Sell 30,000 shares over the whole session along the historical profile, <= 20 % of volume."""

    def __init__(self) -> None:
        bars = sample_bars()
        self.profile = profile_from_bars(bars.ts, bars.volume)

    def on_start(self, ctx: BacktestContext) -> None:
        algo = VWAP(profile=self.profile, interval_ns=5 * MIN, max_participation=0.2)
        ctx.execute(algo, "SELL", 30_000, end_ns=ctx.now_ns() + 390 * MIN, parent_id="VWAP-1")


def main() -> None:
    inst = Instrument(SAMPLE_SYMBOL, "XNAS", tick_size=Decimal("0.01"))
    result = backtest(inst, SellWithVwap(), quotes=sample_quotes(), trades=sample_trades())
    print(result.tca().T.to_string())
    result.plot("VWAP-1").savefig("vwap_fills.png")
    print("saved vwap_fills.png")


if __name__ == "__main__":
    main()

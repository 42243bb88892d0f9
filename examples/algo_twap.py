"""Work a 20,000-share buy with a TWAP over the sample day, then print its TCA.

python examples/algo_twap.py
"""

from __future__ import annotations

from decimal import Decimal

from bolt_exec.adapters.paper import FeeModel
from bolt_exec.algos import TWAP
from bolt_exec.backtest import BacktestContext, Strategy, backtest
from bolt_exec.backtest.sample import SAMPLE_SYMBOL, sample_quotes, sample_trades
from bolt_exec.model.instrument import Instrument

MIN = 60 * 10**9


class BuyWithTwap(Strategy):
    """At the open, hand 20,000 shares to a 2-hour TWAP with 5-minute slices."""

    def on_start(self, ctx: BacktestContext) -> None:
        algo = TWAP(interval_ns=5 * MIN, size_jitter=0.2, time_jitter=0.3, seed=7, style="passive")
        ctx.execute(algo, "BUY", 20_000, end_ns=ctx.now_ns() + 120 * MIN, parent_id="TWAP-1")


def main() -> None:
    inst = Instrument(SAMPLE_SYMBOL, "XNAS", tick_size=Decimal("0.01"))
    result = backtest(
        inst,
        BuyWithTwap(),
        quotes=sample_quotes(),
        trades=sample_trades(),
        fees=FeeModel(maker_bps=Decimal("-0.2"), taker_bps=Decimal("0.3")),
    )
    print(result.tca().T.to_string())
    print(result.summary())


if __name__ == "__main__":
    main()

"""Buy at 10 % of the market's volume with a limit price, and an iceberg on the side.

python examples/algo_pov.py
"""

from __future__ import annotations

from decimal import Decimal

from bolt_exec.algos import POV, Iceberg
from bolt_exec.backtest import BacktestContext, Strategy, backtest
from bolt_exec.backtest.sample import SAMPLE_SYMBOL, sample_quotes, sample_trades
from bolt_exec.model.instrument import Instrument

MIN = 60 * 10**9


class TwoParents(Strategy):
    """A POV buy capped at 50.10, and an iceberg sell showing 300 at 50.05."""

    def on_start(self, ctx: BacktestContext) -> None:
        ctx.execute(
            POV(rate=0.1, min_child=100, max_child=2_000),
            "BUY",
            50_000,
            limit_px="50.10",
            end_ns=ctx.now_ns() + 390 * MIN,
            parent_id="POV-1",
        )
        ctx.execute(
            Iceberg(display_qty=300, display_jitter=0.3, seed=1),
            "SELL",
            3_000,
            limit_px="50.05",
            end_ns=ctx.now_ns() + 390 * MIN,
            parent_id="ICE-1",
        )


def main() -> None:
    inst = Instrument(SAMPLE_SYMBOL, "XNAS", tick_size=Decimal("0.01"))
    result = backtest(inst, TwoParents(), quotes=sample_quotes(), trades=sample_trades())
    print(result.parents().to_string())
    print(result.tca()[["filled_qty", "avg_px", "shortfall_bps", "participation"]].to_string())


if __name__ == "__main__":
    main()

"""A paper session in a few lines: quotes in, orders out, blotter and PnL printed.

Run: python examples/paper_quickstart.py
"""

from __future__ import annotations

from decimal import Decimal

import bolt_exec as bx


def main() -> None:
    clock = bx.SimClock(1_704_205_800_000_000_000)  # 2024-01-02 14:30 UTC
    aapl = bx.Instrument("AAPL", venue="XNAS", tick_size=Decimal("0.01"))
    paper = bx.PaperBroker([aapl], fees=bx.FeeModel(taker_bps=Decimal(1), maker_bps=Decimal(0)))
    oms = bx.OrderManager(paper, clock=clock)

    fills: list[str] = []
    oms.bus.subscribe("execution.AAPL", lambda _t, f: fills.append(f"{f.last_qty}@{f.last_px}"))

    paper.on_quote("AAPL", "189.50", "189.52", 300, 300, clock.now_ns())
    market = oms.submit("AAPL", "BUY", 500, "MARKET")  # 300 displayed: fills in two parts
    limit = oms.submit("AAPL", "SELL", 200, "LIMIT", limit_px="189.80", tif="GTC")
    oms.amend(limit.client_order_id, limit_px="189.60")

    clock.advance_by(1_000_000_000)
    paper.on_quote("AAPL", "189.61", "189.63", 500, 500, clock.now_ns())
    oms.update_mark("AAPL", "189.62")

    print("market:", market.status, market.filled_qty, "avg", market.avg_px)
    print("limit: ", limit.status, limit.filled_qty, "avg", limit.avg_px)
    print("fills: ", ", ".join(fills))
    print(
        oms.positions_frame()[
            ["symbol", "qty", "avg_px", "realized_pnl", "unrealized_pnl", "fees"]
        ].to_string(index=False)
    )


if __name__ == "__main__":
    main()

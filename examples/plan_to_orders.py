"""Plans with a confidence become sized orders; a bracket protects the position.

Run: python examples/plan_to_orders.py
"""

from __future__ import annotations

from decimal import Decimal

import bolt_exec as bx
from bolt_exec.agent import ConfidenceSizing, Plan, PlanExecutor, attach_bracket


def main() -> None:
    clock = bx.SimClock(1_704_205_800_000_000_000)
    btc = bx.Instrument(
        "BTC-USDT",
        venue="OKX",
        asset_class=bx.AssetClass.CRYPTO,
        currency="USDT",
        tick_size=Decimal("0.1"),
        lot_size=Decimal("0.0001"),
        min_qty=Decimal("0.0001"),
    )
    paper = bx.PaperBroker([btc], session_close=None)  # crypto trades around the clock
    oms = bx.OrderManager(paper, clock=clock)
    paper.on_quote("BTC-USDT", "50000.0", "50000.1", 2, 2, clock.now_ns())

    executor = PlanExecutor(oms, ConfidenceSizing(Decimal("0.001"), Decimal("0.01")))
    for plan in [
        Plan(
            symbol="BTC-USDT",
            action="BUY",
            confidence=0.85,
            plan_id="p1",
            reasoning="trend up, sentiment strong",
        ),
        Plan(symbol="BTC-USDT", action="HOLD", confidence=0.95, plan_id="p2"),
        Plan(symbol="BTC-USDT", action="SELL", confidence=0.42, plan_id="p3"),
    ]:
        result = executor.execute(plan)
        print(f"{plan.plan_id}: {result.status:8} {result.message}")

    entry = oms.handle(next(o.client_order_id for o in oms.orders()))
    bracket = attach_bracket(oms, entry, take_profit_px="51000.0", stop_loss_px="49500.0")
    clock.advance_by(60_000_000_000)
    paper.on_quote("BTC-USDT", "51000.0", "51000.1", 2, 2, clock.now_ns())
    tp, sl = bracket.take_profit, bracket.stop_loss
    print("take-profit:", tp.status if tp else None, "stop-loss:", sl.status if sl else None)
    print("position:", oms.position("BTC-USDT"))


if __name__ == "__main__":
    main()

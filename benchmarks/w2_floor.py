"""W2 floor — the least Python any event-sourced OMS must run per W2 order.

Not a bolt_exec benchmark: a yardstick for W2 (``w2_orders.py``). It runs
W2's order flow (100,000 GTC limits submitted, then each canceled) through a
skeleton with only what the workload's definition cannot do without: the
order's text price parsed once into a Decimal, bolt_exec's own event structs
(the five events of a submit and a cancel: initialized, submitted, accepted,
pending cancel, canceled), a transition check and a status change per event,
every event appended to an in-memory journal and published to one subscriber,
and a venue that rests the order in a dict and answers synchronously.

What the skeleton leaves out, and bolt_exec does on every W2 order: input
validation (lot and tick grids, enums, TIF), the SafetyGate call, order handles,
the portfolio, the clock, the store's projection of each event, the paper
venue's refusal checks and queue-position model, the backtest engine's
scheduling, and the write-ahead bookkeeping (pending batches, the command scope).

If the floor runs at F orders/s, W2 at 40,000 orders/s asks the real path to
cost at most F / 40,000 times the floor. Prints ``RESULT {json}``.

    PYTHONPATH=src:benchmarks python benchmarks/w2_floor.py [--n N]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import _datagen as g

from bolt_exec.model.enums import OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderInitialized,
    OrderPendingCancel,
    OrderSubmitted,
)

T0 = 1_704_292_200_000_000_000
S = OrderStatus
# The transitions the skeleton's orders take (the real table has ~60 edges; a lookup is a lookup).
NEXT: dict[tuple[OrderStatus, type[OrderEvent]], OrderStatus] = {
    (S.INITIALIZED, OrderSubmitted): S.SUBMITTED,
    (S.SUBMITTED, OrderAccepted): S.ACCEPTED,
    (S.ACCEPTED, OrderPendingCancel): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, OrderCanceled): S.CANCELED,
}


class Order:
    __slots__ = ("coid", "n", "status")

    def __init__(self, coid: str) -> None:
        self.coid, self.status, self.n = coid, S.INITIALIZED, 1


class Skeleton:
    """OMS + venue in the fewest steps that still journal and publish every event."""

    def __init__(self, on_event: Callable[[OrderEvent], None]) -> None:
        self.journal: list[OrderEvent] = []
        self.orders: dict[str, Order] = {}
        self.book: dict[str, OrderInitialized] = {}
        self.handlers = {OrderAccepted: [on_event], OrderCanceled: [on_event]}

    def _apply(self, order: Order, event: OrderEvent) -> None:
        order.status = NEXT[(order.status, type(event))]
        order.n += 1
        self.journal.append(event)
        for handler in self.handlers.get(type(event), ()):
            handler(event)

    def submit(self, side: Side, px: str, coid: str) -> None:
        init = OrderInitialized(
            client_order_id=coid,
            ts_event=T0,
            ts_init=T0,
            event_id=f"{coid}-1",
            symbol="AAPL",
            side=side,
            order_type=OrderType.LIMIT,
            qty=Decimal(100),
            limit_px=Decimal(px),
            tif=TimeInForce.GTC,
            broker="paper",
        )
        order = self.orders[coid] = Order(coid)
        self.journal.append(init)
        self._apply(order, OrderSubmitted(client_order_id=coid, ts_event=T0, ts_init=T0))
        self.book[coid] = init  # the venue rests it and answers
        ack = OrderAccepted(client_order_id=coid, ts_event=T0, ts_init=T0, venue_order_id=coid)
        self._apply(order, ack)

    def cancel(self, coid: str) -> None:
        order = self.orders[coid]
        self._apply(order, OrderPendingCancel(client_order_id=coid, ts_event=T0, ts_init=T0))
        del self.book[coid]
        self._apply(order, OrderCanceled(client_order_id=coid, ts_event=T0, ts_init=T0))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    n = ap.parse_args().n
    counts = {"accepted": 0, "canceled": 0}

    def on_event(event: Any) -> None:
        counts["accepted" if type(event) is OrderAccepted else "canceled"] += 1

    oms = Skeleton(on_event)
    buy_px = [f"{99.00 - 0.01 * lvl:.2f}" for lvl in range(100)]
    sell_px = [f"{101.01 + 0.01 * lvl:.2f}" for lvl in range(100)]
    ids = [f"W2-{i}" for i in range(n)]
    t0 = time.perf_counter()
    for i, coid in enumerate(ids):
        lvl = (i // 2) % 100
        if i % 2 == 0:
            oms.submit(Side.BUY, buy_px[lvl], coid)
        else:
            oms.submit(Side.SELL, sell_px[lvl], coid)
    for coid in ids:
        oms.cancel(coid)
    run_s = time.perf_counter() - t0
    out = {
        "workload": "W2-floor",
        "orders": n,
        "run_s": round(run_s, 4),
        "orders_per_s": round(n / run_s),
        "us_per_order": round(1e6 * run_s / n, 2),
        "events_journaled": len(oms.journal),
        "matches_reference": counts == {"accepted": n, "canceled": n} and not oms.book,
        "calib_ns_per_py_call": g.python_call_ns(),
    }
    print("RESULT " + json.dumps(out))


if __name__ == "__main__":
    main()

"""OrderTracker without sockets: snapshots in any order, repeated, give each trade exactly once."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.adapters.zerodha import wire
from bolt_exec.adapters.zerodha.codec import tag_for
from bolt_exec.adapters.zerodha.tracker import OrderTracker
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderRejected,
)

FIXTURES = Path(__file__).parent / "fixtures"
COID = "strategy/A-42"
OPEN: dict[str, Any] = json.loads((FIXTURES / "ws_order_open.json").read_text())["data"] | {
    "tag": tag_for(COID),
    "quantity": 6,
}


def snapshot(filled: int, status: str = "OPEN") -> dict[str, Any]:
    return OPEN | {"filled_quantity": filled, "pending_quantity": 6 - filled, "status": status}


def trades(upto: int) -> list[dict[str, Any]]:
    # the venue's trades: one share each, ids 1..upto
    return [
        {
            "trade_id": str(i),
            "order_id": OPEN["order_id"],
            "exchange": "NSE",
            "tradingsymbol": "INFY",
            "transaction_type": "BUY",
            "quantity": 1,
            "average_price": 1400.05,
            "exchange_timestamp": "2025-01-01 09:16:40",
        }
        for i in range(1, upto + 1)
    ]


def feed(tracker: OrderTracker, raw: dict[str, Any], ts: int) -> list[OrderEvent]:
    """What the adapter does with one snapshot (minus the sockets)."""
    applied = tracker.apply(wire.parse_order(raw), ts)
    assert applied is not None
    coid, result = applied
    out: list[OrderEvent] = list(result.events)
    if tracker.fills_behind(coid):
        out += tracker.new_fills(coid, trades(int(raw["filled_quantity"])), ts)
    return out + list(result.terminal)


def test_tracker_ignores_orders_without_our_tag() -> None:
    tracker = OrderTracker("NSE")
    assert tracker.apply(wire.parse_order(OPEN), 1) is None
    assert tracker.apply(wire.parse_order(OPEN | {"tag": None}), 1) is None


def test_tracker_adopted_id_maps_tag_back_after_restart() -> None:
    tracker = OrderTracker("NSE")
    tracker.adopt([COID])
    events = feed(tracker, snapshot(2), 1)
    assert [type(e) for e in events] == [OrderAccepted, OrderFilled, OrderFilled]
    assert {e.client_order_id for e in events} == {COID}
    assert tracker.order_ids[COID] == OPEN["order_id"]


def test_tracker_symbol_of_other_exchange_is_qualified() -> None:
    tracker = OrderTracker("NSE")
    assert tracker.symbol_of("NSE", "INFY") == "INFY"
    assert tracker.symbol_of("NFO", "NIFTY26DECFUT") == "NFO:NIFTY26DECFUT"


@given(
    st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=12),
    st.sampled_from(["COMPLETE", "CANCELLED", "REJECTED", None]),
    st.randoms(use_true_random=False),
)
def test_tracker_any_delivery_order_reports_each_trade_once(
    progress: list[int], final: str | None, rnd: Any
) -> None:
    """Snapshots shuffled and duplicated: fills = the venue's trades, terminal events once."""
    # Arrange: the venue's true history, then a messy delivery of it
    history = [snapshot(f) for f in sorted(progress)]
    if final == "COMPLETE":
        history.append(snapshot(6, "COMPLETE"))
    elif final is not None:
        history.append(snapshot(max(progress), final))
    delivered = history + [rnd.choice(history) for _ in range(len(history))]
    rnd.shuffle(delivered)
    delivered.append(history[-1])  # the latest state always arrives eventually
    tracker = OrderTracker("NSE")
    tracker.register(COID, "INFY")
    # Act
    events = [e for i, raw in enumerate(delivered) for e in feed(tracker, raw, i)]
    # Assert
    fills = [e for e in events if isinstance(e, OrderFilled)]
    assert [f.trade_id for f in fills] == sorted({f.trade_id for f in fills}, key=int)
    assert sum(f.last_qty for f in fills) == Decimal(int(history[-1]["filled_quantity"]))
    terminal = [e for e in events if isinstance(e, OrderCanceled | OrderRejected)]
    assert len(terminal) <= 1
    if final in ("CANCELLED", "REJECTED"):
        assert len(terminal) == 1
        assert all(
            e is terminal[0] or not isinstance(e, OrderAccepted)
            for e in events[events.index(terminal[0]) :]
        )
    assert len([e for e in events if isinstance(e, OrderAccepted)]) <= 1

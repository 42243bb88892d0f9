"""Orders, fills and positions as pandas DataFrames (Decimals kept exact, as objects)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from bolt_exec.model.events import OrderFilled
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position

__all__ = ["fills_frame", "orders_frame", "positions_frame"]

ORDER_COLUMNS = [
    "client_order_id",
    "symbol",
    "side",
    "order_type",
    "qty",
    "limit_px",
    "stop_px",
    "tif",
    "status",
    "filled_qty",
    "leaves_qty",
    "avg_px",
    "fees",
    "broker",
    "strategy_id",
    "parent_id",
    "venue_order_id",
    "ts_init",
    "ts_last",
]
FILL_COLUMNS = [
    "trade_id",
    "client_order_id",
    "symbol",
    "side",
    "last_qty",
    "last_px",
    "fee",
    "liquidity",
    "ts_event",
    "reconciliation",
]
POSITION_COLUMNS = [
    "broker",
    "symbol",
    "side",
    "qty",
    "avg_px",
    "last_px",
    "realized_pnl",
    "unrealized_pnl",
    "fees",
    "net_realized_pnl",
]


def orders_frame(orders: Iterable[Order]) -> pd.DataFrame:
    """One row per order."""
    rows = [
        [
            o.client_order_id,
            o.symbol,
            str(o.side),
            str(o.order_type),
            o.qty,
            o.limit_px,
            o.stop_px,
            str(o.tif),
            str(o.status),
            o.filled_qty,
            o.leaves_qty,
            o.avg_px,
            o.fees,
            o.broker,
            o.strategy_id,
            o.parent_id,
            o.venue_order_id,
            o.ts_init,
            o.ts_last,
        ]
        for o in orders
    ]
    return pd.DataFrame(rows, columns=ORDER_COLUMNS)


def fills_frame(orders: Iterable[Order]) -> pd.DataFrame:
    """One row per fill, in event-time order."""
    rows = [
        [
            e.trade_id,
            e.client_order_id,
            e.symbol,
            str(e.side),
            e.last_qty,
            e.last_px,
            e.fee,
            str(e.liquidity),
            e.ts_event,
            e.reconciliation,
        ]
        for o in orders
        for e in o.events
        if isinstance(e, OrderFilled)
    ]
    rows.sort(key=lambda r: int(r[8]))  # type: ignore[call-overload]
    return pd.DataFrame(rows, columns=FILL_COLUMNS)


def positions_frame(positions: Iterable[Position]) -> pd.DataFrame:
    """One row per (broker, symbol) position."""
    rows = [
        [
            p.broker,
            p.symbol,
            p.side,
            p.qty,
            p.avg_px,
            p.last_px,
            p.realized_pnl,
            p.unrealized_pnl,
            p.fees,
            p.net_realized_pnl,
        ]
        for p in positions
    ]
    return pd.DataFrame(rows, columns=POSITION_COLUMNS)

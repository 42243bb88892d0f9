"""The fake venue's own minimal encoder of Binance spot payloads.

Deliberately independent of ``bolt_exec.adapters.binance.codec``: if the codec
misread a field, a fake built on it would make the same mistake and the tests
would pass. Field names follow Binance's spot API documentation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["FakeOrder", "FakeTrade", "d8", "execution_report", "order_json", "trade_json"]


def d8(value: Decimal) -> str:
    """Binance prints decimals with 8 places ("0.10000000")."""
    return f"{value:.8f}"


@dataclass(slots=True)
class FakeOrder:
    """An order as the fake venue keeps it."""

    symbol: str
    order_id: int
    client_order_id: str
    side: str
    type: str
    tif: str
    qty: Decimal
    price: Decimal
    stop_price: Decimal
    time_ms: int
    status: str = "NEW"
    executed: Decimal = Decimal(0)
    quote: Decimal = Decimal(0)
    update_ms: int = 0
    trade_ids: list[int] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """True while the order can still trade."""
        return self.status in ("NEW", "PARTIALLY_FILLED")


@dataclass(frozen=True, slots=True)
class FakeTrade:
    """One execution."""

    trade_id: int
    order_id: int
    symbol: str
    side: str
    qty: Decimal
    price: Decimal
    commission: Decimal
    commission_asset: str
    time_ms: int
    is_maker: bool


def order_json(o: FakeOrder) -> dict[str, Any]:
    """The query / open-orders / allOrders object."""
    return {
        "symbol": o.symbol,
        "orderId": o.order_id,
        "orderListId": -1,
        "clientOrderId": o.client_order_id,
        "price": d8(o.price),
        "origQty": d8(o.qty),
        "executedQty": d8(o.executed),
        "cummulativeQuoteQty": d8(o.quote),
        "status": o.status,
        "timeInForce": o.tif,
        "type": o.type,
        "side": o.side,
        "stopPrice": d8(o.stop_price),
        "icebergQty": d8(Decimal(0)),
        "time": o.time_ms,
        "updateTime": o.update_ms or o.time_ms,
        "isWorking": o.status in ("NEW", "PARTIALLY_FILLED"),
        "workingTime": o.time_ms,
        "origQuoteOrderQty": d8(Decimal(0)),
        "selfTradePreventionMode": "EXPIRE_MAKER",
    }


def order_response(o: FakeOrder, fills: list[FakeTrade], transact_ms: int) -> dict[str, Any]:
    """A FULL ``POST /api/v3/order`` response."""
    body = order_json(o)
    for key in ("stopPrice", "icebergQty", "time", "updateTime", "isWorking"):
        body.pop(key)
    body["transactTime"] = transact_ms
    body["fills"] = [
        {
            "price": d8(t.price),
            "qty": d8(t.qty),
            "commission": d8(t.commission),
            "commissionAsset": t.commission_asset,
            "tradeId": t.trade_id,
        }
        for t in fills
    ]
    return body


def cancel_response(o: FakeOrder, cancel_cid: str, transact_ms: int) -> dict[str, Any]:
    """A ``DELETE /api/v3/order`` response."""
    body = order_json(o)
    for key in ("stopPrice", "icebergQty", "time", "updateTime", "isWorking", "workingTime"):
        body.pop(key)
    body["origClientOrderId"] = o.client_order_id
    body["clientOrderId"] = cancel_cid
    body["transactTime"] = transact_ms
    return body


def trade_json(t: FakeTrade, order_list_id: int = -1) -> dict[str, Any]:
    """A ``myTrades`` row."""
    return {
        "symbol": t.symbol,
        "id": t.trade_id,
        "orderId": t.order_id,
        "orderListId": order_list_id,
        "price": d8(t.price),
        "qty": d8(t.qty),
        "quoteQty": d8(t.price * t.qty),
        "commission": d8(t.commission),
        "commissionAsset": t.commission_asset,
        "time": t.time_ms,
        "isBuyer": t.side == "BUY",
        "isMaker": t.is_maker,
        "isBestMatch": True,
    }


def execution_report(
    o: FakeOrder,
    exec_type: str,
    event_ms: int,
    execution_id: int,
    trade: FakeTrade | None = None,
    cancel_cid: str = "",
    reason: str = "NONE",
) -> dict[str, Any]:
    """A user-data-stream ``executionReport`` event."""
    is_cancel = exec_type == "CANCELED"
    return {
        "e": "executionReport",
        "E": event_ms,
        "s": o.symbol,
        "c": cancel_cid if is_cancel else o.client_order_id,
        "S": o.side,
        "o": o.type,
        "f": o.tif,
        "q": d8(o.qty),
        "p": d8(o.price),
        "P": d8(o.stop_price),
        "F": d8(Decimal(0)),
        "g": -1,
        "C": o.client_order_id if is_cancel else "",
        "x": exec_type,
        "X": o.status,
        "r": reason,
        "i": o.order_id,
        "l": d8(trade.qty) if trade else d8(Decimal(0)),
        "z": d8(o.executed),
        "L": d8(trade.price) if trade else d8(Decimal(0)),
        "n": d8(trade.commission) if trade else "0",
        "N": trade.commission_asset if trade else None,
        "T": event_ms,
        "t": trade.trade_id if trade else -1,
        "v": -1,
        "I": execution_id,
        "w": o.is_open,
        "m": trade.is_maker if trade else False,
        "M": False,
        "O": o.time_ms,
        "Z": d8(o.quote),
        "Y": d8(trade.qty * trade.price) if trade else d8(Decimal(0)),
        "Q": d8(Decimal(0)),
        "W": o.time_ms,
        "V": "EXPIRE_MAKER",
    }

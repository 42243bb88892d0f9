"""Kite's wire payloads, parsed: order and trade objects, timestamps, status names.

Field names are exactly Kite's. Parsing only (msgspec, lenient on unknown
fields and on kiteconnect's datetime conversion); conversion to bolt_exec types
lives in :mod:`.translate` and :mod:`.codec`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final

import msgspec

from bolt_exec.errors import RemoteProtocolError
from bolt_exec.model.enums import OrderStatus

__all__ = [
    "IST",
    "PENDING_NEW",
    "STATUS_MAP",
    "TERMINAL",
    "KiteOrder",
    "KiteTrade",
    "kite_ts_to_ns",
    "parse_order",
    "parse_trade",
    "wire_decimal",
    "wire_qty",
]

IST: Final = timezone(timedelta(hours=5, minutes=30), "IST")

# Kite status -> our status, before the cumulative quantities refine it (section 3.2 of
# broker-apis.md). Transient statuses are "the venue has it, not yet working".
STATUS_MAP: Final[dict[str, OrderStatus]] = {
    "PUT ORDER REQ RECEIVED": OrderStatus.SUBMITTED,
    "VALIDATION PENDING": OrderStatus.SUBMITTED,
    "OPEN PENDING": OrderStatus.SUBMITTED,
    "AMO REQ RECEIVED": OrderStatus.ACCEPTED,  # after-market order: parked until the open
    "OPEN": OrderStatus.ACCEPTED,
    "UPDATE": OrderStatus.ACCEPTED,  # stream-only: "modified or partially filled"
    "TRIGGER PENDING": OrderStatus.ACCEPTED,  # stop waiting for its trigger
    "MODIFY VALIDATION PENDING": OrderStatus.PENDING_REPLACE,
    "MODIFY PENDING": OrderStatus.PENDING_REPLACE,
    "CANCEL PENDING": OrderStatus.PENDING_CANCEL,
    "COMPLETE": OrderStatus.FILLED,
    "CANCELLED": OrderStatus.CANCELED,
    "REJECTED": OrderStatus.REJECTED,
}
PENDING_NEW: Final = frozenset({"PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING"})
TERMINAL: Final = frozenset({"COMPLETE", "CANCELLED", "REJECTED"})


class KiteOrder(msgspec.Struct, frozen=True):
    """A Kite order object (REST, WebSocket or postback), field names as Kite sends them."""

    order_id: str
    status: str
    tradingsymbol: str = ""
    exchange: str = ""
    transaction_type: str = "BUY"
    order_type: str = "LIMIT"
    validity: str = "DAY"
    quantity: int | float = 0
    filled_quantity: int | float = 0
    pending_quantity: int | float = 0
    cancelled_quantity: int | float = 0
    price: int | float | str | None = None
    trigger_price: int | float | str | None = None
    average_price: int | float | str | None = None
    status_message: str | None = None
    tag: str | None = None
    order_timestamp: str | None = None
    exchange_timestamp: str | None = None
    exchange_update_timestamp: str | None = None


class KiteTrade(msgspec.Struct, frozen=True):
    """A Kite trade object (``trades()`` / ``order_trades()``)."""

    trade_id: str
    order_id: str
    tradingsymbol: str = ""
    exchange: str = ""
    transaction_type: str = "BUY"
    quantity: int | float = 0
    average_price: int | float | str = 0
    fill_timestamp: str | None = None
    exchange_timestamp: str | None = None


def _convert(payload: Mapping[str, Any], kind: type[Any], what: str) -> Any:
    # Kite sends ids as strings, but be lenient: a fake or an old payload may send ints.
    data = dict(payload)
    for key, value in payload.items():
        if key in ("order_id", "trade_id") and isinstance(value, int):
            data[key] = str(value)
        elif isinstance(value, datetime):
            # kiteconnect parses REST timestamps into naive IST datetimes; WebSocket
            # payloads keep Kite's string. Normalise to the string form.
            data[key] = value.strftime("%Y-%m-%d %H:%M:%S")
    try:
        return msgspec.convert(data, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise RemoteProtocolError(
            f"Kite sent a malformed {what}: {exc}", venue="zerodha", text=str(exc)
        ) from exc


def parse_order(payload: Mapping[str, Any]) -> KiteOrder:
    """Parse a Kite order object.

    Raises:
        RemoteProtocolError: when a required field is missing or has the wrong type.
    """
    result: KiteOrder = _convert(payload, KiteOrder, "order object")
    return result


def parse_trade(payload: Mapping[str, Any]) -> KiteTrade:
    """Parse a Kite trade object.

    Raises:
        RemoteProtocolError: when a required field is missing or has the wrong type.
    """
    result: KiteTrade = _convert(payload, KiteTrade, "trade object")
    return result


def wire_decimal(value: int | float | str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def wire_qty(value: int | float) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def kite_ts_to_ns(value: str | datetime | None, default: int = 0) -> int:
    """Return UNIX ns of a Kite timestamp (``YYYY-MM-DD HH:MM:SS`` in IST, or a datetime).

    kiteconnect turns 19-character timestamps of REST replies into naive datetimes;
    WebSocket payloads keep the string. Both are Indian Standard Time.
    """
    if value is None or value == "":
        return default
    if isinstance(value, str):
        try:
            value = datetime.strptime(value[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)
        except ValueError:
            return default
    if value.tzinfo is None:
        value = value.replace(tzinfo=IST)
    return int(value.timestamp()) * 1_000_000_000 + value.microsecond * 1000

"""KiteBook: the fake Kite venue's orders, trades and scripted misbehaviour (no HTTP here).

Orders are plain dicts with Kite's field names and walk Kite's real interim
statuses (``PUT ORDER REQ RECEIVED`` → ``VALIDATION PENDING`` → ``OPEN PENDING``
→ ``OPEN`` ...). Every visible status change is handed to ``publish`` (the
server pushes it on the WebSocket). Errors are :class:`KiteError` carrying the
HTTP status and Kite's ``error_type``. Deliberately independent of the
adapter's codec.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

__all__ = ["DEFAULT_INSTRUMENTS", "KiteBook", "KiteError", "Script"]

Order = dict[str, Any]
Publish = Callable[[Order, "str | None"], Awaitable[None]]

_TAG_RE: Final = re.compile(r"^[A-Za-z0-9]{1,20}$")
_TERMINAL: Final = ("COMPLETE", "CANCELLED", "REJECTED")
_WORKING: Final = ("OPEN", "TRIGGER PENDING")
_SILENT: Final = frozenset(
    {
        "PUT ORDER REQ RECEIVED",
        "VALIDATION PENDING",
        "OPEN PENDING",
        "MODIFY VALIDATION PENDING",
        "MODIFY PENDING",
        "CANCEL PENDING",
    }
)  # interim statuses that show in order_history but are not pushed
_CSV_FIELDS: Final = (
    "instrument_token",
    "exchange_token",
    "tradingsymbol",
    "name",
    "last_price",
    "expiry",
    "strike",
    "tick_size",
    "lot_size",
    "instrument_type",
    "segment",
    "exchange",
)
_REQUIRED: Final = (
    "exchange",
    "tradingsymbol",
    "transaction_type",
    "quantity",
    "product",
    "order_type",
)

DEFAULT_INSTRUMENTS: Final[tuple[dict[str, Any], ...]] = (
    {
        "instrument_token": 408065,
        "exchange_token": 1594,
        "tradingsymbol": "INFY",
        "name": "INFOSYS",
        "last_price": 1500.0,
        "expiry": "",
        "strike": 0.0,
        "tick_size": 0.05,
        "lot_size": 1,
        "instrument_type": "EQ",
        "segment": "NSE",
        "exchange": "NSE",
    },
    {
        "instrument_token": 2953217,
        "exchange_token": 11536,
        "tradingsymbol": "TCS",
        "name": "TATA CONSULTANCY SERV",
        "last_price": 3400.0,
        "expiry": "",
        "strike": 0.0,
        "tick_size": 0.1,
        "lot_size": 1,
        "instrument_type": "EQ",
        "segment": "NSE",
        "exchange": "NSE",
    },
    {
        "instrument_token": 13368834,
        "exchange_token": 52220,
        "tradingsymbol": "NIFTY26DECFUT",
        "name": "NIFTY",
        "last_price": 24000.0,
        "expiry": "2026-12-29",
        "strike": 0.0,
        "tick_size": 0.1,
        "lot_size": 75,
        "instrument_type": "FUT",
        "segment": "NFO-FUT",
        "exchange": "NFO",
    },
)


class KiteError(Exception):
    """An error reply: HTTP status, Kite ``error_type`` and message."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


@dataclass
class Script:
    """Misbehaviour to apply to the next requests (set the fields from the test)."""

    reject_next: list[str] = field(default_factory=list)  # next placed orders -> REJECTED
    partial_parts: int = 1  # market orders fill in this many trades
    market_fill_qty: int | None = None  # fill only this much of market orders (rest rests)
    fill_on_cancel: bool = False  # the next cancel finds the order already COMPLETE
    duplicate_updates: bool = False  # push every WebSocket update twice
    rate_limit_next: int = 0  # answer the next N order requests with 429
    ambiguous_next: int = 0  # create the next N orders but answer 504 (status unknown)
    drop_streams_on_place: bool = False  # drop every WebSocket right after the next place


class KiteBook:
    """Orders, trades and positions of one fake Kite account.

    Args:
        instruments: rows of the instruments dump.
        now: returns the current time as Kite prints it (``YYYY-MM-DD HH:MM:SS`` IST).
        publish: awaited with ``(order, stream_status)`` on each visible change.
    """

    def __init__(
        self, instruments: tuple[Mapping[str, Any], ...], now: Callable[[], str], publish: Publish
    ) -> None:
        self.instruments = [dict(row) for row in instruments]
        self.script = Script()
        self.orders: dict[str, Order] = {}
        self.history: dict[str, list[Order]] = {}
        self.trades: list[dict[str, Any]] = []
        self.modifications: dict[str, int] = {}
        self._now = now
        self._publish = publish
        self._order_ids = itertools.count(251122000000001)
        self._trade_ids = itertools.count(90000001)

    # --- lookups ------------------------------------------------------------------------------
    def find(self, order_ref: str) -> Order:
        """Return the order with this id or tag."""
        if order_ref in self.orders:
            return self.orders[order_ref]
        for order in self.orders.values():
            if order["tag"] == order_ref:
                return order
        raise KiteError(404, "GeneralException", f"Couldn't find that order {order_ref}")

    def instrument(self, exchange: str, tradingsymbol: str) -> dict[str, Any]:
        """Return the instruments-dump row of one instrument."""
        for row in self.instruments:
            if row["exchange"] == exchange and row["tradingsymbol"] == tradingsymbol:
                return row
        raise KiteError(400, "InputException", f"Invalid `tradingsymbol` {tradingsymbol}")

    def instruments_csv(self, exchange: str | None) -> bytes:
        """Return the instruments dump as Kite's CSV."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(_CSV_FIELDS), lineterminator="\n")
        writer.writeheader()
        for row in self.instruments:
            if exchange is None or row["exchange"] == exchange:
                writer.writerow({k: row.get(k, "") for k in _CSV_FIELDS})
        return out.getvalue().encode()

    def positions(self) -> dict[str, list[dict[str, Any]]]:
        """Return ``{"net": [...], "day": [...]}`` built from the trades."""
        net: dict[tuple[str, str], dict[str, Any]] = {}
        for t in self.trades:
            key = (t["exchange"], t["tradingsymbol"])
            pos = net.setdefault(
                key,
                {
                    "tradingsymbol": key[1],
                    "exchange": key[0],
                    "product": t["product"],
                    "quantity": 0,
                    "average_price": 0.0,
                },
            )
            pos["quantity"] += (1 if t["transaction_type"] == "BUY" else -1) * t["quantity"]
            pos["average_price"] = t["average_price"]
        return {"net": list(net.values()), "day": list(net.values())}

    # --- lifecycle ----------------------------------------------------------------------------
    async def set_status(self, order: Order, status: str, message: str = "") -> None:
        """Move an order to ``status``, record it in the history and publish it."""
        order["status"] = status
        order["status_message"] = message or None
        order["exchange_update_timestamp"] = self._now()
        done = status in _TERMINAL
        order["pending_quantity"] = 0 if done else order["quantity"] - order["filled_quantity"]
        if status == "CANCELLED":
            order["cancelled_quantity"] = order["quantity"] - order["filled_quantity"]
        self.history[order["order_id"]].append(dict(order))
        if status not in _SILENT:
            await self._publish(order, "UPDATE" if status == "UPDATE" else None)

    async def trade(self, order: Order, qty: int, price: float) -> None:
        """Execute ``qty`` of ``order`` at ``price`` (one trade with a fresh trade id)."""
        before = order["filled_quantity"]
        order["filled_quantity"] = before + qty
        avg = Decimal(str(order["average_price"] or 0)) * before + Decimal(str(price)) * qty
        order["average_price"] = float(avg / order["filled_quantity"])
        self.trades.append(
            {
                "trade_id": str(next(self._trade_ids)),
                "order_id": order["order_id"],
                "exchange_order_id": order["exchange_order_id"],
                "tradingsymbol": order["tradingsymbol"],
                "exchange": order["exchange"],
                "instrument_token": order["instrument_token"],
                "transaction_type": order["transaction_type"],
                "product": order["product"],
                "average_price": price,
                "quantity": qty,
                "fill_timestamp": self._now(),
                "order_timestamp": order["order_timestamp"],
                "exchange_timestamp": self._now(),
            }
        )
        done = order["filled_quantity"] >= order["quantity"]
        await self.set_status(order, "COMPLETE" if done else "UPDATE")
        if not done:
            order["status"] = "OPEN"  # the order book shows OPEN; only the stream says UPDATE

    async def fill(self, order_ref: str, qty: int, price: float | None = None) -> None:
        """Fill up to ``qty`` of a working order at ``price`` (default: its limit or the LTP)."""
        order = self.find(order_ref)
        if order["status"] in _TERMINAL:
            raise KiteError(400, "OrderException", f"order {order['order_id']} is not open")
        qty = min(qty, order["quantity"] - order["filled_quantity"])
        await self.trade(order, qty, price if price is not None else self._px(order))

    def _px(self, order: Order) -> float:
        px = (
            order["price"]
            or self.instrument(order["exchange"], order["tradingsymbol"])["last_price"]
        )
        return float(px)

    async def place(self, variety: str, form: Mapping[str, str]) -> Order:
        """Validate and create an order, then walk it to OPEN (and fill a market order)."""
        for name in _REQUIRED:
            if not form.get(name):
                raise KiteError(400, "InputException", f"Missing `{name}`")
        inst = self.instrument(form["exchange"], form["tradingsymbol"])
        tag = form.get("tag")
        if tag is not None and not _TAG_RE.match(tag):
            raise KiteError(400, "InputException", "`tag` should be alphanumeric, max 20 chars")
        qty = _check_qty(form["quantity"], inst)
        price = _check_px(form.get("price"), inst, "price")
        trigger = _check_px(form.get("trigger_price"), inst, "trigger_price")
        if form["order_type"] in ("LIMIT", "SL") and not price:
            raise KiteError(400, "InputException", "Invalid `price`")
        order_id = str(next(self._order_ids))
        now = self._now()
        order: Order = {
            "placed_by": "AB1234",
            "order_id": order_id,
            "exchange_order_id": None,
            "parent_order_id": None,
            "status": "PUT ORDER REQ RECEIVED",
            "status_message": None,
            "status_message_raw": None,
            "order_timestamp": now,
            "exchange_update_timestamp": now,
            "exchange_timestamp": None,
            "variety": variety,
            "modified": False,
            "exchange": form["exchange"],
            "tradingsymbol": form["tradingsymbol"],
            "instrument_token": inst["instrument_token"],
            "order_type": form["order_type"],
            "transaction_type": form["transaction_type"],
            "validity": form.get("validity", "DAY"),
            "validity_ttl": 0,
            "product": form["product"],
            "quantity": qty,
            "disclosed_quantity": 0,
            "price": price or 0,
            "trigger_price": trigger or 0,
            "average_price": 0,
            "filled_quantity": 0,
            "pending_quantity": qty,
            "cancelled_quantity": 0,
            "market_protection": 0,
            "meta": {},
            "tag": tag,
            "tags": [tag] if tag else [],
            "guid": f"guid{order_id}",
        }
        self.orders[order_id] = order
        self.history[order_id] = [dict(order)]
        await self.set_status(order, "VALIDATION PENDING")
        if self.script.reject_next:
            await self.set_status(order, "REJECTED", self.script.reject_next.pop(0))
            return order
        await self.set_status(order, "OPEN PENDING")
        order["exchange_order_id"] = f"1{order_id[-14:]}"
        order["exchange_timestamp"] = self._now()
        is_stop = order["order_type"] in ("SL", "SL-M")
        await self.set_status(order, "TRIGGER PENDING" if is_stop else "OPEN")
        if order["order_type"] == "MARKET":
            await self._fill_market(order, inst)
        elif order["validity"] == "IOC":
            await self.set_status(order, "CANCELLED", "IOC order cancelled: unmatched")
        return order

    async def _fill_market(self, order: Order, inst: Mapping[str, Any]) -> None:
        target = order["quantity"]
        if self.script.market_fill_qty is not None:
            target = min(target, self.script.market_fill_qty)
        parts = max(1, min(self.script.partial_parts, target))
        base, rest = divmod(target, parts)
        for i in range(parts):
            await self.trade(order, base + (1 if i < rest else 0), inst["last_price"])

    async def modify(self, order_id: str, form: Mapping[str, str]) -> Order:
        """Amend a working order in place (at most 25 times, as Kite allows)."""
        order = self.find(order_id)
        if order["status"] not in _WORKING:
            raise KiteError(
                400, "OrderException", f"Order cannot be modified as it is {order['status']}"
            )
        count = self.modifications.get(order["order_id"], 0)
        if count >= 25:
            raise KiteError(400, "InputException", "Maximum allowed order modifications exceeded.")
        inst = self.instrument(order["exchange"], order["tradingsymbol"])
        qty = _check_qty(form["quantity"], inst) if "quantity" in form else order["quantity"]
        if qty < order["filled_quantity"]:
            raise KiteError(400, "InputException", "Quantity below filled quantity")
        prices = {
            name: _check_px(form.get(name), inst, name) for name in ("price", "trigger_price")
        }
        self.modifications[order["order_id"]] = count + 1
        was = order["status"]
        await self.set_status(order, "MODIFY VALIDATION PENDING")
        order["quantity"] = qty
        order.update({k: v for k, v in prices.items() if v is not None})
        order["modified"] = True
        await self.set_status(order, "MODIFY PENDING")
        await self.set_status(order, "UPDATE")
        order["status"] = was
        self.history[order["order_id"]].append(dict(order))
        return order

    async def cancel(self, order_id: str) -> Order:
        """Cancel a working order (or lose the race to a scripted fill)."""
        order = self.find(order_id)
        if self.script.fill_on_cancel and order["status"] in _WORKING:
            self.script.fill_on_cancel = False
            await self.trade(order, order["quantity"] - order["filled_quantity"], self._px(order))
        if order["status"] not in _WORKING:
            raise KiteError(
                400, "OrderException", f"Order cannot be cancelled as it is {order['status']}"
            )
        await self.set_status(order, "CANCEL PENDING")
        await self.set_status(order, "CANCELLED", "Cancelled by user")
        return order


def _check_qty(raw: str, inst: Mapping[str, Any]) -> int:
    try:
        qty = int(raw)
    except ValueError:
        raise KiteError(400, "InputException", "Invalid `quantity`") from None
    if qty <= 0 or qty % int(inst["lot_size"]):
        raise KiteError(
            400, "InputException", f"Quantity should be a multiple of lot size {inst['lot_size']}"
        )
    return qty


def _check_px(raw: str | None, inst: Mapping[str, Any], name: str) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        px = Decimal(raw)
    except ArithmeticError:
        raise KiteError(400, "InputException", f"Invalid `{name}`") from None
    if px % Decimal(str(inst["tick_size"])) != 0:
        raise KiteError(
            400,
            "InputException",
            f"Tick size for this script is {inst['tick_size']}. Kindly enter {name} "
            "in the multiple of tick size for this script",
        )
    return float(px)

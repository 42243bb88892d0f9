"""Pure translation between bolt_exec and Kite Connect v3 (kiteconnect) payloads.

Theory of operation
-------------------
Kite reports *snapshots*: every order update (REST ``orders()``, WebSocket
``order`` messages, postbacks) is the whole order object with cumulative
``filled_quantity``. bolt_exec wants *increments* (one event per thing that
happened). :func:`translate_order` turns ``(previous view, new snapshot)`` into
the events that separate them plus the new view, so replays, duplicates and
out-of-order snapshots are harmless:

* terminal statuses (``COMPLETE``, ``CANCELLED``, ``REJECTED``) are sticky;
* ``filled_quantity`` only counts upwards (Kite has sent a partial-fill update
  after the complete one);
* Kite has no per-fill stream: when the cumulative quantity grows the caller
  fetches ``order_trades(order_id)`` and turns each trade into an
  :class:`OrderFilled` with :func:`fill_from_trade` (trade ids dedupe fills).

Client order ids travel in Kite's ``tag`` (at most 20 alphanumeric
characters, not enforced unique by Kite); :func:`tag_for` is the
deterministic mapping, documented there.

Nothing here does I/O; everything is golden-tested on recorded payloads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final

import msgspec

from bolt_exec.errors import RemoteProtocolError, UnsupportedError, ValidationError
from bolt_exec.model.commands import AmendOrder, SubmitOrder
from bolt_exec.model.enums import AssetClass, OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderTriggered,
)
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.reports import FillReport, OrderStatusReport, PositionReport

__all__ = [
    "IST",
    "ORDER_TYPES",
    "STATUS_MAP",
    "TAG_MAX_LEN",
    "KiteOrder",
    "KiteTrade",
    "OrderView",
    "Translation",
    "amend_params",
    "fill_from_trade",
    "fill_report",
    "instrument_from_row",
    "kite_ts_to_ns",
    "order_report",
    "parse_order",
    "parse_trade",
    "place_params",
    "position_report",
    "split_symbol",
    "tag_for",
    "translate_order",
]

IST: Final = timezone(timedelta(hours=5, minutes=30), "IST")
TAG_MAX_LEN: Final = 20
_TAG_ALPHABET: Final = "0123456789abcdefghijklmnopqrstuvwxyz"

ORDER_TYPES: Final[dict[OrderType, str]] = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP: "SL-M",  # stop-market
    OrderType.STOP_LIMIT: "SL",  # stop-limit: trigger_price + price
}
_ORDER_TYPES_BACK: Final = {v: k for k, v in ORDER_TYPES.items()}
_TIFS: Final[dict[TimeInForce, str]] = {TimeInForce.DAY: "DAY", TimeInForce.IOC: "IOC"}
_TIFS_BACK: Final = {v: k for k, v in _TIFS.items()}

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
_PENDING_NEW: Final = frozenset({"PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING"})
_TERMINAL: Final = frozenset({"COMPLETE", "CANCELLED", "REJECTED"})


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


def tag_for(client_order_id: str) -> str:
    """Return the Kite ``tag`` that carries ``client_order_id`` (deterministic).

    Kite tags are at most 20 alphanumeric characters. The mapping:

    * an id of 1-19 ASCII letters and digits is its own tag (readable in the Kite console);
    * any other id becomes exactly 20 characters: ``"z"`` followed by the first 19 base-36
      digits of ``sha256(id)`` (about 98 bits, so collisions are negligible).

    Identity tags are never 20 characters long and hashed tags always are, so the two
    ranges cannot collide. The adapter keeps ``tag -> client_order_id`` for the orders it
    sent; after a restart :meth:`KiteBroker.adopt_client_order_ids` rebuilds it from the
    journal.

    Raises:
        ValidationError: if ``client_order_id`` is empty.
    """
    if not client_order_id:
        raise ValidationError("client_order_id", client_order_id, "must not be empty")
    if (
        len(client_order_id) < TAG_MAX_LEN
        and client_order_id.isascii()
        and (client_order_id.isalnum())
    ):
        return client_order_id
    n = int.from_bytes(hashlib.sha256(client_order_id.encode()).digest(), "big")
    digits = []
    for _ in range(TAG_MAX_LEN - 1):
        n, r = divmod(n, 36)
        digits.append(_TAG_ALPHABET[r])
    return "z" + "".join(digits)


def split_symbol(symbol: str, default_exchange: str) -> tuple[str, str]:
    """Return ``(exchange, tradingsymbol)`` of ``"NSE:INFY"`` or of a bare ``"INFY"``."""
    if ":" in symbol:
        exchange, _, tradingsymbol = symbol.partition(":")
        return exchange, tradingsymbol
    return default_exchange, symbol


def _dec(value: int | float | str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _qty(value: int | float) -> Decimal:
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


def _fmt_px(px: Decimal, instrument: Instrument, field_name: str) -> float:
    instrument.check_px(px, field_name)
    # kiteconnect sends str(value); a float built from the on-grid Decimal's shortest repr
    # prints back exactly (1400.05 -> "1400.05"), never 1400.0500000000002.
    return float(px)


def _fmt_qty(qty: Decimal, instrument: Instrument, field_name: str) -> int:
    instrument.check_qty(qty, field_name)
    if qty != qty.to_integral_value():
        raise ValidationError(field_name, str(qty), "Kite quantities are whole numbers")
    return int(qty)


def place_params(
    command: SubmitOrder,
    instrument: Instrument,
    *,
    default_exchange: str,
    product: str,
    variety: str = "regular",
    market_protection: int | None = None,
) -> dict[str, Any]:
    """Return the keyword arguments of ``KiteConnect.place_order`` for ``command``.

    Raises:
        UnsupportedError: for a TIF, reduce-only or post-only order Kite cannot take.
        ValidationError: when a price is off the tick grid or the quantity off the lot grid.
    """
    if command.tif not in _TIFS:
        raise UnsupportedError(
            f"tif={command.tif.value!r}: Kite supports only DAY and IOC; use one of those"
        )
    if command.reduce_only or command.post_only:
        flag = "reduce_only" if command.reduce_only else "post_only"
        raise UnsupportedError(f"{flag}=True: Kite has no such order flag; send without it")
    exchange, tradingsymbol = split_symbol(command.symbol, default_exchange)
    params: dict[str, Any] = {
        "variety": variety,
        "exchange": exchange,
        "tradingsymbol": tradingsymbol,
        "transaction_type": command.side.value,
        "quantity": _fmt_qty(command.qty, instrument, "qty"),
        "product": product,
        "order_type": ORDER_TYPES[command.order_type],
        "validity": _TIFS[command.tif],
        "tag": tag_for(command.client_order_id),
    }
    if command.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        if command.limit_px is None:
            raise ValidationError("limit_px", None, f"a {command.order_type} order needs a price")
        params["price"] = _fmt_px(command.limit_px, instrument, "limit_px")
    if command.order_type in (OrderType.STOP, OrderType.STOP_LIMIT):
        if command.stop_px is None:
            raise ValidationError("stop_px", None, f"a {command.order_type} order needs a trigger")
        params["trigger_price"] = _fmt_px(command.stop_px, instrument, "stop_px")
    if market_protection is not None and command.order_type in (OrderType.MARKET, OrderType.STOP):
        params["market_protection"] = market_protection
    return params


def amend_params(
    command: AmendOrder, instrument: Instrument, *, order_id: str, variety: str = "regular"
) -> dict[str, Any]:
    """Return the keyword arguments of ``KiteConnect.modify_order`` for ``command``.

    Raises:
        ValidationError: when the amend changes nothing or is off the tick/lot grid.
    """
    params: dict[str, Any] = {"variety": variety, "order_id": order_id}
    if command.qty is not None:
        params["quantity"] = _fmt_qty(command.qty, instrument, "qty")
    if command.limit_px is not None:
        params["price"] = _fmt_px(command.limit_px, instrument, "limit_px")
    if command.stop_px is not None:
        params["trigger_price"] = _fmt_px(command.stop_px, instrument, "stop_px")
    if len(params) == 2:
        raise ValidationError(
            "amend", command.client_order_id, "changes nothing", "give qty, limit_px or stop_px"
        )
    return params


def instrument_from_row(row: Mapping[str, Any], *, default_exchange: str) -> Instrument:
    """Return the Instrument of one row of Kite's instruments dump (CSV, as kiteconnect parses it).

    Tick and lot sizes come from the dump, never from constants (NSE moved many stocks
    from a 0.05 to a 0.01 tick in 2025). Symbols on ``default_exchange`` are bare
    (``INFY``); others are ``EXCHANGE:TRADINGSYMBOL``.
    """
    exchange = str(row["exchange"])
    tradingsymbol = str(row["tradingsymbol"])
    symbol = tradingsymbol if exchange == default_exchange else f"{exchange}:{tradingsymbol}"
    lot = Decimal(str(row.get("lot_size") or 1))
    itype = str(row.get("instrument_type") or "EQ")
    asset = {"FUT": AssetClass.FUTURE, "CE": AssetClass.OPTION, "PE": AssetClass.OPTION}.get(
        itype, AssetClass.EQUITY
    )
    expiry = row.get("expiry")
    extra: tuple[tuple[str, str], ...] = (
        ("instrument_token", str(row.get("instrument_token", ""))),
    )
    if isinstance(expiry, date | str) and expiry:
        extra += (("expiry", str(expiry)),)
    return Instrument(
        symbol=symbol,
        venue=exchange,
        asset_class=asset,
        currency="INR",
        tick_size=Decimal(repr(float(row["tick_size"]))),
        lot_size=lot,
        min_qty=lot,
        extra=extra,
    )


@dataclass(frozen=True, slots=True)
class OrderView:
    """What we last translated of one Kite order (the 'previous' in a snapshot diff)."""

    order_id: str
    status: str
    qty: Decimal
    price: Decimal | None
    trigger: Decimal | None
    filled: Decimal
    is_accepted: bool

    @property
    def is_terminal(self) -> bool:
        """True once Kite said COMPLETE, CANCELLED or REJECTED."""
        return self.status in _TERMINAL


@dataclass(frozen=True, slots=True)
class Translation:
    """The result of :func:`translate_order`.

    Attributes:
        events: events to emit now (acks, triggers, replaces).
        terminal: events to emit after the fills (cancel, reject), so a partial fill
            is recorded before the remainder's cancel.
        view: the new view to remember.
        fills_behind: True when Kite's cumulative filled quantity grew: fetch
            ``order_trades`` and emit each new trade.
    """

    events: tuple[OrderEvent, ...]
    terminal: tuple[OrderEvent, ...]
    view: OrderView
    fills_behind: bool


def translate_order(
    prev: OrderView | None, order: KiteOrder, client_order_id: str, ts_init: int
) -> Translation:
    """Return the events between ``prev`` and the snapshot ``order`` (see the module doc)."""
    ts = kite_ts_to_ns(order.exchange_update_timestamp or order.exchange_timestamp, ts_init)
    qty = _qty(order.quantity)
    filled = _qty(order.filled_quantity)
    price = _dec(order.price) or None
    trigger = _dec(order.trigger_price) or None
    common: dict[str, Any] = {
        "client_order_id": client_order_id,
        "ts_event": ts,
        "ts_init": ts_init,
    }
    if prev is not None and prev.is_terminal:
        # Sticky: a late snapshot cannot reopen a finished order; it may still reveal fills.
        new = replace(prev, filled=max(prev.filled, filled))
        return Translation((), (), new, filled > prev.filled)
    events: list[OrderEvent] = []
    terminal: list[OrderEvent] = []
    status = order.status
    accepted = prev.is_accepted if prev is not None else False
    if status == "REJECTED":
        reason = order.status_message or "rejected by Kite (no reason given)"
        terminal.append(OrderRejected(**common, reason=reason, code="REJECTED"))
    elif status not in _PENDING_NEW and not accepted:
        events.append(OrderAccepted(**common, venue_order_id=order.order_id))
        accepted = True
    if (
        prev is not None
        and prev.status == "TRIGGER PENDING"
        and status in ("OPEN", "UPDATE", "COMPLETE")
    ):
        events.append(OrderTriggered(**common))
    if (
        prev is not None
        and status not in ("REJECTED",)
        and (qty != prev.qty or price != prev.price or trigger != prev.trigger)
    ):
        events.append(
            OrderReplaced(
                **common,
                venue_order_id=order.order_id,
                qty=qty if qty != prev.qty else None,
                limit_px=price if price != prev.price else None,
                stop_px=trigger if trigger != prev.trigger else None,
            )
        )
    if status == "CANCELLED":
        reason = order.status_message or "canceled"
        terminal.append(OrderCanceled(**common, reason=reason))
    prev_filled = prev.filled if prev is not None else Decimal(0)
    view = OrderView(
        order_id=order.order_id,
        status=status if status != "UPDATE" else "OPEN",
        qty=qty,
        price=price,
        trigger=trigger,
        filled=max(prev_filled, filled),
        is_accepted=accepted,
    )
    return Translation(tuple(events), tuple(terminal), view, filled > prev_filled)


def fill_from_trade(
    trade: KiteTrade, client_order_id: str, symbol: str, ts_init: int
) -> OrderFilled:
    """Return the OrderFilled of one Kite trade (Kite reports no commission per trade)."""
    return OrderFilled(
        client_order_id=client_order_id,
        ts_event=kite_ts_to_ns(trade.exchange_timestamp or trade.fill_timestamp, ts_init),
        ts_init=ts_init,
        trade_id=trade.trade_id,
        symbol=symbol,
        side=Side(trade.transaction_type),
        last_qty=_qty(trade.quantity),
        last_px=_dec(trade.average_price) or Decimal(0),
        venue_order_id=trade.order_id,
        fee_currency="INR",
    )


def fill_report(trade: KiteTrade, client_order_id: str, symbol: str) -> FillReport:
    """Return the FillReport of one Kite trade."""
    return FillReport(
        trade_id=trade.trade_id,
        client_order_id=client_order_id,
        venue_order_id=trade.order_id,
        symbol=symbol,
        side=Side(trade.transaction_type),
        last_qty=_qty(trade.quantity),
        last_px=_dec(trade.average_price) or Decimal(0),
        fee_currency="INR",
        ts_event=kite_ts_to_ns(trade.exchange_timestamp or trade.fill_timestamp),
    )


def order_report(order: KiteOrder, client_order_id: str, symbol: str) -> OrderStatusReport:
    """Return the OrderStatusReport of one Kite order object."""
    qty = _qty(order.quantity)
    filled = _qty(order.filled_quantity)
    status = STATUS_MAP.get(order.status)
    if status is None:
        raise RemoteProtocolError(
            f"Kite sent an unknown order status {order.status!r} for order {order.order_id}",
            venue="zerodha",
            text=order.status,
        )
    if status in (OrderStatus.ACCEPTED,) and 0 < filled < qty:
        status = OrderStatus.PARTIALLY_FILLED
    avg = _dec(order.average_price)
    return OrderStatusReport(
        client_order_id=client_order_id,
        venue_order_id=order.order_id,
        symbol=symbol,
        side=Side(order.transaction_type),
        order_type=_ORDER_TYPES_BACK.get(order.order_type, OrderType.LIMIT),
        status=status,
        qty=qty,
        filled_qty=filled,
        limit_px=_dec(order.price) or None,
        stop_px=_dec(order.trigger_price) or None,
        avg_px=avg if avg else None,
        tif=_TIFS_BACK.get(order.validity, TimeInForce.DAY),
        ts_accepted=kite_ts_to_ns(order.order_timestamp),
        ts_last=kite_ts_to_ns(order.exchange_update_timestamp or order.exchange_timestamp),
    )


def position_report(position: Mapping[str, Any], symbol: str) -> PositionReport:
    """Return the PositionReport of one entry of ``positions()["net"]`` (signed quantity)."""
    qty = position.get("quantity", 0)
    avg = position.get("average_price")
    return PositionReport(
        symbol=symbol,
        qty=Decimal(str(qty)),
        avg_px=_dec(avg) if avg else None,
    )

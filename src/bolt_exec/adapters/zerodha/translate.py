"""Kite snapshots -> bolt_exec events and reports (pure).

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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Final

from bolt_exec.adapters.zerodha.wire import (
    PENDING_NEW,
    STATUS_MAP,
    TERMINAL,
    KiteOrder,
    KiteTrade,
    kite_ts_to_ns,
    wire_decimal,
    wire_qty,
)
from bolt_exec.errors import RemoteProtocolError
from bolt_exec.model.enums import OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderTriggered,
)
from bolt_exec.model.reports import FillReport, OrderStatusReport, PositionReport

__all__ = [
    "OrderView",
    "Translation",
    "fill_from_trade",
    "fill_report",
    "order_report",
    "position_report",
    "translate_order",
]

_ORDER_TYPES_BACK: Final = {
    "MARKET": OrderType.MARKET,
    "LIMIT": OrderType.LIMIT,
    "SL-M": OrderType.STOP,
    "SL": OrderType.STOP_LIMIT,
}
_TIFS_BACK: Final = {"DAY": TimeInForce.DAY, "IOC": TimeInForce.IOC}


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
        return self.status in TERMINAL


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
    qty = wire_qty(order.quantity)
    filled = wire_qty(order.filled_quantity)
    price = wire_decimal(order.price) or None
    trigger = wire_decimal(order.trigger_price) or None
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
    elif status not in PENDING_NEW and not accepted:
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
        last_qty=wire_qty(trade.quantity),
        last_px=wire_decimal(trade.average_price) or Decimal(0),
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
        last_qty=wire_qty(trade.quantity),
        last_px=wire_decimal(trade.average_price) or Decimal(0),
        fee_currency="INR",
        ts_event=kite_ts_to_ns(trade.exchange_timestamp or trade.fill_timestamp),
    )


def order_report(order: KiteOrder, client_order_id: str, symbol: str) -> OrderStatusReport:
    """Return the OrderStatusReport of one Kite order object."""
    qty = wire_qty(order.quantity)
    filled = wire_qty(order.filled_quantity)
    status = STATUS_MAP.get(order.status)
    if status is None:
        raise RemoteProtocolError(
            f"Kite sent an unknown order status {order.status!r} for order {order.order_id}",
            venue="zerodha",
            text=order.status,
        )
    if status in (OrderStatus.ACCEPTED,) and 0 < filled < qty:
        status = OrderStatus.PARTIALLY_FILLED
    avg = wire_decimal(order.average_price)
    return OrderStatusReport(
        client_order_id=client_order_id,
        venue_order_id=order.order_id,
        symbol=symbol,
        side=Side(order.transaction_type),
        order_type=_ORDER_TYPES_BACK.get(order.order_type, OrderType.LIMIT),
        status=status,
        qty=qty,
        filled_qty=filled,
        limit_px=wire_decimal(order.price) or None,
        stop_px=wire_decimal(order.trigger_price) or None,
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
        avg_px=wire_decimal(avg) if avg else None,
    )

"""Immutable order events: what happened, stamped with when.

Every event carries ``client_order_id``, ``ts_event`` (when it happened, the
venue's time when it gave one), ``ts_init`` (when we created the record) and
``event_id`` (unique; the OMS stamps ``{client_order_id}-{n}`` when a
producer leaves it empty, so journals are deterministic). Events the
reconciler synthesises carry ``reconciliation=True``.

Events are ``msgspec.Struct`` (frozen, keyword-only, tagged by class name) so
the journal can encode and decode the union in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

import msgspec

from bolt_exec.model.enums import LiquiditySide, OrderType, Side, TimeInForce

__all__ = [
    "EVENT_TOPICS",
    "EVENT_TYPES",
    "OrderAccepted",
    "OrderCancelRejected",
    "OrderCanceled",
    "OrderDenied",
    "OrderEvent",
    "OrderExpired",
    "OrderFilled",
    "OrderInitialized",
    "OrderPendingCancel",
    "OrderPendingReplace",
    "OrderRejected",
    "OrderReplaceRejected",
    "OrderReplaced",
    "OrderSubmitted",
    "OrderTriggered",
    "decode_event",
    "encode_event",
    "encode_event_full",
    "encode_events",
    "event_topic",
]


class OrderEvent(msgspec.Struct, frozen=True, kw_only=True, tag=True, omit_defaults=True):
    """Base of every order event.

    Encoded (:func:`encode_event`) without the fields that hold their defaults: the
    journal is the hottest write of a session and decoding restores them.
    :func:`encode_event_full` is the every-field form that hashes are taken over.
    """

    client_order_id: str
    ts_event: int
    ts_init: int
    event_id: str = ""
    reconciliation: bool = False


class OrderInitialized(OrderEvent, frozen=True, kw_only=True, tag=True):
    """The order was created by the OMS (its whole specification)."""

    symbol: str
    side: Side
    order_type: OrderType
    qty: Decimal
    limit_px: Decimal | None = None
    stop_px: Decimal | None = None
    tif: TimeInForce = TimeInForce.DAY
    expire_ts: int | None = None
    broker: str = ""
    strategy_id: str = ""
    parent_id: str | None = None
    reduce_only: bool = False
    post_only: bool = False
    tags: dict[str, str] = msgspec.field(default_factory=dict)


class OrderDenied(OrderEvent, frozen=True, kw_only=True, tag=True):
    """The SafetyManager refused the order before it left the process."""

    code: str
    reason: str


class OrderSubmitted(OrderEvent, frozen=True, kw_only=True, tag=True):
    """The OMS is sending the order to its broker (written before the send)."""

    broker: str = ""


class OrderAccepted(OrderEvent, frozen=True, kw_only=True, tag=True):
    """The venue acknowledged the order and it is working."""

    venue_order_id: str = ""


class OrderRejected(OrderEvent, frozen=True, kw_only=True, tag=True):
    """The venue refused the order."""

    reason: str
    code: str = ""


class OrderTriggered(OrderEvent, frozen=True, kw_only=True, tag=True):
    """A stop or stop-limit order's trigger price was reached."""


class OrderPendingCancel(OrderEvent, frozen=True, kw_only=True, tag=True):
    """A cancel request was sent; the venue has not answered yet."""


class OrderCanceled(OrderEvent, frozen=True, kw_only=True, tag=True):
    """The venue canceled the order (on request, or IOC/FOK remainder)."""

    reason: str = ""


class OrderCancelRejected(OrderEvent, frozen=True, kw_only=True, tag=True):
    """The venue refused a cancel request; the order works on."""

    reason: str


class OrderPendingReplace(OrderEvent, frozen=True, kw_only=True, tag=True):
    """An amend request was sent; the venue has not answered yet."""

    qty: Decimal | None = None
    limit_px: Decimal | None = None
    stop_px: Decimal | None = None


class OrderReplaced(OrderEvent, frozen=True, kw_only=True, tag=True):
    """The venue applied an amend (new quantity and/or prices)."""

    venue_order_id: str = ""
    qty: Decimal | None = None
    limit_px: Decimal | None = None
    stop_px: Decimal | None = None


class OrderReplaceRejected(OrderEvent, frozen=True, kw_only=True, tag=True):
    """The venue refused an amend; the order works on unchanged."""

    reason: str


class OrderExpired(OrderEvent, frozen=True, kw_only=True, tag=True):
    """The order's time in force ran out (DAY close, GTD time, IOC/FOK remainder)."""


class OrderFilled(OrderEvent, frozen=True, kw_only=True, tag=True):
    """A trade against the order. ``trade_id`` is the venue's; fills dedupe on it."""

    trade_id: str
    symbol: str
    side: Side
    last_qty: Decimal
    last_px: Decimal
    venue_order_id: str = ""
    fee: Decimal = Decimal(0)
    fee_currency: str = ""
    liquidity: LiquiditySide = LiquiditySide.NONE


EVENT_TYPES: Final[tuple[type[OrderEvent], ...]] = (
    OrderInitialized,
    OrderDenied,
    OrderSubmitted,
    OrderAccepted,
    OrderRejected,
    OrderTriggered,
    OrderPendingCancel,
    OrderCanceled,
    OrderCancelRejected,
    OrderPendingReplace,
    OrderReplaced,
    OrderReplaceRejected,
    OrderExpired,
    OrderFilled,
)

AnyOrderEvent = (
    OrderInitialized
    | OrderDenied
    | OrderSubmitted
    | OrderAccepted
    | OrderRejected
    | OrderTriggered
    | OrderPendingCancel
    | OrderCanceled
    | OrderCancelRejected
    | OrderPendingReplace
    | OrderReplaced
    | OrderReplaceRejected
    | OrderExpired
    | OrderFilled
)

EVENT_TOPICS: Final[dict[type[OrderEvent], str]] = {
    OrderInitialized: "order.initialized",
    OrderDenied: "order.denied",
    OrderSubmitted: "order.submitted",
    OrderAccepted: "order.accepted",
    OrderRejected: "order.rejected",
    OrderTriggered: "order.triggered",
    OrderPendingCancel: "order.pending_cancel",
    OrderCanceled: "order.canceled",
    OrderCancelRejected: "order.cancel_rejected",
    OrderPendingReplace: "order.pending_replace",
    OrderReplaced: "order.replaced",
    OrderReplaceRejected: "order.replace_rejected",
    OrderExpired: "order.expired",
    OrderFilled: "order.filled",
}

_ENCODER: Final = msgspec.json.Encoder(decimal_format="string")
_DECODER: Final = msgspec.json.Decoder(AnyOrderEvent)


def event_topic(event: OrderEvent) -> str:
    """Return the bus topic of an event (``order.filled``...)."""
    return EVENT_TOPICS[type(event)]


def encode_event(event: OrderEvent) -> bytes:
    """Encode an event as JSON (tagged with its type; Decimals as strings)."""
    return _ENCODER.encode(event)


def encode_events(events: Sequence[OrderEvent]) -> list[str]:
    """Encode many events (as :func:`encode_event`, decoded to text) in one encoder call.

    JSON escapes newlines inside strings, so splitting the line-delimited output is exact.
    """
    if not events:
        return []
    return _ENCODER.encode_lines(events).decode().split("\n")[:-1]


def encode_event_full(event: OrderEvent) -> bytes:
    """Encode an event with every field, defaults included, in declaration order.

    A stable byte form for digests (a report's journal hash must not change when the
    storage encoding does); :func:`decode_event` reads it too.
    """
    fields = msgspec.structs.asdict(event)
    return _ENCODER.encode({"type": type(event).__struct_config__.tag, **fields})


def decode_event(data: bytes | str) -> OrderEvent:
    """Decode what :func:`encode_event` produced."""
    event: OrderEvent = _DECODER.decode(data)
    return event

"""Plain data of the order domain: no I/O, nothing but ``errors`` imported from us."""

from bolt_exec.model.enums import (
    AssetClass,
    LiquiditySide,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderSubmitted,
    OrderTriggered,
)
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position
from bolt_exec.model.reports import FillReport, MassStatus, OrderStatusReport, PositionReport

__all__ = [
    "AssetClass",
    "FillReport",
    "Instrument",
    "LiquiditySide",
    "MassStatus",
    "Order",
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
    "OrderStatus",
    "OrderStatusReport",
    "OrderSubmitted",
    "OrderTriggered",
    "OrderType",
    "Position",
    "PositionReport",
    "Side",
    "TimeInForce",
]

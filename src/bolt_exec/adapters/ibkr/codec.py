"""Pure mapping between bolt_exec and the IB client library's objects (as dicts).

Theory of operation
-------------------
Nothing here does I/O or imports ib_async / ib_insync: inputs are the library's
dataclasses turned into plain dicts (``util.dataclassAsDict``), so the same
functions serve both libraries and are golden-tested on recorded payloads.

* Outbound: :func:`encode_order` and :func:`encode_amend` give the keyword
  arguments of the library's ``Order``; ``orderRef`` carries our
  ``client_order_id`` (design invariant 4), the only identifier that survives a
  restart and is visible to every API client.
* Inbound: :func:`decode_fill` turns an ``Execution`` + ``CommissionReport`` into
  an :class:`~bolt_exec.model.events.OrderFilled` (``trade_id`` = ``execId``);
  :func:`status_event` and :func:`error_event` turn order statuses and error
  messages into events, given an :class:`OrderView` of what was already said
  about the order; :func:`decode_order_report`, :func:`decode_position` and
  :func:`decode_balances` build mass-status reports.

IB has no "rejected" status: a refusal is ``error(orderId, code, text)`` and the
library then marks its trade ``Cancelled`` locally. The adapter therefore reads
refusals from the error stream (see ``errors.classify_error``) and ignores the
library's synthetic statuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from bolt_exec.adapters.ibkr.errors import ErrorEffect, classify_error
from bolt_exec.errors import RemoteProtocolError, UnsupportedError, ValidationError
from bolt_exec.model.commands import AmendOrder, SubmitOrder
from bolt_exec.model.enums import LiquiditySide, OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
)
from bolt_exec.model.reports import FillReport, OrderStatusReport, PositionReport

__all__ = [
    "ORDER_TYPES",
    "TIFS",
    "OrderView",
    "decode_balances",
    "decode_fill",
    "decode_order_report",
    "decode_position",
    "decode_side",
    "encode_amend",
    "encode_order",
    "error_event",
    "fill_report",
    "replaced_event",
    "status_event",
    "to_decimal",
    "to_ns",
]

VENUE: Final = "IBKR"
UNSET_DOUBLE: Final = 1.7976931348623157e308
UNSET_INTEGER: Final = 2**31 - 1

ORDER_TYPES: Final[dict[OrderType, str]] = {
    OrderType.MARKET: "MKT",
    OrderType.LIMIT: "LMT",
    OrderType.STOP: "STP",
    OrderType.STOP_LIMIT: "STP LMT",
}
_ORDER_TYPES_BACK: Final = {v: k for k, v in ORDER_TYPES.items()}
TIFS: Final[dict[TimeInForce, str]] = {t: t.value for t in TimeInForce}
_SIDES: Final = {"BUY": Side.BUY, "SELL": Side.SELL, "BOT": Side.BUY, "SLD": Side.SELL}
# IB's Execution.lastLiquidity: 1 added, 2 removed, 3 routed out (took liquidity elsewhere)
_LIQUIDITY: Final = {1: LiquiditySide.MAKER, 2: LiquiditySide.TAKER, 3: LiquiditySide.TAKER}

WORKING: Final = frozenset({"PreSubmitted", "Submitted", "ApiUpdate"})
CANCELLED: Final = frozenset({"Cancelled", "ApiCancelled"})
_REPORT_STATUS: Final[dict[str, OrderStatus]] = {
    "PendingSubmit": OrderStatus.SUBMITTED,
    "ApiPending": OrderStatus.SUBMITTED,
    "PreSubmitted": OrderStatus.ACCEPTED,
    "Submitted": OrderStatus.ACCEPTED,
    "ApiUpdate": OrderStatus.ACCEPTED,
    "ValidationError": OrderStatus.ACCEPTED,  # ib_async: a warning on a live order
    "PendingCancel": OrderStatus.PENDING_CANCEL,
    "Filled": OrderStatus.FILLED,
    "Cancelled": OrderStatus.CANCELED,
    "ApiCancelled": OrderStatus.CANCELED,
    "Inactive": OrderStatus.REJECTED,
}


@dataclass(frozen=True, slots=True)
class OrderView:
    """What the adapter has already reported about one order (input to the decisions)."""

    client_order_id: str
    venue_order_id: str = ""
    is_accepted: bool = False
    is_done: bool = False
    has_fills: bool = False
    is_cancel_pending: bool = False
    is_amend_pending: bool = False


# --- numbers and times --------------------------------------------------------------------
def to_decimal(value: Any, field: str = "value") -> Decimal | None:
    """Return a library number as an exact Decimal (None for IB's "unset" sentinels).

    Floats go through their shortest repr, so ``190.1`` is ``Decimal("190.1")``;
    integral values lose their trailing zeros (``2.0`` -> ``Decimal("2")``).

    Raises:
        RemoteProtocolError: the value is not a number.
    """
    if value is None or value == "" or value in (UNSET_DOUBLE, UNSET_INTEGER):
        return None
    try:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RemoteProtocolError(
            f"{field}={value!r} from TWS is not a number", venue=VENUE
        ) from None
    return _tidy(d) if d.is_finite() else None


def _tidy(d: Decimal) -> Decimal:
    # integral values without exponent (190, never 1.9E+2); others without trailing zeros
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def to_ns(value: datetime | str | int | float | None) -> int | None:
    """Return a library timestamp (aware datetime, ISO text or epoch seconds) in UNIX ns."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return int(Decimal(str(value)) * 1_000_000_000)
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # IB's naive times are UTC when the library says so
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def _ib_time(ts_ns: int) -> str:
    moment = datetime.fromtimestamp(ts_ns // 1_000_000_000, tz=UTC)
    return moment.strftime("%Y%m%d %H:%M:%S") + " UTC"


def _px(value: Decimal) -> float:
    # the libraries send str(float); the shortest repr of a Decimal-born float is exact text
    return float(value)


def decode_side(action: str) -> Side:
    """``BUY``/``BOT`` -> BUY, ``SELL``/``SLD`` -> SELL.

    Raises:
        RemoteProtocolError: any other action (IB's ``SSHORT`` is not something we send).
    """
    side = _SIDES.get(action)
    if side is None:
        raise RemoteProtocolError(f"action={action!r} from TWS is not BUY or SELL", venue=VENUE)
    return side


# --- outbound -----------------------------------------------------------------------------
def encode_order(cmd: SubmitOrder, account: str = "") -> dict[str, Any]:
    """Return the library ``Order`` keyword arguments for a SubmitOrder.

    Raises:
        UnsupportedError: reduce_only / post_only (IB has neither for these order types).
        ValidationError: a price the order type needs is missing, or GTD without expire_ts.
    """
    if cmd.reduce_only or cmd.post_only:
        flag = "reduce_only" if cmd.reduce_only else "post_only"
        raise UnsupportedError(
            f"{flag}=True: the IBKR adapter does not support it; send a plain order"
        )
    kwargs: dict[str, Any] = {
        "action": cmd.side.value,
        "totalQuantity": float(cmd.qty),
        "orderType": ORDER_TYPES[cmd.order_type],
        "tif": TIFS[cmd.tif],
        "orderRef": cmd.client_order_id,
        "transmit": True,
    }
    if account:
        kwargs["account"] = account
    if cmd.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        if cmd.limit_px is None:
            raise ValidationError("limit_px", None, f"a {cmd.order_type} order needs a limit price")
        kwargs["lmtPrice"] = _px(cmd.limit_px)
    if cmd.order_type in (OrderType.STOP, OrderType.STOP_LIMIT):
        if cmd.stop_px is None:
            raise ValidationError("stop_px", None, f"a {cmd.order_type} order needs a stop price")
        kwargs["auxPrice"] = _px(cmd.stop_px)  # IB carries the stop trigger in auxPrice
    if cmd.tif is TimeInForce.GTD:
        if cmd.expire_ts is None:
            raise ValidationError("expire_ts", None, "tif=GTD needs expire_ts (UNIX ns)")
        kwargs["goodTillDate"] = _ib_time(cmd.expire_ts)
    return kwargs


def encode_amend(cmd: AmendOrder) -> dict[str, float]:
    """Return the ``Order`` fields an AmendOrder changes (re-placed under the same orderId).

    Raises:
        ValidationError: the amend changes nothing.
    """
    changes: dict[str, float] = {}
    if cmd.qty is not None:
        changes["totalQuantity"] = float(cmd.qty)
    if cmd.limit_px is not None:
        changes["lmtPrice"] = _px(cmd.limit_px)
    if cmd.stop_px is not None:
        changes["auxPrice"] = _px(cmd.stop_px)
    if not changes:
        raise ValidationError(
            "amend", cmd.client_order_id, "changes nothing", "give qty, limit_px or stop_px"
        )
    return changes


# --- inbound: fills -----------------------------------------------------------------------
def decode_fill(
    execution: Mapping[str, Any],
    commission: Mapping[str, Any] | None,
    symbol: str,
    *,
    ts_init: int,
    reconciliation: bool = False,
) -> OrderFilled | None:
    """Return the OrderFilled for one execution, or None if it is not one of ours.

    ``commission`` counts only when its ``execId`` matches (the library keeps an
    empty report until TWS sends the real one).
    """
    client_order_id = execution.get("orderRef") or ""
    if not client_order_id:
        return None  # a manual TWS order or another tool's: no client order id to book it on
    exec_id = str(execution["execId"])
    side = _SIDES.get(str(execution["side"]))
    qty = to_decimal(execution["shares"], "shares")
    px = to_decimal(execution["price"], "price")
    if side is None or qty is None or px is None or qty <= 0:
        raise RemoteProtocolError(
            f"execution {exec_id}: side={execution['side']!r} shares={execution['shares']!r} "
            f"price={execution['price']!r} is not a fill",
            venue=VENUE,
        )
    fee, fee_currency = Decimal(0), ""
    if commission is not None and commission.get("execId") == exec_id:
        fee = to_decimal(commission.get("commission"), "commission") or Decimal(0)
        fee_currency = str(commission.get("currency") or "")
    return OrderFilled(
        client_order_id=client_order_id,
        ts_event=to_ns(execution.get("time")) or ts_init,
        ts_init=ts_init,
        reconciliation=reconciliation,
        trade_id=exec_id,
        symbol=symbol,
        side=side,
        last_qty=qty,
        last_px=px,
        venue_order_id=str(execution.get("permId") or ""),
        fee=fee,
        fee_currency=fee_currency,
        liquidity=_LIQUIDITY.get(int(execution.get("lastLiquidity") or 0), LiquiditySide.NONE),
    )


def fill_report(event: OrderFilled) -> FillReport:
    """The mass-status record of a fill event."""
    return FillReport(
        trade_id=event.trade_id,
        client_order_id=event.client_order_id,
        venue_order_id=event.venue_order_id,
        symbol=event.symbol,
        side=event.side,
        last_qty=event.last_qty,
        last_px=event.last_px,
        fee=event.fee,
        fee_currency=event.fee_currency,
        liquidity=event.liquidity,
        ts_event=event.ts_event,
    )


# --- inbound: statuses and errors ---------------------------------------------------------
def status_event(status: str, view: OrderView, *, ts: int) -> OrderEvent | None:
    """Translate a server order status into an event, or None when it adds nothing.

    Fills are not read from statuses (executions are the source of truth), and
    pending statuses are set by the library itself, so only the first working
    status (an ack), a cancel and ``Inactive`` (IB gave up on the order) count.
    """
    if view.is_done:
        return None
    common: dict[str, Any] = {
        "client_order_id": view.client_order_id,
        "ts_event": ts,
        "ts_init": ts,
    }
    if status in WORKING and not view.is_accepted:
        return OrderAccepted(**common, venue_order_id=view.venue_order_id)
    if status in CANCELLED:
        reason = "canceled on request" if view.is_cancel_pending else f"canceled by IB ({status})"
        return OrderCanceled(**common, reason=reason)
    if status == "Inactive":
        if view.has_fills:
            return OrderCanceled(**common, reason="IB made the order Inactive")
        return OrderRejected(**common, reason="IB made the order Inactive", code="Inactive")
    return None


def error_event(code: int, text: str, view: OrderView, *, ts: int) -> OrderEvent | None:
    """Translate ``error(orderId, code, text)`` for one of our orders into an event."""
    effect = classify_error(
        code,
        is_accepted=view.is_accepted,
        is_cancel_pending=view.is_cancel_pending,
        is_amend_pending=view.is_amend_pending,
    )
    common: dict[str, Any] = {
        "client_order_id": view.client_order_id,
        "ts_event": ts,
        "ts_init": ts,
    }
    reason = f"IB error {code}: {text}"
    if effect is ErrorEffect.CANCEL_REJECTED:
        return OrderCancelRejected(**common, reason=reason)
    if effect is ErrorEffect.AMEND_REJECTED:
        return OrderReplaceRejected(**common, reason=reason)
    if view.is_done:
        return None
    if effect is ErrorEffect.CANCELED:
        return OrderCanceled(**common, reason=reason)
    if effect is ErrorEffect.REJECTED:
        if view.has_fills:  # IB killed the rest of a working order: the fills stand
            return OrderCanceled(**common, reason=reason)
        return OrderRejected(**common, reason=reason, code=str(code))
    return None


def replaced_event(view: OrderView, order: Mapping[str, Any], *, ts: int) -> OrderReplaced:
    """The OrderReplaced for an amend TWS acknowledged, with the order's new terms."""
    return OrderReplaced(
        client_order_id=view.client_order_id,
        ts_event=ts,
        ts_init=ts,
        venue_order_id=view.venue_order_id,
        qty=to_decimal(order.get("totalQuantity"), "totalQuantity"),
        limit_px=to_decimal(order.get("lmtPrice"), "lmtPrice"),
        stop_px=to_decimal(order.get("auxPrice"), "auxPrice"),
    )


# --- inbound: mass-status reports ---------------------------------------------------------
def decode_order_report(
    order: Mapping[str, Any], status: Mapping[str, Any], symbol: str
) -> OrderStatusReport | None:
    """Return the venue's view of one order, or None if it carries no client order id."""
    client_order_id = order.get("orderRef") or ""
    if not client_order_id:
        return None
    order_type = _ORDER_TYPES_BACK.get(str(order.get("orderType")))
    side = _SIDES.get(str(order.get("action")))
    qty = to_decimal(order.get("totalQuantity"), "totalQuantity")
    if order_type is None or side is None or qty is None:
        raise RemoteProtocolError(
            f"order {client_order_id!r}: orderType={order.get('orderType')!r} "
            f"action={order.get('action')!r} is not something this adapter sends",
            venue=VENUE,
        )
    filled = to_decimal(status.get("filled"), "filled") or Decimal(0)
    state = _REPORT_STATUS.get(str(status.get("status")), OrderStatus.ACCEPTED)
    if state is OrderStatus.ACCEPTED and 0 < filled < qty:
        state = OrderStatus.PARTIALLY_FILLED
    perm_id = order.get("permId") or status.get("permId") or ""
    has_limit = order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
    has_stop = order_type in (OrderType.STOP, OrderType.STOP_LIMIT)
    return OrderStatusReport(
        client_order_id=client_order_id,
        venue_order_id=str(perm_id),
        symbol=symbol,
        side=side,
        order_type=order_type,
        status=state,
        qty=qty,
        filled_qty=filled,
        limit_px=to_decimal(order.get("lmtPrice"), "lmtPrice") if has_limit else None,
        stop_px=to_decimal(order.get("auxPrice"), "auxPrice") if has_stop else None,
        avg_px=to_decimal(status.get("avgFillPrice"), "avgFillPrice") if filled else None,
        tif=TimeInForce(order["tif"]) if order.get("tif") in TIFS.values() else TimeInForce.DAY,
    )


def decode_position(
    position: Mapping[str, Any], contract: Mapping[str, Any], symbol: str
) -> PositionReport:
    """Return a PositionReport; IB's avgCost includes the multiplier, so divide it out."""
    qty = to_decimal(position.get("position"), "position") or Decimal(0)
    cost = to_decimal(position.get("avgCost"), "avgCost")
    multiplier = to_decimal(contract.get("multiplier"), "multiplier") or Decimal(1)
    avg = _tidy(cost / multiplier) if cost else None
    return PositionReport(symbol=symbol, qty=qty, avg_px=avg)


def decode_balances(values: Iterable[Mapping[str, Any]]) -> dict[str, Decimal]:
    """Return cash per currency from account values (``CashBalance``, else ``TotalCashValue``).

    IB's ``BASE`` pseudo-currency (everything converted to the base currency) is skipped.
    """
    found: dict[str, dict[str, Decimal]] = {"CashBalance": {}, "TotalCashValue": {}}
    for row in values:
        tag, currency = row.get("tag"), str(row.get("currency") or "")
        if tag in found and currency and currency != "BASE":
            value = to_decimal(row.get("value"), str(tag))
            if value is not None:
                found[str(tag)][currency] = value
    return {**found["TotalCashValue"], **found["CashBalance"]}

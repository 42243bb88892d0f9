"""Pure mapping between Binance spot payloads and bolt_exec commands, events and reports.

Theory of operation
-------------------
Nothing here does I/O. The adapter hands in the dicts python-binance returned
(REST bodies, WebSocket API ``executionReport`` events) and gets our events,
reports and instruments back; for commands it gets the keyword arguments of the
python-binance call, with Binance's own parameter names.

Binance quirks this module absorbs, each with a comment where it happens:
historical spellings (``cummulativeQuoteQty``), statuses that say CANCELED with
one L, cancels that report the *cancel's* id in ``c`` and the order's in ``C``,
and filters that may be disabled with a zero increment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from bolt_exec.errors import ValidationError
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.model.enums import (
    LiquiditySide,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
)
from bolt_exec.model.instrument import Instrument

__all__ = [
    "CLIENT_ID_PATTERN",
    "STATUS_MAP",
    "TIF_IN",
    "TYPE_IN",
    "cancel_params",
    "cancel_replace_params",
    "check_client_order_id",
    "dec",
    "execution_report_events",
    "fmt",
    "keep_priority_params",
    "ms_to_ns",
    "new_order_params",
    "order_response_events",
    "plain",
]

VENUE: Final = "BINANCE"

# FIX documents ^[a-zA-Z0-9-_]{1,36}$ for newClientOrderId; REST -1100 quotes the same.
CLIENT_ID_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_-]{1,36}$")

STATUS_MAP: Final[dict[str, OrderStatus]] = {
    "PENDING_NEW": OrderStatus.SUBMITTED,  # order-list legs only
    "NEW": OrderStatus.ACCEPTED,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "PENDING_CANCEL": OrderStatus.PENDING_CANCEL,  # documented as unused
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED,  # self-trade prevention expired it
}

_TYPE_OUT: Final[dict[OrderType, str]] = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP: "STOP_LOSS",
    OrderType.STOP_LIMIT: "STOP_LOSS_LIMIT",
}
TYPE_IN: Final[dict[str, OrderType]] = {
    "MARKET": OrderType.MARKET,
    "LIMIT": OrderType.LIMIT,
    "LIMIT_MAKER": OrderType.LIMIT,  # post-only limit
    "STOP_LOSS": OrderType.STOP,
    "STOP_LOSS_LIMIT": OrderType.STOP_LIMIT,
    "TAKE_PROFIT": OrderType.STOP,
    "TAKE_PROFIT_LIMIT": OrderType.STOP_LIMIT,
}
_TIF_OUT: Final[dict[TimeInForce, str]] = {
    TimeInForce.GTC: "GTC",
    TimeInForce.IOC: "IOC",
    TimeInForce.FOK: "FOK",
}
TIF_IN: Final[dict[str, TimeInForce]] = {v: k for k, v in _TIF_OUT.items()}
# Binance types that take no timeInForce parameter.
_NO_TIF: Final = frozenset({"MARKET", "LIMIT_MAKER", "STOP_LOSS"})


def ms_to_ns(ms: Any) -> int:
    """Return a Binance millisecond timestamp as UNIX nanoseconds (0 when absent)."""
    return int(ms) * 1_000_000 if ms not in (None, "") else 0


def fmt(value: Decimal) -> str:
    """Format a Decimal the way Binance accepts it: plain digits, no exponent."""
    return format(value.normalize(), "f")


def plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros or an exponent (9000, not 9E+3)."""
    return Decimal(format(value.normalize(), "f"))


def dec(value: Any) -> Decimal:
    """A Binance decimal string as a Decimal (absent or empty is 0)."""
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def check_client_order_id(client_order_id: str) -> None:
    """Raise ValidationError unless Binance can carry ``client_order_id`` as newClientOrderId."""
    if not CLIENT_ID_PATTERN.match(client_order_id):
        raise ValidationError(
            "client_order_id",
            client_order_id,
            "Binance accepts 1-36 letters, digits, '-' or '_' as newClientOrderId",
            "let the OMS assign the id, or use a shorter one of those characters",
        )


def _binance_type(cmd: SubmitOrder) -> str:
    if cmd.post_only:
        if cmd.order_type is not OrderType.LIMIT:
            raise ValidationError(
                "post_only",
                True,
                f"Binance spot has post-only only for LIMIT, not {cmd.order_type}",
            )
        return "LIMIT_MAKER"
    return _TYPE_OUT[cmd.order_type]


def _check_grid(
    cmd_qty: Decimal, px: Decimal | None, stop: Decimal | None, inst: Instrument
) -> None:
    inst.check_qty(cmd_qty)
    if px is not None:
        inst.check_px(px, "limit_px")
    if stop is not None:
        inst.check_px(stop, "stop_px")
    ref = px if px is not None else stop
    if ref is not None and inst.min_notional and inst.notional(cmd_qty, ref) < inst.min_notional:
        raise ValidationError(
            "qty",
            str(cmd_qty),
            f"notional {inst.notional(cmd_qty, ref)} is below {inst.symbol}'s minimum "
            f"{inst.min_notional} (NOTIONAL filter)",
            "send a larger quantity",
        )


def new_order_params(cmd: SubmitOrder, instrument: Instrument | None = None) -> dict[str, str]:
    """Return the ``create_order`` keyword arguments for a SubmitOrder.

    The order's ``client_order_id`` travels as ``newClientOrderId`` (design
    invariant 4). FULL responses carry the immediate fills with trade ids.

    Raises:
        ValidationError: a field Binance spot cannot carry (DAY or GTD time in
            force, reduce-only, an id outside Binance's pattern, off-grid values).
    """
    check_client_order_id(cmd.client_order_id)
    if cmd.reduce_only:
        raise ValidationError("reduce_only", True, "Binance spot has no reduce-only orders")
    btype = _binance_type(cmd)
    params: dict[str, str] = {
        "symbol": cmd.symbol,
        "side": cmd.side.value,
        "type": btype,
        "quantity": fmt(cmd.qty),
        "newClientOrderId": cmd.client_order_id,
        "newOrderRespType": "FULL",
    }
    if btype not in _NO_TIF:
        if cmd.tif not in _TIF_OUT:
            raise ValidationError(
                "tif", cmd.tif.value, "Binance spot supports GTC, IOC and FOK", "use tif='GTC'"
            )
        params["timeInForce"] = _TIF_OUT[cmd.tif]
    if cmd.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        if cmd.limit_px is None:
            raise ValidationError("limit_px", None, f"a {cmd.order_type} order needs a limit price")
        params["price"] = fmt(cmd.limit_px)
    if cmd.order_type in (OrderType.STOP, OrderType.STOP_LIMIT):
        if cmd.stop_px is None:
            raise ValidationError("stop_px", None, f"a {cmd.order_type} order needs a stop price")
        params["stopPrice"] = fmt(cmd.stop_px)
    if instrument is not None:
        _check_grid(cmd.qty, cmd.limit_px, cmd.stop_px, instrument)
    return params


def cancel_params(symbol: str, client_order_id: str, venue_order_id: str = "") -> dict[str, str]:
    """Return ``cancel_order`` arguments; by orderId when known, else by our client id."""
    if venue_order_id:
        return {"symbol": symbol, "orderId": venue_order_id}
    return {"symbol": symbol, "origClientOrderId": client_order_id}


def cancel_replace_params(
    *,
    symbol: str,
    client_order_id: str,
    venue_order_id: str,
    side: Side,
    binance_type: str,
    tif: str | None,
    leg_qty: Decimal,
    limit_px: Decimal | None,
    stop_px: Decimal | None,
) -> dict[str, str]:
    """Return ``cancel_replace_order`` arguments for an amend Binance cannot do in place.

    STOP_ON_FAILURE: if the cancel fails (the order filled meanwhile) no new
    order is placed. The new order reuses our ``client_order_id``: Binance
    requires uniqueness among *open* orders only and cancels before it places,
    so the id stays the one key that survives restarts.
    """
    params: dict[str, str] = {
        "symbol": symbol,
        "side": side.value,
        "type": binance_type,
        "cancelReplaceMode": "STOP_ON_FAILURE",
        "quantity": fmt(leg_qty),
        "newClientOrderId": client_order_id,
        "newOrderRespType": "FULL",
    }
    if venue_order_id:
        params["cancelOrderId"] = venue_order_id
    else:
        params["cancelOrigClientOrderId"] = client_order_id
    if tif is not None and binance_type not in _NO_TIF:
        params["timeInForce"] = tif
    if limit_px is not None:
        params["price"] = fmt(limit_px)
    if stop_px is not None:
        params["stopPrice"] = fmt(stop_px)
    return params


def keep_priority_params(symbol: str, venue_order_id: str, leg_qty: Decimal) -> dict[str, str]:
    """Return the form body of ``PUT /api/v3/order/amend/keepPriority`` (quantity decrease)."""
    return {"symbol": symbol, "orderId": venue_order_id, "newQty": fmt(leg_qty)}


# --- venue -> events ----------------------------------------------------------------------


def _fill_event(
    *,
    coid: str,
    symbol: str,
    side: str,
    venue_order_id: str,
    trade_id: Any,
    qty: Any,
    px: Any,
    fee: Any,
    fee_ccy: Any,
    liquidity: LiquiditySide,
    ts_event: int,
    ts_init: int,
) -> OrderFilled:
    return OrderFilled(
        client_order_id=coid,
        ts_event=ts_event,
        ts_init=ts_init,
        trade_id=str(trade_id),
        symbol=symbol,
        side=Side(side),
        last_qty=dec(qty),
        last_px=dec(px),
        venue_order_id=venue_order_id,
        fee=dec(fee),
        fee_currency=fee_ccy or "",
        liquidity=liquidity,
    )


def order_response_events(resp: Mapping[str, Any], ts_init: int) -> list[OrderEvent]:
    """Return the events a ``POST /api/v3/order`` FULL/RESULT response proves.

    An accepted order yields OrderAccepted, then one OrderFilled per immediate
    fill (FULL responses only), then a terminal event if it already ended
    (a market order EXPIRED with a partial fill, an IOC remainder).
    """
    coid = str(resp["clientOrderId"])
    vid = str(resp["orderId"])
    ts = ms_to_ns(resp.get("transactTime"))
    status = str(resp.get("status", "NEW"))
    if status == "REJECTED":
        return [OrderRejected(client_order_id=coid, ts_event=ts, ts_init=ts_init, reason=status)]
    events: list[OrderEvent] = [
        OrderAccepted(client_order_id=coid, ts_event=ts, ts_init=ts_init, venue_order_id=vid)
    ]
    for f in resp.get("fills", ()):
        events.append(
            _fill_event(
                coid=coid,
                symbol=str(resp["symbol"]),
                side=str(resp["side"]),
                venue_order_id=vid,
                trade_id=f["tradeId"],
                qty=f["qty"],
                px=f["price"],
                fee=f.get("commission"),
                fee_ccy=f.get("commissionAsset"),
                liquidity=LiquiditySide.TAKER,  # fills in the order response crossed the book
                ts_event=ts,
                ts_init=ts_init,
            )
        )
    if status in ("EXPIRED", "EXPIRED_IN_MATCH"):
        events.append(OrderExpired(client_order_id=coid, ts_event=ts, ts_init=ts_init))
    elif status == "CANCELED":
        events.append(OrderCanceled(client_order_id=coid, ts_event=ts, ts_init=ts_init))
    return events


def execution_report_events(msg: Mapping[str, Any], ts_init: int) -> list[OrderEvent]:
    """Return the events one user-stream ``executionReport`` says (empty for others).

    A cancel reports the cancel request's own id in ``c`` and the order's
    in ``C``, so the order's client id is ``C`` when it is set.
    """
    if msg.get("e") != "executionReport":
        return []
    x = str(msg["x"])
    coid = str(msg.get("C") or msg["c"]) if x == "CANCELED" else str(msg["c"])
    vid = str(msg["i"])
    ts = ms_to_ns(msg.get("T") or msg.get("E"))
    if x == "NEW":
        return [
            OrderAccepted(client_order_id=coid, ts_event=ts, ts_init=ts_init, venue_order_id=vid)
        ]
    if x == "TRADE":
        return [
            _fill_event(
                coid=coid,
                symbol=str(msg["s"]),
                side=str(msg["S"]),
                venue_order_id=vid,
                trade_id=msg["t"],
                qty=msg["l"],
                px=msg["L"],
                fee=msg.get("n"),
                fee_ccy=msg.get("N"),
                liquidity=LiquiditySide.MAKER if msg.get("m") else LiquiditySide.TAKER,
                ts_event=ts,
                ts_init=ts_init,
            )
        ]
    if x == "CANCELED":
        return [OrderCanceled(client_order_id=coid, ts_event=ts, ts_init=ts_init)]
    if x == "REPLACED":  # amend keep-priority: same orderId, smaller quantity
        return [
            OrderReplaced(
                client_order_id=coid,
                ts_event=ts,
                ts_init=ts_init,
                venue_order_id=vid,
                qty=dec(msg["q"]),
                limit_px=dec(msg["p"]) if dec(msg.get("p")) else None,
            )
        ]
    if x == "REJECTED":
        return [
            OrderRejected(
                client_order_id=coid, ts_event=ts, ts_init=ts_init, reason=str(msg.get("r", ""))
            )
        ]
    if x in ("EXPIRED", "TRADE_PREVENTION"):
        return [OrderExpired(client_order_id=coid, ts_event=ts, ts_init=ts_init)]
    return []

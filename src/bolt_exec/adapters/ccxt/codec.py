"""Pure mapping between ccxt's unified structures and bolt_exec events and reports.

Theory of operation
-------------------
ccxt already unifies each exchange's payloads into ``order``, ``trade``,
``market`` and ``balance`` dicts; what differs per exchange and matters to an
OMS is kept here *as data*: the parameter that carries our client order id,
the id rules it must obey, and whether ``edit_order`` amends in place or
replaces. ccxt gives numbers as floats parsed from the venue's strings; they
become Decimals through their shortest repr, which recovers the venue's digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from bolt_exec.errors import ValidationError
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.model.enums import (
    AssetClass,
    LiquiditySide,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from bolt_exec.model.events import OrderFilled
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.reports import FillReport, OrderStatusReport, PositionReport

__all__ = [
    "STATUS_MAP",
    "ExchangeRules",
    "balances_from_ccxt",
    "create_order_args",
    "dec",
    "decode_client_id",
    "encode_client_id",
    "fill_event",
    "fill_report",
    "instrument_from_market",
    "order_report",
    "order_status",
    "positions_from_balances",
    "rules_for",
]


@dataclass(frozen=True, slots=True)
class ExchangeRules:
    """What differs per exchange, as data.

    Attributes:
        client_id_param: the venue's own parameter name for our client order id.
        client_id_pattern: the ids the venue accepts.
        edit_in_place: ``edit_order`` keeps the venue order id (False: cancel-replace).
        client_id_query_param: the parameter that finds or cancels an order by our id.
        alnum_ids: the venue takes letters and digits only; our ids are escaped
            reversibly (:func:`encode_client_id`) so they still survive restarts.
    """

    client_id_param: str = "clientOrderId"
    client_id_pattern: str = r"^[A-Za-z0-9_-]{1,36}$"
    edit_in_place: bool = False
    client_id_query_param: str = "clientOrderId"
    alnum_ids: bool = False


_BINANCE_ID: Final = r"^[A-Za-z0-9_-]{1,36}$"
_RULES: Final[dict[str, ExchangeRules]] = {
    # OKX: clOrdId, up to 32 letters and digits; amend-order keeps ordId.
    "okx": ExchangeRules("clOrdId", r"^[A-Za-z0-9]{1,32}$", True, "clOrdId", alnum_ids=True),
    # Binance (and .US): newClientOrderId; edit_order is cancelReplace (new orderId).
    "binance": ExchangeRules("newClientOrderId", _BINANCE_ID, False, "origClientOrderId"),
    "binanceus": ExchangeRules("newClientOrderId", _BINANCE_ID, False, "origClientOrderId"),
    # Coinbase Advanced Trade: ccxt drops "clientOrderId", so pass the venue's own name.
    "coinbase": ExchangeRules("client_order_id", r"^[A-Za-z0-9_-]{1,128}$", edit_in_place=True),
    "coinbaseadvanced": ExchangeRules(
        "client_order_id", r"^[A-Za-z0-9_-]{1,128}$", edit_in_place=True
    ),
}

STATUS_MAP: Final[dict[str, OrderStatus]] = {
    "open": OrderStatus.ACCEPTED,
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "canceling": OrderStatus.PENDING_CANCEL,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}
_TYPES: Final[dict[OrderType, str]] = {
    OrderType.MARKET: "market",
    OrderType.LIMIT: "limit",
    OrderType.STOP: "market",  # with a stop price param: ccxt's unified stop-market
    OrderType.STOP_LIMIT: "limit",
}


# Reversible escape into letters and digits: "Z" itself is escaped, so decoding is exact.
_ESCAPE: Final[dict[str, str]] = {"Z": "ZZ", "-": "Zd", "_": "Zu", ".": "Zp", ":": "Zc"}
_UNESCAPE: Final[dict[str, str]] = {v[1]: k for k, v in _ESCAPE.items()}


def encode_client_id(client_order_id: str, rules: ExchangeRules) -> str:
    """Our client order id as the venue can carry it (``O1a-7`` is ``O1aZd7`` on OKX)."""
    if not rules.alnum_ids:
        return client_order_id
    return "".join(_ESCAPE.get(ch, ch) for ch in client_order_id)


def decode_client_id(venue_client_id: str, rules: ExchangeRules) -> str:
    """Invert :func:`encode_client_id` (ids we did not encode come back unchanged)."""
    if not rules.alnum_ids or "Z" not in venue_client_id:
        return venue_client_id
    out: list[str] = []
    chars = iter(venue_client_id)
    for ch in chars:
        if ch == "Z":
            nxt = next(chars, "")
            if nxt not in _UNESCAPE:
                return venue_client_id  # not one of ours: leave it as the venue said
            out.append(_UNESCAPE[nxt])
        else:
            out.append(ch)
    return "".join(out)


def rules_for(exchange_id: str) -> ExchangeRules:
    """The exchange's rules (ccxt's unified ``clientOrderId`` for exchanges not listed)."""
    return _RULES.get(exchange_id, ExchangeRules())


def dec(value: Any) -> Decimal:
    """A ccxt number as a Decimal (floats through their shortest repr; None is 0)."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def _plain(value: Decimal) -> Decimal:
    return Decimal(format(value.normalize(), "f"))


def create_order_args(
    cmd: SubmitOrder, rules: ExchangeRules
) -> tuple[str, str, str, Decimal, Decimal | None, dict[str, Any]]:
    """Return ``(symbol, type, side, amount, price, params)`` for ``create_order``.

    Raises:
        ValidationError: the client id breaks the exchange's rule, or a price is missing.
    """
    venue_id = encode_client_id(cmd.client_order_id, rules)
    if not re.match(rules.client_id_pattern, venue_id):
        raise ValidationError(
            "client_order_id",
            cmd.client_order_id,
            f"this exchange's {rules.client_id_param} must match {rules.client_id_pattern} "
            f"(it would be sent as {venue_id!r})",
            "use a shorter OMS id prefix",
        )
    params: dict[str, Any] = {rules.client_id_param: venue_id}
    if cmd.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT) and cmd.limit_px is None:
        raise ValidationError("limit_px", None, f"a {cmd.order_type} order needs a limit price")
    if cmd.order_type in (OrderType.STOP, OrderType.STOP_LIMIT):
        if cmd.stop_px is None:
            raise ValidationError("stop_px", None, f"a {cmd.order_type} order needs a stop price")
        params["stopPrice"] = cmd.stop_px
    if cmd.tif in (TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTC):
        if cmd.order_type is not OrderType.MARKET:
            params["timeInForce"] = cmd.tif.value
    else:
        raise ValidationError("tif", cmd.tif.value, "ccxt venues take GTC, IOC or FOK")
    if cmd.post_only:
        params["postOnly"] = True
    if cmd.reduce_only:
        params["reduceOnly"] = True
    price = cmd.limit_px if cmd.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None
    return cmd.symbol, _TYPES[cmd.order_type], cmd.side.value.lower(), cmd.qty, price, params


def _liquidity(trade: Mapping[str, Any]) -> LiquiditySide:
    role = trade.get("takerOrMaker")
    if role == "maker":
        return LiquiditySide.MAKER
    return LiquiditySide.TAKER if role == "taker" else LiquiditySide.NONE


def _fee(trade: Mapping[str, Any]) -> tuple[Decimal, str]:
    fee = trade.get("fee") or {}
    return dec(fee.get("cost")), str(fee.get("currency") or "")


def fill_event(
    trade: Mapping[str, Any],
    client_order_id: str,
    ts_init: int,
    order: Mapping[str, Any] | None = None,
) -> OrderFilled:
    """Return the OrderFilled of one unified trade.

    Trades nested in an order response (Binance FULL ``fills``) lack side and
    symbol; ``order`` supplies them.
    """
    if order is not None:
        trade = {
            **trade,
            "side": trade.get("side") or order["side"],
            "symbol": trade.get("symbol") or order["symbol"],
            "order": trade.get("order") or order.get("id"),
        }
    fee, ccy = _fee(trade)
    return OrderFilled(
        client_order_id=client_order_id,
        ts_event=int(trade.get("timestamp") or 0) * 1_000_000,
        ts_init=ts_init,
        trade_id=str(trade["id"]),
        symbol=str(trade["symbol"]),
        side=Side(str(trade["side"]).upper()),
        last_qty=dec(trade["amount"]),
        last_px=dec(trade["price"]),
        venue_order_id=str(trade.get("order") or ""),
        fee=fee,
        fee_currency=ccy,
        liquidity=_liquidity(trade),
    )


def fill_report(trade: Mapping[str, Any], client_order_id: str) -> FillReport:
    """Return our report of one unified trade."""
    fee, ccy = _fee(trade)
    return FillReport(
        trade_id=str(trade["id"]),
        client_order_id=client_order_id,
        venue_order_id=str(trade.get("order") or ""),
        symbol=str(trade["symbol"]),
        side=Side(str(trade["side"]).upper()),
        last_qty=dec(trade["amount"]),
        last_px=dec(trade["price"]),
        fee=fee,
        fee_currency=ccy,
        liquidity=_liquidity(trade),
        ts_event=int(trade.get("timestamp") or 0) * 1_000_000,
    )


def order_status(order: Mapping[str, Any]) -> OrderStatus:
    """Our status of a unified order; partial fill is derived from ``filled`` (ccxt says open)."""
    status = STATUS_MAP.get(str(order.get("status")), OrderStatus.ACCEPTED)
    if status is OrderStatus.ACCEPTED and dec(order.get("filled")) > 0:
        return OrderStatus.PARTIALLY_FILLED
    return status


def order_report(order: Mapping[str, Any], client_order_id: str = "") -> OrderStatusReport:
    """Return our report of a unified order."""
    tif = str(order.get("timeInForce") or "GTC")
    kind = str(order.get("type") or "limit")
    stop = order.get("triggerPrice") or order.get("stopPrice")
    order_type = OrderType.MARKET if kind == "market" else OrderType.LIMIT
    if stop:
        order_type = OrderType.STOP if kind == "market" else OrderType.STOP_LIMIT
    price = dec(order.get("price"))
    average = dec(order.get("average"))
    return OrderStatusReport(
        client_order_id=client_order_id or str(order.get("clientOrderId") or ""),
        venue_order_id=str(order["id"]),
        symbol=str(order["symbol"]),
        side=Side(str(order["side"]).upper()),
        order_type=order_type,
        status=order_status(order),
        qty=dec(order.get("amount")),
        filled_qty=dec(order.get("filled")),
        limit_px=price if price and kind != "market" else None,
        stop_px=dec(stop) if stop else None,
        avg_px=average or None,
        tif=TimeInForce(tif) if tif in TimeInForce.__members__ else TimeInForce.GTC,
        ts_accepted=int(order.get("timestamp") or 0) * 1_000_000,
        ts_last=int(order.get("lastUpdateTimestamp") or order.get("timestamp") or 0) * 1_000_000,
    )


def _step(value: Any, precision_mode: int) -> Decimal:
    # ccxt: TICK_SIZE mode (4) gives the increment itself; DECIMAL_PLACES (2) gives digits.
    if value is None:
        return Decimal(0)
    if precision_mode == 4:
        return dec(value)
    return Decimal(1).scaleb(-int(value))


def instrument_from_market(market: Mapping[str, Any], precision_mode: int) -> Instrument:
    """Return the Instrument of a ccxt market (precision gives the grid, limits the bounds)."""
    precision = market.get("precision") or {}
    limits = market.get("limits") or {}
    amount = limits.get("amount") or {}
    cost = limits.get("cost") or {}
    tick = _step(precision.get("price"), precision_mode) or Decimal("1e-8")
    lot = _step(precision.get("amount"), precision_mode) or Decimal("1e-8")
    max_qty = dec(amount.get("max"))
    return Instrument(
        symbol=str(market["symbol"]),
        venue=str(market.get("exchange") or "CCXT").upper(),
        asset_class=AssetClass.CRYPTO,
        currency=str(market["quote"]),
        tick_size=_plain(tick),
        lot_size=_plain(lot),
        min_qty=_plain(dec(amount.get("min"))),
        min_notional=_plain(dec(cost.get("min"))),
        max_qty=_plain(max_qty) if max_qty else None,
        extra=(
            ("base_asset", str(market["base"])),
            ("quote_asset", str(market["quote"])),
            ("venue_symbol", str(market.get("id") or "")),
        ),
    )


def balances_from_ccxt(balance: Mapping[str, Any]) -> dict[str, Decimal]:
    """Non-zero totals from a ccxt ``fetch_balance`` result."""
    totals = balance.get("total") or {}
    return {str(k): dec(v) for k, v in totals.items() if v}


def positions_from_balances(
    balances: Mapping[str, Decimal], instruments: Sequence[Instrument], symbols: Iterable[str]
) -> tuple[PositionReport, ...]:
    """Spot positions from base-asset balances, each base asset reported once."""
    by_symbol = {i.symbol: i for i in instruments}
    seen: set[str] = set()
    out: list[PositionReport] = []
    for sym in symbols:
        inst = by_symbol.get(sym)
        base = dict(inst.extra).get("base_asset", "") if inst else ""
        if base and base not in seen:
            seen.add(base)
            out.append(PositionReport(symbol=sym, qty=balances.get(base, Decimal(0))))
    return tuple(out)

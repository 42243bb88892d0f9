"""Pure mapping of Binance venue snapshots: orders, trades, balances, exchangeInfo.

What the reconciler and the instrument registry read: order objects
(query, open orders, allOrders) become OrderStatusReports, ``myTrades`` rows
FillReports, ``account`` balances (and spot positions derived from them), and
exchangeInfo symbols and rateLimits become Instruments and RateLimits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from bolt_exec.adapters.base import RateLimit
from bolt_exec.adapters.binance.codec import (
    STATUS_MAP,
    TIF_IN,
    TYPE_IN,
    VENUE,
    dec,
    ms_to_ns,
    plain,
)
from bolt_exec.model.enums import AssetClass, LiquiditySide, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
)
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.reports import FillReport, OrderStatusReport, PositionReport

__all__ = [
    "balances_from_account",
    "fill_report",
    "instrument_from_symbol",
    "order_report",
    "order_row_events",
    "positions_from_balances",
    "rate_limits_from_exchange_info",
]

_INTERVAL_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}


def order_report(o: Mapping[str, Any]) -> OrderStatusReport:
    """Return our report of a Binance order object (query, open orders, allOrders)."""
    executed = dec(o.get("executedQty"))
    quote = dec(o.get("cummulativeQuoteQty"))  # sic: Binance's historical spelling
    price = dec(o.get("price"))
    stop = dec(o.get("stopPrice"))
    return OrderStatusReport(
        client_order_id=str(o["clientOrderId"]),
        venue_order_id=str(o["orderId"]),
        symbol=str(o["symbol"]),
        side=Side(str(o["side"])),
        order_type=TYPE_IN.get(str(o["type"]), OrderType.LIMIT),
        status=STATUS_MAP[str(o["status"])],
        qty=dec(o["origQty"]),
        filled_qty=executed,
        limit_px=price if price else None,  # market orders report price "0.00000000"
        stop_px=stop if stop else None,
        avg_px=quote / executed if executed else None,
        tif=TIF_IN.get(str(o.get("timeInForce", "GTC")), TimeInForce.GTC),
        ts_accepted=ms_to_ns(o.get("time")),
        ts_last=ms_to_ns(o.get("updateTime")),
    )


def fill_report(t: Mapping[str, Any], client_order_id: str) -> FillReport:
    """Return our report of a ``myTrades`` row (which carries orderId, not the client id)."""
    return FillReport(
        trade_id=str(t["id"]),
        client_order_id=client_order_id,
        venue_order_id=str(t["orderId"]),
        symbol=str(t["symbol"]),
        side=Side.BUY if t["isBuyer"] else Side.SELL,
        last_qty=dec(t["qty"]),
        last_px=dec(t["price"]),
        fee=dec(t.get("commission")),
        fee_currency=str(t.get("commissionAsset") or ""),
        liquidity=LiquiditySide.MAKER if t.get("isMaker") else LiquiditySide.TAKER,
        ts_event=ms_to_ns(t.get("time")),
    )


def balances_from_account(account: Mapping[str, Any]) -> dict[str, Decimal]:
    """Return non-zero total (free + locked) balances by asset."""
    out: dict[str, Decimal] = {}
    for b in account.get("balances", ()):
        total = dec(b["free"]) + dec(b["locked"])
        if total:
            out[str(b["asset"])] = total
    return out


def positions_from_balances(
    balances: Mapping[str, Decimal], instruments: Sequence[Instrument], symbols: Iterable[str]
) -> tuple[PositionReport, ...]:
    """Derive spot positions from base-asset balances.

    Spot has no positions: holding 0.5 BTC is a +0.5 position in the first
    traded symbol whose base asset is BTC. Each base asset is reported once,
    so two traded symbols sharing a base never double count.
    """
    by_symbol = {i.symbol: i for i in instruments}
    seen: set[str] = set()
    out: list[PositionReport] = []
    for sym in symbols:
        inst = by_symbol.get(sym)
        if inst is None:
            continue
        base = dict(inst.extra).get("base_asset", "")
        if not base or base in seen:
            continue
        seen.add(base)
        out.append(PositionReport(symbol=sym, qty=balances.get(base, Decimal(0))))
    return tuple(out)


def _filters(sym: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(f["filterType"]): f for f in sym.get("filters", ())}


def instrument_from_symbol(sym: Mapping[str, Any]) -> Instrument:
    """Return the Instrument of one exchangeInfo ``symbols[]`` entry.

    PRICE_FILTER.tickSize is the tick, LOT_SIZE.stepSize the lot, LOT_SIZE
    minQty/maxQty the quantity bounds, and NOTIONAL (or the older
    MIN_NOTIONAL) minNotional the notional floor. A zero increment means the
    filter is disabled; the asset precision then sets the grid.
    """
    filters = _filters(sym)
    price_f = filters.get("PRICE_FILTER", {})
    lot_f = filters.get("LOT_SIZE", {})
    notional_f = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
    tick = dec(price_f.get("tickSize")) or Decimal(1).scaleb(-int(sym.get("quotePrecision", 8)))
    lot = dec(lot_f.get("stepSize")) or Decimal(1).scaleb(-int(sym.get("baseAssetPrecision", 8)))
    max_qty = dec(lot_f.get("maxQty"))
    return Instrument(
        symbol=str(sym["symbol"]),
        venue=VENUE,
        asset_class=AssetClass.CRYPTO,
        currency=str(sym["quoteAsset"]),
        tick_size=plain(tick),
        lot_size=plain(lot),
        min_qty=plain(dec(lot_f.get("minQty"))),
        min_notional=plain(dec(notional_f.get("minNotional"))),
        max_qty=plain(max_qty) if max_qty else None,
        extra=(("base_asset", str(sym["baseAsset"])), ("quote_asset", str(sym["quoteAsset"]))),
    )


def rate_limits_from_exchange_info(info: Mapping[str, Any]) -> tuple[RateLimit, ...]:
    """Return exchangeInfo ``rateLimits`` as RateLimit data (scope = the limit type, lower)."""
    out: list[RateLimit] = []
    for rl in info.get("rateLimits", ()):
        seconds = _INTERVAL_SECONDS.get(str(rl.get("interval")), 0) * int(rl.get("intervalNum", 1))
        if seconds:
            out.append(
                RateLimit(
                    count=int(rl["limit"]),
                    per_seconds=float(seconds),
                    scope=str(rl["rateLimitType"]).lower(),
                )
            )
    return tuple(out)


def order_row_events(
    row: Mapping[str, Any], trades: Sequence[Mapping[str, Any]], ts_init: int
) -> list[OrderEvent]:
    """Return what a queried order and its ``myTrades`` rows prove, as events.

    The ack (unless REJECTED), one OrderFilled per trade, then the terminal
    event if the order ended; FILLED needs none (the fills complete it).
    """
    coid = str(row["clientOrderId"])
    vid = str(row["orderId"])
    ts = ms_to_ns(row.get("updateTime") or row.get("time"))
    status = str(row["status"])
    if status == "REJECTED":
        return [OrderRejected(client_order_id=coid, ts_event=ts, ts_init=ts_init, reason=status)]
    events: list[OrderEvent] = [
        OrderAccepted(
            client_order_id=coid,
            ts_event=ms_to_ns(row.get("time")),
            ts_init=ts_init,
            venue_order_id=vid,
        )
    ]
    for t in trades:
        if str(t["orderId"]) != vid:
            continue
        f = fill_report(t, coid)
        events.append(
            OrderFilled(
                client_order_id=coid,
                ts_event=f.ts_event,
                ts_init=ts_init,
                trade_id=f.trade_id,
                symbol=f.symbol,
                side=f.side,
                last_qty=f.last_qty,
                last_px=f.last_px,
                venue_order_id=vid,
                fee=f.fee,
                fee_currency=f.fee_currency,
                liquidity=f.liquidity,
            )
        )
    if status == "CANCELED":
        events.append(OrderCanceled(client_order_id=coid, ts_event=ts, ts_init=ts_init))
    elif status in ("EXPIRED", "EXPIRED_IN_MATCH"):
        events.append(OrderExpired(client_order_id=coid, ts_event=ts, ts_init=ts_init))
    return events

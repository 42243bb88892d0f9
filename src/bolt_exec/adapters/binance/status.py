"""What the Binance adapter asks the venue for a mass status (the reconciler's input)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bolt_exec.adapters.binance import snapshots
from bolt_exec.adapters.binance._lib import BinanceAPIException
from bolt_exec.adapters.binance.errors import map_exception
from bolt_exec.model.events import OrderEvent
from bolt_exec.model.reports import MassStatus

if TYPE_CHECKING:
    from bolt_exec.adapters.binance.adapter import BinanceSpotBroker

__all__ = ["catch_up", "fetch_mass_status", "report_order"]


async def fetch_mass_status(broker: BinanceSpotBroker, since_ns: int | None) -> MassStatus:
    """Open orders, orders and fills since ``since_ns``, balances and derived positions.

    Raises:
        BrokerError: the most specific subclass (RateLimited, BrokerUnavailable...).
    """
    client = broker._require_client()
    start_ms = since_ns // 1_000_000 if since_ns else None
    try:
        if broker.config.symbols:  # weight 6 per symbol instead of 80 for all
            open_rows = [
                o
                for sym in broker.config.symbols
                for o in await broker._call(client.get_open_orders, symbol=sym)
            ]
        else:
            open_rows = await broker._call(client.get_open_orders)
        symbols = list(
            dict.fromkeys(
                [
                    *broker.config.symbols,
                    *(t.symbol for t in broker._orders.values()),
                    *(str(o["symbol"]) for o in open_rows),
                ]
            )
        )
        rows = {str(o["orderId"]): o for o in open_rows}
        trades: list[dict[str, Any]] = []
        for sym in symbols:
            window = {"startTime": start_ms} if start_ms else {}
            for o in await broker._call(client.get_all_orders, symbol=sym, **window):
                rows.setdefault(str(o["orderId"]), o)
            trades += await broker._call(client.get_my_trades, symbol=sym, **window)
        account = await broker._call(client.get_account)
    except Exception as exc:
        raise map_exception(exc, broker.name) from exc
    orders = tuple(snapshots.order_report(o) for o in rows.values())
    coid_by_vid = {r.venue_order_id: r.client_order_id for r in orders}
    for coid, t in broker._orders.items():
        for vid in (t.venue_order_id, *t.old_legs):
            coid_by_vid.setdefault(vid, coid)
    fills = tuple(snapshots.fill_report(t, coid_by_vid.get(str(t["orderId"]), "")) for t in trades)
    balances = snapshots.balances_from_account(account)
    positions = snapshots.positions_from_balances(balances, broker.instruments(), symbols)
    return MassStatus(
        broker=broker.name,
        ts=broker._now_ns(),
        orders=orders,
        fills=fills,
        positions=positions,
        balances=balances,
    )


async def catch_up(broker: BinanceSpotBroker) -> int:
    """Ask the venue about every order this session still thinks is working; emit its answer.

    Run after the user stream comes back: events sent while it was down are
    gone, but the venue still knows each order's status and trades. Orders
    the venue never saw (``-2013``) are left alone: the request may still be
    in flight, and only the reconciler may call that a loss. Repeats of facts
    already reported are absorbed by the adapter's filter.

    Returns:
        How many orders the venue reported on.

    Raises:
        BrokerError: the most specific subclass, when the venue cannot answer.
    """
    answered = 0
    for coid, t in list(broker._orders.items()):
        if not t.is_done and await report_order(broker, coid, t.symbol):
            answered += 1
    return answered


async def report_order(broker: BinanceSpotBroker, client_order_id: str, symbol: str) -> bool:
    """Ask the venue about one order by our client id and emit what it says.

    Returns:
        False if the venue does not know the order (``-2013``): nothing is emitted.

    Raises:
        BrokerError: the most specific subclass, when the venue cannot answer.
    """
    client = broker._require_client()
    try:
        row = await broker._call(client.get_order, symbol=symbol, origClientOrderId=client_order_id)
        trades = await broker._call(client.get_my_trades, symbol=symbol, orderId=row["orderId"])
    except BinanceAPIException as exc:
        if exc.code == -2013:  # "Order does not exist.": unknown, not rejected
            return False
        raise map_exception(exc, broker.name) from exc
    except Exception as exc:
        raise map_exception(exc, broker.name) from exc
    events: list[OrderEvent] = snapshots.order_row_events(row, trades, broker._now_ns())
    broker._deliver(events, venue_order_id=str(row["orderId"]))
    return True

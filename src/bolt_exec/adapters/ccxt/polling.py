"""What the ccxt adapter asks the venue: the poll of working orders, and mass status."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from bolt_exec.adapters.ccxt import codec
from bolt_exec.adapters.ccxt.orders import TrackedOrder
from bolt_exec.model.events import OrderEvent
from bolt_exec.model.reports import MassStatus

if TYPE_CHECKING:
    from bolt_exec.adapters.ccxt.adapter import CcxtBroker

__all__ = ["fetch_mass_status", "poll_once"]


async def poll_once(broker: CcxtBroker) -> None:
    """Fetch new trades and the status of each working order; emit what changed.

    Raises:
        BrokerError: the most specific subclass, when the venue cannot answer.
    """
    ex = broker._require()
    by_symbol: dict[str, list[tuple[str, TrackedOrder]]] = defaultdict(list)
    for coid, t in broker._book.working():
        by_symbol[t.symbol].append((coid, t))
    for symbol, items in by_symbol.items():
        since = broker._watermarks.get(symbol)
        try:
            trades = await broker._call(ex.fetch_my_trades, symbol, since)
            events: list[OrderEvent] = []
            for trade in trades:
                coid = broker._book.client_id_of(str(trade.get("order") or ""))
                if coid:
                    events.append(codec.fill_event(trade, coid, broker._now_ns()))
                ts = int(trade.get("timestamp") or 0)
                # Inclusive watermark: trades in the same millisecond are re-read and deduped.
                broker._watermarks[symbol] = max(broker._watermarks.get(symbol, 0), ts)
            broker._deliver(events)
            for coid, t in items:
                order = await broker._call(ex.fetch_order, t.venue_order_id, symbol)
                broker._on_order(coid, order, ack=False)
        except Exception as exc:
            raise broker._map(exc) from exc


async def fetch_mass_status(broker: CcxtBroker, since_ns: int | None) -> MassStatus:
    """Open orders, fills since ``since_ns``, balances and derived spot positions.

    Raises:
        BrokerError: the most specific subclass (RateLimited, BrokerUnavailable...).
    """
    ex = broker._require()
    since_ms = since_ns // 1_000_000 if since_ns else None
    symbols = list(dict.fromkeys([*broker.config.symbols, *broker._book.symbols()]))
    # Recent closed orders too: trades carry only the venue order id, and after a restart
    # the order history is where our client id lives.
    history = (
        ex.fetch_orders
        if ex.has.get("fetchOrders")
        else (ex.fetch_closed_orders if ex.has.get("fetchClosedOrders") else None)
    )
    orders: dict[str, dict[str, Any]] = {}
    trades: list[dict[str, Any]] = []
    try:
        for sym in symbols:
            for o in await broker._call(ex.fetch_open_orders, sym):
                orders[str(o["id"])] = o
            if history is not None:
                for o in await broker._call(history, sym, since_ms):
                    orders.setdefault(str(o["id"]), o)
            trades += await broker._call(ex.fetch_my_trades, sym, since_ms)
        balance = await broker._call(ex.fetch_balance)
    except Exception as exc:
        raise broker._map(exc) from exc
    coid_of = {
        vid: codec.decode_client_id(str(o.get("clientOrderId") or ""), broker.rules)
        or broker._book.client_id_of(vid)
        for vid, o in orders.items()
    }
    reports = tuple(codec.order_report(o, coid_of[vid]) for vid, o in orders.items())
    fills = tuple(
        codec.fill_report(
            t,
            coid_of.get(str(t.get("order")))
            or broker._book.client_id_of(str(t.get("order") or "")),
        )
        for t in trades
    )
    balances = codec.balances_from_ccxt(balance)
    positions = codec.positions_from_balances(balances, broker.instruments(), symbols)
    return MassStatus(
        broker=broker.name,
        ts=broker._now_ns(),
        orders=reports,
        fills=fills,
        positions=positions,
        balances=balances,
    )

"""What the Binance adapter asks the venue for a mass status (the reconciler's input)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bolt_exec.adapters.binance import snapshots
from bolt_exec.adapters.binance.errors import map_exception
from bolt_exec.model.reports import MassStatus

if TYPE_CHECKING:
    from bolt_exec.adapters.binance.adapter import BinanceSpotBroker

__all__ = ["fetch_mass_status"]


async def fetch_mass_status(broker: BinanceSpotBroker, since_ns: int | None) -> MassStatus:
    """Open orders, orders and fills since ``since_ns``, balances and derived positions.

    Raises:
        BrokerError: the most specific subclass (RateLimited, BrokerUnavailable...).
    """
    client = broker._require_client()
    start_ms = since_ns // 1_000_000 if since_ns else None
    try:
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

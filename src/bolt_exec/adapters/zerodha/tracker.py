"""OrderTracker: what the Kite adapter remembers to translate snapshots into events.

Kite speaks in whole-order snapshots with cumulative quantities and knows our
orders only by ``tag``; bolt_exec wants one event per change, keyed by
client order id. The tracker holds the translation state (tag map, last view
of each order, trade ids already reported) and no I/O, so it is tested
without sockets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from bolt_exec.adapters.zerodha import codec, translate, wire
from bolt_exec.model.events import OrderFilled
from bolt_exec.model.reports import FillReport, MassStatus, OrderStatusReport

__all__ = ["OrderTracker"]


class OrderTracker:
    """Translation state of one Kite account.

    Args:
        default_exchange: exchange whose symbols are bare (``INFY`` for ``NSE:INFY``).
    """

    def __init__(self, default_exchange: str) -> None:
        self._default_exchange = default_exchange
        self._tags: dict[str, str] = {}  # tag -> client_order_id
        self._symbols: dict[str, str] = {}  # client_order_id -> symbol
        self.order_ids: dict[str, str] = {}  # client_order_id -> Kite order_id
        self._views: dict[str, translate.OrderView] = {}
        self._seen_trades: set[str] = set()
        self._reported: dict[str, Decimal] = {}  # client_order_id -> qty reported as fills

    def register(self, client_order_id: str, symbol: str) -> str:
        """Remember an order we are about to send; return its tag."""
        tag = codec.tag_for(client_order_id)
        self._tags[tag] = client_order_id
        self._symbols[client_order_id] = symbol
        return tag

    def adopt(self, client_order_ids: Iterable[str]) -> None:
        """Remember ids sent before a restart (from the journal)."""
        for coid in client_order_ids:
            self._tags[codec.tag_for(coid)] = coid

    def client_order_id(self, tag: str | None) -> str | None:
        """Return our id for a Kite tag, or None if the order is not ours."""
        return self._tags.get(tag or "")

    def is_ours(self, order: Mapping[str, Any]) -> bool:
        """True if a raw Kite order carries one of our tags."""
        return order.get("tag") in self._tags

    def symbol_of(self, exchange: str, tradingsymbol: str) -> str:
        """Return our symbol of a Kite instrument."""
        if exchange == self._default_exchange:
            return tradingsymbol
        return f"{exchange}:{tradingsymbol}"

    def apply(
        self, order: wire.KiteOrder, ts_init: int
    ) -> tuple[str, translate.Translation] | None:
        """Translate one snapshot of one of our orders; None when it is not ours."""
        coid = self.client_order_id(order.tag)
        if coid is None:
            return None
        self.order_ids.setdefault(coid, order.order_id)
        self._symbols.setdefault(coid, self.symbol_of(order.exchange, order.tradingsymbol))
        result = translate.translate_order(self._views.get(coid), order, coid, ts_init)
        self._views[coid] = result.view
        return coid, result

    def fills_behind(self, client_order_id: str) -> bool:
        """True while Kite's cumulative fill exceeds the fills we reported."""
        view = self._views.get(client_order_id)
        reported = self._reported.get(client_order_id, Decimal(0))
        return view is not None and view.filled > reported

    def new_fills(
        self, client_order_id: str, trades: Iterable[Mapping[str, Any]], ts_init: int
    ) -> list[OrderFilled]:
        """Return an OrderFilled for each trade not reported yet (dedupe by trade id)."""
        out = []
        for raw in trades:
            trade = wire.parse_trade(raw)
            if trade.trade_id in self._seen_trades:
                continue
            self._seen_trades.add(trade.trade_id)
            symbol = self._symbols[client_order_id]
            fill = translate.fill_from_trade(trade, client_order_id, symbol, ts_init)
            self._reported[client_order_id] = (
                self._reported.get(client_order_id, Decimal(0)) + fill.last_qty
            )
            out.append(fill)
        return out

    def mass_status(
        self,
        broker: str,
        ts: int,
        orders: Iterable[Mapping[str, Any]],
        trades: Iterable[Mapping[str, Any]],
        positions: Mapping[str, Any],
        since_ns: int | None = None,
    ) -> MassStatus:
        """Return the MassStatus of Kite's ``orders()``, ``trades()`` and ``positions()``.

        Only open orders are listed. Orders and fills carry our client order id when the
        tag is known, else the raw tag (empty for untagged orders placed elsewhere).
        """
        coid_of: dict[str, str] = {}
        reports: list[OrderStatusReport] = []
        for raw in orders:
            order = wire.parse_order(raw)
            coid = self.client_order_id(order.tag) or order.tag or ""
            coid_of[order.order_id] = coid
            symbol = self.symbol_of(order.exchange, order.tradingsymbol)
            report = translate.order_report(order, coid, symbol)
            if report.status.is_open:
                reports.append(report)
        fills: list[FillReport] = []
        for raw in trades:
            trade = wire.parse_trade(raw)
            symbol = self.symbol_of(trade.exchange, trade.tradingsymbol)
            fill = translate.fill_report(trade, coid_of.get(trade.order_id, ""), symbol)
            if since_ns is None or fill.ts_event >= since_ns:
                fills.append(fill)
        pos = tuple(
            translate.position_report(
                p, self.symbol_of(str(p.get("exchange", "")), str(p.get("tradingsymbol", "")))
            )
            for p in positions.get("net", [])
        )
        return MassStatus(
            broker=broker, ts=ts, orders=tuple(reports), fills=tuple(fills), positions=pos
        )

"""Ask a venue about single orders whose fate its mass status cannot tell (the service's I/O).

A mass status lists open orders, so an order it does not list may have filled,
been canceled or expired, or never arrived. :func:`ask_venue` asks about each
such order and returns :class:`~bolt_exec.reconcile.discrepancies.OrderQuery`
answers, which ``diff`` takes as data:

* a broker with a targeted query is asked once per order:
  ``order_status(client_order_id)`` or ``order_report(client_order_id)`` (the
  paper broker), or ``query_order(symbol, client_order_id)`` (Binance); sync or
  async, returning an ``OrderStatusReport`` or None when the venue does not know
  the order (then nothing of it traded there: its fill history is complete);
* any other broker is asked once for all of them: a mass status reaching back
  to the oldest order's start (``overlap_ns`` earlier), so each order's whole
  fill history is seen, and its report when the venue lists finished orders.

A ``BrokerError`` (timeout, transport, rate limit) makes the answer
UNANSWERED, never NOT_FOUND: the order stays in flight. At most ``limit``
orders are asked per run (the service's request budget, see
:mod:`bolt_exec.reconcile.budget`); the rest are UNANSWERED until the next run.
:func:`ask_venue` also returns what the asking cost in venue requests.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bolt_exec.adapters.base import BrokerBase
from bolt_exec.errors import BrokerError
from bolt_exec.model.order import Order
from bolt_exec.model.reports import OrderStatusReport
from bolt_exec.reconcile.budget import REQUESTS_PER_RUN
from bolt_exec.reconcile.discrepancies import OrderQuery, QueryAnswer

__all__ = ["TargetedQuery", "ask_venue", "targeted_query"]

TargetedQuery = Callable[[Order], Awaitable[OrderStatusReport | None]]


def targeted_query(broker: BrokerBase) -> TargetedQuery | None:
    """Return how to ask ``broker`` about one order, or None if it has no such query."""
    by_id: Any = getattr(broker, "order_status", None) or getattr(broker, "order_report", None)
    by_symbol: Any = getattr(broker, "query_order", None)
    if not callable(by_id) and not callable(by_symbol):
        return None

    async def ask(order: Order) -> OrderStatusReport | None:
        got: Any = (
            by_id(order.client_order_id)
            if callable(by_id)
            else by_symbol(order.symbol, order.client_order_id)
        )
        report: OrderStatusReport | None = await got if inspect.isawaitable(got) else got
        return report

    return ask


def _unanswered(coid: str, error: str) -> OrderQuery:
    return OrderQuery(coid, QueryAnswer.UNANSWERED, error=error)


async def ask_venue(
    broker: BrokerBase, orders: Sequence[Order], *, overlap_ns: int, limit: int
) -> tuple[dict[str, OrderQuery], int]:
    """Return the venue's answer about each of ``orders``, by client order id (see module),
    and the number of venue requests sent (one per targeted query, or one mass status's
    ``REQUESTS_PER_RUN``; a request that failed counts too)."""
    asked, later = list(orders[: max(limit, 0)]), orders[max(limit, 0) :]
    out = {
        o.client_order_id: _unanswered(o.client_order_id, "query budget spent; asked next run")
        for o in later
    }
    one = targeted_query(broker)
    if one is not None:
        for order in asked:
            coid = order.client_order_id
            try:
                report = await one(order)
            except BrokerError as exc:
                out[coid] = _unanswered(coid, f"{type(exc).__name__}: {exc}")
                continue
            if report is None:  # unknown to the venue: nothing of it can have traded there
                out[coid] = OrderQuery(coid, QueryAnswer.NOT_FOUND, fills_complete=True)
            else:
                out[coid] = OrderQuery(coid, QueryAnswer.FOUND, report)
        return out, len(asked)
    if not asked:
        return out, 0
    try:
        full = await broker.mass_status(min(o.ts_init for o in asked) - overlap_ns)
    except BrokerError as exc:
        why = f"{type(exc).__name__}: {exc}"
        out.update({o.client_order_id: _unanswered(o.client_order_id, why) for o in asked})
        return out, REQUESTS_PER_RUN
    for order in asked:
        coid, vid = order.client_order_id, order.venue_order_id

        def mine(c: str, v: str, coid: str = coid, vid: str = vid) -> bool:
            return c == coid or (bool(vid) and v == vid)

        report = next((r for r in full.orders if mine(r.client_order_id, r.venue_order_id)), None)
        fills = tuple(f for f in full.fills if mine(f.client_order_id, f.venue_order_id))
        found = QueryAnswer.FOUND if report is not None else QueryAnswer.NOT_FOUND
        out[coid] = OrderQuery(coid, found, report, fills, fills_complete=True)
    return out, REQUESTS_PER_RUN

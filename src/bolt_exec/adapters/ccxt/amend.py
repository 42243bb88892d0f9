"""Amends through ccxt: ``edit_order`` where the exchange can, else cancel then place.

``AmendOrder.qty`` is the order's new total (fills included). An in-place edit
(OKX amend-order, Coinbase edit) takes that total; a replace leg (Binance
cancelReplace, or our own cancel + new order) carries what is left to fill.
A replace keeps our client id, so the order stays findable after a restart.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bolt_exec.adapters.ccxt.errors import is_unknown_outcome
from bolt_exec.adapters.ccxt.orders import TrackedOrder
from bolt_exec.model.events import OrderCanceled, OrderReplaced, OrderReplaceRejected

if TYPE_CHECKING:
    from bolt_exec.adapters.ccxt.adapter import CcxtBroker

__all__ = ["run_amend"]


async def run_amend(
    broker: CcxtBroker, coid: str, t: TrackedOrder, total: Decimal, price: Decimal | None
) -> None:
    ex = broker._require()
    # In-place edits take the order's new total; a replace leg carries what is left.
    amount = total if broker.rules.edit_in_place else total - t.filled
    fprice = float(price) if price is not None else None
    old = t.venue_order_id
    if not ex.has.get("editOrder"):
        if not await _cancel_for_replace(broker, coid, t):
            return
        args = (
            t.symbol,
            t.type,
            t.side,
            amount,
            price,
            {broker.rules.client_id_param: broker.venue_client_id(coid)},
        )
        await _replace_leg(broker, coid, t, total, price, args)
        return
    try:
        order = await broker._call(
            ex.edit_order,
            old,
            t.symbol,
            t.type,
            t.side,
            float(amount),
            fprice,
            {broker.rules.client_id_param: broker.venue_client_id(coid)},
        )
    except Exception as exc:
        broker._failed(
            exc, coid, "amend", lambda c, r: broker._event(OrderReplaceRejected, c, reason=r)
        )
        return
    _replaced(broker, coid, t, str(order.get("id") or old), total, price)
    broker._on_order(coid, order, ack=False)


async def _cancel_for_replace(broker: CcxtBroker, coid: str, t: TrackedOrder) -> bool:
    ex = broker._require()
    try:
        await broker._call(ex.cancel_order, t.venue_order_id, t.symbol)
    except Exception as exc:
        broker._failed(
            exc,
            coid,
            "amend (cancel leg)",
            lambda c, r: broker._event(OrderReplaceRejected, c, reason=r),
        )
        return False
    return True


async def _replace_leg(
    broker: CcxtBroker,
    coid: str,
    t: TrackedOrder,
    total: Decimal,
    price: Decimal | None,
    args: tuple[Any, ...],
) -> None:
    ex = broker._require()
    symbol, otype, side, amount, px, params = args
    try:
        order = await broker._call(
            ex.create_order,
            symbol,
            otype,
            side,
            float(amount),
            float(px) if px is not None else None,
            params,
        )
    except Exception as exc:
        reason = f"amend: the old order was canceled but the new one failed: {broker._map(exc)}"
        if not is_unknown_outcome(exc):
            broker._deliver([broker._event(OrderCanceled, coid, reason=reason)])
        return
    _replaced(broker, coid, t, str(order["id"]), total, price)
    broker._on_order(coid, order, ack=False)


def _replaced(
    broker: CcxtBroker, coid: str, t: TrackedOrder, vid: str, total: Decimal, price: Decimal | None
) -> None:
    broker._book.replace_leg(coid, vid)
    t.qty, t.limit_px = total, price
    broker._deliver(
        [broker._event(OrderReplaced, coid, venue_order_id=vid, qty=total, limit_px=price)]
    )

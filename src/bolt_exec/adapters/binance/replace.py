"""Amends on Binance spot: keep-priority quantity decreases, otherwise cancel-replace.

Theory of operation
-------------------
``AmendOrder.qty`` is the order's new *total* quantity, fills included (FIX
semantics). Binance sees legs: after a cancel-replace, the new venue order
carries only what is left to fill. So the leg quantity is ``qty - filled``
and the reported OrderReplaced quantity is ``filled on old legs + new leg``.

* Only the quantity goes down, on the first leg: ``PUT order/amend/keepPriority``
  (same orderId, queue priority kept).
* Anything else: ``POST order/cancelReplace`` with STOP_ON_FAILURE. Success is
  one OrderReplaced with the new orderId. ``-2022`` (the cancel failed, usually
  because it filled) is OrderReplaceRejected. ``-2021`` (the cancel worked and
  the new order was refused) is OrderCanceled: the order is gone, and saying
  anything else would be a lie.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bolt_exec.adapters.binance import codec
from bolt_exec.adapters.binance._lib import BinanceAPIException
from bolt_exec.adapters.binance.tracking import Tracked
from bolt_exec.errors import BrokerError, ValidationError
from bolt_exec.model.commands import AmendOrder
from bolt_exec.model.enums import Side
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderReplaced,
    OrderReplaceRejected,
)

if TYPE_CHECKING:
    from bolt_exec.adapters.binance.adapter import BinanceSpotBroker

__all__ = ["plan_amend", "run_amend"]

log = logging.getLogger(__name__)


def plan_amend(t: Tracked, cmd: AmendOrder, instrument: Any) -> tuple[str, dict[str, str], Decimal]:
    """Return ``(kind, params, leg_qty)``: kind is ``"keep_priority"`` or ``"cancel_replace"``.

    Raises:
        ValidationError: the amend cannot be expressed (at or below the filled
            quantity, off the grid).
    """
    total = cmd.qty if cmd.qty is not None else t.qty
    limit_px = cmd.limit_px if cmd.limit_px is not None else t.limit_px
    stop_px = cmd.stop_px if cmd.stop_px is not None else t.stop_px
    leg_qty = total - t.filled
    if leg_qty <= 0:
        raise ValidationError(
            "qty",
            str(total),
            f"is not above the filled quantity {t.filled}",
            "cancel the order instead",
        )
    if instrument is not None:
        instrument.check_qty(leg_qty, "qty")
        if limit_px is not None:
            instrument.check_px(limit_px, "limit_px")
        if stop_px is not None:
            instrument.check_px(stop_px, "stop_px")
    same_prices = limit_px == t.limit_px and stop_px == t.stop_px
    if same_prices and total < t.qty and not t.old_legs and t.venue_order_id:
        return "keep_priority", codec.keep_priority_params(t.symbol, t.venue_order_id, total), total
    params = codec.cancel_replace_params(
        symbol=t.symbol,
        client_order_id=cmd.client_order_id,
        venue_order_id=t.venue_order_id,
        side=t.side,
        binance_type=t.binance_type,
        tif=t.tif,
        leg_qty=leg_qty,
        limit_px=limit_px,
        stop_px=stop_px,
    )
    return "cancel_replace", params, leg_qty


def _replace_rejected(broker: BinanceSpotBroker, coid: str, reason: str) -> OrderEvent:
    now = broker._now_ns()
    return OrderReplaceRejected(client_order_id=coid, ts_event=now, ts_init=now, reason=reason)


def start_amend(broker: BinanceSpotBroker, cmd: AmendOrder) -> None:
    """Validate and schedule an amend (fire-and-report)."""
    t = broker._orders.get(cmd.client_order_id)
    if t is None:
        # Sent by an earlier session (a restart): learn it from the venue, then amend.
        broker._spawn(_adopt_then_amend(broker, cmd))
        return
    try:
        kind, params, _ = plan_amend(t, cmd, broker._instruments.get(t.symbol))
    except ValidationError as exc:
        broker._emit(_replace_rejected(broker, cmd.client_order_id, str(exc)))
        return
    broker._spawn(run_amend(broker, cmd, t, kind, params))


def tracked_from_row(row: dict[str, Any]) -> Tracked:
    """Rebuild the identity bookkeeping of an order from its venue query row."""
    price, stop = Decimal(str(row.get("price", "0"))), Decimal(str(row.get("stopPrice", "0")))
    btype = str(row["type"])
    return Tracked(
        symbol=str(row["symbol"]),
        side=Side(str(row["side"])),
        binance_type=btype,
        tif=None if btype in ("MARKET", "LIMIT_MAKER", "STOP_LOSS") else str(row["timeInForce"]),
        qty=Decimal(str(row["origQty"])),
        limit_px=price or None,
        stop_px=stop or None,
        venue_order_id=str(row["orderId"]),
        filled=Decimal(str(row["executedQty"])),
    )


async def _adopt_then_amend(broker: BinanceSpotBroker, cmd: AmendOrder) -> None:
    client = broker._require_client()
    coid = cmd.client_order_id
    try:
        row = await broker._call(client.get_order, symbol=cmd.symbol, origClientOrderId=coid)
    except Exception as exc:

        def make(c: str, e: BrokerError) -> OrderEvent:
            return _replace_rejected(broker, c, f"cannot look the order up to amend it: {e}")

        broker._on_command_error(exc, coid, "amend (lookup)", make)
        return
    if row.get("status") not in ("NEW", "PARTIALLY_FILLED"):
        broker._deliver([_replace_rejected(broker, coid, f"the order is {row.get('status')}")])
        return
    t = broker._orders.setdefault(coid, tracked_from_row(row))
    try:
        kind, params, _ = plan_amend(t, cmd, broker._instruments.get(t.symbol))
    except ValidationError as exc:
        broker._emit(_replace_rejected(broker, coid, str(exc)))
        return
    await run_amend(broker, cmd, t, kind, params)


async def _error_data(exc: BinanceAPIException) -> dict[str, Any]:
    # python-binance keeps only code and msg; the cancel-replace legs are in "data".
    try:
        body = await exc.response.json(content_type=None)
    except Exception:
        return {}
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else {}


async def run_amend(
    broker: BinanceSpotBroker, cmd: AmendOrder, t: Tracked, kind: str, params: dict[str, str]
) -> None:
    """Send the amend and report its outcome."""
    client = broker._require_client()
    coid = cmd.client_order_id
    if kind == "keep_priority":
        try:
            resp = await broker._call(
                lambda: client._put("order/amend/keepPriority", signed=True, data=dict(params))
            )
        except Exception as exc:
            broker._on_command_error(
                exc, coid, "amend", lambda c, e: _replace_rejected(broker, c, str(e))
            )
            return
        amended = resp["amendedOrder"]
        t.qty = Decimal(str(amended["qty"]))
        now = broker._now_ns()
        broker._deliver(
            [
                OrderReplaced(
                    client_order_id=coid,
                    ts_event=codec.ms_to_ns(resp.get("transactTime")),
                    ts_init=now,
                    venue_order_id=str(amended["orderId"]),
                    qty=t.qty,
                    limit_px=t.limit_px,
                    stop_px=t.stop_px,
                )
            ]
        )
        return
    t.replacing = True
    try:
        resp = await broker._call(client.cancel_replace_order, **params)
    except BinanceAPIException as exc:
        t.replacing = False
        await _cancel_replace_failed(broker, coid, exc)
        return
    except Exception as exc:
        t.replacing = False
        broker._on_command_error(
            exc, coid, "amend", lambda c, e: _replace_rejected(broker, c, str(e))
        )
        return
    cancel_leg, new_leg = resp["cancelResponse"], resp["newOrderResponse"]
    t.old_legs.add(str(cancel_leg["orderId"]))
    t.venue_order_id = str(new_leg["orderId"])
    t.replacing = False
    t.prior_legs_filled += Decimal(str(cancel_leg.get("executedQty", "0")))
    t.qty = t.prior_legs_filled + Decimal(str(new_leg["origQty"]))
    if "price" in params:
        t.limit_px = Decimal(params["price"])
    if "stopPrice" in params:
        t.stop_px = Decimal(params["stopPrice"])
    now = broker._now_ns()
    ts = codec.ms_to_ns(new_leg.get("transactTime"))
    # The new leg's NEW is this replace; mark it seen so neither source reports it again.
    broker._filter.first_time(
        OrderAccepted(
            client_order_id=coid, ts_event=ts, ts_init=now, venue_order_id=t.venue_order_id
        )
    )
    events: list[OrderEvent] = [
        OrderReplaced(
            client_order_id=coid,
            ts_event=ts,
            ts_init=now,
            venue_order_id=t.venue_order_id,
            qty=t.qty,
            limit_px=t.limit_px,
            stop_px=t.stop_px,
        )
    ]
    events += codec.order_response_events(new_leg, now)[1:]  # immediate fills, if any
    broker._deliver(events, venue_order_id=t.venue_order_id)


async def _cancel_replace_failed(
    broker: BinanceSpotBroker, coid: str, exc: BinanceAPIException
) -> None:
    data = await _error_data(exc)
    now = broker._now_ns()
    if exc.code == -2021:  # the cancel went through, the new order did not
        new_leg = data.get("newOrderResponse") or {}
        reason = (
            f"cancel-replace: the old order was canceled but the venue refused the new "
            f"one: code {new_leg.get('code')}: {new_leg.get('msg')}"
        )
        log.warning("%s: %s (%s)", broker.name, reason, coid)
        broker._deliver(
            [OrderCanceled(client_order_id=coid, ts_event=now, ts_init=now, reason=reason)]
        )
        return
    if exc.code == -2022:
        leg = data.get("cancelResponse") or {}
        reason = (
            f"cancel-replace refused, the order works on unchanged: code "
            f"{leg.get('code', exc.code)}: {leg.get('msg', exc.message)}"
        )
        broker._deliver([_replace_rejected(broker, coid, reason)])
        return

    def make(c: str, e: BrokerError) -> OrderEvent:
        return _replace_rejected(broker, c, str(e))

    broker._on_command_error(exc, coid, "amend", make)

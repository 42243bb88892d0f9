"""Builders for reconciler tests: our orders (real Order aggregates) and venue reports."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.model.enums import OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderSubmitted,
)
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position
from bolt_exec.model.reports import FillReport, MassStatus, OrderStatusReport, PositionReport

T = 1_000_000_000_000  # our events happen around here
LATER = T + 60_000_000_000  # the venue snapshot: a minute later (past the grace period)


class Book:
    """Builds our view (orders, positions) and the venue's (reports) side by side."""

    def order(
        self,
        coid: str,
        *,
        qty: str = "10",
        side: Side = Side.BUY,
        symbol: str = "AAPL",
        path: tuple[str, ...] = ("submit", "accept"),
        fills: tuple[tuple[str, str, str], ...] = (),
        broker: str = "paper",
        ts: int = T,
    ) -> Order:
        order = Order(
            OrderInitialized(
                client_order_id=coid,
                ts_event=ts,
                ts_init=ts,
                event_id=f"{coid}-0",
                symbol=symbol,
                side=side,
                order_type=OrderType.LIMIT,
                qty=Decimal(qty),
                limit_px=Decimal("100.00"),
                tif=TimeInForce.GTC,
                broker=broker,
            )
        )
        n = 0

        def stamp() -> dict[str, object]:
            nonlocal n
            n += 1
            return {
                "client_order_id": coid,
                "ts_event": ts + n,
                "ts_init": ts + n,
                "event_id": f"{coid}-{n}",
            }

        steps: dict[str, type[OrderEvent]] = {
            "submit": OrderSubmitted,
            "pcancel": OrderPendingCancel,
            "cancel": OrderCanceled,
        }
        for step in path:
            if step == "accept":
                order.apply(OrderAccepted(**stamp(), venue_order_id=f"V-{coid}"))  # type: ignore[arg-type]
            else:
                order.apply(steps[step](**stamp()))  # type: ignore[arg-type]
        for trade_id, q, px in fills:
            order.apply(
                OrderFilled(
                    **stamp(),
                    trade_id=trade_id,
                    symbol=symbol,
                    side=side,  # type: ignore[arg-type]
                    last_qty=Decimal(q),
                    last_px=Decimal(px),
                )
            )
        return order

    def report(
        self,
        order: Order,
        *,
        status: OrderStatus = OrderStatus.ACCEPTED,
        filled: str | None = None,
        avg_px: str | None = None,
        qty: str | None = None,
    ) -> OrderStatusReport:
        return OrderStatusReport(
            client_order_id=order.client_order_id,
            venue_order_id=f"V-{order.client_order_id}",
            symbol=order.symbol,
            side=order.side,
            order_type=order.order_type,
            status=status,
            qty=Decimal(qty) if qty else order.qty,
            filled_qty=Decimal(filled) if filled is not None else order.filled_qty,
            limit_px=order.limit_px,
            avg_px=Decimal(avg_px) if avg_px else order.avg_px,
            ts_accepted=T,
            ts_last=T + 100,
        )

    def fill(
        self,
        coid: str,
        trade_id: str,
        qty: str,
        px: str,
        *,
        side: Side = Side.BUY,
        symbol: str = "AAPL",
    ) -> FillReport:
        return FillReport(
            trade_id=trade_id,
            client_order_id=coid,
            venue_order_id=f"V-{coid}",
            symbol=symbol,
            side=side,
            last_qty=Decimal(qty),
            last_px=Decimal(px),
            ts_event=T + 50,
        )

    def status(
        self,
        orders: tuple[OrderStatusReport, ...] = (),
        fills: tuple[FillReport, ...] = (),
        positions: dict[str, str] | None = None,
        ts: int = LATER,
    ) -> MassStatus:
        pos = tuple(
            PositionReport(symbol=s, qty=Decimal(q), avg_px=Decimal("100.00"))
            for s, q in (positions or {}).items()
        )
        return MassStatus(broker="paper", ts=ts, orders=orders, fills=fills, positions=pos)

    def positions_of(self, *orders: Order) -> list[Position]:
        book: dict[str, Position] = {}
        for o in orders:
            for e in o.events:
                if isinstance(e, OrderFilled):
                    p = book.setdefault(o.symbol, Position(symbol=o.symbol, broker=o.broker))
                    p.apply_fill(e.side, e.last_qty, e.last_px)
        return list(book.values())


@pytest.fixture
def book() -> Book:
    return Book()

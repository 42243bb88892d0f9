"""Small builders for tests: instruments, initialized orders, fills, quick OMS setups."""

from __future__ import annotations

from decimal import Decimal

from bolt_exec.adapters.paper import FeeModel, PaperBroker
from bolt_exec.clock import SimClock
from bolt_exec.model.enums import OrderType, Side, TimeInForce
from bolt_exec.model.events import OrderFilled, OrderInitialized
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.order import Order
from bolt_exec.oms.manager import OrderManager

__all__ = ["T0", "fill_for", "make_init", "make_instrument", "make_oms", "make_order"]

T0 = 1_704_205_800_000_000_000


def make_instrument(symbol: str = "AAPL", **kwargs: object) -> Instrument:
    """An equity with a 0.01 tick and 1-share lots unless told otherwise."""
    return Instrument(symbol, venue=str(kwargs.pop("venue", "XNAS")), **kwargs)  # type: ignore[arg-type]


def make_init(
    client_order_id: str = "O-1",
    *,
    qty: Decimal | int = 100,
    side: Side = Side.BUY,
    order_type: OrderType = OrderType.LIMIT,
    limit_px: Decimal | str | None = "100.00",
    stop_px: Decimal | str | None = None,
    tif: TimeInForce = TimeInForce.GTC,
    ts: int = T0,
    symbol: str = "AAPL",
) -> OrderInitialized:
    """An OrderInitialized event."""
    return OrderInitialized(
        client_order_id=client_order_id,
        ts_event=ts,
        ts_init=ts,
        symbol=symbol,
        side=side,
        order_type=order_type,
        qty=Decimal(qty),
        limit_px=Decimal(limit_px) if limit_px is not None else None,
        stop_px=Decimal(stop_px) if stop_px is not None else None,
        tif=tif,
    )


def make_order(**kwargs: object) -> Order:
    """An Order in INITIALIZED status (see :func:`make_init`)."""
    return Order(make_init(**kwargs))  # type: ignore[arg-type]


def fill_for(
    order: Order,
    qty: Decimal | int,
    px: Decimal | str = "100.00",
    trade_id: str = "T-1",
    ts: int = T0,
) -> OrderFilled:
    """A fill of ``qty`` at ``px`` against ``order``."""
    return OrderFilled(
        client_order_id=order.client_order_id,
        ts_event=ts,
        ts_init=ts,
        trade_id=trade_id,
        symbol=order.symbol,
        side=order.side,
        last_qty=Decimal(qty),
        last_px=Decimal(px),
    )


def make_oms(
    *instruments: Instrument,
    latency_ns: int = 0,
    fees: FeeModel | None = None,
    strict: bool = True,
    start_ns: int = T0,
) -> tuple[OrderManager, PaperBroker, SimClock]:
    """A SimClock, a PaperBroker and an OrderManager wired together."""
    clock = SimClock(start_ns)
    paper = PaperBroker(instruments or (make_instrument(),), fees=fees, latency_ns=latency_ns)
    oms = OrderManager(paper, clock=clock, strict=strict)
    return oms, paper, clock

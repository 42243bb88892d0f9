"""Fixtures for the safety tests: a real in-memory portfolio view and order builders."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bolt_exec.clock import SimClock
from bolt_exec.model.enums import OrderType, Side, TimeInForce
from bolt_exec.model.events import OrderInitialized
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position
from bolt_exec.safety.config import RiskConfig
from bolt_exec.safety.manager import SafetyManager
from bolt_exec.safety.policy import Policy

ROOT = Path(__file__).resolve().parents[3]
T0 = 1_704_205_800_000_000_000


class Book:
    """A PortfolioView backed by plain dicts (what the OrderManager provides, minus the OMS)."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.instruments: dict[str, Instrument] = {}
        self.marks: dict[str, tuple[Decimal, int]] = {}
        self.pos: dict[str, Position] = {}
        self.orders: list[Order] = []

    def add(self, symbol: str, px: str = "100", **kw: Any) -> Instrument:
        inst = Instrument(symbol, **kw)
        self.instruments[symbol] = inst
        self.marks[symbol] = (Decimal(px), self.clock.now_ns())
        return inst

    def set_position(self, symbol: str, qty: str) -> None:
        p = Position(symbol, qty=Decimal(qty), cost=Decimal(qty) * self.marks[symbol][0])
        p.mark(self.marks[symbol][0])
        self.pos[symbol] = p

    def open_orders(self) -> Iterable[Order]:
        return [o for o in self.orders if o.is_open]

    def position(self, symbol: str, broker: str = "") -> Position | None:
        return self.pos.get(symbol)

    def positions(self) -> Iterable[Position]:
        return list(self.pos.values())

    def instrument(self, symbol: str) -> Instrument:
        return self.instruments[symbol]

    def mark_px(self, symbol: str) -> Decimal | None:
        m = self.marks.get(symbol)
        return None if m is None else m[0]

    def mark_ts(self, symbol: str) -> int | None:
        m = self.marks.get(symbol)
        return None if m is None else m[1]


_seq = iter(range(10**9))


def make_order(
    symbol: str = "AAPL",
    side: Side | str = Side.BUY,
    qty: str | int = 10,
    limit_px: str | None = "100",
    *,
    order_type: OrderType | None = None,
    broker: str = "paper",
    strategy_id: str = "s1",
    parent_id: str | None = None,
    reduce_only: bool = False,
    tags: dict[str, str] | None = None,
    stop_px: str | None = None,
    ts: int = T0,
) -> Order:
    if order_type is None:
        order_type = OrderType.LIMIT if limit_px is not None else OrderType.MARKET
    return Order(
        OrderInitialized(
            client_order_id=f"O-{next(_seq)}",
            ts_event=ts,
            ts_init=ts,
            symbol=symbol,
            side=Side(side),
            order_type=order_type,
            qty=Decimal(str(qty)),
            limit_px=None if limit_px is None else Decimal(limit_px),
            stop_px=None if stop_px is None else Decimal(stop_px),
            tif=TimeInForce.DAY,
            broker=broker,
            strategy_id=strategy_id,
            parent_id=parent_id,
            reduce_only=reduce_only,
            tags=tags or {},
        )
    )


def base_policy(**overrides: Any) -> dict[str, Any]:
    """A permissive policy with trading enabled; tests switch on what they exercise."""
    data: dict[str, Any] = {
        "version": 1,
        "enable_trading": True,
        "duplicates": {"window_s": 0},
        "self_trade_prevention": False,
    }
    data.update(overrides)
    return data


def manager_for(
    data: dict[str, Any], clock: SimClock, cash: str | None = "1000000", **kw: Any
) -> SafetyManager:
    config: RiskConfig = Policy.from_mapping(data).compile()
    return SafetyManager(config, clock, cash=None if cash is None else Decimal(cash), **kw)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def book(clock: SimClock) -> Book:
    b = Book(clock)
    b.add("AAPL", "100")
    b.add("MSFT", "200")
    b.add(
        "BTC",
        "50000",
        tick_size=Decimal("0.1"),
        lot_size=Decimal("0.001"),
        min_qty=Decimal("0.001"),
    )
    return b

"""The ports the AlgoRunner works through: the OMS, market snapshots, durable state; and the
status it reports. Anything with these methods plugs in (the OrderManager, the backtest engine,
the store's algo-state table)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from bolt_exec.algos.base import MarketView
from bolt_exec.model.order import Order

__all__ = ["AlgoStateStore", "AlgoStatus", "MarketSource", "OrderGateway"]


class _Handle(Protocol):
    @property
    def order(self) -> Order: ...


class _Bus(Protocol):
    def subscribe(
        self, pattern: str, handler: Callable[[str, Any], None], priority: int = ...
    ) -> object: ...

    def publish(self, topic: str, message: Any) -> None: ...


class OrderGateway(Protocol):
    """What the runner needs from the OrderManager."""

    @property
    def bus(self) -> _Bus: ...

    def submit(
        self,
        symbol: str,
        side: object,
        qty: object,
        order_type: object = ...,
        *,
        limit_px: object = ...,
        tif: object = ...,
        broker: str | None = ...,
        strategy_id: str = ...,
        parent_id: str | None = ...,
        client_order_id: str | None = ...,
        tags: Mapping[str, str] | None = ...,
    ) -> _Handle: ...

    def cancel(self, client_order_id: str) -> bool: ...

    def orders(self) -> Iterator[Order]: ...


class MarketSource(Protocol):
    """Where market snapshots come from (the backtest engine, or the live runtime)."""

    def market_view(self, symbol: str) -> MarketView | None: ...


class AlgoStateStore(Protocol):
    """Durable algorithm state (the store's algo-state table)."""

    def get_algo_state(self, algo_id: str) -> dict[str, Any] | None: ...

    def put_algo_state(self, algo_id: str, state: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class AlgoStatus:
    """A parent's progress as the runner sees it."""

    parent_id: str
    algo: str
    qty: Decimal
    filled_qty: Decimal
    in_flight_qty: Decimal
    children: int
    is_done: bool
    reason: str

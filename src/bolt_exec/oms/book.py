"""OrderBook: the OMS's read side: orders, handles, instruments, positions, marks.

The OrderManager extends it with the write path; safety checks and user code
read through these methods (it satisfies ``safety.gate.PortfolioView``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from mypy_extensions import mypyc_attr

from bolt_exec.clock import Clock
from bolt_exec.errors import UnknownOrderError, ValidationError
from bolt_exec.ledger.portfolio import Portfolio
from bolt_exec.model.events import OrderEvent, OrderFilled, OrderInitialized
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position
from bolt_exec.oms.handles import OrderHandle

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OrderBook"]


# OrderManager, built on this, takes Python subclasses in the compiled build; so must this.
@mypyc_attr(allow_interpreted_subclasses=True)
class OrderBook:
    """Orders by client order id, their handles, instruments and the portfolio."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.portfolio = Portfolio()
        self._instruments: dict[str, Instrument] = {}
        self._orders: dict[str, Order] = {}
        self._open: dict[str, Order] = {}
        self._handles: dict[str, OrderHandle] = {}
        # The handles with listeners or waiters: the only ones the OMS notifies.
        self._watched: dict[str, OrderHandle] = {}
        self._children: dict[str, int] = {}

    def instrument(self, symbol: str) -> Instrument:
        """Return the instrument named ``symbol``.

        Raises:
            ValidationError: if no broker knows it.
        """
        inst = self._instruments.get(symbol)
        if inst is None:
            known = ", ".join(sorted(self._instruments)[:10]) or "none"
            raise ValidationError(
                "symbol",
                symbol,
                "is not a known instrument",
                f"add it with OrderManager.add_instrument (known: {known})",
            )
        return inst

    def add_instrument(self, instrument: Instrument) -> None:
        """Make ``instrument`` tradable through this OMS."""
        self._instruments[instrument.symbol] = instrument

    def order(self, client_order_id: str) -> Order:
        """Return the order; raise UnknownOrderError if there is none."""
        order = self._orders.get(client_order_id)
        if order is None:
            raise UnknownOrderError(client_order_id)
        return order

    def handle(self, client_order_id: str) -> OrderHandle:
        """Return the live handle of an order."""
        handle = self._handles.get(client_order_id)
        if handle is None:
            order = self.order(client_order_id)
            handle = self._handles[client_order_id] = OrderHandle(order, self._watched)
        return handle

    def orders(self) -> Iterator[Order]:
        """Every order, in creation order."""
        return iter(list(self._orders.values()))

    def open_orders(self) -> Iterator[Order]:
        """Orders that may still trade."""
        return iter(list(self._open.values()))

    def position(self, symbol: str, broker: str = "") -> Position | None:
        """The position in ``symbol`` (on ``broker``, or the one that holds it)."""
        return self.portfolio.position(symbol, broker)

    def positions(self) -> Iterator[Position]:
        """Every position."""
        return self.portfolio.positions()

    def mark_px(self, symbol: str) -> Decimal | None:
        """The latest mark of ``symbol``."""
        return self.portfolio.mark_px(symbol)

    def mark_ts(self, symbol: str) -> int | None:
        """When ``symbol`` was last marked (ns)."""
        return self.portfolio.mark_ts(symbol)

    def update_mark(
        self, symbol: str, px: Decimal | float | int | str, ts: int | None = None
    ) -> None:
        """Record a reference price for PnL and the safety checks."""
        inst = self.instrument(symbol)
        d = px if isinstance(px, Decimal) else inst.round_px(px)
        self.portfolio.mark(symbol, d, self.clock.now_ns() if ts is None else ts)

    # ------------------------------------------------------------------ recovery
    def _replay(self, events: Iterable[OrderEvent]) -> int:
        """Rebuild orders, positions and child counters from a journal (no publishing).

        Returns:
            The highest client-order-id number seen, so new ids never repeat one.
        """
        highest = 0
        for event in events:
            coid = event.client_order_id
            if isinstance(event, OrderInitialized):
                new = Order(event)
                self._orders[coid] = new
                if event.parent_id is not None:
                    self._children[event.parent_id] = self._children.get(event.parent_id, 0) + 1
                highest = max(highest, _id_number(coid))
                continue
            order = self._orders.get(coid)
            if order is None:
                continue
            if isinstance(event, OrderFilled) and order.has_trade(event.trade_id):
                continue
            order.apply(event)
            if isinstance(event, OrderFilled):
                self.portfolio.apply_fill(order.broker, self.instrument(order.symbol), event)
        self._open = {c: o for c, o in self._orders.items() if o.is_open}
        return highest

    # ------------------------------------------------------------------ frames
    def orders_frame(self) -> pd.DataFrame:
        """Every order as a DataFrame (one row per order)."""
        from bolt_exec.oms.frames import orders_frame

        return orders_frame(self._orders.values())

    def fills_frame(self) -> pd.DataFrame:
        """Every fill as a DataFrame (one row per fill)."""
        from bolt_exec.oms.frames import fills_frame

        return fills_frame(self._orders.values())

    def positions_frame(self) -> pd.DataFrame:
        """Every position with average cost, realized/unrealized PnL and fees."""
        from bolt_exec.oms.frames import positions_frame

        return positions_frame(self.portfolio.positions())


def _id_number(client_order_id: str) -> int:
    tail = client_order_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0

"""Feeding the risk state from the OMS: bus events and position re-syncs.

The SafetyManager subscribes :func:`apply_order_event`'s caller on ``order.*``
at priority 10. Fills move the exposure book and cash and start cooldowns;
rejects start cooldowns; cancel requests count towards the OTR; terminal
events free working-order slots. :func:`sync_positions` re-reads the OMS's
positions (summed across brokers) so drift can never accumulate.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from bolt_exec.model.events import OrderFilled, OrderRejected
from bolt_exec.model.numbers import ZERO
from bolt_exec.safety.book import ExposureBook
from bolt_exec.safety.gate import PortfolioView
from bolt_exec.safety.state import RiskState

__all__ = ["apply_order_event", "sync_positions"]

_TERMINAL_TOPICS: Final = frozenset(
    {"order.denied", "order.rejected", "order.canceled", "order.expired", "order.filled"}
)


def apply_order_event(state: RiskState, topic: str, event: Any, now_ns: int) -> str:
    """Apply one ``order.*`` event to ``state``; return ``"fill"``, ``"reject"`` or ``""``."""
    config = state.config
    kind = ""
    if isinstance(event, OrderFilled):
        tracked = state.orders.get(event.client_order_id)
        state.book.apply_fill(event.symbol, event.side, event.last_qty, event.last_px, event.fee)
        state.last_fill_ns[event.symbol] = event.ts_event or now_ns
        broker = tracked.broker if tracked is not None else ""
        if config.otr.enabled and config.broker(broker).otr:
            state.otr_trades += 1
        kind = "fill"
    elif isinstance(event, OrderRejected):
        tracked = state.orders.get(event.client_order_id)
        if tracked is not None:
            state.last_reject_ns[tracked.symbol] = event.ts_event or now_ns
        kind = "reject"
    elif topic == "order.pending_cancel" and config.otr.enabled:
        tracked = state.orders.get(event.client_order_id)
        if tracked is not None and config.broker(tracked.broker).otr:
            state.otr_messages += 1  # a cancel is an order message for the OTR
    if topic in _TERMINAL_TOPICS:
        tracked = state.orders.get(event.client_order_id)
        if tracked is None or tracked.is_terminal or topic != "order.filled":
            state.orders.discard(event.client_order_id)
    return kind


def sync_positions(book: ExposureBook, view: PortfolioView) -> None:
    """Set every line to the OMS's net position (summed across brokers) and mark."""
    net: dict[str, Decimal] = {}
    mult: dict[str, Decimal] = {}
    for pos in view.positions():
        net[pos.symbol] = net.get(pos.symbol, ZERO) + pos.qty
        mult[pos.symbol] = pos.multiplier
    for symbol in list(book.symbols()):
        net.setdefault(symbol, ZERO)
    for symbol, qty in net.items():
        mark = view.mark_px(symbol)
        if book.qty(symbol) != qty or (mark is not None and book.mark(symbol) != mark):
            book.set_line(symbol, qty, mark, mult.get(symbol, Decimal(1)))

"""SafetyGate: the point where every order meets the SafetyManager.

The OrderManager calls :meth:`SafetyGate.check_submit` for every new order
(direct, algorithm child, plan-driven, reconciler corrective, flattening) and
:meth:`SafetyGate.check_amend` for every amend, before anything is journaled
as submitted or sent. Cancels always pass (fail closed means deny new risk,
never deny the removal of risk). :class:`PassThroughSafety` approves
everything; it counts what it saw so tests can prove every path reached it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from bolt_exec.model.instrument import Instrument
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position
from bolt_exec.safety.decision import APPROVED, Decision

__all__ = ["PassThroughSafety", "PortfolioView", "SafetyGate"]


class PortfolioView(Protocol):
    """What a safety check may read about the book (the OrderManager provides it)."""

    def open_orders(self) -> Iterable[Order]:
        """Every order that may still trade."""
        ...

    def position(self, symbol: str, broker: str = "") -> Position | None:
        """The net position in ``symbol`` on ``broker`` (any broker when empty)."""
        ...

    def positions(self) -> Iterable[Position]:
        """Every position."""
        ...

    def instrument(self, symbol: str) -> Instrument:
        """The instrument named ``symbol``."""
        ...

    def mark_px(self, symbol: str) -> Decimal | None:
        """The latest reference price of ``symbol``, if any."""
        ...

    def mark_ts(self, symbol: str) -> int | None:
        """When the reference price of ``symbol`` was last updated (ns), if ever."""
        ...


class SafetyGate(Protocol):
    """The pre-trade gate the OrderManager calls."""

    def check_submit(self, order: Order, view: PortfolioView) -> Decision:
        """Decide on a new order."""
        ...

    def check_amend(
        self,
        order: Order,
        qty: Decimal | None,
        limit_px: Decimal | None,
        stop_px: Decimal | None,
        view: PortfolioView,
    ) -> Decision:
        """Decide on an amend of a working order."""
        ...


class PassThroughSafety:
    """Approves everything, and counts the checks (paper and tests only)."""

    def __init__(self) -> None:
        self.submit_checks = 0
        self.amend_checks = 0

    def check_submit(self, order: Order, view: PortfolioView) -> Decision:
        """Approve, counting the call."""
        self.submit_checks += 1
        return APPROVED

    def check_amend(
        self,
        order: Order,
        qty: Decimal | None,
        limit_px: Decimal | None,
        stop_px: Decimal | None,
        view: PortfolioView,
    ) -> Decision:
        """Approve, counting the call."""
        self.amend_checks += 1
        return APPROVED

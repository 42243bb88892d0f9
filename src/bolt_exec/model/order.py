"""The Order aggregate: built from its initializing event, changed only by ``apply``."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from bolt_exec.errors import InvalidTransition
from bolt_exec.model.enums import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from bolt_exec.model.events import (
    OrderAccepted,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderReplaced,
    OrderTriggered,
)
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.transitions import TRANSITIONS, Dynamic

__all__ = ["Order"]

# Enum members and status sets as module constants: the compiled build (setup.py) reads
# these as C statics, where ``Side.BUY`` is a lookup through the enum's metaclass.
_ACCEPTED: Final = OrderStatus.ACCEPTED
_FILLED: Final = OrderStatus.FILLED
_INITIALIZED: Final = OrderStatus.INITIALIZED
_OPEN: Final = OPEN_STATUSES
_PARTIALLY_FILLED: Final = OrderStatus.PARTIALLY_FILLED
_TERMINAL: Final = TERMINAL_STATUSES
_TRIGGERED: Final = OrderStatus.TRIGGERED


class Order:
    """One order's state, folded from its events.

    Read its fields freely; change it only through :meth:`apply` (design
    invariant 1: only the OrderManager calls it). ``leaves_qty`` is always
    ``qty - filled_qty`` (so a canceled order shows what it left unfilled).
    Equality is by ``client_order_id``.
    """

    # No __slots__: the optional compiled build (setup.py, BOLT_EXEC_MYPYC=1) makes this a
    # native class with a fixed layout of its own, and mypyc refuses __slots__ there.

    def __init__(self, init: OrderInitialized) -> None:
        self.client_order_id: str = init.client_order_id
        self.symbol: str = init.symbol
        self.side: Side = init.side
        self.order_type: OrderType = init.order_type
        self.qty: Decimal = init.qty
        self.limit_px: Decimal | None = init.limit_px
        self.stop_px: Decimal | None = init.stop_px
        self.tif: TimeInForce = init.tif
        self.expire_ts: int | None = init.expire_ts
        self.broker: str = init.broker
        self.strategy_id: str = init.strategy_id
        self.parent_id: str | None = init.parent_id
        self.reduce_only: bool = init.reduce_only
        self.post_only: bool = init.post_only
        # Shared with the initializing event, not copied: both are read-only by contract
        # (the OMS copies the caller's tags once, into the event).
        self.tags: dict[str, str] = init.tags
        self.status: OrderStatus = _INITIALIZED
        self.venue_order_id: str = ""
        self.filled_qty: Decimal = ZERO
        self.avg_px: Decimal | None = None
        self.fees: Decimal = ZERO
        self.is_triggered: bool = False
        self.ts_init: int = init.ts_init
        self.ts_last: int = init.ts_event
        self.events: list[OrderEvent] = [init]
        self.last_event: OrderEvent = init
        self._trade_ids: set[str] | None = None  # made on the first fill (most orders get none)

    # -- derived -------------------------------------------------------------------------------
    @property
    def leaves_qty(self) -> Decimal:
        """``qty - filled_qty``."""
        return self.qty - self.filled_qty

    @property
    def is_open(self) -> bool:
        """True while the order may still trade."""
        return self.status in _OPEN

    @property
    def is_terminal(self) -> bool:
        """True once the order is done (filled, canceled, expired, rejected, denied)."""
        return self.status in _TERMINAL

    @property
    def trade_ids(self) -> frozenset[str]:
        """The venue trade ids applied so far."""
        return frozenset(self._trade_ids or ())

    def has_trade(self, trade_id: str) -> bool:
        """Return True if a fill with ``trade_id`` was applied."""
        ids = self._trade_ids
        return ids is not None and trade_id in ids

    # -- the one mutator -----------------------------------------------------------------------
    def apply(self, event: OrderEvent) -> bool:
        """Apply ``event``; return False if it was a duplicate fill (a no-op).

        Raises:
            InvalidTransition: if the table has no edge for (status, event), or the
                fill would take ``filled_qty`` past ``qty``.
        """
        if event.client_order_id != self.client_order_id:
            raise InvalidTransition(
                self.client_order_id,
                self.status.value,
                f"{type(event).__name__} for {event.client_order_id!r}",
            )
        kind = type(event)
        if kind is OrderFilled and self.has_trade(event.trade_id):  # type: ignore[attr-defined]
            return False
        target = TRANSITIONS.get((self.status, kind))
        if target is None:
            raise InvalidTransition(self.client_order_id, self.status.value, kind.__name__)
        if kind is OrderFilled:
            self._apply_fill(event)  # type: ignore[arg-type]
        elif kind is OrderAccepted:
            if event.venue_order_id:  # type: ignore[attr-defined]
                self.venue_order_id = event.venue_order_id  # type: ignore[attr-defined]
        elif kind is OrderReplaced:
            if event.venue_order_id:  # type: ignore[attr-defined]
                self.venue_order_id = event.venue_order_id  # type: ignore[attr-defined]
            self._apply_replace(event)  # type: ignore[arg-type]
        elif kind is OrderTriggered:
            self.is_triggered = True
        self.status = target if target.__class__ is OrderStatus else self._resolve(target)
        self.ts_last = event.ts_event
        self.events.append(event)
        self.last_event = event
        return True

    def _apply_fill(self, fill: OrderFilled) -> None:
        new_filled = self.filled_qty + fill.last_qty
        if new_filled > self.qty:
            raise InvalidTransition(
                self.client_order_id,
                self.status.value,
                f"OrderFilled {fill.trade_id!r} of {fill.last_qty} (overfill: filled "
                f"{self.filled_qty} of {self.qty})",
            )
        prev_cost = (self.avg_px or ZERO) * self.filled_qty
        self.filled_qty = new_filled
        self.avg_px = (prev_cost + fill.last_px * fill.last_qty) / new_filled
        self.fees += fill.fee
        if self._trade_ids is None:
            self._trade_ids = set()
        self._trade_ids.add(fill.trade_id)
        if fill.venue_order_id and not self.venue_order_id:
            self.venue_order_id = fill.venue_order_id

    def _apply_replace(self, event: OrderReplaced) -> None:
        if event.qty is not None:
            if event.qty < self.filled_qty:
                raise InvalidTransition(
                    self.client_order_id,
                    self.status.value,
                    f"OrderReplaced to qty {event.qty} below filled {self.filled_qty}",
                )
            self.qty = event.qty
        if event.limit_px is not None:
            self.limit_px = event.limit_px
        if event.stop_px is not None:
            self.stop_px = event.stop_px

    def _resolve(self, target: OrderStatus | Dynamic) -> OrderStatus:
        if isinstance(target, OrderStatus):
            return target
        complete = self.filled_qty >= self.qty
        if target is Dynamic.FILL:
            return _FILLED if complete else _PARTIALLY_FILLED
        if target is Dynamic.FILL_PENDING:
            return _FILLED if complete else self.status
        if target is Dynamic.FILL_TERMINAL:
            return _FILLED if complete else self.status
        # RESUME: the pending request was answered.
        if complete:
            return _FILLED  # an amend down to the filled quantity completes it
        if self.filled_qty > 0:
            return _PARTIALLY_FILLED
        return _TRIGGERED if self.is_triggered else _ACCEPTED

    # -- identity ------------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Order) and other.client_order_id == self.client_order_id

    def __hash__(self) -> int:
        return hash(self.client_order_id)

    def __repr__(self) -> str:
        px = f" @ {self.limit_px}" if self.limit_px is not None else ""
        return (
            f"Order({self.client_order_id} {self.side} {self.qty} {self.symbol} "
            f"{self.order_type}{px} {self.status} filled={self.filled_qty})"
        )

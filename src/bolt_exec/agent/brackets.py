"""Take-profit / stop-loss brackets: exits that follow an entry's fills, one cancels the other.

When the entry fills (in part or whole), the bracket keeps a reduce-only
take-profit LIMIT and a reduce-only STOP sized to the filled quantity. When
one exit fills, the other is shrunk by the same quantity (or canceled when
nothing is left), so the two never close more than the position the entry
opened. Both exits go through the OMS, and so through the SafetyManager.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import OrderStatus, Side
from bolt_exec.model.events import OrderEvent, OrderFilled
from bolt_exec.model.numbers import ZERO, to_decimal
from bolt_exec.oms.handles import OrderHandle
from bolt_exec.oms.manager import OrderManager

__all__ = ["Bracket", "attach_bracket"]


@dataclass(slots=True)
class Bracket:
    """An entry order with its take-profit and stop-loss exits."""

    oms: OrderManager
    entry: OrderHandle
    take_profit_px: Decimal
    stop_loss_px: Decimal
    take_profit: OrderHandle | None = None
    stop_loss: OrderHandle | None = None
    exited_qty: Decimal = ZERO
    log: list[str] = field(default_factory=list)

    @property
    def open_qty(self) -> Decimal:
        """Entry quantity filled and not yet exited."""
        return self.entry.filled_qty - self.exited_qty

    def _on_entry(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled) or self.entry.is_done:
            self._resize_exits()

    def _on_exit(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            self.exited_qty += event.last_qty
            self.log.append(f"exit {event.client_order_id} filled {event.last_qty}")
            self._resize_exits()

    def _resize_exits(self) -> None:
        want = self.open_qty
        exit_side = self.entry.order.side.opposite
        for attr, kind in (("take_profit", "LIMIT"), ("stop_loss", "STOP")):
            handle: OrderHandle | None = getattr(self, attr)
            if want <= 0:
                if handle is not None and handle.order.is_open:
                    self.oms.cancel(handle.client_order_id)
                continue
            if handle is None or handle.is_done:
                if handle is not None and handle.status is OrderStatus.FILLED:
                    continue
                px = self.take_profit_px if kind == "LIMIT" else self.stop_loss_px
                price = {"limit_px": px} if kind == "LIMIT" else {"stop_px": px}
                new = self.oms.submit(
                    self.entry.order.symbol,
                    exit_side,
                    want,
                    kind,
                    tif="GTC",
                    broker=self.entry.order.broker,
                    strategy_id=self.entry.order.strategy_id,
                    reduce_only=True,
                    tags={"bracket_of": self.entry.client_order_id},
                    **price,  # type: ignore[arg-type]
                )
                new.add_listener(self._on_exit)
                setattr(self, attr, new)
            elif handle.order.leaves_qty != want and handle.status in (
                OrderStatus.ACCEPTED,
                OrderStatus.PARTIALLY_FILLED,
                OrderStatus.TRIGGERED,
            ):
                self.oms.amend(handle.client_order_id, qty=handle.filled_qty + want)


def attach_bracket(
    oms: OrderManager, entry: OrderHandle, *, take_profit_px: object, stop_loss_px: object
) -> Bracket:
    """Attach take-profit and stop-loss exits to ``entry``.

    Raises:
        ValidationError: the prices are off-tick, or on the wrong side of each other
            (for a BUY entry the take-profit must be above the stop-loss).
    """
    inst = oms.instrument(entry.order.symbol)
    tp = to_decimal(take_profit_px, "take_profit_px")
    sl = to_decimal(stop_loss_px, "stop_loss_px")
    inst.check_px(tp, "take_profit_px")
    inst.check_px(sl, "stop_loss_px")
    if (tp <= sl) if entry.order.side is Side.BUY else (tp >= sl):
        raise ValidationError(
            "take_profit_px",
            str(tp),
            f"must be {'above' if entry.order.side is Side.BUY else 'below'} stop_loss_px {sl} "
            f"for a {entry.order.side} entry",
            "swap the two prices",
        )
    bracket = Bracket(oms, entry, tp, sl)
    entry.add_listener(bracket._on_entry)
    if entry.filled_qty > 0:
        bracket._resize_exits()
    return bracket

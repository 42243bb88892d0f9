"""CheckContext: everything one pre-trade decision reads, computed once per order.

The SafetyManager builds a context from the order, the OMS's
:class:`~bolt_exec.safety.gate.PortfolioView` and its own
:class:`~bolt_exec.safety.state.RiskState`; the checks are pure functions of
it. An amend is judged as the order it would become (``qty``, prices), with
the order itself left out of the working-order sums.

Worst case, not hope: the *projected* position assumes every working order on
the same side fills, ``projected = position + sign * (same-side leaves +
this order's leaves)``. An order *increases risk* when ``|projected| >
|position|``; only such orders are held to position and exposure limits, so
reducing risk is never blocked by a limit that is already breached.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from bolt_exec.model.enums import OrderType, Side
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.order import Order
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.config import LimitSet, RiskConfig
from bolt_exec.safety.scope import UNIT, OrderScope
from bolt_exec.safety.state import RiskState

__all__ = ["CheckContext", "order_path"]

# enum members as module constants: attribute access on an Enum class is slow (3.11)
_BUY: Final = Side.BUY
_MARKET: Final = OrderType.MARKET
_TWO: Final = Decimal(2)
_MINUS_TWO: Final = Decimal(-2)


def order_path(order: Order) -> str:
    """Name the path an order came by: flatten, reconcile, plan, algo or direct.

    The OMS or the producer may say so in ``tags["path"]``; otherwise an order
    with a parent is an algorithm child and one with a confidence or a plan id
    is plan-driven.
    """
    tags = order.tags
    if tags:
        path = tags.get("path")
        if path:
            return path
        if "confidence" in tags or "plan_id" in tags or tags.get("source") == "plan":
            return "plan"
    return "algo" if order.parent_id else "direct"


class CheckContext:
    """One order (or amend) in its risk context. Built by the SafetyManager."""

    __slots__ = (
        "config",
        "dup_key",
        "increases",
        "instrument",
        "is_amend",
        "leaves",
        "limit_px",
        "limits",
        "mark",
        "mult",
        "now",
        "order",
        "path",
        "position",
        "projected",
        "px",
        "qty",
        "ref_px",
        "ref_ts",
        "resolved",
        "same_side_leaves",
        "side",
        "state",
        "stop_px",
        "symbol",
        "trading_state",
        "working",
    )

    def __init__(
        self,
        order: Order,
        config: RiskConfig,
        state: RiskState,
        trading_state: TradingState,
        instrument: Instrument | None,
        now: int,
        position: Decimal,
        ref_px: Decimal | None,
        ref_ts: int | None,
        # not keyword-only: the manager passes these by position (a class call with
        # keywords costs a dict per order)
        qty: Decimal | None = None,
        limit_px: Decimal | None = None,
        stop_px: Decimal | None = None,
        is_amend: bool = False,
        scope: OrderScope | None = None,
        path: str | None = None,
    ) -> None:
        self.order = order
        self.dup_key: tuple[object, ...] | None = None
        self.config = config
        self.state = state
        self.trading_state = trading_state
        self.now = now
        self.is_amend = is_amend
        self.symbol = symbol = order.symbol
        self.side = side = order.side
        if scope is None:
            scope = OrderScope(
                config, state, order.broker, order.strategy_id, symbol, instrument, now
            )
        self.resolved = scope  # the cached limits and limiters of this scope
        self.instrument = scope.instrument
        self.limits: LimitSet = scope.limits
        self.mult = scope.mult
        self.qty = qty = order.qty if qty is None else qty
        filled = order.filled_qty
        self.leaves = leaves = qty - filled if filled else qty
        self.limit_px = limit_px = order.limit_px if limit_px is None else limit_px
        self.stop_px = stop_px = order.stop_px if stop_px is None else stop_px
        self.path = order_path(order) if path is None else path
        self.position = position
        self.ref_px = ref_px
        self.ref_ts = ref_ts
        self.mark = ref_px if ref_px is not None else state.book.mark(symbol)
        # the price the order is valued at: its limit, else its stop, else the reference
        if order.order_type is _MARKET or limit_px is None:
            self.px = stop_px if stop_px is not None else ref_px
        else:
            self.px = limit_px
        # the order itself is left out: an amend is judged as the order it would become
        self.working = working = state.orders.in_symbol(symbol, order.client_order_id)
        same = ZERO
        for other in working:
            if other.side is side:
                same += other.qty - other.filled_qty  # leaves_qty, without the property call
        self.same_side_leaves = same
        signed = same + leaves if same else leaves
        # |projected| > |position|, without abs(): a buy adds risk unless it covers a short
        # by no more than twice the short (and symmetrically for a sell)
        # (Decimal constants: comparing a Decimal with an int converts the int every time)
        if side is _BUY:
            self.projected = position + signed
            self.increases = signed > ZERO and (position >= ZERO or signed > _MINUS_TWO * position)
        else:
            self.projected = position - signed
            self.increases = signed > ZERO and (position <= ZERO or signed > _TWO * position)

    @property
    def is_reducing(self) -> bool:
        """True when the order only brings an existing position towards flat (no flip)."""
        pos = self.position
        if pos == 0 or self.increases:
            return False
        return self.projected >= 0 if pos > 0 else self.projected <= 0

    def value(self, qty: Decimal) -> Decimal | None:
        """``|qty| * mark * multiplier`` (the mark falls back to the order's price)."""
        px = self.mark if self.mark is not None else self.px
        if px is None:
            return None
        value = abs(qty) * px
        return value if self.mult is UNIT else value * self.mult

    @property
    def scope(self) -> str:
        """A short label of the order's scope, for messages."""
        o = self.order
        return f"{self.symbol} (broker {o.broker!r}, strategy {o.strategy_id!r})"

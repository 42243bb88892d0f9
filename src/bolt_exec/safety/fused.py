"""FusedSubmit: the compiled submit chain in one pass, for the orders it can approve outright.

Theory of operation
-------------------
The reference path (``SafetyManager._decide``) builds a
:class:`~bolt_exec.safety.context.CheckContext` and calls each check of the
compiled chain in turn: some twenty function calls and thirty attribute
writes per order, most of it spent on orders that every check approves.
:meth:`FusedSubmit.submit` evaluates the same approval conditions inline, on
local variables, with the limits of the order's scope resolved once
(:class:`_Plan`), and it can only *approve*:

* when every check's approval condition holds, it commits exactly what
  ``flow_checks.commit_submit`` commits (and counts the order as ``_decide``
  does) and returns ``APPROVED``;
* when any condition fails, or the order or state is one it leaves to the
  reference (not ACTIVE, a latched kill switch, reduce-only, a new trading day,
  an unresolved scope, a book line to re-sync, a terminal order still indexed, a
  flat symbol opening a position), it returns None *before changing any state*,
  and the manager runs the reference chain, which decides in
  :data:`~bolt_exec.safety.chain.CHAIN` order and writes the denial's message.

So the verdicts are the reference's by construction as long as each fused
condition implies its check's approval; ``tests/property/test_safety_fused.py``
runs both on random orders and states, at, under and over every limit.
A policy with a check this module does not model (``enable_trading: false``,
the OTR budget) gets no fused path at all.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Final

from bolt_exec.model.enums import TERMINAL_STATUSES, OrderType, Side
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.order import Order
from bolt_exec.safety import checks as c
from bolt_exec.safety import exposure_checks as x
from bolt_exec.safety import flow_checks as f
from bolt_exec.safety.chain import Check
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.config import RiskConfig
from bolt_exec.safety.context import order_path
from bolt_exec.safety.decision import APPROVED, Decision
from bolt_exec.safety.gate import PortfolioView
from bolt_exec.safety.scope import UNIT, OrderScope
from bolt_exec.safety.state import DAY_NS
from bolt_exec.safety.throttle import take_all

if TYPE_CHECKING:
    from bolt_exec.safety.manager import SafetyManager

__all__ = ["FusedSubmit"]

# enum members as module constants: attribute access on an Enum class is slow (3.11)
_ACTIVE: Final = TradingState.ACTIVE
_BUY: Final = Side.BUY
_LIMIT: Final = OrderType.LIMIT
_MARKET: Final = OrderType.MARKET
_STOPS: Final = frozenset({OrderType.STOP, OrderType.STOP_LIMIT})
_TWO: Final = Decimal(2)
_MINUS_TWO: Final = Decimal(-2)

# checks the fused pass cannot stand in for: the first always denies, the second may
# approve with a warning (and counts messages)
_UNFUSABLE: Final = frozenset({c.check_trading_enabled, f.check_otr})


class _Plan:
    """One scope's limits, pulled out of their structs once (locals are cheaper)."""

    __slots__ = (
        "buckets",
        "collar_frac",
        "collar_ticks",
        "cooldown_fill",
        "cooldown_reject",
        "counts",
        "eligible",
        "lot",
        "max_open_orders",
        "max_order_notional",
        "max_position_notional",
        "max_position_qty",
        "min_confidence",
        "mult",
        "qty_high",
        "qty_low",
        "scope",
        "tick",
        "tick_size",
        "windows",
    )

    def __init__(self, scope: OrderScope, config: RiskConfig) -> None:
        limits = scope.limits
        inst = scope.instrument
        symbol = scope.symbol
        self.scope = scope
        # check_instrument_lists (for an order that is not reduce-only); and the checks the
        # pass does not model must be moot (a config swapped in after the chain was compiled)
        self.eligible = (
            inst is not None
            and symbol not in config.block
            and (not config.allow or symbol in config.allow)
            and config.enable_trading
            and not scope.otr
        )
        self.tick = scope.tick
        self.tick_size = UNIT if inst is None else inst.tick_size  # no instrument: not eligible
        self.lot = scope.lot
        self.qty_low = scope.qty_low
        self.qty_high = scope.qty_high
        self.mult = scope.mult
        minimum = limits.min_confidence
        self.min_confidence = config.plan_min_confidence if minimum is None else minimum
        self.collar_frac = limits.collar_frac
        self.collar_ticks = limits.collar_ticks
        self.max_order_notional = limits.max_order_notional
        self.max_position_qty = limits.max_position_qty
        self.max_position_notional = limits.max_position_notional
        self.max_open_orders = limits.max_open_orders
        self.cooldown_fill = limits.cooldown_after_fill_ns
        self.cooldown_reject = limits.cooldown_after_reject_ns
        self.buckets = tuple(bucket for _, _, bucket in scope.order_buckets)
        self.counts: dict[str, int] = {}  # orders approved by path, not yet folded in
        self.windows = scope.windows


class FusedSubmit:
    """The fused approval pass of one manager's compiled submit chain."""

    __slots__ = ("_config", "_day", "_day_from", "_day_to", "_manager", "_plans", "chain")

    def __init__(self, manager: SafetyManager, chain: tuple[Check, ...]) -> None:
        self._manager = manager
        self._config = manager.config
        self._plans: dict[tuple[str, str, str], _Plan] = {}
        # the trading day the risk state was last seen in, and its bounds [from, to) in ns
        self._day = self._day_from = self._day_to = 0
        self.chain = chain
        """The chain this pass stands in for (the manager uses it only while it runs this one)."""

    @classmethod
    def build(cls, manager: SafetyManager, chain: tuple[Check, ...]) -> FusedSubmit | None:
        """Return the fused pass of ``chain``, or None if it holds a check it cannot fuse."""
        if any(check in _UNFUSABLE for check in chain):
            return None
        return cls(manager, chain)

    def _plan(self, order: Order) -> _Plan | None:
        # the reference path resolves (and caches) a new scope first
        m = self._manager
        scope = m._scopes.lookup(self._config, order.broker, order.strategy_id, order.symbol)
        if scope is None:
            return None
        plan = self._plans[(order.broker, order.strategy_id, order.symbol)] = _Plan(
            scope, self._config
        )
        return plan

    def fold_counts(self) -> None:
        """Add the checks counted per scope to the manager's counts by path and strategy."""
        m = self._manager
        for plan in self._plans.values():
            counts = plan.counts
            if counts:
                for path, n in counts.items():
                    m._check_counts[path] += n
                    m._strategy_counts[plan.scope.strategy] += n
                counts.clear()

    def _same_day(self, day: int, now: int, config: RiskConfig) -> bool:
        # RiskState.roll's day number, kept with its bounds so the next order of the day
        # compares two ints instead of dividing
        start = config.portfolio.day_start_ns
        if day != (now - start) // DAY_NS:
            return False
        self._day = day
        self._day_from = day * DAY_NS + start
        self._day_to = self._day_from + DAY_NS
        return True

    def submit(self, order: Order, view: PortfolioView) -> Decision | None:
        """Approve ``order`` (committing it) if every check would; else None, state untouched.

        One pass in place of the chain: the branches below are the checks' approval
        conditions, named after the check they stand in for; any doubt returns None.
        """
        m = self._manager
        config = m.config
        if config is not self._config:  # a new policy: limits resolved from the old one go
            self.fold_counts()
            self._plans.clear()
            self._day_to = 0  # and the day's bounds, which depend on the day start
            self._config = config
        if m.trading_state is not _ACTIVE or m.kill_switch.latch.tripped or order.reduce_only:
            return None  # trading_state, kill switch, reduce_only / instrument_lists exits
        now = m.clock.now_ns()
        state = m.state
        if not (
            self._day_from <= now < self._day_to and state.day == self._day
        ) and not self._same_day(state.day, now, config):
            return None  # a new trading day: the reference rolls the counters
        symbol = order.symbol
        plan = self._plans.get((order.broker, order.strategy_id, symbol))
        if plan is None:
            plan = self._plan(order)
            if plan is None:
                return None
        if not plan.eligible:
            return None  # instrument_lists, trading_enabled, otr
        # the book line, as the reference's context would leave it
        ref_px = view.mark_px(symbol)
        book = state.book
        line = book.line(symbol)
        if line is None or (ref_px is not None and line.mark is not ref_px):
            return None  # the reference re-syncs the line
        position = line.qty
        if not m._attached:
            pos = view.position(symbol)
            position = ZERO if pos is None else pos.qty
            if position != line.qty:
                return None
        mark = line.mark
        parent = order.parent_id
        path = order_path(order) if order.tags else ("algo" if parent else "direct")
        minimum = plan.min_confidence
        if path == "plan" and minimum is not None:  # confidence
            confidence = c.plan_confidence(order.tags.get("confidence"))
            if confidence is None or confidence < minimum:
                return None
        qty = order.qty
        filled = order.filled_qty
        leaves = qty - filled if filled else qty
        limit_px = order.limit_px
        stop_px = order.stop_px
        order_type = order.order_type
        if order_type is _MARKET or limit_px is None:
            px = stop_px if stop_px is not None else ref_px
        else:
            px = limit_px
        # precision
        tick = plan.tick
        if tick is not None and (
            (limit_px is not None and limit_px % tick) or (stop_px is not None and stop_px % tick)
        ):
            return None
        lot = plan.lot
        if lot is not None and qty % lot:
            return None
        # qty_bounds
        bound = plan.qty_low
        if bound is not None and qty < bound:
            return None
        bound = plan.qty_high
        if bound is not None and qty > bound:
            return None
        # the working orders (OpenOrders.in_symbol without the list): same-side leaves for
        # the projection, and self_trade, in one scan
        coid = order.client_order_id
        side = order.side
        buy = side is _BUY
        stp = config.self_trade_prevention and order_type not in _STOPS
        own_px = limit_px if order_type is not _MARKET else None
        same = ZERO
        working = 0
        index = state.orders.of_symbol(symbol)
        own = index.get(coid)  # the order itself, if it is indexed already: left out
        for other in index.values():
            if other.status in TERMINAL_STATUSES:
                return None  # the reference drops it from the index
            if other is own:
                continue
            working += 1
            if other.side is side:
                held = other.filled_qty
                leaves_other = other.qty - held if held else other.qty
                same = leaves_other if same is ZERO else same + leaves_other
            elif stp and (other.order_type not in _STOPS or other.is_triggered):
                theirs = other.limit_px
                if (
                    own_px is None
                    or theirs is None
                    or (own_px >= theirs if buy else own_px <= theirs)
                ):
                    return None
        signed = same + leaves if same else leaves
        if buy:
            projected = position + signed
            increases = signed > ZERO and (position >= ZERO or signed > _MINUS_TWO * position)
        else:
            projected = position - signed
            increases = signed > ZERO and (position <= ZERO or signed > _TWO * position)
        if mark is None:
            mark = px
        mult = plan.mult
        unit = mult is UNIT  # scope.UNIT: skipping "* 1" changes no digit
        p = config.portfolio
        if increases:
            # reference
            if order_type is not _LIMIT or config.require_reference:
                ref_ts = view.mark_ts(symbol)
                if ref_px is None or ref_ts is None or now - ref_ts > config.reference_max_age_ns:
                    return None
            # position
            size = abs(projected)
            cap = plan.max_position_qty
            if cap is not None and size > cap:
                return None
            cap = plan.max_position_notional
            if cap is not None and mark is not None:
                value = size * mark if unit else size * mark * mult
                if value > cap:
                    return None
            # open_positions: opening a flat symbol needs the pending count; the reference does it
            if p.max_open_positions is not None and position == ZERO and not working:
                return None
            # portfolio: the check's own body, on these values
            if (
                x.portfolio_decision(p, state, symbol, mark, mult, position, projected)
                is not APPROVED
            ):
                return None
            # cooldown
            cool = plan.cooldown_fill
            if cool:
                last = state.last_fill_ns.get(symbol)
                if last is not None and now - last < cool:
                    return None
            cool = plan.cooldown_reject
            if cool:
                last = state.last_reject_ns.get(symbol)
                if last is not None and now - last < cool:
                    return None
            # daily_trades: at the cap only an algorithm's later child passes (reference)
            count_cap = p.max_daily_trades
            if count_cap is not None and state.trades_today >= count_cap:
                return None
        # collar
        if limit_px is not None and ref_px is not None:
            frac = plan.collar_frac
            ticks = plan.collar_ticks
            if frac is not None or ticks is not None:
                diff = abs(limit_px - ref_px)
                if frac is not None and diff > frac * ref_px:
                    return None
                if ticks is not None and diff / plan.tick_size > ticks:
                    return None
        # order_notional
        cap = plan.max_order_notional
        if cap is not None and px is not None:
            notional = qty * px if unit else qty * px * mult
            if notional > cap:
                return None
        # open_orders
        count_cap = p.max_open_orders
        if count_cap is not None and len(state.orders) >= count_cap:
            return None
        count_cap = plan.max_open_orders
        if count_cap is not None and working >= count_cap:
            return None
        # duplicate
        window_ns = config.duplicate_window_ns
        key = None
        if window_ns and parent is None:
            key = f.dup_key(order)
            last = state.recent.get(key)
            if last is not None and now - last < window_ns:
                return None
        # venue_caps, then throttles last: take_all takes the tokens if every bucket has one
        if plan.windows:
            for window in plan.windows:
                if not window.allows(now):
                    return None
        if plan.buckets and not take_all(plan.buckets, now):
            return None
        # approved: what _decide does after the chain (the counts by path and strategy
        # go to the scope's plain dict: the manager's Counters fold them in when read)
        m._view = view
        counts = plan.counts
        counts[path] = counts.get(path, 0) + 1
        f.spend_submit(state, plan.scope, order, now, increases, key, window_ns)
        m.watchdog.on_order(now)
        return APPROVED

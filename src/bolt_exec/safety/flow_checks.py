"""Order-flow checks: open orders, cooldown, daily count, duplicates, self-trade,
throttles, venue caps, modifications and the order-to-trade ratio.

The checks only *peek* at counters and limiters; :func:`commit_submit` and
:func:`commit_amend` spend them once the whole chain approved, so a denied
order costs no budget.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from bolt_exec.model.enums import OrderType, Side
from bolt_exec.model.order import Order
from bolt_exec.safety.codes import ReasonCode as R
from bolt_exec.safety.context import CheckContext
from bolt_exec.safety.decision import APPROVED, Decision
from bolt_exec.safety.scope import OrderScope
from bolt_exec.safety.state import RiskState

__all__ = [
    "check_cooldown",
    "check_daily_trades",
    "check_duplicate",
    "check_modifications",
    "check_open_orders",
    "check_otr",
    "check_self_trade",
    "check_throttles",
    "check_venue_caps",
    "commit_amend",
    "commit_submit",
    "dup_key",
    "exact",
    "spend_submit",
]

# enum members as module constants: attribute access on an Enum class is slow (3.11)
_BUY: Final = Side.BUY
_MARKET: Final = OrderType.MARKET
_STOPS: Final = frozenset({OrderType.STOP, OrderType.STOP_LIMIT})

_PRUNE_AT = 4096


def _deny(code: R, reason: str, check: str) -> Decision:
    return Decision(False, code.value, reason, check)


def exact(value: Decimal | None) -> tuple[int, int] | None:
    """A cheap-to-hash key equal for two Decimals exactly when they are numerically equal.

    ``as_integer_ratio`` is exact and canonical (lowest terms, positive denominator), so
    ``1.10`` and ``1.1`` give the same key, as ``==`` says. Hashing a fresh Decimal computes
    a modular power (several times the cost); small ints hash for free.
    """
    return None if value is None else value.as_integer_ratio()


def dup_key(order: Order) -> tuple[object, ...]:
    """The duplicate guard's key of a new order: equal for orders identical in every term."""
    limit_px = order.limit_px
    stop_px = order.stop_px
    return (
        order.strategy_id,
        order.broker,
        order.symbol,
        order.side,
        order.qty.as_integer_ratio(),  # exact(), inlined: qty is never None
        None if limit_px is None else limit_px.as_integer_ratio(),
        None if stop_px is None else stop_px.as_integer_ratio(),
        order.order_type,
    )


def _key(ctx: CheckContext) -> tuple[object, ...]:
    # only new orders are guarded, so the order's own terms are the context's
    key = ctx.dup_key
    if key is None:
        key = ctx.dup_key = dup_key(ctx.order)
    return key


def check_open_orders(ctx: CheckContext) -> Decision:
    """Working orders within ``portfolio.max_open_orders`` and per-symbol ``max_open_orders``."""
    if ctx.is_amend:
        return APPROVED
    cap = ctx.config.portfolio.max_open_orders
    count = len(ctx.state.orders)
    if cap is not None and count >= cap:
        return _deny(
            R.MAX_OPEN_ORDERS,
            f"{count} orders are working, portfolio.max_open_orders is {cap}; cancel some "
            "before sending more",
            "open_orders",
        )
    cap = ctx.limits.max_open_orders
    if cap is not None and len(ctx.working) >= cap:
        return _deny(
            R.MAX_OPEN_ORDERS,
            f"{len(ctx.working)} orders are working in {ctx.symbol}, max_open_orders is {cap} "
            f"for {ctx.scope}; cancel some before sending more",
            "open_orders",
        )
    return APPROVED


def check_cooldown(ctx: CheckContext) -> Decision:
    """No new risk in an instrument for a while after its last fill or reject."""
    if not ctx.increases:
        return APPROVED
    limits = ctx.limits
    cool = limits.cooldown_after_fill_ns
    if cool:
        last = ctx.state.last_fill_ns.get(ctx.symbol)
        if last is not None and ctx.now - last < cool:
            return _cooling(ctx, "fill", cool, last)
    cool = limits.cooldown_after_reject_ns
    if cool:
        last = ctx.state.last_reject_ns.get(ctx.symbol)
        if last is not None and ctx.now - last < cool:
            return _cooling(ctx, "reject", cool, last)
    return APPROVED


def _cooling(ctx: CheckContext, what: str, cool: int, last: int) -> Decision:
    wait = (last + cool - ctx.now) / 1e9
    return _deny(
        R.COOLDOWN,
        f"{ctx.symbol} is cooling down after a {what} (cooldown_after_{what}_s "
        f"{cool / 1e9:g}s for {ctx.scope}); retry in {wait:.3f}s",
        "cooldown",
    )


def check_daily_trades(ctx: CheckContext) -> Decision:
    """At most ``max_daily_trades`` trades a day (exits pass; an algorithm counts once).

    A trade is a risk-increasing order without a parent, or the first child of a
    parent (execution algorithm) today: a TWAP of 390 slices is one trade.
    """
    cap = ctx.config.portfolio.max_daily_trades
    if cap is None or ctx.is_amend or not ctx.increases or ctx.state.trades_today < cap:
        return APPROVED
    parent = ctx.order.parent_id
    if parent is not None and parent in ctx.state.parents_today:
        return APPROVED
    return _deny(
        R.DAILY_TRADE_LIMIT,
        f"{ctx.state.trades_today} orders today reached max_daily_trades {cap}; wait for the "
        "next trading day or raise portfolio.max_daily_trades",
        "daily_trades",
    )


def check_duplicate(ctx: CheckContext) -> Decision:
    """Deny an order identical to one approved less than ``duplicates.window_s`` ago.

    Algorithm children are exempt: an iceberg legitimately sends the same clip
    again as soon as one fills, and the algorithm runner bounds children by the
    parent quantity.
    """
    window = ctx.config.duplicate_window_ns
    if not window or ctx.is_amend or ctx.order.parent_id is not None:
        return APPROVED
    last = ctx.state.recent.get(_key(ctx))
    if last is None or ctx.now - last >= window:
        return APPROVED
    return _deny(
        R.DUPLICATE_ORDER,
        f"an identical {ctx.side} {ctx.qty} {ctx.symbol} order was approved "
        f"{(ctx.now - last) / 1e9:.3f}s ago (duplicates.window_s {window / 1e9:g}); if both "
        "are intended, wait or change the client's retry logic",
        "duplicate",
    )


def check_self_trade(ctx: CheckContext) -> Decision:
    """Do not trade against our own resting orders (wash trades).

    A resting order on the other side is crossed when our price reaches its limit; a
    market order (ours or theirs) crosses anything; an untriggered stop is not resting.
    """
    if not ctx.config.self_trade_prevention or not ctx.working:
        return APPROVED
    order = ctx.order
    if order.order_type in _STOPS:
        return APPROVED
    side = ctx.side
    buy = side is _BUY
    px = ctx.limit_px if order.order_type is not _MARKET else None
    for other in ctx.working:
        if other.side is side:
            continue
        if other.order_type in _STOPS and not other.is_triggered:
            continue
        theirs = other.limit_px
        if px is None or theirs is None or (px >= theirs if buy else px <= theirs):
            return _deny(
                R.SELF_TRADE,
                f"{side} {ctx.symbol} at {px if px is not None else 'market'} would trade "
                f"against our own resting {other.side} {other.client_order_id} at "
                f"{other.limit_px}; cancel that order first or price inside it",
                "self_trade",
            )
    return APPROVED


def check_throttles(ctx: CheckContext) -> Decision:
    """Policy token buckets per strategy, instrument and broker (orders or modifies)."""
    amend = ctx.is_amend
    scope = ctx.resolved
    now = ctx.now
    for name, key, bucket in scope.modify_buckets if amend else scope.order_buckets:
        if not bucket.allows(now):
            kind = "modifies" if amend else "orders"
            return _deny(
                R.MODIFY_RATE_LIMIT if amend else R.RATE_LIMIT,
                f"throttles.{kind} for {name} {key!r} is empty ({bucket.rate_per_ns * 1e9:g}/s, "
                f"burst {bucket.burst:g}); retry in {bucket.retry_after_s(now):.3f}s",
                "throttles",
            )
    return APPROVED


def check_venue_caps(ctx: CheckContext) -> Decision:
    """The broker's published order caps (exact sliding windows)."""
    if ctx.is_amend:
        return APPROVED
    for window in ctx.resolved.windows:
        if not window.allows(ctx.now):
            return _deny(
                R.VENUE_RATE_LIMIT,
                f"broker {ctx.order.broker!r} cap {window.label} is used up; retry in "
                f"{window.retry_after_s(ctx.now):.3f}s (the venue would answer 429)",
                "venue_caps",
            )
    return APPROVED


def check_modifications(ctx: CheckContext) -> Decision:
    """At most the venue's number of modifications per order (Kite: 25)."""
    if not ctx.is_amend:
        return APPROVED
    cap = ctx.config.broker(ctx.order.broker).max_modifications
    done = ctx.state.modifications.get(ctx.order.client_order_id, 0)
    if cap is None or done < cap:
        return APPROVED
    return _deny(
        R.MAX_MODIFICATIONS,
        f"order {ctx.order.client_order_id} was modified {done} times, the venue allows "
        f"{cap}; cancel it and send a new order",
        "modifications",
    )


def _otr_counted(ctx: CheckContext) -> bool:
    if not ctx.resolved.otr:  # OTR switched on, and this broker counts
        return False
    band = ctx.config.otr.exempt_band_frac
    px, ref = ctx.limit_px, ctx.ref_px
    # orders priced within the band around the last price are not counted (SEBI)
    return band is None or px is None or ref is None or abs(px - ref) > band * ref


def check_otr(ctx: CheckContext) -> Decision:
    """Keep today's order-to-trade ratio under the penalty slab: warn, then deny new risk."""
    if not _otr_counted(ctx):
        return APPROVED
    otr = ctx.config.otr
    state = ctx.state
    ratio = state.otr(1)
    if ratio < otr.warn_ratio:
        return APPROVED
    if ratio >= otr.deny_ratio and state.otr_messages + 1 > otr.grace_messages and ctx.increases:
        return _deny(
            R.OTR_LIMIT,
            f"order-to-trade ratio would reach {ratio:.2f} ({state.otr_messages + 1} messages "
            f"/ {state.otr_trades} trades), at or above otr.deny_ratio {otr.deny_ratio}; only "
            "orders that reduce positions pass, price within the exempt band, or trade more",
            "otr",
        )
    return Decision(
        True,
        R.OTR_WARNING.value,
        f"order-to-trade ratio is {ratio:.2f}, at or above otr.warn_ratio {otr.warn_ratio} "
        f"(deny at {otr.deny_ratio}); cancel and amend less",
        "otr",
    )


def commit_submit(ctx: CheckContext) -> None:
    """Spend the budgets of an approved new order and start tracking it."""
    state = ctx.state
    if ctx.resolved.otr and _otr_counted(ctx):
        state.otr_messages += 1
    window_ns = ctx.config.duplicate_window_ns
    key = _key(ctx) if window_ns and ctx.order.parent_id is None else None
    for _, _, bucket in ctx.resolved.order_buckets:
        bucket.take(ctx.now)
    spend_submit(state, ctx.resolved, ctx.order, ctx.now, ctx.increases, key, window_ns)


def spend_submit(
    state: RiskState,
    scope: OrderScope,
    order: Order,
    now: int,
    increases: bool,
    key: tuple[object, ...] | None,
    window_ns: int,
) -> None:
    """Spend an approved new order's venue caps and counters, remember it, track it.

    The caller has taken its throttle tokens (:func:`commit_submit`, or the fused pass's
    last check, ``throttle.take_all``).

    Args:
        key: its :func:`dup_key` when the duplicate guard is on and it has no parent.
        window_ns: the duplicate window (how long ``key`` is remembered).
    """
    if scope.windows:
        for window in scope.windows:
            window.take(now)
    parent = order.parent_id
    if increases:
        if parent is None:
            state.trades_today += 1
        elif parent not in state.parents_today:
            state.parents_today.add(parent)
            state.trades_today += 1
    if key is not None:
        recent = state.recent
        recent[key] = now
        if len(recent) > state.recent_prune_at:
            horizon = now - window_ns
            for k in [k for k, ts in recent.items() if ts <= horizon]:
                del recent[k]
            # amortised O(1): the next sweep waits until the map has doubled
            state.recent_prune_at = max(_PRUNE_AT, 2 * len(recent))
    state.orders.add(order)


def commit_amend(ctx: CheckContext) -> None:
    """Spend the budgets of an approved amend."""
    state = ctx.state
    now = ctx.now
    for _, _, bucket in ctx.resolved.modify_buckets:
        bucket.take(now)
    coid = ctx.order.client_order_id
    state.modifications[coid] = state.modifications.get(coid, 0) + 1
    if _otr_counted(ctx):
        state.otr_messages += 1

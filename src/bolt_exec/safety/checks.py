"""Order-level checks: switches, state, instrument lists, shape, confidence, reference, collar.

Each check is a pure function ``(CheckContext) -> Decision`` (zipline's
TradingControl shape, with a Decision instead of an on_error switch). A
denial names the limit, the value and the fix; approval is the shared
``APPROVED`` constant, so the hot path allocates nothing when all is well.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final

from bolt_exec.model.enums import OrderType
from bolt_exec.model.instrument import Instrument
from bolt_exec.safety.codes import ReasonCode as R
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.context import CheckContext
from bolt_exec.safety.decision import APPROVED, Decision
from bolt_exec.safety.scope import UNIT

__all__ = [
    "check_collar",
    "check_confidence",
    "check_instrument_lists",
    "check_order_notional",
    "check_precision",
    "check_qty_bounds",
    "check_reduce_only",
    "check_reference",
    "check_trading_enabled",
    "check_trading_state",
    "plan_confidence",
]

# enum members as module constants: attribute access on an Enum class is slow (3.11)
_ACTIVE: Final = TradingState.ACTIVE
_HALTED: Final = TradingState.HALTED
_LIMIT: Final = OrderType.LIMIT


def _deny(code: R, reason: str, check: str) -> Decision:
    return Decision(False, code.value, reason, check)


def check_trading_enabled(ctx: CheckContext) -> Decision:
    """Deny everything while the policy's ``enable_trading`` is false (the default)."""
    if ctx.config.enable_trading:
        return APPROVED
    return _deny(
        R.TRADING_DISABLED,
        f"enable_trading is false: order for {ctx.symbol} not sent; set enable_trading: true "
        "in policy.yaml (live venues also need a live broker configuration)",
        "trading_enabled",
    )


def check_trading_state(ctx: CheckContext) -> Decision:
    """HALTED passes nothing new; REDUCING passes only orders that reduce a position."""
    state = ctx.trading_state
    if state is _ACTIVE:
        return APPROVED
    if state is _HALTED:
        return _deny(
            R.HALTED,
            f"trading state is HALTED: no new orders or amends ({ctx.symbol}); only cancels "
            "pass until an operator sets the state back to ACTIVE",
            "trading_state",
        )
    if ctx.is_reducing:
        return APPROVED
    return _deny(
        R.REDUCING_ONLY,
        f"trading state is REDUCING: {ctx.side} {ctx.leaves} {ctx.symbol} would take the "
        f"position from {ctx.position} to {ctx.projected} (working orders included); send only "
        "orders that bring a position towards flat",
        "trading_state",
    )


def check_reduce_only(ctx: CheckContext) -> Decision:
    """A reduce_only order must not increase (or open) a position."""
    if not ctx.order.reduce_only or ctx.is_reducing:
        return APPROVED
    return _deny(
        R.REDUCE_ONLY_WOULD_INCREASE,
        f"reduce_only {ctx.side} {ctx.leaves} {ctx.symbol} would take the position from "
        f"{ctx.position} to {ctx.projected}; lower the quantity to at most the position "
        "net of working orders on the same side",
        "reduce_only",
    )


def check_instrument_lists(ctx: CheckContext) -> Decision:
    """Refuse unknown instruments, blocklisted ones, and any not on a non-empty allowlist.

    A reduce-only order that only brings an existing position towards flat passes the
    lists: a symbol blocked while we hold it (a delisting, a compliance hold) must still
    be exitable, or the kill switch's own flattening order would be refused and the
    position trapped. Everything that adds risk stays refused.
    """
    symbol = ctx.symbol
    if ctx.instrument is None:
        return _deny(
            R.UNKNOWN_INSTRUMENT,
            f"instrument {symbol!r} is unknown to the OMS; load its definition from the broker "
            "before trading it",
            "instrument_lists",
        )
    config = ctx.config
    blocked = symbol in config.block
    if not blocked and (not config.allow or symbol in config.allow):
        return APPROVED
    if ctx.order.reduce_only and ctx.is_reducing:
        return APPROVED
    exit_hint = (
        "; to close an existing position send a reduce_only order" if ctx.position != 0 else ""
    )
    if blocked:
        return _deny(
            R.BLOCKLISTED,
            f"instrument {symbol!r} is on instruments.block in policy.yaml; remove it there "
            f"to trade it{exit_hint}",
            "instrument_lists",
        )
    return _deny(
        R.NOT_ALLOWLISTED,
        f"instrument {symbol!r} is not on instruments.allow in policy.yaml "
        f"({len(config.allow)} symbols); add it there to trade it{exit_hint}",
        "instrument_lists",
    )


def check_precision(ctx: CheckContext) -> Decision:
    """Prices on the tick grid, quantity on the lot grid."""
    inst = ctx.instrument
    if inst is None:
        return APPROVED
    scope = ctx.resolved
    # ``x % step`` is truthy exactly when x is off the grid (model.numbers.is_on_grid); the
    # scope holds None for a zero step, which is no grid
    tick = scope.tick
    if tick is not None:
        px = ctx.limit_px
        if px is not None and px % tick:
            return _off_tick(ctx, inst, "limit_px", px)
        px = ctx.stop_px
        if px is not None and px % tick:
            return _off_tick(ctx, inst, "stop_px", px)
    lot = scope.lot
    if lot is not None and ctx.qty % lot:
        return _deny(
            R.BAD_QTY_PRECISION,
            f"qty {ctx.qty} is not a multiple of {ctx.symbol}'s lot size {inst.lot_size}; "
            f"use {inst.round_qty_down(ctx.qty)}",
            "precision",
        )
    return APPROVED


def _off_tick(ctx: CheckContext, inst: Instrument, name: str, px: Decimal) -> Decision:
    return _deny(
        R.BAD_PRICE_PRECISION,
        f"{name} {px} is not on {ctx.symbol}'s tick size {inst.tick_size}; use {inst.round_px(px)}",
        "precision",
    )


def check_qty_bounds(ctx: CheckContext) -> Decision:
    """Quantity within the policy's and the venue's minimum and maximum (the tighter of each)."""
    qty = ctx.qty
    scope = ctx.resolved
    low = scope.qty_low
    if low is not None and qty < low:
        return _deny(
            R.QTY_BELOW_MIN,
            f"qty {qty} is below the minimum {low} for {ctx.scope}; send at least {low}",
            "qty_bounds",
        )
    high = scope.qty_high
    if high is not None and qty > high:
        return _deny(
            R.QTY_ABOVE_MAX,
            f"qty {qty} is above max_order_qty {high} for {ctx.scope}; split the order or use "
            "an execution algorithm",
            "qty_bounds",
        )
    return APPROVED


def check_confidence(ctx: CheckContext) -> Decision:
    """Plan-driven orders need ``tags['confidence']`` at or above the minimum."""
    minimum = ctx.limits.min_confidence
    if minimum is None:
        minimum = ctx.config.plan_min_confidence
    if minimum is None or ctx.path != "plan":
        return APPROVED
    raw = ctx.order.tags.get("confidence")
    confidence = plan_confidence(raw)
    if confidence is None:
        return _deny(
            R.MISSING_CONFIDENCE,
            f"plan-driven order for {ctx.symbol} has confidence {raw!r}; put a number in "
            "[0, 1] in tags['confidence']",
            "confidence",
        )
    if confidence < minimum:
        return _deny(
            R.LOW_CONFIDENCE,
            f"confidence {confidence} is below min_confidence {minimum} for {ctx.scope}; "
            "skip this plan or lower plans.min_confidence in policy.yaml",
            "confidence",
        )
    return APPROVED


def plan_confidence(raw: str | None) -> Decimal | None:
    """``tags['confidence']`` as a finite Decimal, or None (missing, not a number, infinite)."""
    try:
        confidence = Decimal(raw) if raw is not None else None
    except (InvalidOperation, ValueError):
        return None
    return confidence if confidence is not None and confidence.is_finite() else None


def check_reference(ctx: CheckContext) -> Decision:
    """New risk needs a fresh reference price (market and stop orders always; limits by policy).

    Orders that only reduce a position pass without one: a kill switch tripped by
    stale data must still be able to flatten.
    """
    config = ctx.config
    needs = ctx.order.order_type is not _LIMIT or config.require_reference
    if not needs or not ctx.increases:
        return APPROVED
    if ctx.ref_px is None or ctx.ref_ts is None:
        return _deny(
            R.NO_REFERENCE_PRICE,
            f"no reference price for {ctx.symbol}: cannot value or collar the order; feed "
            f"{config.reference_source} prices for it first",
            "reference",
        )
    age = ctx.now - ctx.ref_ts
    if age > config.reference_max_age_ns:
        return _deny(
            R.STALE_REFERENCE,
            f"reference price of {ctx.symbol} is {age / 1e9:.3f}s old, above reference."
            f"max_age_s {config.reference_max_age_ns / 1e9:g}s; check the market-data feed",
            "reference",
        )
    return APPROVED


def check_collar(ctx: CheckContext) -> Decision:
    """Limit price within ``collar_pct`` and ``collar_ticks`` of the reference price."""
    limits = ctx.limits
    ref = ctx.ref_px
    px = ctx.limit_px
    if px is None or ref is None or (limits.collar_frac is None and limits.collar_ticks is None):
        return APPROVED
    diff = abs(px - ref)
    if limits.collar_frac is not None and diff > limits.collar_frac * ref:
        return _deny(
            R.PRICE_COLLAR,
            f"limit_px {px} is {diff / ref * 100:.4g}% from the reference {ref}, outside "
            f"collar_pct {limits.collar_frac * 100} for {ctx.scope}; price within the collar",
            "collar",
        )
    inst = ctx.instrument
    if limits.collar_ticks is not None and inst is not None:
        ticks = diff / inst.tick_size
        if ticks > limits.collar_ticks:
            return _deny(
                R.PRICE_COLLAR,
                f"limit_px {px} is {ticks} ticks from the reference {ref}, outside "
                f"collar_ticks {limits.collar_ticks} for {ctx.scope}; price within the collar",
                "collar",
            )
    return APPROVED


def check_order_notional(ctx: CheckContext) -> Decision:
    """``qty * px * multiplier`` at most ``max_order_notional``."""
    cap = ctx.limits.max_order_notional
    px = ctx.px
    if cap is None or px is None:
        return APPROVED
    notional = ctx.qty * px
    if ctx.mult is not UNIT:  # scope.UNIT: skipping "* 1" changes no digit
        notional *= ctx.mult
    if notional <= cap:
        return APPROVED
    return _deny(
        R.NOTIONAL_ABOVE_MAX,
        f"order notional {notional} ({ctx.qty} x {ctx.px}) is above max_order_notional {cap} "
        f"for {ctx.scope}; reduce the quantity or use an execution algorithm",
        "order_notional",
    )

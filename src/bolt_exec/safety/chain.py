"""The check chain: every check in order, and the chain compiled for one policy.

:data:`CHAIN` lists every check, cheap and decisive first. :func:`compile_chain`
drops, once at start-up, the checks that *cannot* deny under a given policy (a
limit nobody set, a feature switched off, a submit-only check on the amend
path). That is a pure optimisation: a dropped check would have returned
``APPROVED`` for every order, so the verdicts are identical (a test runs both
chains on the same orders). State-dependent checks (trading state, instrument,
precision, reference, reduce-only) always stay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from bolt_exec.safety import checks as c
from bolt_exec.safety import exposure_checks as x
from bolt_exec.safety import flow_checks as f
from bolt_exec.safety.config import LimitSet, RiskConfig
from bolt_exec.safety.context import CheckContext
from bolt_exec.safety.decision import Decision

__all__ = ["CHAIN", "Check", "compile_chain"]

Check = Callable[[CheckContext], Decision]

CHAIN: Final[tuple[Check, ...]] = (
    c.check_trading_enabled,
    c.check_trading_state,
    c.check_instrument_lists,
    c.check_precision,
    c.check_qty_bounds,
    c.check_reduce_only,
    c.check_confidence,
    c.check_reference,
    c.check_collar,
    c.check_order_notional,
    x.check_position,
    x.check_open_positions,
    x.check_portfolio,
    f.check_open_orders,
    f.check_cooldown,
    f.check_daily_trades,
    f.check_duplicate,
    f.check_self_trade,
    f.check_throttles,
    f.check_venue_caps,
    f.check_modifications,
    f.check_otr,
)
"""Every check, in the order it runs."""

_SUBMIT_ONLY: Final = frozenset(
    {f.check_open_orders, f.check_daily_trades, f.check_duplicate, f.check_venue_caps}
)
_AMEND_ONLY: Final = frozenset({f.check_modifications})


def _scopes(config: RiskConfig) -> Iterator[LimitSet]:
    yield config.global_limits
    for table in (config.broker_limits, config.strategy_limits, config.instrument_limits):
        yield from table.values()


def _any(config: RiskConfig, *names: str) -> bool:
    return any(getattr(s, n) for s in _scopes(config) for n in names)


def _can_deny(check: Check, config: RiskConfig, amend: bool) -> bool:
    p = config.portfolio
    throttle = config.modify_throttle if amend else config.order_throttle
    rules: dict[Check, bool] = {
        c.check_trading_enabled: not config.enable_trading,
        c.check_confidence: config.plan_min_confidence is not None
        or _any(config, "min_confidence"),
        c.check_collar: _any(config, "collar_frac", "collar_ticks"),
        c.check_order_notional: _any(config, "max_order_notional"),
        x.check_position: _any(config, "max_position_qty", "max_position_notional"),
        x.check_open_positions: p.max_open_positions is not None,
        x.check_portfolio: p.needs_value
        or p.max_gross_exposure is not None
        or p.max_net_exposure is not None,
        f.check_open_orders: p.max_open_orders is not None or _any(config, "max_open_orders"),
        f.check_cooldown: _any(config, "cooldown_after_fill_ns", "cooldown_after_reject_ns"),
        f.check_daily_trades: p.max_daily_trades is not None,
        f.check_duplicate: config.duplicate_window_ns > 0,
        f.check_self_trade: config.self_trade_prevention,
        f.check_throttles: any(
            b is not None
            for b in (throttle.per_strategy, throttle.per_instrument, throttle.per_broker)
        ),
        f.check_venue_caps: any(b.caps for b in config.brokers.values()),
        f.check_modifications: any(
            b.max_modifications is not None for b in config.brokers.values()
        ),
        f.check_otr: config.otr.enabled and any(b.otr for b in config.brokers.values()),
    }
    return rules.get(check, True)


def compile_chain(
    config: RiskConfig, *, amend: bool = False, flatten: bool = False
) -> tuple[Check, ...]:
    """Return the checks that can deny under ``config``, in :data:`CHAIN` order.

    Args:
        config: the compiled policy.
        amend: the chain for amends (drops submit-only checks) instead of submits.
        flatten: the kill switch's own flattening orders, which skip only the
            trading-state check (they are let through while HALTED by ticket).
    """
    out = []
    for check in CHAIN:
        if check in (_AMEND_ONLY if not amend else _SUBMIT_ONLY):
            continue
        if flatten and check is c.check_trading_state:
            continue
        if _can_deny(check, config, amend):
            out.append(check)
    return tuple(out)

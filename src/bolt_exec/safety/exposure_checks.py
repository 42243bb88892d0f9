"""Position and portfolio checks, judged on the worst-case projected position.

Only orders that increase risk (``CheckContext.increases``) are held to these
limits: an order that brings a position towards flat always passes them, even
when a limit is already breached (fail closed means deny new risk, never the
removal of risk).

Formulas (``mark`` is the reference price, ``mult`` the contract multiplier):

* position value = ``|projected| * mark * mult``
* gross after = ``gross + (|projected| - |position|) * mark * mult``
* net after = ``net + (projected - position) * mark * mult``
* leverage after = ``gross after / portfolio value``
* allocation = ``position value / portfolio value``
* today's loss = ``portfolio value at the day's start - portfolio value now``
"""

from __future__ import annotations

from decimal import Decimal

from bolt_exec.model.numbers import ZERO
from bolt_exec.safety.codes import ReasonCode as R
from bolt_exec.safety.config import PortfolioLimits
from bolt_exec.safety.context import CheckContext
from bolt_exec.safety.decision import APPROVED, Decision
from bolt_exec.safety.scope import UNIT
from bolt_exec.safety.state import RiskState

__all__ = [
    "check_open_positions",
    "check_portfolio",
    "check_position",
    "portfolio_decision",
]


def _deny(code: R, reason: str, check: str) -> Decision:
    return Decision(False, code.value, reason, check)


def check_position(ctx: CheckContext) -> Decision:
    """Projected position within ``max_position_qty`` and ``max_position_notional``."""
    if not ctx.increases:
        return APPROVED
    limits = ctx.limits
    projected = abs(ctx.projected)
    cap = limits.max_position_qty
    if cap is not None and projected > cap:
        return _deny(
            R.POSITION_QTY_LIMIT,
            f"position in {ctx.symbol} would reach {projected} (now {ctx.position}, working "
            f"same side {ctx.same_side_leaves}, this order {ctx.leaves}), above "
            f"max_position_qty {cap} for {ctx.scope}; send at most "
            f"{max(cap - (projected - ctx.leaves), 0)}",
            "position",
        )
    cap = limits.max_position_notional
    mark = ctx.mark if ctx.mark is not None else ctx.px
    if cap is not None and mark is not None:
        value = projected * mark  # ctx.value(projected), inlined: projected is already >= 0
        if ctx.mult is not UNIT:  # scope.UNIT: skipping "* 1" changes no digit
            value *= ctx.mult
        if value > cap:
            return _deny(
                R.POSITION_NOTIONAL_LIMIT,
                f"position value in {ctx.symbol} would reach {value}, above "
                f"max_position_notional {cap} for {ctx.scope}; reduce the quantity",
                "position",
            )
    return APPROVED


def check_open_positions(ctx: CheckContext) -> Decision:
    """Opening a new position only while fewer than ``max_open_positions`` are open.

    Counts, worst case, symbols that are flat but have working orders as open.
    """
    cap = ctx.config.portfolio.max_open_positions
    if cap is None or ctx.position != ZERO or not ctx.increases or ctx.working:
        return APPROVED  # not opening, or this symbol is already counted as pending
    state = ctx.state
    book = state.book
    pending = sum(
        1 for s in state.orders.symbols_with_orders() if s != ctx.symbol and book.qty(s) == 0
    )
    count = book.open_positions + pending
    if count < cap:
        return APPROVED
    return _deny(
        R.MAX_OPEN_POSITIONS,
        f"{count} positions are open or pending ({book.open_positions} open, {pending} flat "
        f"with working orders), max_open_positions is {cap}; close one before opening "
        f"{ctx.symbol}",
        "open_positions",
    )


def check_portfolio(ctx: CheckContext) -> Decision:
    """Portfolio value known and above the minimum; daily loss, allocation, exposure, leverage."""
    if not ctx.increases:
        return APPROVED
    mark = ctx.mark if ctx.mark is not None else ctx.px
    return portfolio_decision(
        ctx.config.portfolio, ctx.state, ctx.symbol, mark, ctx.mult, ctx.position, ctx.projected
    )


def portfolio_decision(
    p: PortfolioLimits,
    state: RiskState,
    symbol: str,
    mark: Decimal | None,
    mult: Decimal,
    position: Decimal,
    projected: Decimal,
) -> Decision:
    """:func:`check_portfolio` for an order that increases risk, from plain values.

    Args:
        mark: the price the position is valued at (the reference, else the order's price).
        position: the position now; ``projected``: after the order and the working ones.
    """
    book = state.book
    equity = book.equity
    if equity is None:
        if p.needs_value:
            return _deny(
                R.PORTFOLIO_UNKNOWN,
                "the portfolio value is unknown, and the policy limits allocation, leverage, "
                "minimum value or daily loss; give the SafetyManager the account cash "
                "(cash= or set_cash) before trading",
                "portfolio",
            )
    else:
        if p.min_portfolio_value is not None and equity < p.min_portfolio_value:
            return _deny(
                R.PORTFOLIO_BELOW_MIN,
                f"portfolio value {equity} is below min_portfolio_value "
                f"{p.min_portfolio_value}; only orders that reduce positions pass",
                "portfolio",
            )
        start = state.day_start_equity
        if start is not None and start > equity:
            loss = start - equity
            cap = p.daily_loss_limit
            if p.daily_loss_frac is not None:
                pct_cap = p.daily_loss_frac * start
                cap = pct_cap if cap is None or pct_cap < cap else cap
            if cap is not None and loss >= cap:
                return _deny(
                    R.DAILY_LOSS_LIMIT,
                    f"today's loss {loss} reached the daily loss limit {cap}; only orders "
                    "that reduce positions pass until the next trading day",
                    "portfolio",
                )
    if mark is None:
        return APPROVED  # no way to value it; check_reference already ruled on this
    unit = mult is UNIT  # scope.UNIT: skipping "* 1" changes no digit
    size = abs(projected)
    added = (size - abs(position)) * mark
    if not unit:
        added *= mult
    gross = book.gross + added
    if p.max_gross_exposure is not None and gross > p.max_gross_exposure:
        return _deny(
            R.GROSS_EXPOSURE_LIMIT,
            f"gross exposure would reach {gross} (now {book.gross}), above max_gross_exposure "
            f"{p.max_gross_exposure}; reduce the order or other positions",
            "portfolio",
        )
    if p.max_net_exposure is not None:
        net = book.net + (projected - position) * mark * mult
        if abs(net) > p.max_net_exposure and abs(net) > abs(book.net):
            return _deny(
                R.NET_EXPOSURE_LIMIT,
                f"net exposure would reach {net} (now {book.net}), beyond max_net_exposure "
                f"{p.max_net_exposure}; trade the other side or reduce the order",
                "portfolio",
            )
    if equity is None:
        return APPROVED
    if p.max_allocation_frac is not None:
        value = size * mark
        if not unit:
            value *= mult
        if equity <= ZERO or value > p.max_allocation_frac * equity:
            return _deny(
                R.ALLOCATION_LIMIT,
                f"position in {symbol} would be worth {value}, above max_allocation_pct "
                f"{p.max_allocation_frac * 100}% of the portfolio value {equity}; reduce it",
                "portfolio",
            )
    if p.max_leverage is not None and (equity <= ZERO or gross > p.max_leverage * equity):
        return _deny(
            R.LEVERAGE_LIMIT,
            f"leverage would reach {gross}/{equity} (gross/portfolio value), above "
            f"max_leverage {p.max_leverage}x; reduce the order or other positions",
            "portfolio",
        )
    return APPROVED

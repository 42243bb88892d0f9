"""Reason codes: the closed, documented set a safety decision carries.

A denial is data: the OMS copies :attr:`Decision.code` into the ``OrderDenied``
event it journals, so downstream tools can count denials by cause without
parsing messages. The values are stable strings; never rename one (they are
stored). Each member's docstring-comment says when it fires and what fixes it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ReasonCode", "TradingState"]


class TradingState(StrEnum):
    """What the SafetyManager lets through (nautilus semantics).

    * ``ACTIVE``: every order that passes the checks.
    * ``REDUCING``: only orders that reduce an existing position (and cancels).
    * ``HALTED``: nothing new; cancels only (and the kill switch's own flattening).
    """

    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"


class ReasonCode(StrEnum):
    """Why a check denied (or, for ``OTR_WARNING``, flagged) an order."""

    # -- switches and states -------------------------------------------------------------------
    TRADING_DISABLED = "TRADING_DISABLED"  # policy enable_trading is false (the default)
    KILL_SWITCH = "KILL_SWITCH"  # the kill switch is latched; an operator must reset it
    HALTED = "HALTED"  # trading state HALTED: only cancels pass
    REDUCING_ONLY = "REDUCING_ONLY"  # trading state REDUCING and the order adds risk
    REDUCE_ONLY_WOULD_INCREASE = "REDUCE_ONLY_WOULD_INCREASE"  # reduce_only order adds risk
    # -- instrument and order shape ------------------------------------------------------------
    UNKNOWN_INSTRUMENT = "UNKNOWN_INSTRUMENT"  # no instrument definition for the symbol
    NOT_ALLOWLISTED = "NOT_ALLOWLISTED"  # an allowlist is set and the symbol is not on it
    BLOCKLISTED = "BLOCKLISTED"  # the symbol is on the blocklist
    BAD_PRICE_PRECISION = "BAD_PRICE_PRECISION"  # price off the instrument's tick grid
    BAD_QTY_PRECISION = "BAD_QTY_PRECISION"  # quantity off the lot grid
    QTY_BELOW_MIN = "QTY_BELOW_MIN"  # below policy or venue minimum quantity
    QTY_ABOVE_MAX = "QTY_ABOVE_MAX"  # above policy or venue maximum quantity
    NOTIONAL_ABOVE_MAX = "NOTIONAL_ABOVE_MAX"  # qty * px * multiplier above the per-order cap
    LOW_CONFIDENCE = "LOW_CONFIDENCE"  # plan confidence below the minimum
    MISSING_CONFIDENCE = "MISSING_CONFIDENCE"  # plan-driven order without a usable confidence
    # -- reference data ------------------------------------------------------------------------
    NO_REFERENCE_PRICE = "NO_REFERENCE_PRICE"  # no last/mid price to value or collar the order
    STALE_REFERENCE = "STALE_REFERENCE"  # the reference price is older than allowed
    PRICE_COLLAR = "PRICE_COLLAR"  # limit price too far from the reference (% or ticks)
    # -- positions and portfolio ---------------------------------------------------------------
    POSITION_QTY_LIMIT = "POSITION_QTY_LIMIT"  # projected position quantity above the cap
    POSITION_NOTIONAL_LIMIT = "POSITION_NOTIONAL_LIMIT"  # projected position value above cap
    MAX_OPEN_POSITIONS = "MAX_OPEN_POSITIONS"  # would open one position too many
    ALLOCATION_LIMIT = "ALLOCATION_LIMIT"  # position value above % of portfolio value
    GROSS_EXPOSURE_LIMIT = "GROSS_EXPOSURE_LIMIT"  # sum of |position values| above the cap
    NET_EXPOSURE_LIMIT = "NET_EXPOSURE_LIMIT"  # |sum of signed position values| above the cap
    LEVERAGE_LIMIT = "LEVERAGE_LIMIT"  # gross exposure / portfolio value above the cap
    PORTFOLIO_BELOW_MIN = "PORTFOLIO_BELOW_MIN"  # portfolio value below the minimum
    PORTFOLIO_UNKNOWN = "PORTFOLIO_UNKNOWN"  # a limit needs the portfolio value and none is known
    DAILY_LOSS_LIMIT = "DAILY_LOSS_LIMIT"  # today's loss reached the daily limit
    # -- order flow ----------------------------------------------------------------------------
    MAX_OPEN_ORDERS = "MAX_OPEN_ORDERS"  # too many working orders (global, per symbol)
    RATE_LIMIT = "RATE_LIMIT"  # a policy token bucket (strategy, instrument, broker) is empty
    VENUE_RATE_LIMIT = "VENUE_RATE_LIMIT"  # the broker's published order cap would be crossed
    MODIFY_RATE_LIMIT = "MODIFY_RATE_LIMIT"  # amends arrive faster than the modify throttle
    MAX_MODIFICATIONS = "MAX_MODIFICATIONS"  # the order was amended as often as the venue allows
    COOLDOWN = "COOLDOWN"  # the instrument is cooling down after a fill or a reject
    DAILY_TRADE_LIMIT = "DAILY_TRADE_LIMIT"  # max_daily_trades reached for today
    DUPLICATE_ORDER = "DUPLICATE_ORDER"  # the same order was approved moments ago
    SELF_TRADE = "SELF_TRADE"  # the order would trade against our own resting order
    OTR_LIMIT = "OTR_LIMIT"  # the order-to-trade ratio budget (SEBI OTR) is spent
    OTR_WARNING = "OTR_WARNING"  # approved, but the OTR is near the penalty slab
    # -- the gate itself -----------------------------------------------------------------------
    INTERNAL_ERROR = "INTERNAL_ERROR"  # a check raised: fail closed, deny, and log the bug

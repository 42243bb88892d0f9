"""What Binance spot supports and allows, as data (the OMS and safety throttles read it)."""

from __future__ import annotations

from typing import Final

from bolt_exec.adapters.base import BrokerLimits, Capabilities, RateLimit
from bolt_exec.model.enums import OrderType, TimeInForce

__all__ = ["BINANCE_CAPABILITIES", "BINANCE_LIMITS"]

BINANCE_CAPABILITIES: Final = Capabilities(
    order_types=frozenset(OrderType),
    tifs=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    supports_amend=True,
    amend_is_cancel_replace=True,  # except pure quantity decreases (keep priority)
    supports_mass_status=True,
    supports_reduce_only=False,
    supports_post_only=True,  # LIMIT_MAKER
)
# Defaults until exchangeInfo says otherwise at connect: unfilled-order counts per
# account (100 / 10 s, 200,000 / day) and request weight per IP (6,000 / minute).
# The API docs' examples show 50 / 10 s and 160,000 / day; connect() replaces these
# with the venue's live rateLimits either way.
BINANCE_LIMITS: Final = BrokerLimits(
    rates=(
        RateLimit(count=100, per_seconds=10.0, scope="orders"),
        RateLimit(count=200_000, per_seconds=86_400.0, scope="orders"),
        RateLimit(count=6_000, per_seconds=60.0, scope="request_weight"),
    ),
    max_open_orders=200,  # MAX_NUM_ORDERS filter, per symbol
)

"""Kite Connect's capabilities and published limits, as data (the OMS and runtime read them).

Limits are from Kite's public docs and forum (2022-2025; see broker-apis.md 3.4):
10 order requests per second, 200 orders per minute, a daily order cap that has
been 3,000-5,000, 10 requests per second for other endpoints, and at most 25
modifications per order. Re-check them before relying on the numbers.
"""

from __future__ import annotations

from typing import Final

from bolt_exec.adapters.base import BrokerLimits, Capabilities, RateLimit
from bolt_exec.model.enums import OrderType, TimeInForce

__all__ = ["KITE_CAPABILITIES", "KITE_LIMITS"]

KITE_CAPABILITIES: Final = Capabilities(
    order_types=frozenset(OrderType),
    tifs=frozenset({TimeInForce.DAY, TimeInForce.IOC}),
    supports_amend=True,
    supports_mass_status=True,
    supports_reduce_only=False,
    supports_post_only=False,
)
KITE_LIMITS: Final = BrokerLimits(
    rates=(
        RateLimit(10, 1.0, "orders"),
        RateLimit(200, 60.0, "orders"),
        RateLimit(3000, 86_400.0, "orders"),  # daily cap (3,000-5,000 depending on the period)
        RateLimit(10, 1.0, "requests"),
    ),
    max_modifications_per_order=25,
)

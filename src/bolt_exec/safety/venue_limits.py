"""Venues' published order-rate limits, as data (re-check them before go-live).

Sources: ``/work/shared/docs/broker-apis.md`` (Kite forum/docs 2022-2025,
Binance spot API docs, ib_async's client pacing). The SafetyManager enforces
these per broker with exact sliding windows, so a burst that the venue would
answer with HTTP 429 (and, on Binance, a 418 IP ban) is denied locally
instead. A broker's ``rates`` in ``policy.yaml`` add further caps; set
``use_published_limits: false`` to replace these.
"""

from __future__ import annotations

from typing import Final

from bolt_exec.safety.config import WindowCap

__all__ = ["PUBLISHED_LIMITS", "PUBLISHED_MAX_MODIFICATIONS"]

_S: Final = 1_000_000_000
_DAY: Final = 86_400 * _S

PUBLISHED_LIMITS: Final[dict[str, tuple[WindowCap, ...]]] = {
    # Kite Connect: order placement 10 req/s, 200 orders/minute, and a daily cap that has
    # been 3,000-5,000 depending on the period; we take the lower figure.
    "zerodha": (
        WindowCap(10, _S, "kite 10 orders/s"),
        WindowCap(200, 60 * _S, "kite 200 orders/min"),
        WindowCap(3_000, _DAY, "kite 3,000 orders/day"),
    ),
    # Binance spot ORDERS limits per account: 100 per 10 s and 200,000 per 24 h (the live
    # values are in exchangeInfo.rateLimits; the docs' example shows 50/10 s, 160,000/day:
    # add a tighter `rates` entry in policy.yaml if your account has those).
    "binance": (
        WindowCap(100, 10 * _S, "binance 100 orders/10s"),
        WindowCap(200_000, _DAY, "binance 200,000 orders/24h"),
    ),
    # TWS accepts about 50 messages/s; ib_async paces itself at 45/s, and so do we.
    "ibkr": (WindowCap(45, _S, "ibkr 45 messages/s"),),
    "paper": (),
    "ccxt": (),  # exchange-dependent: ccxt's enableRateLimit paces requests; add `rates`
    "other": (),
}

PUBLISHED_MAX_MODIFICATIONS: Final[dict[str, int | None]] = {
    "zerodha": 25,  # Kite refuses the 26th modification of an order
    "binance": None,
    "ibkr": None,
    "paper": None,
    "ccxt": None,
    "other": None,
}

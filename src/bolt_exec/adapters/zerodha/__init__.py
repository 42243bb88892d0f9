"""Zerodha Kite Connect v3 adapter (``pip install "bolt-exec[zerodha]"``).

Capability table:

=====================  ==========================================================
order types            MARKET, LIMIT, STOP (Kite SL-M), STOP_LIMIT (Kite SL)
time in force          DAY, IOC
amend                  in place, same order id, at most 25 modifications per order
mass status            yes (orders, trades, net positions)
reduce-only/post-only  no
client order id        Kite ``tag`` (codec.tag_for: <=19 alnum as is, else 20-char hash)
rate limits            10 orders/s, 200 orders/min, daily cap, 10 requests/s (data)
=====================  ==========================================================
"""

from bolt_exec.adapters.zerodha.adapter import KiteBroker
from bolt_exec.adapters.zerodha.config import KiteConfig
from bolt_exec.adapters.zerodha.venue import KITE_CAPABILITIES, KITE_LIMITS

__all__ = ["KITE_CAPABILITIES", "KITE_LIMITS", "KiteBroker", "KiteConfig"]

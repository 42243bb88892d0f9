"""Interactive Brokers (TWS / IB Gateway) through ib_async, or ib_insync as a fallback.

Capabilities (``IBKR_CAPABILITIES``):

=====================  ============================================
order types            MARKET, LIMIT, STOP, STOP_LIMIT
time in force          DAY, GTC, IOC, FOK, GTD
amend                  in place (same orderId/permId)
mass status            open orders (all clients), executions, positions, cash
reduce-only/post-only  no
pacing                 50 messages/s (the library throttles at 45/s)
=====================  ============================================
"""

from bolt_exec.adapters.ibkr.adapter import IBKR_CAPABILITIES, IbkrBroker
from bolt_exec.adapters.ibkr.config import ContractSpec, IbkrConfig

__all__ = ["IBKR_CAPABILITIES", "ContractSpec", "IbkrBroker", "IbkrConfig"]

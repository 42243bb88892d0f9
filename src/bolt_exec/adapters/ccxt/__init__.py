"""Any ccxt exchange (OKX, Coinbase, Binance.US...) through ccxt's unified async REST API.

Install with ``pip install "bolt-exec[ccxt]"``. Sandbox unless the config says live.
"""

from bolt_exec.adapters.ccxt.adapter import CcxtBroker
from bolt_exec.adapters.ccxt.codec import ExchangeRules, rules_for
from bolt_exec.adapters.ccxt.config import CcxtConfig

__all__ = ["CcxtBroker", "CcxtConfig", "ExchangeRules", "rules_for"]

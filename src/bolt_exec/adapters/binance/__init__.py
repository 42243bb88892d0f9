"""Binance spot: python-binance REST plus the WebSocket API user stream.

Install with ``pip install "bolt-exec[binance]"``. Testnet unless the config says live.
"""

from bolt_exec.adapters.binance.adapter import BinanceSpotBroker
from bolt_exec.adapters.binance.capabilities import BINANCE_CAPABILITIES, BINANCE_LIMITS
from bolt_exec.adapters.binance.config import BinanceConfig

__all__ = ["BINANCE_CAPABILITIES", "BINANCE_LIMITS", "BinanceConfig", "BinanceSpotBroker"]

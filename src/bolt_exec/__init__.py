"""bolt_exec: turn trading intent into safe, audited trades.

The curated public surface. Everything listed in ``__all__`` is supported;
anything else may change without notice.
"""

from bolt_exec import agent, algos, backtest
from bolt_exec.adapters.base import BrokerBase, BrokerLimits, Capabilities, RateLimit
from bolt_exec.adapters.paper import FeeModel, PaperBroker
from bolt_exec.bus import MessageBus
from bolt_exec.clock import Clock, LiveClock, SimClock
from bolt_exec.errors import (
    BoltExecError,
    BrokerError,
    ConfigError,
    InvalidTransition,
    UnknownOrderError,
    UnsupportedError,
    ValidationError,
)
from bolt_exec.model import (
    AssetClass,
    Instrument,
    LiquiditySide,
    Order,
    OrderStatus,
    OrderType,
    Position,
    Side,
    TimeInForce,
)
from bolt_exec.oms import OrderHandle, OrderManager
from bolt_exec.oms import writer as _oms_writer
from bolt_exec.safety.codes import ReasonCode, TradingState
from bolt_exec.safety.decision import Decision
from bolt_exec.safety.manager import SafetyManager
from bolt_exec.safety.policy import Policy, PolicyError
from bolt_exec.store.base import MemoryOrderStore

__version__ = "0.1.0"

#: True when the hot path was compiled with mypyc (``BOLT_EXEC_MYPYC=1``, see setup.py).
COMPILED: bool = not (_oms_writer.__file__ or "").endswith(".py")

__all__ = [
    "COMPILED",
    "AssetClass",
    "BoltExecError",
    "BrokerBase",
    "BrokerError",
    "BrokerLimits",
    "Capabilities",
    "Clock",
    "ConfigError",
    "Decision",
    "FeeModel",
    "Instrument",
    "InvalidTransition",
    "LiquiditySide",
    "LiveClock",
    "MemoryOrderStore",
    "MessageBus",
    "Order",
    "OrderHandle",
    "OrderManager",
    "OrderStatus",
    "OrderType",
    "PaperBroker",
    "Policy",
    "PolicyError",
    "Position",
    "RateLimit",
    "ReasonCode",
    "SafetyManager",
    "Side",
    "SimClock",
    "TimeInForce",
    "TradingState",
    "UnknownOrderError",
    "UnsupportedError",
    "ValidationError",
    "__version__",
    "agent",
    "algos",
    "backtest",
]

"""OrderScope: one (broker, strategy, symbol)'s resolved limits and limiters, built once.

Theory of operation
-------------------
Every pre-trade check reads limits that depend only on the policy and the
order's scope: the scoped :class:`~bolt_exec.safety.config.LimitSet`
(instrument > strategy > broker > global), the instrument's grid and
multiplier, the quantity bounds (the policy's and the venue's, whichever is
tighter), the throttle buckets and venue caps the order spends. Resolving
them per order cost more than the checks themselves, so :class:`ScopeCache`
resolves each scope the first time an order uses it and keeps it.

What invalidates an entry:

* a different :class:`~bolt_exec.safety.config.RiskConfig` (a policy reload
  assigns a new one): :meth:`ScopeCache.get` drops every entry when the
  config it is handed is not the one the entries were built from;
* an unknown instrument: a scope whose instrument the OMS does not know yet is
  never cached, so the instrument is asked for again on the next order (it may
  be loaded later). Instruments themselves are immutable.

The buckets and venue windows in a scope are the live limiter objects owned
by :class:`~bolt_exec.safety.state.RiskState` (shared by every scope with the
same strategy, symbol or broker), so caching them caches references, not
budgets.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from bolt_exec.errors import BoltExecError
from bolt_exec.model.instrument import Instrument
from bolt_exec.safety.config import LimitSet, RiskConfig
from bolt_exec.safety.gate import PortfolioView
from bolt_exec.safety.state import RiskState
from bolt_exec.safety.throttle import SlidingWindow, TokenBucket

__all__ = ["UNIT", "OrderScope", "ScopeCache"]

UNIT: Final = Decimal(1)
"""The multiplier of a cash instrument. A scope whose multiplier is exactly ``Decimal(1)``
(value and exponent) holds this very object, so a check may skip ``* mult`` after ``mult is
UNIT``: the product it skips is the value itself, digit for digit, because every Decimal
result already fits the context's precision."""

Buckets = tuple[tuple[str, str, TokenBucket], ...]


class OrderScope:
    """The limits and limiters in force for one (broker, strategy, symbol)."""

    __slots__ = (
        "broker",
        "instrument",
        "limits",
        "lot",
        "modify_buckets",
        "mult",
        "order_buckets",
        "otr",
        "qty_high",
        "qty_low",
        "strategy",
        "symbol",
        "tick",
        "windows",
    )

    def __init__(
        self,
        config: RiskConfig,
        state: RiskState,
        broker: str,
        strategy: str,
        symbol: str,
        instrument: Instrument | None,
        now_ns: int,
    ) -> None:
        self.broker = broker
        self.strategy = strategy
        self.symbol = symbol
        self.instrument = instrument
        self.limits: LimitSet = config.limits_for(broker, strategy, symbol)
        limits = self.limits
        mult = instrument.multiplier if instrument is not None else UNIT
        self.mult: Decimal = UNIT if _is_unit(mult) else mult
        # a zero increment means "no grid" (model.numbers.is_on_grid): None skips the test
        self.tick = (
            instrument.tick_size if instrument is not None and instrument.tick_size else None
        )
        self.lot = instrument.lot_size if instrument is not None and instrument.lot_size else None
        # the tighter of the policy's and the venue's bounds (check_qty_bounds)
        low = limits.min_order_qty
        if instrument is not None and (low is None or instrument.min_qty > low):
            low = instrument.min_qty
        high = limits.max_order_qty
        inst_max = instrument.max_qty if instrument is not None else None
        if inst_max is not None and (high is None or inst_max < high):
            high = inst_max
        self.qty_low = low
        self.qty_high = high
        self.order_buckets: Buckets = state.buckets(
            config.order_throttle, "o", strategy, symbol, broker, now_ns
        )
        self.modify_buckets: Buckets = state.buckets(
            config.modify_throttle, "m", strategy, symbol, broker, now_ns
        )
        self.windows: tuple[SlidingWindow, ...] = state.windows(broker)
        self.otr = config.otr.enabled and config.broker(broker).otr


class ScopeCache:
    """Resolved :class:`OrderScope` s by (broker, strategy, symbol), for one config."""

    __slots__ = ("_config", "_instruments", "_scopes")

    def __init__(self) -> None:
        self._config: RiskConfig | None = None
        self._scopes: dict[tuple[str, str, str], OrderScope] = {}
        self._instruments: dict[str, Instrument] = {}

    def instrument(self, symbol: str, view: PortfolioView) -> Instrument | None:
        """The OMS's instrument ``symbol`` (asked once: instruments are immutable), or None."""
        instrument = self._instruments.get(symbol)
        if instrument is None:
            try:
                instrument = self._instruments[symbol] = view.instrument(symbol)
            except (KeyError, LookupError, BoltExecError):
                instrument = None
        return instrument

    def __len__(self) -> int:
        return len(self._scopes)

    def clear(self) -> None:
        """Forget every resolved scope."""
        self._scopes.clear()
        self._config = None

    def lookup(
        self, config: RiskConfig, broker: str, strategy: str, symbol: str
    ) -> OrderScope | None:
        """Return the cached scope, or None (also when ``config`` is not the cached one's)."""
        self._use(config)
        return self._scopes.get((broker, strategy, symbol))

    def resolve(
        self,
        config: RiskConfig,
        state: RiskState,
        broker: str,
        strategy: str,
        symbol: str,
        instrument: Instrument | None,
        now_ns: int,
    ) -> OrderScope:
        """Resolve a scope and cache it (unless its instrument is still unknown)."""
        self._use(config)
        scope = OrderScope(config, state, broker, strategy, symbol, instrument, now_ns)
        if instrument is not None:
            self._scopes[(broker, strategy, symbol)] = scope
        return scope

    def _use(self, config: RiskConfig) -> None:
        # entries were resolved from one config: another one (a reload) drops them all
        if config is not self._config:
            self._scopes.clear()
            self._config = config


def _is_unit(mult: Decimal) -> bool:
    # Decimal("1.0") equals 1 but multiplying by it adds a digit to the exponent (5 -> 5.0),
    # which would show in messages: only the exact Decimal(1) is the unit
    sign, digits, exponent = mult.as_tuple()
    return sign == 0 and digits == (1,) and exponent == 0

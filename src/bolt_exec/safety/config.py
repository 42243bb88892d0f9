"""The compiled policy: plain frozen structs the hot path reads (no pydantic here).

:func:`compile_policy` converts a validated :class:`~bolt_exec.safety.policy.Policy`
once, at start-up: times become integer nanoseconds, percentages become
fractions, and the scoped limits are resolved on demand by
:meth:`RiskConfig.limits_for` (cached per broker/strategy/symbol).

Scope precedence, field by field: **instrument > strategy > broker > global**.
A field left unset in a narrower scope inherits the wider scope's value, so an
instrument entry that sets only ``max_position_qty`` keeps every other global
limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from bolt_exec.safety.codes import TradingState

if TYPE_CHECKING:
    from bolt_exec.safety.policy import Bucket, Limits, Policy, Throttle

__all__ = [
    "BrokerSpec",
    "BucketSpec",
    "KillSwitchSpec",
    "LimitSet",
    "OtrSpec",
    "PortfolioLimits",
    "RiskConfig",
    "ThrottleSpec",
    "WindowCap",
    "compile_policy",
]

NS: Final = 1_000_000_000
_HUNDRED: Final = Decimal(100)


def _ns(seconds: Decimal | None) -> int | None:
    return None if seconds is None else int(seconds * NS)


def _frac(pct: Decimal | None) -> Decimal | None:
    return None if pct is None else pct / _HUNDRED


@dataclass(frozen=True, slots=True)
class LimitSet:
    """Resolved per-order and per-instrument limits (None: no limit)."""

    min_order_qty: Decimal | None = None
    max_order_qty: Decimal | None = None
    max_order_notional: Decimal | None = None
    max_position_qty: Decimal | None = None
    max_position_notional: Decimal | None = None
    max_open_orders: int | None = None
    collar_frac: Decimal | None = None
    collar_ticks: int | None = None
    cooldown_after_fill_ns: int | None = None
    cooldown_after_reject_ns: int | None = None
    min_confidence: Decimal | None = None

    def overlay(self, narrower: LimitSet) -> LimitSet:
        """Return these limits with every field ``narrower`` sets taking precedence."""
        values = {}
        for f in fields(self):
            mine = getattr(narrower, f.name)
            values[f.name] = mine if mine is not None else getattr(self, f.name)
        return LimitSet(**values)


@dataclass(frozen=True, slots=True)
class BucketSpec:
    """A token bucket's refill rate (tokens/s) and capacity."""

    rate_per_s: float
    burst: int


@dataclass(frozen=True, slots=True)
class ThrottleSpec:
    """One optional bucket per strategy, per instrument and per broker."""

    per_strategy: BucketSpec | None = None
    per_instrument: BucketSpec | None = None
    per_broker: BucketSpec | None = None


@dataclass(frozen=True, slots=True)
class WindowCap:
    """At most ``count`` orders in any window of ``window_ns`` (exact sliding window)."""

    count: int
    window_ns: int
    label: str = ""


@dataclass(frozen=True, slots=True)
class BrokerSpec:
    """A broker's order caps, modification cap and OTR membership."""

    venue: str = "other"
    caps: tuple[WindowCap, ...] = ()
    max_modifications: int | None = None
    otr: bool = False


@dataclass(frozen=True, slots=True)
class PortfolioLimits:
    """Portfolio-wide limits (fractions, not percentages)."""

    max_open_positions: int | None = None
    max_allocation_frac: Decimal | None = None
    max_gross_exposure: Decimal | None = None
    max_net_exposure: Decimal | None = None
    max_leverage: Decimal | None = None
    min_portfolio_value: Decimal | None = None
    daily_loss_limit: Decimal | None = None
    daily_loss_frac: Decimal | None = None
    max_open_orders: int | None = None
    max_daily_trades: int | None = None
    day_start_ns: int = 0

    @property
    def needs_value(self) -> bool:
        """True when some limit cannot be judged without the portfolio value."""
        return any(
            v is not None
            for v in (
                self.max_allocation_frac,
                self.max_leverage,
                self.min_portfolio_value,
                self.daily_loss_limit,
                self.daily_loss_frac,
            )
        )


@dataclass(frozen=True, slots=True)
class OtrSpec:
    """Order-to-trade ratio budget."""

    enabled: bool = False
    warn_ratio: Decimal = Decimal(40)
    deny_ratio: Decimal = Decimal(49)
    grace_messages: int = 200
    exempt_band_frac: Decimal | None = Decimal("0.0075")


@dataclass(frozen=True, slots=True)
class KillSwitchSpec:
    """Latch location and automatic triggers (None: trigger off)."""

    latch_path: str = ".bolt_exec/kill_switch.json"
    poll_interval_ns: int = NS
    flatten_on_trip: bool = False
    gain_frac: Decimal | None = None
    loss_frac: Decimal | None = None
    max_drawdown_frac: Decimal | None = None
    trip_on_daily_loss: bool = True
    reject_window_ns: int | None = None
    reject_min_orders: int = 10
    reject_max_frac: Decimal = Decimal("0.5")
    margin_level_frac: Decimal | None = None
    margin_window_ns: int = 300 * NS
    margin_min_rise_frac: Decimal = Decimal("0.05")
    margin_min_samples: int = 3
    exposure_breach_frac: Decimal | None = None
    broker_disconnect_ns: int | None = None
    stale_data_ns: int | None = None


@dataclass(frozen=True, slots=True)
class RiskConfig:
    """Everything the SafetyManager needs, compiled from a Policy."""

    enable_trading: bool = False
    initial_state: TradingState = TradingState.ACTIVE
    allow: frozenset[str] = frozenset()
    block: frozenset[str] = frozenset()
    reference_source: str = "mid"
    reference_max_age_ns: int = 5 * NS
    require_reference: bool = True
    global_limits: LimitSet = LimitSet()
    broker_limits: dict[str, LimitSet] = field(default_factory=dict)
    strategy_limits: dict[str, LimitSet] = field(default_factory=dict)
    instrument_limits: dict[str, LimitSet] = field(default_factory=dict)
    portfolio: PortfolioLimits = PortfolioLimits()
    plan_min_confidence: Decimal | None = None
    order_throttle: ThrottleSpec = ThrottleSpec()
    modify_throttle: ThrottleSpec = ThrottleSpec()
    brokers: dict[str, BrokerSpec] = field(default_factory=dict)
    duplicate_window_ns: int = NS
    self_trade_prevention: bool = True
    on_reconcile_discrepancy: TradingState = TradingState.REDUCING
    otr: OtrSpec = OtrSpec()
    kill_switch: KillSwitchSpec = KillSwitchSpec()
    version: int = 1
    _cache: dict[tuple[str, str, str], LimitSet] = field(
        default_factory=dict, compare=False, repr=False
    )

    def limits_for(self, broker: str, strategy: str, symbol: str) -> LimitSet:
        """Return the limits in force for one order's scope (cached)."""
        key = (broker, strategy, symbol)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        resolved = self.global_limits
        for table, name in (
            (self.broker_limits, broker),
            (self.strategy_limits, strategy),
            (self.instrument_limits, symbol),
        ):
            scoped = table.get(name)
            if scoped is not None:
                resolved = resolved.overlay(scoped)
        self._cache[key] = resolved
        return resolved

    def broker(self, name: str) -> BrokerSpec:
        """Return a broker's spec (an unknown broker has no caps)."""
        return self.brokers.get(name, _NO_BROKER)


_NO_BROKER: Final = BrokerSpec()


def _limit_set(limits: Limits) -> LimitSet:
    return LimitSet(
        min_order_qty=limits.min_order_qty,
        max_order_qty=limits.max_order_qty,
        max_order_notional=limits.max_order_notional,
        max_position_qty=limits.max_position_qty,
        max_position_notional=limits.max_position_notional,
        max_open_orders=limits.max_open_orders,
        collar_frac=_frac(limits.collar_pct),
        collar_ticks=limits.collar_ticks,
        cooldown_after_fill_ns=_ns(limits.cooldown_after_fill_s),
        cooldown_after_reject_ns=_ns(limits.cooldown_after_reject_s),
        min_confidence=limits.min_confidence,
    )


def _bucket(bucket: Bucket | None) -> BucketSpec | None:
    return None if bucket is None else BucketSpec(float(bucket.rate_per_s), bucket.burst)


def _throttle(throttle: Throttle) -> ThrottleSpec:
    return ThrottleSpec(
        _bucket(throttle.per_strategy),
        _bucket(throttle.per_instrument),
        _bucket(throttle.per_broker),
    )


def compile_policy(policy: Policy) -> RiskConfig:
    """Convert a validated Policy into a :class:`RiskConfig`."""
    from bolt_exec.safety.venue_limits import PUBLISHED_LIMITS, PUBLISHED_MAX_MODIFICATIONS

    brokers = {}
    for name, b in policy.brokers.items():
        caps = PUBLISHED_LIMITS[b.venue] if b.use_published_limits else ()
        caps += tuple(
            WindowCap(r.count, int(r.per_s * NS), f"policy {r.count}/{r.per_s}s") for r in b.rates
        )
        max_mods = b.max_modifications_per_order
        if max_mods is None and b.use_published_limits:
            max_mods = PUBLISHED_MAX_MODIFICATIONS[b.venue]
        brokers[name] = BrokerSpec(b.venue, caps, max_mods, b.otr)
    p = policy.portfolio
    hh, mm = (int(x) for x in p.trading_day_start_utc.split(":"))
    ks = policy.kill_switch
    rr, ms = ks.reject_rate, ks.margin_spiral
    return RiskConfig(
        enable_trading=policy.enable_trading,
        initial_state=policy.initial_state,
        allow=frozenset(policy.instruments.allow),
        block=frozenset(policy.instruments.block),
        reference_source=policy.reference.source,
        reference_max_age_ns=int(policy.reference.max_age_s * NS),
        require_reference=policy.reference.require_for_limit_orders,
        global_limits=_limit_set(policy.limits.global_),
        broker_limits={k: _limit_set(v) for k, v in policy.limits.brokers.items()},
        strategy_limits={k: _limit_set(v) for k, v in policy.limits.strategies.items()},
        instrument_limits={k: _limit_set(v) for k, v in policy.limits.instruments.items()},
        portfolio=PortfolioLimits(
            max_open_positions=p.max_open_positions,
            max_allocation_frac=_frac(p.max_allocation_pct),
            max_gross_exposure=p.max_gross_exposure,
            max_net_exposure=p.max_net_exposure,
            max_leverage=p.max_leverage,
            min_portfolio_value=p.min_portfolio_value,
            daily_loss_limit=p.daily_loss_limit,
            daily_loss_frac=_frac(p.daily_loss_pct),
            max_open_orders=p.max_open_orders,
            max_daily_trades=p.max_daily_trades,
            day_start_ns=(hh * 3600 + mm * 60) * NS,
        ),
        plan_min_confidence=policy.plans.min_confidence,
        order_throttle=_throttle(policy.throttles.orders),
        modify_throttle=_throttle(policy.throttles.modifies),
        brokers=brokers,
        duplicate_window_ns=int(policy.duplicates.window_s * NS),
        self_trade_prevention=policy.self_trade_prevention,
        on_reconcile_discrepancy=TradingState(policy.on_reconcile_discrepancy),
        otr=OtrSpec(
            enabled=policy.otr.enabled,
            warn_ratio=policy.otr.warn_ratio,
            deny_ratio=policy.otr.deny_ratio,
            grace_messages=int(policy.otr.grace_messages),
            exempt_band_frac=_frac(policy.otr.exempt_band_pct),
        ),
        kill_switch=KillSwitchSpec(
            latch_path=ks.latch_path,
            poll_interval_ns=int(ks.poll_interval_s * NS),
            flatten_on_trip=ks.flatten_on_trip,
            gain_frac=_frac(ks.gain_pct),
            loss_frac=_frac(ks.loss_pct),
            max_drawdown_frac=_frac(ks.max_drawdown_pct),
            trip_on_daily_loss=ks.trip_on_daily_loss,
            reject_window_ns=_ns(rr.window_s) if rr else None,
            reject_min_orders=rr.min_orders if rr else 10,
            reject_max_frac=rr.max_reject_pct / _HUNDRED if rr else Decimal("0.5"),
            margin_level_frac=ms.level_pct / _HUNDRED if ms else None,
            margin_window_ns=int(ms.window_s * NS) if ms else 300 * NS,
            margin_min_rise_frac=ms.min_rise_pct / _HUNDRED if ms else Decimal("0.05"),
            margin_min_samples=ms.min_samples if ms else 3,
            exposure_breach_frac=_frac(ks.exposure_breach_pct),
            broker_disconnect_ns=_ns(ks.broker_disconnect_s),
            stale_data_ns=_ns(ks.stale_data_s),
        ),
        version=policy.version,
    )

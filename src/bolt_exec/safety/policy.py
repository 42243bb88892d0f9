"""Policy: the validated, versioned form of ``policy.yaml`` (the boundary, in pydantic).

``Policy.from_yaml(path)`` reads and validates the file once. Every model is
frozen and forbids unknown keys, so a typo is an error rather than a silently
ignored limit. A bad file raises :class:`PolicyError` (a ``ConfigError``) that
names each offending key path, the value found and what is allowed.

pydantic stays here: :meth:`Policy.compile` turns the policy into the plain
frozen structs of :mod:`bolt_exec.safety.config` that the hot path reads.

Units: every ``*_pct`` is a percentage (``30`` means 30 %), every ``*_s`` is
in seconds, money is in the account currency, quantities are in units of the
instrument. ``policy.yaml`` at the repository root documents every option.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from bolt_exec.errors import ConfigError
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.config import RiskConfig, compile_policy

__all__ = [
    "BrokerPolicy",
    "KillSwitchPolicy",
    "Limits",
    "OtrPolicy",
    "Policy",
    "PolicyError",
    "PortfolioPolicy",
    "ScopedLimits",
]

Positive = Annotated[Decimal, Field(gt=0)]
NonNegative = Annotated[Decimal, Field(ge=0)]
Percent = Annotated[Decimal, Field(gt=0, le=100)]
Fraction = Annotated[Decimal, Field(ge=0, le=1)]
Count = Annotated[int, Field(gt=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PolicyError(ConfigError):
    """``policy.yaml`` is invalid.

    Attributes:
        problems: one ``(key_path, value, allowed)`` triple per problem.
    """

    def __init__(self, source: str, problems: list[tuple[str, Any, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} invalid setting(s)"]
        lines += [f"  {path} = {value!r}: {allowed}" for path, value, allowed in problems]
        super().__init__("\n".join(lines))


class Bucket(_Model):
    """A token bucket: ``burst`` tokens, refilled at ``rate_per_s``."""

    rate_per_s: Positive
    burst: Count


class Limits(_Model):
    """Per-order and per-instrument limits; any field may be left unset (no limit)."""

    min_order_qty: Positive | None = None
    max_order_qty: Positive | None = None
    max_order_notional: Positive | None = None
    max_position_qty: Positive | None = None
    max_position_notional: Positive | None = None
    max_open_orders: Count | None = None
    collar_pct: Percent | None = None
    collar_ticks: Count | None = None
    cooldown_after_fill_s: NonNegative | None = None
    cooldown_after_reject_s: NonNegative | None = None
    min_confidence: Fraction | None = None

    @model_validator(mode="after")
    def _min_below_max(self) -> Limits:
        if (
            self.min_order_qty is not None
            and self.max_order_qty is not None
            and self.min_order_qty > self.max_order_qty
        ):
            raise ValueError(
                f"min_order_qty {self.min_order_qty} is above max_order_qty "
                f"{self.max_order_qty}; allowed: min_order_qty <= max_order_qty"
            )
        return self


class ScopedLimits(_Model):
    """Limits by scope. Precedence, field by field: instrument > strategy > broker > global."""

    global_: Limits = Field(default_factory=Limits, alias="global")
    brokers: dict[str, Limits] = Field(default_factory=dict)
    strategies: dict[str, Limits] = Field(default_factory=dict)
    instruments: dict[str, Limits] = Field(default_factory=dict)


class InstrumentLists(_Model):
    """Allowlist (empty: every instrument) and blocklist (always wins)."""

    allow: tuple[str, ...] = ()
    block: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _disjoint(self) -> InstrumentLists:
        both = sorted(set(self.allow) & set(self.block))
        if both:
            raise ValueError(f"symbols {both} are on both lists; allowed: a symbol on one list")
        return self


class ReferencePolicy(_Model):
    """Reference prices (last trade or mid quote) used to value and collar orders."""

    source: Literal["last", "mid"] = "mid"
    max_age_s: Positive = Decimal(5)
    require_for_limit_orders: bool = True


class PortfolioPolicy(_Model):
    """Portfolio-wide limits (global scope only)."""

    max_open_positions: Count | None = None
    max_allocation_pct: Percent | None = None
    max_gross_exposure: Positive | None = None
    max_net_exposure: Positive | None = None
    max_leverage: Positive | None = None
    min_portfolio_value: NonNegative | None = None
    daily_loss_limit: Positive | None = None
    daily_loss_pct: Percent | None = None
    max_open_orders: Count | None = None
    max_daily_trades: Count | None = None
    trading_day_start_utc: str = "00:00"

    @field_validator("trading_day_start_utc")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        parts = value.split(":")
        ok = len(parts) == 2 and all(p.isdigit() and len(p) == 2 for p in parts)
        if not ok or int(parts[0]) > 23 or int(parts[1]) > 59:
            raise ValueError("allowed: a UTC time of day as 'HH:MM', e.g. '03:45'")
        return value


class PlanPolicy(_Model):
    """Plan-driven orders (tags ``source: plan`` or ``plan_id``) must carry a confidence."""

    min_confidence: Fraction | None = None


class Throttle(_Model):
    """Token buckets, one per key of each scope (unset: no bucket)."""

    per_strategy: Bucket | None = None
    per_instrument: Bucket | None = None
    per_broker: Bucket | None = None


class Throttles(_Model):
    """Order and modify throttles."""

    orders: Throttle = Field(default_factory=Throttle)
    modifies: Throttle = Field(default_factory=Throttle)


class RateCap(_Model):
    """At most ``count`` orders in any window of ``per_s`` seconds (exact sliding window)."""

    count: Count
    per_s: Positive


class BrokerPolicy(_Model):
    """A broker's venue kind (which published limits apply) and extra caps."""

    venue: Literal["paper", "zerodha", "binance", "ibkr", "ccxt", "other"] = "other"
    use_published_limits: bool = True
    rates: tuple[RateCap, ...] = ()
    max_modifications_per_order: Count | None = None
    otr: bool = False


class OtrPolicy(_Model):
    """Order-to-trade ratio budget (SEBI OTR): warn, then deny, before the penalty slab."""

    enabled: bool = False
    warn_ratio: Positive = Decimal(40)
    deny_ratio: Positive = Decimal(49)
    grace_messages: NonNegative = Decimal(200)
    exempt_band_pct: Percent | None = Decimal("0.75")

    @model_validator(mode="after")
    def _warn_below_deny(self) -> OtrPolicy:
        if self.warn_ratio >= self.deny_ratio:
            raise ValueError(
                f"warn_ratio {self.warn_ratio} is not below deny_ratio {self.deny_ratio}; "
                "allowed: warn_ratio < deny_ratio"
            )
        return self


class RejectRatePolicy(_Model):
    """Trip when rejects / orders over the window exceed ``max_reject_pct``."""

    window_s: Positive = Decimal(60)
    min_orders: Count = 10
    max_reject_pct: Percent = Decimal(50)


class MarginSpiralPolicy(_Model):
    """Trip when margin use stays above ``level_pct`` and keeps rising over the window."""

    level_pct: Percent = Decimal(80)
    window_s: Positive = Decimal(300)
    min_rise_pct: NonNegative = Decimal(5)
    min_samples: Count = 3


class KillSwitchPolicy(_Model):
    """The latched kill switch and its automatic triggers (unset trigger: off)."""

    latch_path: str = ".bolt_exec/kill_switch.json"
    poll_interval_s: Positive = Decimal(1)
    flatten_on_trip: bool = False
    gain_pct: Percent | None = None
    loss_pct: Percent | None = None
    max_drawdown_pct: Percent | None = None
    trip_on_daily_loss: bool = True
    reject_rate: RejectRatePolicy | None = None
    margin_spiral: MarginSpiralPolicy | None = None
    exposure_breach_pct: NonNegative | None = None
    broker_disconnect_s: Positive | None = None
    stale_data_s: Positive | None = None


class DuplicatePolicy(_Model):
    """Deny an order identical to one approved less than ``window_s`` ago (0: off)."""

    window_s: NonNegative = Decimal(1)


class Policy(_Model):
    """The whole safety policy. Start from the documented ``policy.yaml``."""

    version: Literal[1]
    enable_trading: bool = False
    initial_state: TradingState = TradingState.ACTIVE
    instruments: InstrumentLists = Field(default_factory=InstrumentLists)
    reference: ReferencePolicy = Field(default_factory=ReferencePolicy)
    limits: ScopedLimits = Field(default_factory=ScopedLimits)
    portfolio: PortfolioPolicy = Field(default_factory=PortfolioPolicy)
    plans: PlanPolicy = Field(default_factory=PlanPolicy)
    throttles: Throttles = Field(default_factory=Throttles)
    brokers: dict[str, BrokerPolicy] = Field(default_factory=dict)
    duplicates: DuplicatePolicy = Field(default_factory=DuplicatePolicy)
    self_trade_prevention: bool = True
    on_reconcile_discrepancy: Literal["REDUCING", "HALTED"] = "REDUCING"
    otr: OtrPolicy = Field(default_factory=OtrPolicy)
    kill_switch: KillSwitchPolicy = Field(default_factory=KillSwitchPolicy)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Policy:
        """Read and validate a policy file.

        Raises:
            PolicyError: naming every bad key path, its value and what is allowed
                (also for unreadable files and YAML syntax errors).
        """
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(
                source, [("<file>", source, f"cannot be read ({exc.strerror})")]
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PolicyError(source, [("<file>", "...", f"is not valid YAML: {exc}")]) from None
        return cls.from_mapping(data if data is not None else {}, source=source)

    @classmethod
    def from_mapping(cls, data: object, *, source: str = "policy") -> Policy:
        """Validate an already-parsed mapping (see :meth:`from_yaml`)."""
        if not isinstance(data, Mapping):
            raise PolicyError(source, [("<root>", data, "must be a mapping of settings")])
        try:
            return cls.model_validate(data)
        except PydanticValidationError as exc:
            raise PolicyError(source, _problems(exc)) from None

    def compile(self) -> RiskConfig:
        """Return the plain frozen structs the SafetyManager reads on the hot path."""
        return compile_policy(self)


def _all_keys() -> list[str]:
    keys: set[str] = set()
    todo: list[type[BaseModel]] = [Policy]
    while todo:
        model = todo.pop()
        for name, info in model.model_fields.items():
            keys.add(info.alias or name)
            for sub in getattr(info.annotation, "__args__", (info.annotation,)):
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    todo.append(sub)
    return sorted(keys)


def _problems(exc: PydanticValidationError) -> list[tuple[str, Any, str]]:
    problems = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in err["loc"]) or "<root>"
        kind = err["type"]
        if kind == "extra_forbidden":
            close = difflib.get_close_matches(str(err["loc"][-1]), _all_keys(), n=1)
            hint = (
                f"did you mean {close[0]!r}?" if close else "see policy.yaml's documented options"
            )
            allowed = f"unknown key; {hint}"
        elif kind == "missing":
            allowed = "required; add it (see policy.yaml)"
        else:
            allowed = err["msg"].removeprefix("Value error, ")
            if not allowed.startswith("allowed"):
                allowed = f"allowed: {allowed[0].lower()}{allowed[1:]}"
        problems.append((path, err.get("input"), allowed))
    return problems

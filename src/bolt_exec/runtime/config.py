"""NodeConfig: what the live node is built from (pydantic, validated once at the edge)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bolt_exec.adapters.base import BrokerBase
from bolt_exec.adapters.registry import load_broker
from bolt_exec.errors import ConfigError

__all__ = ["BrokerSpec", "NodeConfig", "build_broker"]


class BrokerSpec(BaseModel):
    """One broker: its registered kind (``zerodha``, ``paper``...) and its settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    settings: dict[str, Any] = Field(default_factory=dict)


class NodeConfig(BaseModel):
    """The live node's configuration.

    Attributes:
        mode: ``paper`` (the default) or ``live``. Live also needs the policy's
            ``enable_trading`` and a broker configured live (design invariant 10).
        brokers: the brokers by name (the first is the OMS's default route).
        heartbeat_s: how often connections are checked.
        reconnect_base_s: the first reconnect delay's upper bound.
        reconnect_cap_s: the largest reconnect delay.
        seed: the reconnect jitter's seed.
        connect_attempts: attempts to connect each broker at start-up.
        reconcile_attempts: mass-status checks before giving up on a clean start.
        reconcile_wait_s: pause between those checks (adapters catch up meanwhile).
        on_discrepancy: ``halt`` refuses to trade while the OMS and a venue disagree;
            ``warn`` only logs.
        reconcile_every_s: while running, reconcile each connected broker this often
            (None: only at start-up and after reconnects); never more often than
            ``reconcile_budget_share`` of the broker's published request limits allows.
        reconcile_policy: how far the reconciler may settle what it finds
            (``CONSERVATIVE``, ``CANCEL_UNKNOWN``, ``VENUE_TRUTH``; see
            :class:`~bolt_exec.reconcile.resolve.ReconcilePolicy`).
        reconcile_budget_share: the share of a broker's tightest request limit the
            reconciliation timer may use.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["paper", "live"] = "paper"
    brokers: dict[str, BrokerSpec]
    heartbeat_s: float = Field(default=1.0, gt=0)
    reconnect_base_s: float = Field(default=0.5, gt=0)
    reconnect_cap_s: float = Field(default=30.0, gt=0)
    seed: int = 0
    connect_attempts: int = Field(default=5, ge=1)
    reconcile_attempts: int = Field(default=5, ge=1)
    reconcile_wait_s: float = Field(default=0.2, ge=0)
    on_discrepancy: Literal["halt", "warn"] = "halt"
    reconcile_every_s: float | None = Field(default=60.0, gt=0)
    reconcile_policy: Literal["CONSERVATIVE", "CANCEL_UNKNOWN", "VENUE_TRUTH"] = "CONSERVATIVE"
    reconcile_budget_share: float = Field(default=0.1, gt=0, le=1)


def build_broker(name: str, spec: BrokerSpec) -> BrokerBase:
    """Instantiate a broker from its spec (``Class.from_settings`` when it has one).

    Raises:
        ConfigError: unknown kind, missing extra, or settings the adapter refuses.
    """
    cls = load_broker(spec.kind)
    factory = getattr(cls, "from_settings", None)
    try:
        broker = factory(spec.settings) if factory else cls(**spec.settings)
    except TypeError as exc:
        raise ConfigError(f"brokers.{name}.settings: {exc}") from exc
    broker.name = name
    return broker


def _as_config(config: NodeConfig | Mapping[str, Any]) -> NodeConfig:
    if isinstance(config, NodeConfig):
        return config
    from pydantic import ValidationError as PydanticValidationError

    try:
        return NodeConfig.model_validate(dict(config))
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"node configuration is invalid: {problems}") from None

"""IbkrConfig: where TWS / IB Gateway listens, which account, paper or live, and limits.

Read from the environment with the ``BOLT_IBKR_`` prefix (``BOLT_IBKR_PORT=7497``,
``BOLT_IBKR_ACCOUNT=DU...``, ``BOLT_IBKR_MODE=paper``) or built in code. Paper is
the default (design invariant 10). The well-known ports are cross-checked
against the mode, so a paper configuration never talks to a live TWS by a typo:

==============  =====  ======
application     paper  live
==============  =====  ======
TWS             7497   7496
IB Gateway      4002   4001
==============  =====  ======

The account id is a :class:`~pydantic.SecretStr`: it never appears in reprs,
logs or error messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bolt_exec.errors import ConfigError

__all__ = ["LIVE_PORTS", "PAPER_PORTS", "ContractSpec", "IbkrConfig"]

PAPER_PORTS: Final = frozenset({7497, 4002})
LIVE_PORTS: Final = frozenset({7496, 4001})


class ContractSpec(BaseModel):
    """How one of our symbols maps to an IB contract (defaults: a SMART-routed US stock)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sec_type: str = "STK"
    exchange: str = "SMART"
    currency: str = "USD"
    primary_exchange: str = ""
    con_id: int = Field(default=0, ge=0)
    local_symbol: str = ""
    last_trade_date: str = ""
    multiplier: str = ""
    ib_symbol: str = Field(default="", description="IB's symbol when it differs from ours")


class IbkrConfig(BaseSettings):
    """Settings of the Interactive Brokers adapter.

    Attributes:
        host: TWS / IB Gateway host.
        port: its API port (paper TWS 7497 by default).
        client_id: the API client id; unique per live connection, and it scopes
            order ids, so keep it stable across restarts of the same strategy.
        account: the account to trade (needed when the login manages several).
        mode: ``"paper"`` or ``"live"``; live also needs the policy's enable_trading.
        connect_timeout: seconds to wait for the API handshake and start-up sync.
        request_timeout: seconds to wait for a query (executions, open orders...).
        commission_wait: seconds to wait for a fill's commission report before
            reporting the fill without its fee (the position must not wait).
        auto_reconnect: reconnect by itself after the socket drops.
        reconnect_delays: back-off schedule in seconds; the last value repeats.
        qualify_contracts: look every configured contract up at connect, so a
            misspelt symbol fails at start-up instead of on the first order.
        contracts: our symbol -> IB contract; symbols not listed are US stocks.
        messages_per_second: IB's pacing limit (the client library throttles at 45).
        order_id_state_file: where to keep the highest orderId this client id used, so
            a restart of ours *and* of the gateway cannot reuse an id (one file per
            client id; optional, kept in memory when unset).
    """

    model_config = SettingsConfigDict(
        env_prefix="BOLT_IBKR_", frozen=True, extra="forbid", env_nested_delimiter="__"
    )

    host: str = "127.0.0.1"
    port: int = Field(default=7497, ge=1, le=65535)
    client_id: int = Field(default=1, ge=0, le=2**31 - 1)
    account: SecretStr | None = None
    mode: Literal["paper", "live"] = "paper"
    connect_timeout: float = Field(default=4.0, gt=0)
    request_timeout: float = Field(default=10.0, gt=0)
    commission_wait: float = Field(default=2.0, ge=0)
    auto_reconnect: bool = True
    reconnect_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0, 10.0)
    qualify_contracts: bool = True
    contracts: dict[str, ContractSpec] = Field(default_factory=dict)
    messages_per_second: int = Field(default=50, gt=0)
    order_id_state_file: Path | None = None

    @model_validator(mode="after")
    def _port_matches_mode(self) -> IbkrConfig:
        if self.mode == "paper" and self.port in LIVE_PORTS:
            raise ValueError(
                f"port={self.port} is a live TWS/Gateway port but mode='paper'; use 7497 "
                "(TWS paper) or 4002 (Gateway paper), or set mode='live' deliberately"
            )
        if self.mode == "live" and self.port in PAPER_PORTS:
            raise ValueError(
                f"port={self.port} is a paper TWS/Gateway port but mode='live'; use 7496 "
                "(TWS live) or 4001 (Gateway live), or set mode='paper'"
            )
        if not self.reconnect_delays or min(self.reconnect_delays) < 0:
            raise ValueError("reconnect_delays must be a non-empty list of seconds >= 0")
        return self

    @property
    def is_live(self) -> bool:
        """True when this configuration points at a real-money account."""
        return self.mode == "live"

    @property
    def account_id(self) -> str:
        """The account id in clear, for the wire only (never log it)."""
        return self.account.get_secret_value() if self.account is not None else ""

    @classmethod
    def load(cls, **overrides: Any) -> IbkrConfig:
        """Build from the environment plus ``overrides``, raising ConfigError on bad input.

        Raises:
            ConfigError: naming every bad field and what is wrong with it (never the
                value of the account field).
        """
        try:
            return cls(**overrides)
        except pydantic.ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}"
                for err in exc.errors(include_input=False, include_url=False)
            )
            raise ConfigError(
                f"invalid IBKR configuration ({problems}); fix the field or its "
                "BOLT_IBKR_<FIELD> environment variable"
            ) from None

"""ccxt adapter settings: which exchange, credentials from the environment, sandbox by default."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["CcxtConfig"]


class CcxtConfig(BaseSettings):
    """How to reach one ccxt exchange.

    Read from ``BOLT_CCXT_*`` environment variables (``BOLT_CCXT_EXCHANGE=okx``,
    ``BOLT_CCXT_API_KEY``, ``BOLT_CCXT_SECRET``, ``BOLT_CCXT_PASSWORD``...).
    ``mode`` is ``"sandbox"`` (the exchange's demo/testnet through ccxt's
    ``set_sandbox_mode``) unless it says ``"live"``.

    Attributes:
        exchange: the ccxt exchange id (``"okx"``, ``"coinbase"``, ``"binanceus"``...).
        api_key: the API key.
        secret: the API secret; never logged, never in a repr.
        password: the API passphrase some exchanges need (OKX, Coinbase legacy keys).
        mode: ``"sandbox"`` (default) or ``"live"``.
        rest_url: point the exchange's REST API at another host (a local fake).
        symbols: the unified symbols to trade (``"BTC/USDT"``); mass status asks about these.
        poll_interval_s: how often working orders and fills are polled.
        request_timeout_s: per-request timeout; a timeout leaves the outcome unknown.
        enable_rate_limit: let ccxt pace requests by the exchange's published rate.
        options: extra ccxt ``options`` (merged over the adapter's offline-safe defaults).
        name: the broker's name in the OMS.
    """

    model_config = SettingsConfigDict(env_prefix="BOLT_CCXT_", extra="forbid", frozen=True)

    exchange: str = "okx"
    api_key: SecretStr = SecretStr("")
    secret: SecretStr = SecretStr("")
    password: SecretStr = SecretStr("")
    mode: Literal["sandbox", "live"] = "sandbox"
    rest_url: str | None = None
    symbols: tuple[str, ...] = ()
    poll_interval_s: float = Field(default=1.0, gt=0, le=60)
    request_timeout_s: float = Field(default=10.0, gt=0, le=120)
    enable_rate_limit: bool = True
    options: dict[str, Any] = Field(default_factory=dict)
    name: str = ""

    @property
    def is_live(self) -> bool:
        """True only when the config says live (real money)."""
        return self.mode == "live"

    @property
    def broker_name(self) -> str:
        """The broker's name in the OMS (defaults to the exchange id)."""
        return self.name or self.exchange

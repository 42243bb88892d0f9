"""Binance spot adapter settings: credentials from the environment, testnet by default."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["BinanceConfig"]

TESTNET_REST: Final = "https://testnet.binance.vision/api"
TESTNET_WS_API: Final = "wss://ws-api.testnet.binance.vision/ws-api/v3"
LIVE_REST: Final = "https://api.binance.com/api"
LIVE_WS_API: Final = "wss://ws-api.binance.com:443/ws-api/v3"


class BinanceConfig(BaseSettings):
    """How to reach Binance spot.

    Read from ``BOLT_BINANCE_*`` environment variables (``BOLT_BINANCE_API_KEY``,
    ``BOLT_BINANCE_API_SECRET``, ``BOLT_BINANCE_MODE``...). ``mode`` is
    ``"testnet"`` unless it says ``"live"``; live orders additionally need the
    policy's ``enable_trading`` (design invariant 10), which the runtime checks.

    Attributes:
        api_key: the API key (sent as X-MBX-APIKEY).
        api_secret: the HMAC secret; never logged, never in a repr.
        mode: ``"testnet"`` (default) or ``"live"``.
        rest_url: override the REST base (``http://127.0.0.1:PORT/api`` for the fake).
        ws_api_url: override the WebSocket API URL (``ws://127.0.0.1:PORT/ws-api/v3``).
        symbols: the symbols to trade; mass status asks about these.
        recv_window_ms: how long a signed request stays valid (Binance caps it at 60000).
        request_timeout_s: per-request timeout; a timeout leaves the outcome unknown.
        name: the broker's name in the OMS.
    """

    model_config = SettingsConfigDict(env_prefix="BOLT_BINANCE_", extra="forbid", frozen=True)

    api_key: SecretStr = SecretStr("")
    api_secret: SecretStr = SecretStr("")
    mode: Literal["testnet", "live"] = "testnet"
    rest_url: str | None = None
    ws_api_url: str | None = None
    symbols: tuple[str, ...] = ()
    recv_window_ms: int = Field(default=5000, ge=1, le=60000)
    request_timeout_s: float = Field(default=10.0, gt=0, le=120)
    name: str = "binance"

    @property
    def is_live(self) -> bool:
        """True only for the production venue (real money)."""
        return self.mode == "live"

    @property
    def resolved_rest_url(self) -> str:
        """The REST base URL: the override, else testnet or live by ``mode``."""
        if self.rest_url:
            return self.rest_url.rstrip("/")
        return LIVE_REST if self.is_live else TESTNET_REST

    @property
    def resolved_ws_api_url(self) -> str:
        """The WebSocket API URL: the override, else testnet or live by ``mode``."""
        if self.ws_api_url:
            return self.ws_api_url
        return LIVE_WS_API if self.is_live else TESTNET_WS_API

"""KiteConfig: where the Kite adapter connects, with which credentials, and whether it is live.

Credentials come from the environment (``BOLT_KITE_API_KEY``, ``BOLT_KITE_API_SECRET``,
``BOLT_KITE_ACCESS_TOKEN``) or from a secrets directory holding one file per secret,
named like the variable (``bolt_kite_api_key``..., case-insensitive; the Docker and
Kubernetes secrets layout),
and are :class:`~pydantic.SecretStr` so they never print. Nothing is live unless
``live=True`` is set explicitly *and* the root is Kite's production API (design
invariant 10; the runtime also needs the policy's ``enable_trading``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bolt_exec.errors import ConfigError

__all__ = ["KITE_LIVE_ROOT", "KITE_LIVE_WS", "KiteConfig"]

KITE_LIVE_ROOT: Final = "https://api.kite.trade"
KITE_LIVE_WS: Final = "wss://ws.kite.trade"


class KiteConfig(BaseSettings):
    """Settings of one Kite Connect account.

    Attributes:
        api_key: the app's API key (secret: it identifies the app and signs the token).
        api_secret: the app's API secret (only needed to exchange a request token).
        access_token: today's access token (expires every morning, IST).
        root: REST root; tests point it at the local fake.
        ws_root: WebSocket root for order updates.
        live: True only to trade real money on Kite (needs the production roots).
        default_exchange: exchange of bare symbols (``INFY`` means ``NSE:INFY``).
        exchanges: exchanges whose instruments are loaded at connect.
        product: Kite product of every order (``CNC`` delivery, ``MIS`` intraday, ``NRML``).
        variety: Kite order variety (``regular``; ``amo`` after hours).
        market_protection: for MARKET/SL-M orders (-1 automatic, 0 none, 1-100 percent).
        timeout_s: REST timeout; a timeout makes the outcome unknown, never "failed".
        use_ticker: stream order updates through KiteTicker (else poll ``orders()``).
        poll_interval_s: how often to poll ``orders()`` while the stream is down.
    """

    model_config = SettingsConfigDict(
        env_prefix="BOLT_KITE_", extra="forbid", frozen=True, secrets_dir=None
    )

    api_key: SecretStr
    api_secret: SecretStr | None = None
    access_token: SecretStr
    root: str = KITE_LIVE_ROOT
    ws_root: str = KITE_LIVE_WS
    live: bool = False
    default_exchange: str = "NSE"
    exchanges: tuple[str, ...] = ("NSE",)
    product: str = "CNC"
    variety: str = "regular"
    market_protection: int | None = Field(default=-1, ge=-1, le=100)
    timeout_s: float = Field(default=7.0, gt=0)
    use_ticker: bool = True
    poll_interval_s: float = Field(default=1.0, gt=0)

    @field_validator("product")
    @classmethod
    def _check_product(cls, value: str) -> str:
        if value not in ("CNC", "MIS", "NRML", "MTF"):
            raise ValueError(f"product={value!r}: use CNC, MIS, NRML or MTF")
        return value

    @field_validator("variety")
    @classmethod
    def _check_variety(cls, value: str) -> str:
        if value not in ("regular", "amo"):
            raise ValueError(f"variety={value!r}: the adapter supports 'regular' and 'amo'")
        return value

    @property
    def is_production(self) -> bool:
        """True when the roots are Kite's real servers."""
        return self.root.rstrip("/") == KITE_LIVE_ROOT and self.ws_root.rstrip("/") == KITE_LIVE_WS

    @property
    def is_live(self) -> bool:
        """True only when live was asked for *and* the roots are production."""
        return self.live and self.is_production

    @classmethod
    def load(cls, secrets_dir: str | Path | None = None, **overrides: Any) -> KiteConfig:
        """Build from the environment, then ``secrets_dir`` files, then ``overrides``.

        Raises:
            ConfigError: naming each missing or invalid field (never its value).
        """
        from pydantic import ValidationError as PydanticValidationError

        try:
            if secrets_dir is not None:
                path = Path(secrets_dir)
                if not path.is_dir():
                    raise ConfigError(
                        f"secrets_dir={str(path)!r}: not a directory; create it with one file "
                        "per secret (bolt_kite_api_key, bolt_kite_access_token)"
                    )
                return cls(_secrets_dir=str(path), **overrides)
            return cls(**overrides)
        except PydanticValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigError(
                f"Kite configuration is invalid: {problems}. Set BOLT_KITE_API_KEY and "
                "BOLT_KITE_ACCESS_TOKEN (or the files bolt_kite_api_key and "
                "bolt_kite_access_token in the secrets directory)"
            ) from None

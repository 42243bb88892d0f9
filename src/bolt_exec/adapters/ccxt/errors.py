"""Map ccxt's exception tree to the most specific BrokerError.

ccxt files rate limits under NetworkError (``DDoSProtection``,
``RateLimitExceeded``) next to genuinely ambiguous failures (``RequestTimeout``,
``ExchangeNotAvailable``). The order of the checks below matters: a rate
limit proves the request was refused; a timeout proves nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import ccxt

from bolt_exec.errors import (
    AuthenticationError,
    BrokerError,
    BrokerTimeout,
    BrokerUnavailable,
    LocalProtocolError,
    RateLimited,
    RemoteProtocolError,
)

__all__ = ["is_duplicate_client_id", "is_unknown_outcome", "map_exception", "sanitize"]

_SIGNED: Final = re.compile(r"(signature|sign|OK-ACCESS-SIGN|apiKey)=[^&\s\"']+", re.IGNORECASE)


def sanitize(text: str) -> str:
    """Drop signatures and keys that ccxt echoes in URLs inside its messages."""
    return _SIGNED.sub(r"\1=***", text)


def _retry_after(headers: Mapping[str, Any] | None) -> float | None:
    if not headers:
        return None
    for key, value in headers.items():
        if str(key).lower() == "retry-after":
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


_DUPLICATE: Final = re.compile(r"duplicat", re.IGNORECASE)


def is_duplicate_client_id(exc: BaseException) -> bool:
    """True when the venue refused a new order because our client id is already working.

    ccxt has DuplicateOrderId, but files most venues' duplicates elsewhere
    (Binance ``-2010 Duplicate order sent.``, OKX ``51016 Duplicated clOrdId`` are
    InvalidOrder), so the venue's own words decide.
    """
    if isinstance(exc, ccxt.DuplicateOrderId):
        return True
    return isinstance(exc, ccxt.ExchangeError) and bool(_DUPLICATE.search(str(exc)))


def is_unknown_outcome(exc: BaseException) -> bool:
    """True when the request may or may not have reached the matching engine."""
    if isinstance(exc, ccxt.DDoSProtection | ccxt.RateLimitExceeded | ccxt.InvalidNonce):
        return False  # refused before processing
    return isinstance(exc, ccxt.NetworkError | ccxt.BadResponse | TimeoutError | OSError)


def map_exception(
    exc: BaseException, venue: str, headers: Mapping[str, Any] | None = None
) -> BrokerError:
    """Return the BrokerError subclass that says what ``exc`` means.

    Args:
        exc: what ccxt (or the transport) raised.
        venue: the broker's name, for the message.
        headers: the exchange's last response headers (for Retry-After).
    """
    if isinstance(exc, BrokerError):
        return exc
    text = sanitize(str(exc))
    where = f"{venue}: {type(exc).__name__}: {text}"
    if isinstance(exc, ccxt.DDoSProtection | ccxt.RateLimitExceeded):
        ra = _retry_after(headers)
        return RateLimited(
            f"{where}; back off before the next request", venue=venue, text=text, retry_after=ra
        )
    if isinstance(exc, ccxt.AuthenticationError):
        return AuthenticationError(
            f"{where}; check the API key, secret, passphrase and permissions",
            venue=venue,
            text=text,
        )
    if isinstance(exc, ccxt.RequestTimeout | TimeoutError):
        return BrokerTimeout(
            f"{where}; the outcome is unknown, query before retrying", venue=venue, text=text
        )
    if isinstance(exc, ccxt.InvalidNonce):
        return BrokerError(f"{where}; the clock is off, resync and resend", venue=venue, text=text)
    if isinstance(exc, ccxt.NetworkError | OSError):
        return BrokerUnavailable(f"{where}; the outcome is unknown", venue=venue, text=text)
    if isinstance(exc, ccxt.BadResponse):
        return RemoteProtocolError(where, venue=venue, text=text)
    if isinstance(exc, ccxt.ArgumentsRequired | ccxt.NotSupported):
        return LocalProtocolError(where, venue=venue, text=text)
    return BrokerError(where, venue=venue, text=text)

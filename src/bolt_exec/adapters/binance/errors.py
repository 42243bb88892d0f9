"""Map python-binance and transport exceptions to the most specific BrokerError.

The split that matters to a trader is *did the venue refuse, or do we not
know?* A refusal (HTTP 4xx with a Binance code) becomes an event; an unknown
outcome (timeout, 5xx, ``-1007``, a dropped socket) leaves the order in flight
for the reconciler. :func:`is_unknown_outcome` draws that line.
"""

from __future__ import annotations

import asyncio
from typing import Final

import aiohttp

from bolt_exec.adapters.binance._lib import BinanceAPIException, BinanceRequestException
from bolt_exec.errors import (
    AuthenticationError,
    BrokerError,
    BrokerTimeout,
    BrokerUnavailable,
    LocalProtocolError,
    RateLimited,
    RemoteProtocolError,
)

__all__ = [
    "DUPLICATE_ORDER",
    "TIMESTAMP_OUTSIDE_WINDOW",
    "is_unknown_outcome",
    "map_exception",
    "retry_after_of",
]

TIMESTAMP_OUTSIDE_WINDOW: Final = -1021
DUPLICATE_ORDER: Final = -2010  # also "insufficient balance" etc.: check the message
_AUTH_CODES: Final = frozenset({-1022, -2014, -2015})
_RATE_CODES: Final = frozenset({-1003, -1015})
_UNKNOWN_CODES: Final = frozenset({-1006, -1007})  # "unexpected response" / "backend timeout"
_PROTOCOL_CODES: Final = frozenset({-1100, -1101, -1102, -1103, -1104, -1105, -1106, -1111})


def retry_after_of(exc: BinanceAPIException) -> float | None:
    """Return the ``Retry-After`` header of a 429/418 in seconds, when the venue sent it."""
    headers = getattr(exc.response, "headers", None) or {}
    raw = headers.get("Retry-After")
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def is_unknown_outcome(exc: BaseException) -> bool:
    """True when the request may or may not have reached the matching engine."""
    if isinstance(exc, BinanceAPIException):
        return exc.status_code >= 500 or exc.code in _UNKNOWN_CODES
    return isinstance(
        exc,
        asyncio.TimeoutError | TimeoutError | aiohttp.ClientError | ConnectionError | OSError,
    )


def map_exception(exc: BaseException, venue: str) -> BrokerError:
    """Return the BrokerError subclass that says what ``exc`` means.

    The message carries Binance's code and text, never request parameters
    (they include the signature) or credentials.
    """
    if isinstance(exc, BrokerError):
        return exc
    if isinstance(exc, BinanceAPIException):
        code, text, status = exc.code, str(exc.message), exc.status_code
        where = f"{venue}: HTTP {status} code {code}: {text}"
        if status in (418, 429) or code in _RATE_CODES:
            ra = retry_after_of(exc)
            return RateLimited(
                f"{where}; back off for {ra if ra is not None else 'a while'} s "
                "before the next request (an IP ban follows if you do not)",
                venue=venue,
                code=code,
                text=text,
                retry_after=ra,
            )
        if code in _AUTH_CODES or status == 401:
            return AuthenticationError(
                f"{where}; check the API key, secret and its permissions (trading enabled, "
                "IP whitelist)",
                venue=venue,
                code=code,
                text=text,
            )
        if status >= 500 or code in _UNKNOWN_CODES:
            return BrokerUnavailable(
                f"{where}; the outcome is unknown, query the order before retrying",
                venue=venue,
                code=code,
                text=text,
            )
        if code in _PROTOCOL_CODES:
            return LocalProtocolError(where, venue=venue, code=code, text=text)
        return BrokerError(where, venue=venue, code=code, text=text)
    if isinstance(exc, BinanceRequestException):
        return RemoteProtocolError(f"{venue}: {exc.message}", venue=venue)
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return BrokerTimeout(
            f"{venue}: no answer in time; the outcome is unknown, query before retrying",
            venue=venue,
        )
    if isinstance(exc, aiohttp.ClientError | ConnectionError | OSError):
        return BrokerUnavailable(
            f"{venue}: connection failed ({type(exc).__name__}); the outcome is unknown",
            venue=venue,
        )
    return RemoteProtocolError(f"{venue}: unexpected {type(exc).__name__}", venue=venue)

"""Map every kiteconnect / requests exception to the most specific BrokerError.

The adapter calls :func:`map_exception` inside ``except`` and raises the result
``from exc``, so no third-party exception type escapes it. Messages carry the
venue's text and HTTP code, never a credential (kiteconnect's messages hold
none; requests' messages hold the URL, and the token travels in a header).
"""

from __future__ import annotations

from typing import Final

from bolt_exec.errors import (
    AuthenticationError,
    BrokerError,
    BrokerTimeout,
    BrokerUnavailable,
    LocalProtocolError,
    RateLimited,
    RemoteProtocolError,
)

__all__ = ["RELOGIN_HINT", "is_ambiguous", "map_exception"]

VENUE: Final = "zerodha"
RELOGIN_HINT: Final = (
    "Kite refused the access token: it expired (Kite tokens expire every morning, IST) or a "
    "login elsewhere invalidated it. Log in to Kite again, generate a new access_token and "
    "set BOLT_KITE_ACCESS_TOKEN (or the secrets file), then reconnect"
)


def map_exception(exc: BaseException, action: str) -> BrokerError:
    """Return the BrokerError subclass that best describes ``exc`` raised during ``action``."""
    import requests
    from kiteconnect import exceptions as kx

    if isinstance(exc, BrokerError):
        return exc
    text = str(exc)
    code = getattr(exc, "code", None)
    where = f"Kite {action} failed"
    if isinstance(exc, kx.TokenException):
        return AuthenticationError(f"{where}: {RELOGIN_HINT}", venue=VENUE, code=code, text=text)
    if isinstance(exc, kx.PermissionException):
        return AuthenticationError(
            f"{where}: permission denied ({text}); check the app's Kite Connect subscription "
            "and that this API key may use this endpoint",
            venue=VENUE,
            code=code,
            text=text,
        )
    if isinstance(exc, kx.KiteException) and code == 429:
        return RateLimited(
            f"{where}: rate limited by Kite (HTTP 429: {text}); slow down (10 orders/s, "
            "200 orders/min)",
            venue=VENUE,
            code=429,
            text=text,
            retry_after=1.0,
        )
    if isinstance(exc, kx.InputException):
        return LocalProtocolError(
            f"{where}: Kite refused the input: {text}", venue=VENUE, code=code, text=text
        )
    if isinstance(exc, kx.OrderException):
        return BrokerError(f"{where}: {text}", venue=VENUE, code=code, text=text)
    if isinstance(exc, kx.DataException):
        return RemoteProtocolError(
            f"{where}: Kite sent an unreadable reply: {text}", venue=VENUE, code=code, text=text
        )
    if isinstance(exc, kx.NetworkException | kx.GeneralException) and (
        code is None or int(code) >= 500
    ):
        return BrokerUnavailable(
            f"{where}: Kite is unavailable (HTTP {code}: {text}); the outcome is unknown until "
            "reconciled",
            venue=VENUE,
            code=code,
            text=text,
        )
    if isinstance(exc, kx.KiteException):
        return BrokerError(f"{where}: {text}", venue=VENUE, code=code, text=text)
    if isinstance(exc, requests.Timeout | TimeoutError):
        return BrokerTimeout(
            f"{where}: no answer in time; the outcome is unknown until reconciled",
            venue=VENUE,
            text=text,
        )
    if isinstance(exc, requests.RequestException | ConnectionError | OSError):
        return BrokerUnavailable(
            f"{where}: cannot reach Kite ({type(exc).__name__}: {text})", venue=VENUE, text=text
        )
    if isinstance(exc, KeyError | ValueError | TypeError):
        return RemoteProtocolError(
            f"{where}: Kite sent a reply the client library could not read "
            f"({type(exc).__name__}: {text})",
            venue=VENUE,
            text=text,
        )
    return BrokerError(f"{where}: {type(exc).__name__}: {text}", venue=VENUE, text=text)


def is_ambiguous(err: BrokerError) -> bool:
    """True when the request may or may not have reached Kite (reconcile, never retry blind)."""
    return isinstance(err, BrokerUnavailable | RemoteProtocolError) and not isinstance(
        err, RateLimited
    )

"""IB error codes and library exceptions, mapped to what they mean for us (pure tables).

Two jobs, both data-driven:

* :func:`classify_error` says what ``error(orderId, code, text)`` does to an
  order: refuses it, confirms a cancel, refuses a cancel or an amend, or is a
  mere warning. ib_async marks its trade ``Cancelled`` on *every* non-warning
  error, including "cannot cancel, already filled" (10148); reading that as a
  cancel would lose a live order or a fill, so the adapter decides here instead.
* :func:`map_exception` turns whatever the library or the socket raised into the
  most specific :class:`~bolt_exec.errors.BrokerError` subclass (the caller
  raises it ``from`` the original).

Messages name the code and the fix; they never contain the account id.
"""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Final

from bolt_exec.errors import (
    BrokerError,
    BrokerTimeout,
    BrokerUnavailable,
    LocalProtocolError,
    RateLimited,
    RemoteProtocolError,
)

__all__ = [
    "CANCEL_REJECT_CODES",
    "CONNECTIVITY_CODES",
    "ErrorEffect",
    "classify_error",
    "error_for_code",
    "map_exception",
]

VENUE: Final = "IBKR"


class ErrorEffect(Enum):
    """What an order error means."""

    IGNORE = "ignore"  # informational, or about something other than the order's fate
    WARNING = "warning"  # the order is still live (IB says so), log only
    REJECTED = "rejected"  # IB refused the order (or killed a working one)
    CANCELED = "canceled"  # 202: the order is canceled
    CANCEL_REJECTED = "cancel_rejected"  # the cancel came too late / order unknown
    AMEND_REJECTED = "amend_rejected"  # the modification was refused; the order works on


CANCEL_REJECT_CODES: Final = frozenset({135, 161, 10147, 10148})
"""135 can't find order, 161 not cancellable in its state, 10147 not found, 10148 cannot cancel."""

AMEND_REJECT_CODES: Final = frozenset({103, 104, 105, 135, 329, 10147})
"""103 duplicate id, 104 cannot modify a filled order, 105 modify mismatch, 329 type change."""

_WARNING_CODES: Final = frozenset({165, 321, 399, 404, 492, 2109, 10167, 10197})
"""Informational order messages: 399 order message, 404 shares being located (order held)..."""

CONNECTIVITY_CODES: Final = frozenset({502, 504, 1100, 1101, 1102, 2103, 2105, 2110, 2157})
"""Connection-level notices (reqId -1): never about one order's fate."""


def classify_error(
    code: int,
    *,
    is_accepted: bool = False,
    is_cancel_pending: bool = False,
    is_amend_pending: bool = False,
) -> ErrorEffect:
    """Return what error ``code`` means for an order in the given situation."""
    if 2100 <= code < 2200 or code in CONNECTIVITY_CODES:
        return ErrorEffect.IGNORE
    if code == 202:
        return ErrorEffect.CANCELED
    if code in CANCEL_REJECT_CODES and is_cancel_pending:
        return ErrorEffect.CANCEL_REJECTED
    if is_amend_pending and is_accepted and code not in _WARNING_CODES:
        # an error while a working order's modify is in flight is about the modify: IB
        # keeps the order working on its old terms (ib_async would mark it Cancelled)
        return ErrorEffect.AMEND_REJECTED
    if code in _WARNING_CODES or code in CANCEL_REJECT_CODES:
        return ErrorEffect.WARNING  # a stray cancel refusal says nothing new about the order
    if code == 110 and is_accepted:
        return ErrorEffect.WARNING  # off-tick price on a live order refers to a modify
    return ErrorEffect.REJECTED


def error_for_code(code: int, text: str, action: str) -> BrokerError:
    """Return the exception for an IB error answering a request (not an order)."""
    message = f"IBKR {action} failed with error {code}: {text}"
    if code == 100:
        return RateLimited(
            f"{message}; IB allows about 50 messages per second, slow down",
            venue=VENUE,
            code=code,
            text=text,
            retry_after=1.0,
        )
    if code == 326:
        return BrokerUnavailable(
            f"{message}; another session uses this client_id, pick a unique one",
            venue=VENUE,
            code=code,
            text=text,
        )
    if code in CONNECTIVITY_CODES:
        return BrokerUnavailable(
            f"{message}; check that TWS/Gateway is running and logged in",
            venue=VENUE,
            code=code,
            text=text,
        )
    if code in (320, 321, 322, 503):
        return LocalProtocolError(
            f"{message}; TWS could not read the request (upgrade TWS or the client library)",
            venue=VENUE,
            code=code,
            text=text,
        )
    return BrokerError(message, venue=VENUE, code=code, text=text)


def map_exception(exc: BaseException, action: str) -> BrokerError:
    """Return the most specific BrokerError for an exception raised by the library.

    Args:
        exc: what the library, asyncio or the socket raised.
        action: what we were doing (``"connect"``, ``"reqExecutions"``...), for the message.
    """
    if isinstance(exc, BrokerError):
        return exc
    code = getattr(exc, "code", None)
    if isinstance(code, int) and hasattr(exc, "reqId"):  # the library's RequestError
        return error_for_code(code, str(getattr(exc, "message", "")), action)
    if isinstance(exc, TimeoutError) and action.startswith("connect"):
        return BrokerTimeout(
            f"IBKR {action} timed out: TWS did not finish the API handshake; check that the "
            "API is enabled, this host is trusted and no other session uses this client_id",
            venue=VENUE,
        )
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return BrokerTimeout(
            f"IBKR {action} timed out; the outcome is unknown, reconcile before retrying",
            venue=VENUE,
        )
    if isinstance(exc, ConnectionRefusedError):
        return BrokerUnavailable(
            f"IBKR {action}: connection refused; is TWS/IB Gateway running with the API "
            "enabled (Configure > API > Settings) on the configured host and port?",
            venue=VENUE,
        )
    if isinstance(exc, ConnectionError | OSError):
        return BrokerUnavailable(
            f"IBKR {action}: not connected ({type(exc).__name__}); the adapter reconnects by "
            "itself when auto_reconnect is on",
            venue=VENUE,
        )
    if isinstance(exc, AssertionError):
        return LocalProtocolError(
            f"IBKR {action}: the client library refused the request (an order that is "
            "already done cannot be modified)",
            venue=VENUE,
        )
    if isinstance(exc, ValueError | IndexError | KeyError | TypeError):
        return RemoteProtocolError(
            f"IBKR {action}: TWS sent something the client could not read ({type(exc).__name__})",
            venue=VENUE,
        )
    return BrokerError(f"IBKR {action} failed ({type(exc).__name__})", venue=VENUE)

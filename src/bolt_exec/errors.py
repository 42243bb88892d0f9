"""The whole bolt_exec exception tree.

Split by who is at fault (the caller, the venue, the infrastructure), and each
class subclasses the builtin a caller would naturally catch::

    BoltExecError
    ├── ConfigError(ValueError)           invalid configuration at start-up
    ├── UsageError                        the caller misused the API
    │   ├── ValidationError(ValueError)   malformed command or parameter, before any risk check
    │   ├── UnknownOrderError(KeyError)   no such client_order_id
    │   ├── DuplicateOrderIdError         client_order_id reused
    │   └── UnsupportedError              venue capability missing (order type, TIF, modify)
    ├── InvalidTransition                 event not allowed from the order's current status
    ├── BrokerError                       at or beyond the venue boundary (venue, code, text)
    │   ├── BrokerUnavailable             connect refused, disconnected
    │   │   └── BrokerTimeout(TimeoutError)
    │   ├── RateLimited                   carries retry_after (seconds)
    │   ├── AuthenticationError
    │   ├── LocalProtocolError            we sent something the protocol forbids (our bug)
    │   └── RemoteProtocolError           the venue sent something malformed (their bug)
    ├── StoreError
    │   └── ConcurrencyConflict           optimistic-lock or version clash
    ├── ReconciliationError               divergence the resolver cannot settle under policy
    ├── KillSwitchActive                  the kill switch is latched; only cancels may pass
    └── TradingHalted                     raised only when a caller asked to raise on a denial

Not exceptions: risk denials (``OrderDenied``), venue rejections
(``OrderRejected``, ``OrderCancelRejected``, ``OrderReplaceRejected``) and
expiries. Those are events.

Every message says what was wrong, with the offending value, and what to do.
Messages never contain secrets.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthenticationError",
    "BoltExecError",
    "BrokerError",
    "BrokerTimeout",
    "BrokerUnavailable",
    "ConcurrencyConflict",
    "ConfigError",
    "DuplicateOrderIdError",
    "InvalidTransition",
    "KillSwitchActive",
    "LocalProtocolError",
    "RateLimited",
    "ReconciliationError",
    "RemoteProtocolError",
    "StoreError",
    "TradingHalted",
    "UnknownOrderError",
    "UnsupportedError",
    "UsageError",
    "ValidationError",
]


class BoltExecError(Exception):
    """Root of every exception bolt_exec raises."""


class ConfigError(BoltExecError, ValueError):
    """Invalid configuration, found at start-up."""


class UsageError(BoltExecError):
    """The caller misused the API (a programmer error, not a market outcome)."""


class ValidationError(UsageError, ValueError):
    """A malformed command or parameter, refused before any risk check.

    Attributes:
        field: the offending field's name.
        value: the offending value (never a secret).
    """

    def __init__(self, field: str, value: Any, problem: str, fix: str = "") -> None:
        self.field = field
        self.value = value
        self.problem = problem
        self.fix = fix
        msg = f"{field}={value!r}: {problem}"
        if fix:
            msg += f"; {fix}"
        super().__init__(msg)


class UnknownOrderError(UsageError, KeyError):
    """No order has this client_order_id."""

    def __init__(self, client_order_id: str) -> None:
        self.client_order_id = client_order_id
        super().__init__(
            f"client_order_id={client_order_id!r}: no such order; "
            "list known ids with OrderManager.orders_frame()"
        )

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class DuplicateOrderIdError(UsageError):
    """A client_order_id was used twice."""

    def __init__(self, client_order_id: str) -> None:
        self.client_order_id = client_order_id
        super().__init__(
            f"client_order_id={client_order_id!r}: already used; "
            "omit client_order_id to let the OMS assign a unique one"
        )


class UnsupportedError(UsageError):
    """The venue lacks a capability the command needs."""


class InvalidTransition(BoltExecError):
    """An event is not allowed from the order's current status.

    Attributes:
        client_order_id: the order.
        status: the status the order was in.
        event: the event type's name.
    """

    def __init__(self, client_order_id: str, status: str, event: str) -> None:
        self.client_order_id = client_order_id
        self.status = status
        self.event = event
        super().__init__(f"order {client_order_id!r}: {event} is not allowed from status {status}")


class BrokerError(BoltExecError):
    """Something happened at or beyond the venue boundary.

    Attributes:
        venue: the broker's name.
        code: the venue's raw error code, when it gave one.
        text: the venue's raw error text, when it gave one.
    """

    def __init__(
        self, message: str, *, venue: str = "", code: str | int | None = None, text: str = ""
    ) -> None:
        self.venue = venue
        self.code = code
        self.text = text
        super().__init__(message)


class BrokerUnavailable(BrokerError):
    """The venue refused the connection or is disconnected."""


class BrokerTimeout(BrokerUnavailable, TimeoutError):
    """The venue did not answer in time; the outcome is unknown, not failed."""


class RateLimited(BrokerError):
    """The venue asked us to slow down.

    Attributes:
        retry_after: seconds to wait before the next request, when the venue said.
    """

    def __init__(
        self,
        message: str,
        *,
        venue: str = "",
        code: str | int | None = None,
        text: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, venue=venue, code=code, text=text)


class AuthenticationError(BrokerError):
    """The venue refused our credentials (expired token, wrong key)."""


class LocalProtocolError(BrokerError):
    """We sent something the venue's protocol forbids (a bug on our side)."""


class RemoteProtocolError(BrokerError):
    """The venue sent something malformed or unexpected (a bug on their side)."""


class StoreError(BoltExecError):
    """The order store cannot be opened, read or written."""


class ConcurrencyConflict(StoreError):
    """Another writer changed the same record (optimistic-lock clash)."""


class ReconciliationError(BoltExecError):
    """A divergence between our view and the venue's that policy cannot settle."""


class KillSwitchActive(BoltExecError):
    """The kill switch is latched; only cancels may pass until an operator resets it."""


class TradingHalted(BoltExecError):
    """Raised only when the caller asked for an exception instead of a denial event."""

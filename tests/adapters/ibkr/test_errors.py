"""Library exceptions and IB error codes map to the most specific BrokerError."""

from __future__ import annotations

import logging

import pytest

from bolt_exec.adapters.ibkr._lib import load_library
from bolt_exec.adapters.ibkr._redact import AccountRedactor
from bolt_exec.adapters.ibkr.errors import ErrorEffect, classify_error, map_exception
from bolt_exec.errors import (
    BrokerError,
    BrokerTimeout,
    BrokerUnavailable,
    LocalProtocolError,
    RateLimited,
    RemoteProtocolError,
)

LIBRARY = load_library()  # ib_async, or ib_insync where only it is installed


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (TimeoutError(), BrokerTimeout),
        (ConnectionRefusedError(), BrokerUnavailable),
        (ConnectionError("Not connected"), BrokerUnavailable),
        (OSError("network unreachable"), BrokerUnavailable),
        (AssertionError(), LocalProtocolError),
        (ValueError("could not convert"), RemoteProtocolError),
        (RuntimeError("?"), BrokerError),
    ],
)
def test_map_exception_picks_the_most_specific_class(
    exc: BaseException, expected: type[BrokerError]
) -> None:
    mapped = map_exception(exc, "reqExecutions")
    assert type(mapped) is expected
    assert mapped.venue == "IBKR"
    assert "reqExecutions" in str(mapped)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (100, RateLimited),
        (326, BrokerUnavailable),
        (502, BrokerUnavailable),
        (321, LocalProtocolError),
        (200, BrokerError),
    ],
)
def test_library_request_errors_map_by_code(code: int, expected: type[BrokerError]) -> None:
    mapped = map_exception(LIBRARY.RequestError(9, code, "text"), "reqContractDetails")
    assert type(mapped) is expected
    assert mapped.code == code
    if isinstance(mapped, RateLimited):
        assert mapped.retry_after == 1.0


def test_timeout_is_also_a_builtin_timeout_error() -> None:
    with pytest.raises(TimeoutError):
        raise map_exception(TimeoutError(), "connect")


@pytest.mark.parametrize(
    ("code", "flags", "expected"),
    [
        (2104, {}, ErrorEffect.IGNORE),
        (202, {}, ErrorEffect.CANCELED),
        (10148, {"is_cancel_pending": True}, ErrorEffect.CANCEL_REJECTED),
        (10148, {}, ErrorEffect.WARNING),
        (201, {"is_accepted": True, "is_amend_pending": True}, ErrorEffect.AMEND_REJECTED),
        (201, {"is_amend_pending": True}, ErrorEffect.REJECTED),  # never acked: the order
        (399, {"is_accepted": True, "is_amend_pending": True}, ErrorEffect.WARNING),
        (201, {}, ErrorEffect.REJECTED),
    ],
)
def test_classify_error(code: int, flags: dict[str, bool], expected: ErrorEffect) -> None:
    assert classify_error(code, **flags) is expected


def test_load_library_falls_back_to_what_is_installed() -> None:
    assert load_library("ib_insync_not_installed").__name__ in ("ib_async", "ib_insync")
    assert load_library().__name__ in ("ib_async", "ib_insync")


def test_redactor_hides_known_and_account_shaped_ids() -> None:
    import re

    redactor = AccountRedactor(re.compile(r"\b(?:D?[UFI]|DF)\d{5,9}\b"))
    redactor.add(["ACME-7"])
    record = logging.LogRecord(
        "ib_async.wrapper",
        logging.INFO,
        __file__,
        1,
        "order %s for %s and U1234567",
        ("x", "ACME-7"),
        None,
    )

    assert redactor.filter(record) is True
    assert record.getMessage() == "order x for *** and ***"

"""A logging filter that blanks account ids out of the client library's log records.

ib_async logs whole ``Trade`` reprs (with ``Order.account``) and account values at
INFO/WARNING; design invariant 10 says account ids never reach a log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = ["AccountRedactor"]

_LIBRARY_LOGGERS = tuple(
    f"{lib}.{part}"
    for lib in ("ib_async", "ib_insync")
    for part in ("client", "wrapper", "ib", "Decoder", "connection")
)


class AccountRedactor(logging.Filter):
    """Replace known account ids (and anything shaped like one) in a record with ``***``."""

    def __init__(self, pattern: re.Pattern[str] | None = None) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._pattern = pattern

    def add(self, secrets: Iterable[str]) -> None:
        """Start hiding these strings (empty ones are ignored)."""
        self._secrets.update(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record if it mentions an account id; never drop it."""
        message = original = record.getMessage()
        for secret in self._secrets:
            message = message.replace(secret, "***")
        if self._pattern is not None:
            message = self._pattern.sub("***", message)
        if message != original:
            record.msg, record.args = message, None
        return True

    def install(self) -> None:
        """Attach to the client library's loggers (a filter on a parent would not apply)."""
        for name in _LIBRARY_LOGGERS:
            logging.getLogger(name).addFilter(self)

    def uninstall(self) -> None:
        """Detach from the library's loggers."""
        for name in _LIBRARY_LOGGERS:
            logging.getLogger(name).removeFilter(self)

"""Client order ids: unique, short, and deterministic under a SimClock.

An id is ``{prefix}{session}-{n}``: ``session`` is the clock's time at
start-up in base 36 seconds (so two sessions never share ids, and a
backtest with the same start gets the same ids), ``n`` counts up.
Children of a parent are ``{parent}-E{n}`` (nautilus convention). Ids fit
Binance's 36-character ``newClientOrderId`` and use only ``[A-Za-z0-9-]``.
"""

from __future__ import annotations

import re
from typing import Final

from bolt_exec.errors import ValidationError

__all__ = ["ClientOrderIdFactory", "child_id", "validate_client_order_id"]

_ALLOWED: Final = re.compile(r"^[A-Za-z0-9._:-]{1,36}$")
_B36: Final = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(n: int) -> str:
    if n <= 0:
        return "0"
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(_B36[r])
    return "".join(reversed(out))


class ClientOrderIdFactory:
    """Makes ``{prefix}{session}-{n}`` ids."""

    __slots__ = ("_count", "_stem")

    def __init__(self, prefix: str, session_ns: int, start: int = 0) -> None:
        if not re.fullmatch(r"[A-Za-z0-9]{0,8}", prefix):
            raise ValidationError(
                "id_prefix",
                prefix,
                "must be up to 8 letters or digits",
                "venues limit client ids to short alphanumeric strings",
            )
        self._stem = f"{prefix}{_base36(session_ns // 1_000_000_000)}-"
        self._count = start

    def next(self) -> str:
        """Return a new id."""
        self._count += 1
        return f"{self._stem}{self._count}"

    def skip_to(self, n: int) -> None:
        """Never hand out a number at or below ``n`` again (used on recovery)."""
        self._count = max(self._count, n)


def child_id(parent_id: str, n: int) -> str:
    """Return the deterministic id of a parent's ``n``-th child: ``{parent}-E{n}``."""
    return f"{parent_id}-E{n}"


def validate_client_order_id(value: object) -> str:
    """Return ``value`` if it is a usable client order id, else raise ValidationError."""
    if not isinstance(value, str) or not _ALLOWED.match(value):
        raise ValidationError(
            "client_order_id",
            value,
            "must be 1-36 characters of letters, digits, '.', '_', ':' or '-'",
            "omit it to let the OMS assign one",
        )
    return value

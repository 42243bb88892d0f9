"""Rendering of RTS 22 numbers and times: ``{DECIMAL-n/m}`` and ``{DATE_TIME_FORMAT}``.

Decimals are *rounded*, not truncated (2017/590 Annex I Table 1). The rounding
mode is not named by the legend (UNVERIFIED); it comes from the rule set in
force (``ROUND_HALF_UP`` by default). Trailing fraction zeros are dropped, so
``10.50`` is written ``10.5``; the value never uses an exponent.

Times are UNIX nanoseconds in UTC. They are reduced to the RTS 25 granularity
with integer arithmetic (never through a float, which would lose nanoseconds
and round ``.9999999`` up into the next second). POSIX time has no leap second,
so ``23:59:60`` can never be produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Final, Literal

__all__ = [
    "DecimalFormat",
    "format_decimal",
    "format_utc",
    "reduce_ns",
    "utc_date",
]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_NS_PER_S: Final = 1_000_000_000

Reduction = Literal["truncate", "round"]


@dataclass(frozen=True, slots=True)
class DecimalFormat:
    """``{DECIMAL-n/m}``: at most ``total`` digits, at most ``fraction`` of them decimals."""

    total: int
    fraction: int

    def __str__(self) -> str:
        return f"DECIMAL-{self.total}/{self.fraction}"


def format_decimal(value: Decimal, fmt: DecimalFormat, rounding: str) -> tuple[str, str | None]:
    """Render ``value`` in ``fmt``, rounding to the finest precision the format allows.

    ``{DECIMAL-n/m}`` allows at most ``m`` fraction digits *and* at most ``n``
    digits in all, so a value with a large integer part keeps fewer decimals
    (``123.456789`` in ``DECIMAL-5/4`` is ``123.46``). Only an integer part
    longer than ``n`` digits cannot be represented.

    Args:
        value: the number (any sign).
        fmt: the ``{DECIMAL-n/m}`` limits.
        rounding: a ``decimal`` rounding mode name (``"ROUND_HALF_UP"``).

    Returns:
        ``(text, problem)``: the rendered number, and ``None`` or a sentence
        saying its integer part has more than ``fmt.total`` digits.
    """
    integer_digits = max(value.copy_abs().adjusted() + 1, 1)
    fraction = max(0, min(fmt.fraction, fmt.total - integer_digits))
    rounded = value.quantize(Decimal(1).scaleb(-fraction), rounding=rounding)
    # Rounding up may add an integer digit (9.99 -> 10.0); drop one more decimal then.
    if max(rounded.copy_abs().adjusted() + 1, 1) + fraction > fmt.total and fraction > 0:
        fraction -= 1
        rounded = value.quantize(Decimal(1).scaleb(-fraction), rounding=rounding)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0"
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole = text.lstrip("-").split(".")[0]
    if len(whole) > fmt.total:
        return text, (
            f"has {len(whole)} integer digits; {fmt} allows at most {fmt.total} digits in all"
        )
    return text, None


def reduce_ns(ts_ns: int, granularity_ns: int, mode: Reduction = "truncate") -> int:
    """Reduce a timestamp to a multiple of ``granularity_ns`` (truncate or round half up)."""
    if granularity_ns <= 0:
        raise ValueError(f"granularity_ns={granularity_ns}: must be positive")
    if mode == "round":
        return ((ts_ns + granularity_ns // 2) // granularity_ns) * granularity_ns
    return (ts_ns // granularity_ns) * granularity_ns


def format_utc(ts_ns: int, granularity_ns: int, mode: Reduction = "truncate") -> str:
    """Format UNIX nanoseconds as ``YYYY-MM-DDThh:mm:ss[.f]Z`` at a granularity.

    The number of fraction digits follows the granularity: none at 1 s, 3 at
    1 ms, 6 at 1 us, 9 at 1 ns (granularities in between use the next finer
    power of ten).
    """
    reduced = reduce_ns(ts_ns, granularity_ns, mode)
    seconds, nanos = divmod(reduced, _NS_PER_S)
    stamp = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    if granularity_ns >= _NS_PER_S:
        return stamp + "Z"
    width = 9
    while width > 0 and granularity_ns % 10 ** (9 - width + 1) == 0:
        width -= 1
    width = max(width, 1)
    digits = str(nanos).rjust(9, "0")[:width]
    return f"{stamp}.{digits}Z"


def utc_date(ts_ns: int) -> date:
    """Return the UTC calendar date of a UNIX-nanosecond timestamp."""
    return (_EPOCH + timedelta(seconds=ts_ns // _NS_PER_S)).date()

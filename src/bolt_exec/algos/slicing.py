"""Slicing maths, written once: split a parent quantity into child quantities on the lot grid.

Rules (style.md "Execution algorithms"):

* a schedule is a cumulative target: slice ``k`` is
  ``floor_lot(Q * W_{k+1}) - floor_lot(Q * W_k)`` where ``W`` is the cumulative
  weight (``W_0 = 0``, ``W_n = 1``), so the slices sum to ``Q`` exactly and each
  is on the lot grid; with equal weights this is the classic
  ``floor((k+1)Q/n) - floor(kQ/n)`` split (the remainder spread evenly);
* a slice below the minimum quantity is merged into the next one (falling back
  to a single order when the whole parent is that small); only the final
  remainder may stay below the minimum;
* a child is never larger than what is left: ``parent - filled - in flight``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

from bolt_exec.errors import ValidationError
from bolt_exec.model.numbers import ZERO

__all__ = [
    "clamp_child",
    "cumulative_split",
    "cumulative_weights",
    "even_split",
    "floor_lot",
    "merge_small",
]


def floor_lot(qty: Decimal, lot: Decimal) -> Decimal:
    """Round ``qty`` down to a multiple of ``lot`` (never below zero)."""
    if qty <= 0:
        return ZERO
    return (qty / lot).to_integral_value(ROUND_DOWN) * lot


def cumulative_weights(weights: Sequence[float]) -> list[Decimal]:
    """Return the cumulative weights ``W_1 .. W_n`` as Decimals, with ``W_n == 1`` exactly.

    Raises:
        ValidationError: if a weight is negative or not finite, or all are zero.
    """
    if not weights:
        raise ValidationError("weights", list(weights), "must not be empty")
    for i, w in enumerate(weights):
        if not (w >= 0) or w == float("inf"):
            raise ValidationError(f"weights[{i}]", w, "must be finite and not negative")
    total = sum(Decimal(repr(float(w))) for w in weights)
    if total <= 0:
        raise ValidationError("weights", list(weights), "must not all be zero")
    out: list[Decimal] = []
    run = ZERO
    for w in weights:
        run += Decimal(repr(float(w)))
        out.append(run / total)
    out[-1] = Decimal(1)
    return out


def cumulative_split(total: Decimal, weights: Sequence[float], lot: Decimal) -> list[Decimal]:
    """Split ``total`` by ``weights`` into slices on the ``lot`` grid that sum to ``total``.

    Slice ``k = floor_lot(total * W_{k+1}) - floor_lot(total * W_k)``; ``total``
    must itself be on the grid.

    Raises:
        ValidationError: if ``total`` is not positive or not a multiple of ``lot``.
    """
    if total <= 0:
        raise ValidationError("qty", str(total), "must be positive")
    if total % lot != 0:
        raise ValidationError(
            "qty",
            str(total),
            f"is not a multiple of the lot size {lot}",
            f"use {floor_lot(total, lot)}",
        )
    prev = ZERO
    out: list[Decimal] = []
    for w in cumulative_weights(weights):
        cum = total if w == 1 else floor_lot(total * w, lot)
        out.append(cum - prev)
        prev = cum
    return out


def even_split(total: Decimal, n: int, lot: Decimal) -> list[Decimal]:
    """Split ``total`` into ``n`` near-equal slices on the lot grid (``floor((k+1)Q/n) - ...``)."""
    if n < 1:
        raise ValidationError("slices", n, "must be at least 1")
    lots = int(total / lot)
    if total % lot != 0:
        raise ValidationError("qty", str(total), f"is not a multiple of the lot size {lot}")
    return [Decimal((k + 1) * lots // n - k * lots // n) * lot for k in range(n)]


def merge_small(slices: Sequence[Decimal], min_qty: Decimal) -> list[Decimal]:
    """Merge every slice below ``min_qty`` into the next one; keep the count and the sum.

    A merged slice leaves a zero in its place (so a schedule keeps its times).
    Only the last slice may stay below ``min_qty`` (the final remainder).
    """
    out = [ZERO] * len(slices)
    carry = ZERO
    for k, q in enumerate(slices):
        q = q + carry
        if q >= min_qty or k == len(slices) - 1:
            out[k], carry = q, ZERO
        else:
            carry = q
    return out


def clamp_child(
    want: Decimal,
    *,
    parent_qty: Decimal,
    filled: Decimal,
    in_flight: Decimal,
    lot: Decimal,
    min_qty: Decimal,
    max_child: Decimal | None = None,
) -> Decimal:
    """Return the child quantity to send: ``want`` limited so the parent is never over-filled.

    ``available = parent_qty - filled - in_flight`` (in-flight children count in
    full until the venue confirms them done). The result is on the lot grid, at
    most ``max_child``, and either at least ``min_qty`` or the whole remainder;
    otherwise zero (send nothing now).
    """
    available = parent_qty - filled - in_flight
    qty = min(want, available)
    if max_child is not None:
        qty = min(qty, max_child)
    qty = floor_lot(qty, lot)
    if qty <= 0:
        return ZERO
    if qty < min_qty and qty < available:
        return ZERO
    return qty

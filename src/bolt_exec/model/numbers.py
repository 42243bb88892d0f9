"""Exact numbers: turn user input into Decimal, refusing what is not a finite number.

Prices and quantities live as :class:`~decimal.Decimal` on the instrument's
grid (design invariant 5). Floats are accepted at the boundary through their
shortest repr (``0.1`` becomes ``Decimal("0.1")``, not the binary expansion),
so a user who types ``189.5`` gets exactly 189.5.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final

from bolt_exec.errors import ValidationError

__all__ = ["ZERO", "is_on_grid", "to_decimal"]

ZERO: Final = Decimal(0)


def to_decimal(value: object, field: str, *, allow_zero: bool = False) -> Decimal:
    """Return ``value`` as a finite, positive Decimal.

    Args:
        value: an int, a float, a str or a Decimal.
        field: the field's name, for the error.
        allow_zero: accept zero as well as positive values.

    Raises:
        ValidationError: naming ``field`` and ``value`` when it is not a finite
            positive number (NaN, infinity, negative, a bool, a list...).
    """
    kind = type(value)
    if kind is int:  # the common cases first: an int is always finite
        d = Decimal(value)  # type: ignore[arg-type]
        if d > 0 or (allow_zero and d == 0):
            return d
    elif isinstance(value, Decimal):
        d = value
    elif isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError(
            field,
            value,
            f"must be a number, got {type(value).__name__}",
            "pass an int, a str such as '189.50', or a Decimal",
        )
    else:
        try:
            d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except (InvalidOperation, ValueError):
            raise ValidationError(
                field, value, "is not a number", "pass digits such as '189.50'"
            ) from None
    if not d.is_finite():
        raise ValidationError(field, value, "must be finite (not NaN or infinity)")
    if d < 0 or (d == 0 and not allow_zero):
        raise ValidationError(
            field,
            value,
            "must be positive" if not allow_zero else "must not be negative",
            "give the direction with side=, not with the sign" if d < 0 else "",
        )
    return d


def is_on_grid(value: Decimal, increment: Decimal) -> bool:
    """Return True if ``value`` is a whole multiple of ``increment``."""
    return increment == 0 or value % increment == 0

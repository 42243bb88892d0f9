"""A missing or invalid report field, named precisely enough to fix it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ValidationIssue"]


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem in one field of one report record.

    Attributes:
        field_number: the Table 2 field number (0 for a whole-record problem).
        field_name: the field's name in the regulation.
        value: the offending value as we saw it ("" when missing).
        problem: what is wrong and how to fix it.
        record_ref: the transaction reference number (RTS 22) or order id (RTS 24).
    """

    field_number: int
    field_name: str
    value: str
    problem: str
    record_ref: str = ""

    def __str__(self) -> str:
        where = f"{self.record_ref}: " if self.record_ref else ""
        return (
            f"{where}field {self.field_number} ({self.field_name}) = {self.value!r}: {self.problem}"
        )

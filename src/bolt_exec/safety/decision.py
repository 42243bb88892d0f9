"""Decisions: what a pre-trade check returns. A denial is data, never an exception."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["APPROVED", "Decision"]


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict of one check or of the whole chain.

    Attributes:
        approved: True to let the command through.
        code: a standard reason code when denied (``""`` when approved).
        reason: a human message naming the limit, the value and the fix.
        check: the name of the check that decided.
    """

    approved: bool
    code: str = ""
    reason: str = ""
    check: str = ""

    @staticmethod
    def deny(code: str, reason: str, check: str = "") -> Decision:
        """Return a denial."""
        return Decision(False, code, reason, check)


APPROVED: Final = Decision(True)

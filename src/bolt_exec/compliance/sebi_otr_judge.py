"""How one OTR message is judged: counted, or exempt and why.

The order of the tests is the order of the rules' precedence: a segment the
rules do not cover, then a designated market maker's order (from 6 Apr 2026),
then cancellations (counted unless configured to follow the resting price),
then orders without a price or without an LTP, and finally the price bands:
``|limit - LTP| <= max(pct% x LTP, min_abs)`` for equity options under the 2026
rules, ``|limit - LTP| / LTP x 100 <= pct`` otherwise (cross-multiplied so
the comparison is exact; the bound's inclusiveness is configurable).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from bolt_exec.compliance.sebi_otr_market import OtrInstrument
from bolt_exec.compliance.sebi_otr_rules import OtrRules

__all__ = ["MessageKind", "judge_message"]


class MessageKind(StrEnum):
    """What an order message did."""

    NEW = "NEW"
    MODIFY = "MODIFY"
    CANCEL = "CANCEL"


def _in_band(
    price: Decimal, ltp: Decimal, instrument: OtrInstrument, rules: OtrRules
) -> str | None:
    diff = abs(price - ltp)
    if instrument.is_equity_option and rules.option_band is not None:
        width = max(rules.option_band.pct * ltp / 100, rules.option_band.min_abs)
        inside = diff <= width if rules.band_inclusive else diff < width
        return "option_band" if inside else None
    lhs, rhs = diff * 100, rules.price_band_pct * ltp
    inside = lhs <= rhs if rules.band_inclusive else lhs < rhs
    return "price_band" if inside else None


def judge_message(
    kind: MessageKind,
    price: Decimal | None,
    ltp: Decimal | None,
    instrument: OtrInstrument,
    is_dmm: bool,
    rules: OtrRules,
) -> str:
    """Return ``"counted"`` or the exemption that applies to an algorithmic order message."""
    if instrument.segment not in rules.segments:
        return "segment_out_of_scope"
    if is_dmm and rules.dmm_excluded:
        return "dmm"
    if kind is MessageKind.CANCEL and rules.cancellations == "count":
        return "counted"
    if price is None:
        return "market_order" if rules.market_orders == "exempt" else "counted"
    if ltp is None or ltp <= 0:
        return "no_ltp" if rules.no_ltp == "exempt" else "counted"
    return _in_band(price, ltp, instrument, rules) or "counted"

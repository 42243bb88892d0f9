"""What :func:`~bolt_exec.reconcile.diff.diff` can find, and a venue's answer about one order.

Plain frozen data, no logic beyond the deterministic ids: the discrepancy types
(one per kind of disagreement between our view and a venue's) and
:class:`OrderQuery`, the answer to a targeted status query, which the service
hands to ``diff`` as data so that ``diff`` and ``resolve`` stay pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bolt_exec.model.enums import LiquiditySide, OrderStatus, Side
from bolt_exec.model.reports import FillReport, OrderStatusReport

__all__ = [
    "Discrepancy",
    "FillMissing",
    "MissingAtVenue",
    "MissingLocally",
    "OrderQuery",
    "PositionMismatch",
    "QtyMismatch",
    "QueryAnswer",
    "StatusMismatch",
    "external_order_id",
    "inferred_qty",
    "inferred_trade_id",
]


class QueryAnswer(StrEnum):
    """What a targeted status query about one of our orders found out."""

    NOT_ASKED = "NOT_ASKED"  # no query was made
    FOUND = "FOUND"  # the venue reported the order (open or finished)
    NOT_FOUND = "NOT_FOUND"  # the venue does not know it (or, asked by mass status, lists it not)
    UNANSWERED = "UNANSWERED"  # timeout, transport error or no query budget left: unknown


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """The venue's answer about one order, asked when its mass status cannot tell its fate.

    Attributes:
        client_order_id: the order asked about.
        answer: see :class:`QueryAnswer`.
        report: the venue's report of the order when FOUND (terminal ones too).
        fills: the order's fills when the answer carries them.
        fills_complete: True if ``fills`` cover the order's whole life.
        error: why it went UNANSWERED.
    """

    client_order_id: str
    answer: QueryAnswer
    report: OrderStatusReport | None = None
    fills: tuple[FillReport, ...] = ()
    fills_complete: bool = False
    error: str = ""


@dataclass(frozen=True, slots=True)
class MissingLocally:
    """The venue has an order we do not know (placed elsewhere, or lost by us).

    Attributes:
        client_order_id: the id to adopt it under (the venue's, or ``external_order_id``).
        report: the venue's order report, or None when only fills name it.
        fills: the venue's fills of the order.
    """

    broker: str
    client_order_id: str
    report: OrderStatusReport | None
    fills: tuple[FillReport, ...]


@dataclass(frozen=True, slots=True)
class MissingAtVenue:
    """We hold an open order the venue does not list as open.

    Attributes:
        status: our status for it.
        filled_qty: our filled quantity after the venue's missing fills.
        has_fills: True if any fill is known (then it is never marked REJECTED).
        fills_known: True if the venue's fill history covers the order's whole life.
        query: what a targeted status query about it found (NOT_ASKED: none was made).
        query_error: why that query went unanswered.
        symbol: the order's symbol (its position is not settled while its fate is unknown).
    """

    broker: str
    client_order_id: str
    status: OrderStatus
    filled_qty: Decimal
    has_fills: bool
    fills_known: bool
    query: QueryAnswer = QueryAnswer.NOT_ASKED
    query_error: str = ""
    symbol: str = ""


@dataclass(frozen=True, slots=True)
class StatusMismatch:
    """Our status and the venue's disagree (after the missing fills are counted)."""

    broker: str
    client_order_id: str
    local: OrderStatus
    venue: OrderStatus
    venue_order_id: str
    ts_venue: int
    # The venue's working values: they settle an amend whose answer we never heard.
    venue_qty: Decimal | None = None
    venue_limit_px: Decimal | None = None
    venue_stop_px: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FillMissing:
    """A trade the venue reports that the order has not applied."""

    broker: str
    client_order_id: str
    trade_id: str
    symbol: str
    side: Side
    last_qty: Decimal
    last_px: Decimal
    fee: Decimal
    fee_currency: str
    liquidity: LiquiditySide
    venue_order_id: str
    ts_event: int
    is_inferred: bool


@dataclass(frozen=True, slots=True)
class QtyMismatch:
    """The venue's order quantity, or its filled quantity, disagrees with ours.

    ``venue_filled < local_filled`` means the venue knows fewer fills than we
    applied, which no event can undo.
    """

    broker: str
    client_order_id: str
    local_qty: Decimal
    venue_qty: Decimal
    local_filled: Decimal
    venue_filled: Decimal
    venue_limit_px: Decimal | None
    venue_stop_px: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PositionMismatch:
    """Net positions disagree by at least one lot after the missing fills."""

    broker: str
    symbol: str
    local_qty: Decimal
    venue_qty: Decimal
    venue_avg_px: Decimal | None
    local_avg_px: Decimal | None
    ts_venue: int


Discrepancy = (
    MissingLocally | MissingAtVenue | StatusMismatch | FillMissing | QtyMismatch | PositionMismatch
)


def inferred_trade_id(client_order_id: str, venue_filled_qty: Decimal) -> str:
    """Return the deterministic trade id of an inferred fill."""
    return f"RECON-{client_order_id}-{venue_filled_qty.normalize():f}"


def inferred_qty(client_order_id: str, trade_id: str) -> Decimal | None:
    """Return the venue filled quantity an inferred fill's trade id records (None: not one)."""
    prefix = f"RECON-{client_order_id}-"
    if not trade_id.startswith(prefix):
        return None
    try:
        return Decimal(trade_id.removeprefix(prefix))
    except ArithmeticError:  # decimal.InvalidOperation: a venue id that merely looks alike
        return None


def external_order_id(broker: str, venue_order_id: str) -> str:
    """Return the client order id an order without one is adopted under."""
    return f"EXT-{broker}-{venue_order_id}"

"""RTS 22 transaction reports built from the journal (MiFIR Art. 26, 2017/590).

Theory of operation: one report record per fill executed on the report day
(UTC trade date). For each fill the order's ``OrderInitialized`` supplies the
side, strategy and the ``mifid.*`` tags (see ``refdata.TAGS``); reference data
supplies the firm, client, staff and instrument; the rules in force on the
trade date supply formats, code lists and the deadline. Every field that is
missing or invalid becomes a :class:`ValidationIssue`; nothing is silently
left blank. The result is deterministic: the same journal and reference data
give byte-identical XML and CSV.

The transaction reference number (field 2) is ``{client_order_id}-{trade_id}``
when that fits the 52 allowed characters, else a SHA-256 digest of it, so it
is stable across re-runs and a later ``CANC`` can name it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date
from typing import Final

from bolt_exec.compliance.calendar import HolidayCalendar
from bolt_exec.compliance.mifid.checks import check_record
from bolt_exec.compliance.mifid.deadline import reporting_deadline, resolve_calendar
from bolt_exec.compliance.mifid.formats import utc_date
from bolt_exec.compliance.mifid.instrument import fill_instrument
from bolt_exec.compliance.mifid.journal import EventSource, read_journal
from bolt_exec.compliance.mifid.parties import OrderContext, fill_parties, fill_staff
from bolt_exec.compliance.mifid.record import Draft, TransactionRecord
from bolt_exec.compliance.mifid.refdata import Firm, InstrumentRef, ReferenceData
from bolt_exec.compliance.mifid.report import Rts22Report
from bolt_exec.compliance.mifid.rts25 import format_event_time
from bolt_exec.compliance.mifid.rules import MifidConfig, MifidRules, load_mifid_config
from bolt_exec.compliance.mifid.validators import (
    check_code,
    check_currency,
    check_lei,
    check_mic,
    check_text,
)
from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import Side
from bolt_exec.model.events import OrderEvent, OrderFilled, OrderInitialized

__all__ = ["parse_day", "transaction_reference", "transaction_reports"]

_TRN_OK: Final = re.compile(r"^[A-Za-z0-9\-]{1,52}$")
# Quantity and price notation -> (decimal format in the rules, XML choice).
_QTY_FORMATS: Final = {
    "UNIT": ("quantity_units", "Unit"),
    "NOML": ("quantity_nominal", "NmnlVal"),
    "MONE": ("quantity_nominal", "MntryVal"),
}
_PRICE_FORMATS: Final = {
    "MONE": ("price_money", "MntryVal"),
    "PERC": ("price_percentage", "Pctg"),
    "YIEL": ("price_yield", "Yld"),
    "BAPO": ("price_basis_points", "BsisPts"),
}
_SHORT_SELL_CATEGORIES: Final = frozenset("ED")  # shares and debt (sovereign debt included)


def parse_day(day: date | str) -> date:
    """Accept a ``date`` or an ISO ``YYYY-MM-DD`` string."""
    if isinstance(day, date):
        return day
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise ValidationError("day", day, "is not a date", "use YYYY-MM-DD") from None


def transaction_reference(client_order_id: str, trade_id: str) -> str:
    """Return the stable transaction reference number for one fill (field 2)."""
    candidate = f"{client_order_id}-{trade_id}"
    if _TRN_OK.match(candidate):
        return candidate
    return hashlib.sha256(candidate.encode()).hexdigest()[:52]


def transaction_reports(
    events: Iterable[OrderEvent] | EventSource,
    *,
    day: date | str,
    firm: Firm,
    reference: ReferenceData,
    config: MifidConfig | None = None,
    calendar: HolidayCalendar | None = None,
) -> Rts22Report:
    """Build the RTS 22 transaction reports for the fills executed on ``day`` (UTC).

    Args:
        events: the order journal: any iterable of ``OrderEvent``, or a store
            with an ``events()`` method (``OrderStore``).
        day: the trade date, ``date`` or ``"YYYY-MM-DD"``; it chooses the rules.
        firm: the executing firm.
        reference: clients, staff, algorithms and instruments.
        config: the MiFID rule versions (default: the shipped ``mifid.yaml``).
        calendar: the working-day calendar (default: the one the rules name).

    Returns:
        The report: ``.records``, ``.issues``, ``.to_xml()``, ``.to_csv()``, ``.to_json()``.

    Raises:
        ValidationError: the journal is malformed (a fill without its order).
        ConfigError: no rule version is in force on ``day``, or the calendar is wrong.
    """
    trade_day = parse_day(day)
    rules = (config or load_mifid_config()).on(trade_day)
    cal = resolve_calendar(rules.deadline, calendar)
    journal = read_journal(events)
    records = tuple(
        _record(fill, journal.orders[fill.client_order_id], firm, reference, rules, cal)
        for fill in journal.fills
        if utc_date(fill.ts_event) == trade_day
    )
    return Rts22Report(day=trade_day, firm=firm, rules=rules, records=records)


def _record(
    fill: OrderFilled,
    order: OrderInitialized,
    firm: Firm,
    reference: ReferenceData,
    rules: MifidRules,
    calendar: HolidayCalendar,
) -> TransactionRecord:
    draft = Draft(transaction_reference(fill.client_order_id, fill.trade_id), rules)
    instrument = reference.instrument(fill.symbol)
    tags = dict(order.tags)
    capacity = tags.get("mifid.capacity") or firm.default_capacity or ""
    on_venue = (
        instrument is not None and instrument.venue_mic not in rules.code_lists.off_venue_mics
    )
    ctx = OrderContext(Side(fill.side), capacity, tags, order.strategy_id, on_venue)

    draft.set(1, "NEWT")
    draft.set(2, draft.trn)
    _fill_firm(draft, firm)
    if instrument is None:
        draft.issue(41, fill.symbol, "no InstrumentRef for this symbol; add it to ReferenceData")
    else:
        _fill_trade(draft, fill, ctx, firm, instrument)
        fill_parties(draft, ctx, firm, reference, instrument)
        fill_instrument(draft, instrument)
        _fill_indicators(draft, ctx, instrument)
    fill_staff(draft, ctx, firm, reference)
    check_record(draft)
    deadline = reporting_deadline(fill.ts_event, rules.deadline, calendar)
    source = {"client_order_id": fill.client_order_id, "trade_id": fill.trade_id}
    return draft.finish(deadline, source)


def _fill_firm(draft: Draft, firm: Firm) -> None:
    draft.put(4, firm.lei, check_lei(firm.lei))
    draft.set(5, "true" if firm.is_investment_firm else "false")
    submitting = firm.submitting_lei or firm.lei
    draft.put(6, submitting, check_lei(submitting))


def _fill_trade(
    draft: Draft, fill: OrderFilled, ctx: OrderContext, firm: Firm, inst: InstrumentRef
) -> None:
    rules = draft.rules
    if ctx.on_venue:
        draft.put(3, fill.trade_id, check_text(fill.trade_id, 52) if fill.trade_id else None)
    # RTS 25 granularity follows the trading activity: the order's own (voice, negotiated...)
    # when tagged, else the firm's.
    activity = ctx.tags.get("mifid.activity", firm.activity)
    if activity not in rules.clock.activities:
        draft.issue(
            28,
            activity,
            f"mifid.activity is not an RTS 25 activity "
            f"({', '.join(sorted(rules.clock.activities))}); using {firm.activity!r}",
        )
        activity = firm.activity
    draft.set(28, format_event_time(fill.ts_event, rules.clock, activity, on_venue=ctx.on_venue))
    capacity = draft.require(29, ctx.capacity, "(tag mifid.capacity or set Firm.default_capacity)")
    if capacity is not None:
        draft.put(29, capacity, check_code(capacity, rules.code_lists.trading_capacity))
    qty_format, qty_kind = _QTY_FORMATS[inst.quantity_notation]
    # NOML/MONE instruments trade in nominal or monetary amounts: the fill quantity is one.
    draft.decimal(30, fill.last_qty, qty_format, qty_kind)
    if inst.quantity_notation != "UNIT":
        _put_currency(draft, 31, inst.notional_currency or inst.currency)
    no_price = ctx.tags.get("mifid.price")
    if no_price is not None:
        # The price is not known yet (PNDG) or not applicable (NOAP); the fill's is provisional.
        draft.put(33, no_price, check_code(no_price, rules.code_lists.price_no_price), "NoPric")
    else:
        px_format, px_kind = _PRICE_FORMATS[inst.price_notation]
        draft.decimal(33, fill.last_px, px_format, px_kind)
    if inst.price_notation == "MONE":
        _put_currency(draft, 34, inst.currency)
    if inst.cfi is not None and inst.cfi.startswith("D"):
        draft.issue(
            35,
            "",
            "net amount (clean price x nominal + accrued interest) is required "
            "for debt and cannot be derived from the journal; supply it",
        )
    draft.put(36, inst.venue_mic, _check_venue(inst.venue_mic, rules))
    if ctx.on_venue and firm.branch_membership_country is not None:
        draft.set(37, firm.branch_membership_country)
    complex_id = ctx.tags.get("mifid.complex_id")
    if complex_id:
        draft.put(40, complex_id, check_text(complex_id, 35))


def _put_currency(draft: Draft, number: int, code: str) -> None:
    codes = draft.rules.code_lists
    draft.put(
        number, code, check_currency(code, draft.rules.currencies, codes.forbidden_currencies)
    )


def _check_venue(mic: str, rules: MifidRules) -> str | None:
    return None if mic in rules.code_lists.off_venue_mics else check_mic(mic)


def _put_codes(draft: Draft, number: int, tag_value: str, allowed: frozenset[str]) -> None:
    # A repeatable code field (61, 63): keep every code, name each unknown one.
    codes = tuple(tag_value.split())
    for code in codes:
        problem = check_code(code, allowed)
        if problem is not None:
            draft.issue(number, code, problem)
    if codes:
        draft.set(number, codes)


def _fill_indicators(draft: Draft, ctx: OrderContext, inst: InstrumentRef) -> None:
    codes = draft.rules.code_lists
    _put_codes(draft, 61, ctx.tags.get("mifid.waivers", ""), codes.waiver)
    short = ctx.tags.get("mifid.short_selling")
    category = (inst.cfi or "E")[0]
    if ctx.side is Side.SELL and short is None and category in _SHORT_SELL_CATEGORIES:
        draft.issue(
            62,
            "",
            "is required on a sale of shares or sovereign debt: tag the order "
            "with mifid.short_selling (SESH, SSEX, SELL or UNDI)",
        )
    elif short is not None:
        problem = check_code(short, codes.short_selling)
        if short == "SHOR":
            problem = "SHOR is not an RTS 22 code; use SESH (short sale) or SSEX (exempt)"
        draft.put(62, short, problem)
    _put_codes(draft, 63, ctx.tags.get("mifid.otc_post_trade", ""), codes.otc_post_trade)
    for number, tag in ((64, "mifid.risk_reducing"), (65, "mifid.sft")):
        value = ctx.tags.get(tag, "false" if number == 65 else None)
        if value is not None:
            draft.put(number, value, None if value in {"true", "false"} else "is not true/false")

"""The daily SEBI OTR report: ratio, slab charge, cooling off, monthly totals.

A pure function of the journal, market data (LTPs) and the rule versions
(design invariant 9): :func:`otr_report` folds every event through
:class:`~bolt_exec.compliance.sebi_otr.OtrEngine`, then for each trading day
and group in the requested range computes

* the ratio ``counted / max(trades, zero_trade_floor)`` (slabs compare exactly);
* the charge, slab by slab ("incremental" reading) or flat, per the rules;
* the cooling-off test: a day at or above the threshold that is the
  ``occurrences``-th such day within the rolling window (trading or calendar
  days) blocks the first ``minutes`` after the next trading day's open;
* the month's totals per group.

The whole journal history up to the end of the range feeds the cooling-off
window; ``history_from`` in the report says how far back that history goes,
so a reader knows whether a 30-day window was fully covered.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bolt_exec.compliance.canonical import journal_sha256, pretty_json, to_plain
from bolt_exec.compliance.dated_config import DatedVersions
from bolt_exec.compliance.sebi_otr import OtrEngine, OtrTally
from bolt_exec.compliance.sebi_otr_charges import day_charge
from bolt_exec.compliance.sebi_otr_counter import denominator, ratio
from bolt_exec.compliance.sebi_otr_market import LtpSource, OtrInstrument
from bolt_exec.compliance.sebi_otr_rules import OtrRules
from bolt_exec.errors import ValidationError
from bolt_exec.model.events import OrderEvent

__all__ = [
    "CoolingOffWindow",
    "TradingCalendar",
    "WeekdayCalendar",
    "cooling_off_windows",
    "otr_report",
    "otr_report_csv",
    "otr_report_json",
]

SCHEMA_VERSION = 1
_NS = 1_000_000_000


class TradingCalendar(Protocol):
    """Which local dates the exchange trades on.

    :class:`bolt_exec.compliance.calendar.HolidayCalendar` fits (same method).
    """

    def is_business_day(self, day: date) -> bool:
        """Return True if the exchange is open on ``day``."""
        ...


@dataclass(frozen=True, slots=True)
class WeekdayCalendar:
    """Monday to Friday, minus the given holidays (pass the exchange's list)."""

    holidays: frozenset[date] = frozenset()

    def is_business_day(self, day: date) -> bool:
        """Return True on a weekday that is not a holiday."""
        return day.weekday() < 5 and day not in self.holidays


def _window_days(day: date, rule_window: int, unit: str, cal: TradingCalendar) -> set[date]:
    if unit == "calendar_days":
        return {day - timedelta(days=i) for i in range(rule_window)}
    days = {day}  # the breach day itself always counts, trading day or not
    d = day
    while len(days) < rule_window:
        d -= timedelta(days=1)
        if cal.is_business_day(d):
            days.add(d)
    return days


def _next_trading_day(day: date, cal: TradingCalendar) -> date:
    d = day + timedelta(days=1)
    for _ in range(366):
        if cal.is_business_day(d):
            return d
        d += timedelta(days=1)
    raise ValidationError("calendar", cal, f"has no trading day in the year after {day}")


def _utc_iso(local: datetime) -> str:
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cooling(tally: OtrTally, rules: OtrRules, cal: TradingCalendar) -> dict[str, Any]:
    nxt = _next_trading_day(tally.day, cal)
    seg = tally.segment
    tz = ZoneInfo(rules.timezone)
    start = datetime.combine(nxt, rules.open_time(seg if seg != "ALL" else "EQ_CASH"), tz)
    end = start + timedelta(minutes=rules.cooling_off.minutes)
    return {
        "day": nxt,
        "start_local": start.strftime("%H:%M"),
        "end_local": end.strftime("%H:%M"),
        "start_utc": _utc_iso(start),
        "end_utc": _utc_iso(end),
        "start_ns": int(start.timestamp()) * _NS,
        "end_ns": int(end.timestamp()) * _NS,
        "timezone": rules.timezone,
        # "ALL" groups mix segments: the strictest reading (cash: none allowed).
        "risk_reducing_allowed": rules.risk_reducing_ok(seg) if seg != "ALL" else False,
    }


@dataclass(frozen=True, slots=True)
class CoolingOffWindow:
    """A period in which the member may not place orders in a group (SafetyManager input)."""

    exchange: str
    segment: str
    start_ns: int
    end_ns: int
    risk_reducing_allowed: bool

    def blocks(self, exchange: str, segment: str, ts_ns: int, *, risk_reducing: bool) -> bool:
        """Return True if an order in ``exchange``/``segment`` at ``ts_ns`` must be refused."""
        in_group = self.exchange == exchange and self.segment in (segment, "ALL")
        in_time = self.start_ns <= ts_ns < self.end_ns
        return in_group and in_time and not (risk_reducing and self.risk_reducing_allowed)


def cooling_off_windows(report: Mapping[str, Any]) -> list[CoolingOffWindow]:
    """Return the cooling-off windows an :func:`otr_report` found, in time order."""
    out = [
        CoolingOffWindow(
            d["exchange"],
            d["segment"],
            d["cooling_off"]["start_ns"],
            d["cooling_off"]["end_ns"],
            d["cooling_off"]["risk_reducing_allowed"],
        )
        for d in report["days"]
        if d["cooling_off"] is not None
    ]
    return sorted(out, key=lambda w: (w.start_ns, w.exchange, w.segment))


def otr_report(
    events: Iterable[OrderEvent],
    *,
    rules: DatedVersions[OtrRules],
    date_from: date,
    date_to: date,
    instruments: Mapping[str, OtrInstrument] | None = None,
    ltp: LtpSource | None = None,
    calendar: TradingCalendar | None = None,
    member: str = "",
) -> dict[str, Any]:
    """Build the OTR report for the trading days ``date_from``..``date_to`` (IST, inclusive).

    Args:
        events: the journal, in journal order.
        rules: the OTR rule versions; each day uses the version in force on it.
        date_from: first trading day reported.
        date_to: last trading day reported.
        instruments: symbol -> exchange/segment (else the orders' tags).
        ltp: last traded prices for the price bands.
        calendar: the exchange calendar (weekdays when omitted).
        member: the trading member's code, printed in the report.

    Returns:
        A plain mapping; write it with :func:`otr_report_json` or :func:`otr_report_csv`.

    Raises:
        ValidationError: on an empty or inverted date range or an unplaceable instrument.
        ConfigError: when no rule version covers a day with activity.
    """
    if date_to < date_from:
        raise ValidationError("date_to", date_to, f"is before date_from {date_from}")
    cal = calendar or WeekdayCalendar()
    engine = OtrEngine(rules, instruments, ltp)
    journal = list(events)
    for ev in journal:
        engine.apply(ev)
    history = sorted(engine.tallies.values(), key=lambda t: (t.day, t.exchange, t.segment))
    breaches: dict[tuple[str, str], set[date]] = {}
    for t in history:
        r = rules.for_date(t.day)
        if t.counted >= r.cooling_off.threshold * denominator(t, r):
            breaches.setdefault((t.exchange, t.segment), set()).add(t.day)
    days: list[dict[str, Any]] = []
    for t in history:
        if not date_from <= t.day <= date_to:
            continue
        r = rules.for_date(t.day)
        den = denominator(t, r)
        charge, lines = day_charge(t.counted, den, r)
        idx = r.slab_for(t.counted, den)
        co = r.cooling_off
        group_breaches = breaches.get((t.exchange, t.segment), set())
        in_window = 0
        if t.day in group_breaches:  # the calendar is consulted only when it matters
            in_window = len(group_breaches & _window_days(t.day, co.window, co.window_unit, cal))
        triggered = in_window >= co.occurrences
        days.append(
            {
                "day": t.day,
                "exchange": t.exchange,
                "segment": t.segment,
                "rules_version": t.rules_version,
                "rules_source": rules.version_for(t.day).source,
                "new": t.new,
                "modify": t.modify,
                "cancel": t.cancel,
                "counted": t.counted,
                "exempt": dict(sorted(t.exempt.items())),
                "trades": t.trades,
                "excluded_trades": dict(sorted(t.excluded_trades.items())),
                "denominator": den,
                "ratio": ratio(t.counted, den),
                "slab_from": r.slabs[idx].lower,
                "slab_rate": r.slabs[idx].rate,
                "slab_mode": r.slab_mode,
                "charge": charge,
                "currency": r.currency,
                "charge_breakdown": [line for line in lines if line.messages],
                "cooling_off_threshold_reached": t.day in group_breaches,
                "threshold_days_in_window": in_window,
                "cooling_off": _cooling(t, r, cal) if triggered else None,
            }
        )
    return {
        "report": "sebi_otr",
        "schema_version": SCHEMA_VERSION,
        "member": member,
        "date_from": date_from,
        "date_to": date_to,
        "history_from": history[0].day if history else None,
        "journal_sha256": journal_sha256(journal),
        # Every rule version a reported day used, in full: the assumptions a
        # signer must check (band bounds, slab reading, floors...) are here.
        "rules": {
            v.label: _rules_plain(v.source, v.rules)
            for v in rules.versions
            if any(v.covers(d["day"]) for d in days)
        },
        "unattributed_events": engine.unattributed,
        "days": days,
        "monthly": _monthly(days),
    }


def _rules_plain(source: str, rules: OtrRules) -> dict[str, Any]:
    plain: dict[str, Any] = to_plain(rules)
    plain["session_open"] = {k: v.strftime("%H:%M") for k, v in rules.session_open}
    plain["risk_reducing_allowed"] = dict(rules.risk_reducing_allowed)
    plain["source"] = source
    return plain


def _monthly(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    acc: dict[tuple[str, str, str], dict[str, Any]] = {}
    for d in days:
        key = (d["day"].strftime("%Y-%m"), d["exchange"], d["segment"])
        m = acc.setdefault(
            key,
            {
                "month": key[0],
                "exchange": key[1],
                "segment": key[2],
                "days": 0,
                "counted": 0,
                "trades": 0,
                "charge": Decimal(0),
                "currency": d["currency"],
                "threshold_days": 0,
                "cooling_off_days": 0,
            },
        )
        m["days"] += 1
        m["counted"] += d["counted"]
        m["trades"] += d["trades"]
        m["charge"] += d["charge"]
        m["threshold_days"] += int(d["cooling_off_threshold_reached"])
        m["cooling_off_days"] += int(d["cooling_off"] is not None)
    return [acc[k] for k in sorted(acc)]


def otr_report_json(report: Mapping[str, Any]) -> bytes:
    """Return the report as indented canonical JSON (byte-identical on replay)."""
    return pretty_json(report)


_CSV_COLUMNS = (
    "day",
    "exchange",
    "segment",
    "rules_version",
    "new",
    "modify",
    "cancel",
    "counted",
    "exempt",
    "trades",
    "denominator",
    "ratio",
    "slab_from",
    "slab_rate",
    "charge",
    "currency",
    "cooling_off_threshold_reached",
    "threshold_days_in_window",
    "cooling_off_day",
)


def otr_report_csv(report: Mapping[str, Any]) -> bytes:
    """Return the daily rows as CSV (one line per day and group; ``exempt`` as k=v;k=v).

    RFC 4180 quoting (the rule-version label contains a comma), ``\\n`` line ends.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for d in report["days"]:
        row = dict(d)
        row["exempt"] = ";".join(f"{k}={v}" for k, v in d["exempt"].items())
        row["cooling_off_day"] = d["cooling_off"]["day"] if d["cooling_off"] else ""
        writer.writerow(
            str(row[c]).lower() if isinstance(row[c], bool) else str(row[c]) for c in _CSV_COLUMNS
        )
    return buf.getvalue().encode("utf-8")

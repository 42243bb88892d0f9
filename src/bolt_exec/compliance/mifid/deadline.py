"""The RTS 22 reporting deadline: close of the following working day (T+1).

MiFIR Art. 26(1) wants a report "no later than the close of the following
working day". Which calendar and which local "close" apply is UNVERIFIED, so
both come from the rule in force (``deadline`` in ``mifid.yaml``): the trade
time is converted to the competent authority's time zone, the trade's local
date moves forward ``working_days_after`` business days on the configured
holiday calendar, and the deadline is the cutoff time on that day, converted
back to UTC (so it moves by an hour across a daylight-saving change).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bolt_exec.compliance.calendar import HolidayCalendar, load_calendar
from bolt_exec.compliance.mifid.rules import DeadlineRule
from bolt_exec.errors import ConfigError

__all__ = ["reporting_deadline", "resolve_calendar"]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def resolve_calendar(rule: DeadlineRule, calendar: HolidayCalendar | None) -> HolidayCalendar:
    """Return ``calendar``, or load the one the rule names; refuse a mismatch.

    Raises:
        ConfigError: the given calendar is not the one the rule in force names.
    """
    if calendar is None:
        return load_calendar(rule.calendar)
    if calendar.name != rule.calendar:
        raise ConfigError(
            f"calendar={calendar.name!r}: the deadline rule in force uses {rule.calendar!r}; "
            "pass that calendar, or add a rule version naming yours"
        )
    return calendar


def reporting_deadline(ts_ns: int, rule: DeadlineRule, calendar: HolidayCalendar) -> datetime:
    """Return the UTC time by which a transaction executed at ``ts_ns`` must be reported.

    Args:
        ts_ns: execution time, UNIX nanoseconds (UTC).
        rule: the deadline rule in force on the trade date.
        calendar: the working-day calendar the rule names.
    """
    zone = ZoneInfo(rule.timezone)
    executed = (_EPOCH + timedelta(microseconds=ts_ns // 1000)).astimezone(zone)
    due_day = calendar.add_business_days(executed.date(), rule.working_days_after)
    local_deadline = datetime.combine(due_day, rule.cutoff, tzinfo=zone)
    return local_deadline.astimezone(UTC)

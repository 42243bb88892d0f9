"""Part 43 clocks: US business days, business-hour delays, the post-priced deadline.

All arithmetic is done on UTC instants; America/New_York is used only to
decide which *local date* an instant falls on (business day or not) and to
place the 11:59:59 p.m. ET deadline, so daylight-saving changes never make a
delay an hour too long or short.

"Business hours" (43.2) is read as elapsed hours that fall on business days
(Monday to Friday, not a US federal holiday, in ET). That reading is
UNVERIFIED; pass other ``holidays`` to change the calendar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

__all__ = [
    "add_business_hours",
    "is_us_business_day",
    "post_priced_deadline_ns",
    "release_ns",
    "us_federal_holidays",
]

_NS: Final = 1_000_000_000
ET: Final = ZoneInfo("America/New_York")


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    d = date(year, month, 1)
    d += timedelta(days=(weekday - d.weekday()) % 7)
    return d + timedelta(weeks=n - 1)


def _last_weekday(year: int, month: int, weekday: int) -> date:
    d = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return d - timedelta(days=(d.weekday() - weekday) % 7)


def _observed(d: date) -> date:
    # Saturday holidays are observed on Friday, Sunday ones on Monday (5 U.S.C. 6103).
    if d.weekday() == 5:
        return d - timedelta(days=1)
    if d.weekday() == 6:
        return d + timedelta(days=1)
    return d


@lru_cache(maxsize=64)
def us_federal_holidays(year: int) -> frozenset[date]:
    """Return the observed US federal holidays of ``year`` (Juneteenth from 2021)."""
    days = {
        _observed(date(year, 1, 1)),
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _last_weekday(year, 5, 0),  # Memorial Day
        _observed(date(year, 7, 4)),
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _observed(date(year, 11, 11)),
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
        _observed(date(year, 12, 25)),
    }
    if year >= 2021:
        days.add(_observed(date(year, 6, 19)))
    # New Year's Day of next year observed on 31 Dec of this one.
    if date(year + 1, 1, 1).weekday() == 5:
        days.add(date(year, 12, 31))
    return frozenset(days)


def is_us_business_day(day: date) -> bool:
    """Return True on a weekday that is not an observed US federal holiday."""
    return day.weekday() < 5 and day not in us_federal_holidays(day.year)


def _utc(ts_ns: int) -> datetime:
    return datetime.fromtimestamp(ts_ns // _NS, tz=UTC) + timedelta(
        microseconds=ts_ns % _NS // 1000
    )


def _ns(dt: datetime) -> int:
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * _NS + delta.microseconds * 1000


def add_business_hours(
    start_ns: int,
    hours: int,
    *,
    tz: ZoneInfo = ET,
    is_business_day: Callable[[date], bool] = is_us_business_day,
) -> int:
    """Return the instant ``hours`` business hours after ``start_ns``.

    Time on a non-business local date does not count; the clock resumes at
    the next business day's local midnight.
    """
    sub_ns = start_ns % 1000  # datetimes hold microseconds; keep the nanoseconds
    t = _utc(start_ns)
    remaining = timedelta(hours=hours)
    while remaining > timedelta(0):
        local_day = t.astimezone(tz).date()
        next_midnight = datetime.combine(local_day + timedelta(days=1), time(0), tz).astimezone(UTC)
        if is_business_day(local_day):
            step = min(remaining, next_midnight - t)
            t += step
            remaining -= step
        else:
            t = next_midnight
    return _ns(t) + sub_ns


def release_ns(execution_ns: int, minutes: int, business_hours: int) -> int:
    """Return when an elected swap may be disseminated: execution + the Appendix C delay."""
    t = execution_ns + minutes * 60 * _NS
    return add_business_hours(t, business_hours) if business_hours else t


def post_priced_deadline_ns(execution_ns: int, tz: ZoneInfo = ET) -> int:
    """Return 11:59:59 p.m. ET on the execution date (43.3(a)(4)), as UNIX ns."""
    local_day = _utc(execution_ns).astimezone(tz).date()
    return _ns(datetime.combine(local_day, time(23, 59, 59), tz).astimezone(UTC))

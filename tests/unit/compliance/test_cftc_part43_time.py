"""Part 43 clocks: federal holidays, 24 business hours, the ET post-priced deadline across DST."""

from __future__ import annotations

from datetime import date

import pytest
from _otr_journal import ET, at

from bolt_exec.compliance.cftc_part43_time import (
    add_business_hours,
    is_us_business_day,
    post_priced_deadline_ns,
    release_ns,
    us_federal_holidays,
)

H = 3600 * 1_000_000_000


def test_federal_holidays_with_observed_days() -> None:
    h2023 = us_federal_holidays(2023)
    assert date(2023, 11, 23) in h2023  # Thanksgiving
    assert date(2023, 1, 2) in h2023  # New Year's Day (a Sunday) observed Monday
    assert date(2023, 6, 19) in h2023  # Juneteenth
    assert date(2020, 6, 19) not in us_federal_holidays(2020)  # before 2021
    assert date(2021, 12, 31) in us_federal_holidays(2021)  # 1 Jan 2022 was a Saturday
    assert date(2026, 7, 3) in us_federal_holidays(2026)  # 4 Jul 2026 is a Saturday
    assert not is_us_business_day(date(2023, 11, 25))
    assert is_us_business_day(date(2023, 11, 24))


def test_fifteen_minutes_is_plain_clock_time() -> None:
    ts = at(date(2023, 11, 22), 15, tz=ET)
    assert release_ns(ts, 15, 0) == ts + H // 4


def test_24_business_hours_across_thanksgiving() -> None:
    # Wed 15:00 ET: 9 h on Wednesday, Thursday is a holiday, 15 h on Friday.
    ts = at(date(2023, 11, 22), 15, tz=ET)
    assert add_business_hours(ts, 24) == at(date(2023, 11, 24), 15, tz=ET)


def test_24_business_hours_across_a_weekend() -> None:
    ts = at(date(2023, 11, 24), 15, 30, tz=ET)
    assert add_business_hours(ts, 24) == at(date(2023, 11, 27), 15, 30, tz=ET)


def test_24_business_hours_started_on_a_holiday_begin_next_business_midnight() -> None:
    ts = at(date(2023, 11, 23), 10, tz=ET)
    assert add_business_hours(ts, 24) == at(date(2023, 11, 25), 0, tz=ET)


def test_business_hours_over_dst_end_count_real_hours() -> None:
    # Fri 30 Oct 2026 -> Mon 2 Nov 2026; DST ends Sun 1 Nov (not a business day).
    ts = at(date(2026, 10, 30), 12, tz=ET)
    assert add_business_hours(ts, 24) == at(date(2026, 11, 2), 12, tz=ET)
    # The day DST ends, 25 real hours pass between local midnights: a holiday-free
    # calendar that counts Sunday shows it (Sun 00:00 EDT + 24 h = Sun 23:00 EST).
    sunday = at(date(2026, 11, 1), 0, tz=ET)
    assert add_business_hours(sunday, 24, is_business_day=lambda d: True) == at(
        date(2026, 11, 1), 23, tz=ET
    )


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2026, 3, 7), 4),  # EST: 23:59:59 ET = 04:59:59 UTC next day
        (date(2026, 3, 8), 3),  # DST starts that morning: EDT, 03:59:59 UTC
        (date(2026, 10, 31), 3),
        (date(2026, 11, 1), 4),  # DST ended that morning
    ],
)
def test_post_priced_deadline_is_et_midnight_minus_one_second(day: date, utc_hour: int) -> None:
    deadline = post_priced_deadline_ns(at(day, 9, tz=ET))
    assert deadline == at(day, 23, 59, 59, tz=ET)
    assert (deadline // 1_000_000_000) % 86_400 == utc_hour * 3600 + 59 * 60 + 59


def test_nanoseconds_survive_business_hour_arithmetic() -> None:
    ts = at(date(2023, 11, 24), 15, tz=ET) + 123_456_789
    assert add_business_hours(ts, 24) % 1_000_000_000 == 123_456_789

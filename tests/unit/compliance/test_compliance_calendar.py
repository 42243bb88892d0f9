"""Holiday calendars and business-day arithmetic."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bolt_exec.compliance.calendar import HolidayCalendar, load_calendar
from bolt_exec.errors import ConfigError


@pytest.fixture(scope="module")
def target() -> HolidayCalendar:
    return load_calendar("EU-TARGET")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 20), date(2026, 11, 23)),  # Friday -> Monday
        (date(2026, 11, 21), date(2026, 11, 23)),  # Saturday -> Monday
        (date(2026, 4, 2), date(2026, 4, 7)),  # Thursday before Good Friday + Easter Monday
        (date(2026, 12, 24), date(2026, 12, 28)),  # 25, 26 Dec (a Saturday) and Sunday skipped
        (date(2026, 12, 31), date(2027, 1, 4)),  # New Year's Day (Friday) + weekend
    ],
)
def test_add_business_days_skips_weekends_and_holidays(
    target: HolidayCalendar, day: date, expected: date
) -> None:
    assert target.add_business_days(day, 1) == expected


def test_add_business_days_counts_several(target: HolidayCalendar) -> None:
    assert target.add_business_days(date(2026, 4, 1), 3) == date(2026, 4, 8)


def test_calendar_outside_its_range_refuses_to_guess(target: HolidayCalendar) -> None:
    with pytest.raises(ConfigError, match="only covers"):
        target.is_business_day(date(2031, 1, 2))


def test_add_business_days_rejects_zero(target: HolidayCalendar) -> None:
    with pytest.raises(ConfigError, match="n=0"):
        target.add_business_days(date(2026, 1, 5), 0)


def test_french_calendar_has_its_own_holidays() -> None:
    france = load_calendar("FR")

    assert not france.is_business_day(date(2026, 7, 14))  # Fête nationale
    assert load_calendar("EU-TARGET").is_business_day(date(2026, 7, 14))


def test_load_calendar_unknown_name_lists_known() -> None:
    with pytest.raises(ConfigError, match="EU-TARGET"):
        load_calendar("XX")


def test_calendar_file_rejects_holiday_outside_range(tmp_path: Path) -> None:
    path = tmp_path / "cal.yaml"
    path.write_text(
        "calendars:\n  - name: T\n    covers: [2026-01-01, 2026-12-31]\n"
        "    holidays: [{date: 2027-01-01}]\n"
    )

    with pytest.raises(ConfigError, match="outside covers"):
        load_calendar("T", path)

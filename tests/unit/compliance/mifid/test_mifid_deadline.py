"""The RTS 22 T+1 deadline: close of the next working day, in the authority's local time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from _mifid_helpers import ts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bolt_exec.compliance.calendar import HolidayCalendar, load_calendar
from bolt_exec.compliance.mifid import MifidRules
from bolt_exec.compliance.mifid.deadline import reporting_deadline, resolve_calendar
from bolt_exec.errors import ConfigError


@pytest.mark.parametrize(
    ("executed", "expected_utc"),
    [
        # Friday 23:59:59Z is already Saturday in Paris: due at close of Monday.
        (ts(2026, 11, 20, 23, 59, 59), datetime(2026, 11, 23, 22, 59, 59, tzinfo=UTC)),
        # Thursday before Easter: Good Friday and Easter Monday are TARGET holidays.
        (ts(2026, 4, 2, 12, 0, 0), datetime(2026, 4, 7, 21, 59, 59, tzinfo=UTC)),
        # Friday 23 Oct 2026; clocks go back on Sunday 25 Oct: Monday close is 22:59:59Z.
        (ts(2026, 10, 23, 12, 0, 0), datetime(2026, 10, 26, 22, 59, 59, tzinfo=UTC)),
        # Friday 27 Mar 2026; clocks go forward on Sunday 29 Mar: Monday close is 21:59:59Z.
        (ts(2026, 3, 27, 12, 0, 0), datetime(2026, 3, 30, 21, 59, 59, tzinfo=UTC)),
        # Christmas Eve (Thursday): 25 Dec, 26 Dec (Saturday), Sunday skipped.
        (ts(2026, 12, 24, 9, 0, 0), datetime(2026, 12, 28, 22, 59, 59, tzinfo=UTC)),
    ],
)
def test_reporting_deadline_t_plus_one(
    rules: MifidRules, target: HolidayCalendar, executed: int, expected_utc: datetime
) -> None:
    assert reporting_deadline(executed, rules.deadline, target) == expected_utc


def test_reporting_deadline_follows_configured_cutoff(
    rules: MifidRules, target: HolidayCalendar
) -> None:
    noon = rules.deadline.model_copy(update={"cutoff": time(12, 0), "timezone": "UTC"})

    due = reporting_deadline(ts(2026, 11, 18, 9, 0, 0), noon, target)

    assert due == datetime(2026, 11, 19, 12, 0, tzinfo=UTC)


def test_resolve_calendar_refuses_a_calendar_the_rule_does_not_name(rules: MifidRules) -> None:
    with pytest.raises(ConfigError, match="'FR'"):
        resolve_calendar(rules.deadline, load_calendar("FR"))


def test_resolve_calendar_loads_the_named_one(rules: MifidRules) -> None:
    assert resolve_calendar(rules.deadline, None).name == "EU-TARGET"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(executed=st.integers(min_value=ts(2018, 1, 3, 0, 0, 0), max_value=ts(2030, 12, 20, 0, 0, 0)))
def test_reporting_deadline_is_close_of_the_next_working_day(
    rules: MifidRules, target: HolidayCalendar, executed: int
) -> None:
    zone = ZoneInfo(rules.deadline.timezone)
    local_trade = datetime.fromtimestamp(executed // 1_000_000_000, tz=UTC).astimezone(zone)

    due = reporting_deadline(executed, rules.deadline, target).astimezone(zone)

    assert due.time() == rules.deadline.cutoff
    assert target.is_business_day(due.date())
    between = [
        local_trade.date() + timedelta(days=n)
        for n in range(1, (due.date() - local_trade.date()).days)
    ]
    assert not any(target.is_business_day(d) for d in between)  # none skipped

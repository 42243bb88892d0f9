"""RTS 25: granularity by trading activity and measured clock divergence."""

from __future__ import annotations

import pytest
from _mifid_helpers import ts

from bolt_exec.compliance.mifid import MifidRules
from bolt_exec.compliance.mifid.rts25 import (
    ClockSample,
    check_divergence,
    classify_activity,
    divergence_log,
    format_event_time,
    granularity_ns,
)
from bolt_exec.errors import ConfigError

STAMP = ts(2026, 11, 20, 8, 0, 0, 123456) + 789


@pytest.mark.parametrize(
    ("activity", "on_venue", "expected"),
    [
        ("hft", True, "2026-11-20T08:00:00.123456Z"),
        ("other", True, "2026-11-20T08:00:00.123Z"),
        ("voice", True, "2026-11-20T08:00:00Z"),
        ("negotiated", False, "2026-11-20T08:00:00Z"),
        ("hft", False, "2026-11-20T08:00:00.123456Z"),  # finer than 1 s is always allowed
    ],
)
def test_format_event_time_by_activity(
    rules: MifidRules, activity: str, on_venue: bool, expected: str
) -> None:
    assert format_event_time(STAMP, rules.clock, activity, on_venue=on_venue) == expected


def test_granularity_unknown_activity_lists_known(rules: MifidRules) -> None:
    with pytest.raises(ConfigError, match="hft"):
        granularity_ns(rules.clock, "telepathy")


@pytest.mark.parametrize(
    ("per_instrument", "per_venue", "expected"),
    [(1.9, 3.9, "other"), (2.0, 0.0, "hft"), (0.5, 4.0, "hft")],
)
def test_classify_activity_hft_thresholds(
    rules: MifidRules, per_instrument: float, per_venue: float, expected: str
) -> None:
    assert (
        classify_activity(
            rules.clock,
            peak_messages_per_second_instrument=per_instrument,
            peak_messages_per_second_venue=per_venue,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("activity", "offset_ns", "breached"),
    [
        ("hft", 100_000, False),
        ("hft", 100_001, True),
        ("hft", -100_001, True),
        ("other", 1_000_000, False),
        ("other", 1_000_001, True),
        ("voice", 999_999_999, False),
    ],
)
def test_check_divergence_alerts_past_the_limit(
    rules: MifidRules, activity: str, offset_ns: int, breached: bool
) -> None:
    sample = ClockSample(ts_ns=STAMP, offset_ns=offset_ns, source="ptp:gm1", host="oms-1")

    breaches = check_divergence([sample], rules.clock, activity)

    assert bool(breaches) is breached
    if breaches:
        assert "oms-1" in str(breaches[0]) and activity in str(breaches[0])


def test_divergence_log_records_every_sample_in_time_order(rules: MifidRules) -> None:
    late = ClockSample(ts_ns=STAMP + 10, offset_ns=2_000_000, source="ntp", host="b")
    early = ClockSample(ts_ns=STAMP, offset_ns=5, source="ptp", host="a")

    rows = divergence_log([late, early], rules.clock, "other")

    assert [r["host"] for r in rows] == ["a", "b"]
    assert [r["within_limit"] for r in rows] == [True, False]
    assert rows[0]["max_divergence_ns"] == 1_000_000

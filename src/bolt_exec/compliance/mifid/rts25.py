"""RTS 25 (2017/574): timestamp granularity by trading activity, and clock divergence.

Theory of operation: Table 2 of the RTS gives each kind of trading activity a
maximum divergence from UTC and a minimum timestamp granularity (HFT: 100 us
and 1 us; voice, RFQ with a human, negotiated trades: 1 s and 1 s; any other
activity: 1 ms and 1 ms). Table 1 does the same for venue operators by
gateway-to-gateway latency. The rows live in ``mifid.yaml`` (``clock``).

* :func:`granularity_ns` / :func:`format_event_time` render a timestamp at the
  granularity of an activity (reduced by truncation unless configured to round;
  which one is right is UNVERIFIED).
* :func:`classify_activity` applies the (UNVERIFIED) HFT message-rate test.
* A :class:`ClockSample` records one measured offset of the business clock
  from UTC; :func:`check_divergence` compares samples with the maximum allowed
  for the activity and returns a :class:`DivergenceBreach` for each one over.
  Samples come from the runtime's clock monitor (NTP/PTP); this module never
  reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bolt_exec.compliance.mifid.formats import format_utc
from bolt_exec.compliance.mifid.rules import ActivityClock, ClockRules
from bolt_exec.errors import ConfigError

__all__ = [
    "ClockSample",
    "DivergenceBreach",
    "activity_row",
    "check_divergence",
    "classify_activity",
    "divergence_log",
    "format_event_time",
    "granularity_ns",
]

_NS_PER_US = 1000


def activity_row(rules: ClockRules, activity: str) -> ActivityClock:
    """Return the RTS 25 row for ``activity`` (``"hft"``, ``"voice"``, ``"other"``...).

    Raises:
        ConfigError: the activity is not in the rules in force.
    """
    try:
        return rules.activities[activity]
    except KeyError:
        known = ", ".join(sorted(rules.activities))
        raise ConfigError(
            f"activity={activity!r}: not an RTS 25 trading activity (known: {known})"
        ) from None


def granularity_ns(rules: ClockRules, activity: str, *, on_venue: bool = True) -> int:
    """Return the timestamp granularity in nanoseconds for an activity.

    Off venue, RTS 22 asks for at least the second; a finer activity
    granularity still wins, since finer is always allowed.
    """
    row_ns = activity_row(rules, activity).granularity_us * _NS_PER_US
    if on_venue:
        return row_ns
    return min(row_ns, rules.off_venue_granularity_us * _NS_PER_US)


def format_event_time(
    ts_ns: int, rules: ClockRules, activity: str, *, on_venue: bool = True
) -> str:
    """Format ``ts_ns`` (UTC) at the activity's granularity, e.g. ``...T08:00:00.123Z``."""
    return format_utc(ts_ns, granularity_ns(rules, activity, on_venue=on_venue), rules.reduction)


def classify_activity(
    rules: ClockRules,
    *,
    peak_messages_per_second_instrument: float,
    peak_messages_per_second_venue: float,
    fallback: str = "other",
) -> str:
    """Return ``"hft"`` when a message rate reaches the HFT thresholds, else ``fallback``.

    The thresholds (2 messages a second in one instrument, 4 across a venue)
    are UNVERIFIED recollections of 2017/565 Art. 19 and live in the rules.
    """
    if (
        peak_messages_per_second_instrument >= rules.hft_messages_per_second_instrument
        or peak_messages_per_second_venue >= rules.hft_messages_per_second_venue
    ):
        return "hft"
    return fallback


@dataclass(frozen=True, slots=True)
class ClockSample:
    """One measurement of the business clock against a UTC reference.

    Attributes:
        ts_ns: when the measurement was taken (UTC, UNIX ns).
        offset_ns: business clock minus UTC reference (signed).
        source: the reference (``"ptp:gm1"``, ``"ntp:ptbtime1.ptb.de"``, ``"gnss"``).
        host: the machine whose clock was measured.
    """

    ts_ns: int
    offset_ns: int
    source: str
    host: str = ""


@dataclass(frozen=True, slots=True)
class DivergenceBreach:
    """A sample whose divergence exceeded the maximum for the activity."""

    sample: ClockSample
    activity: str
    max_divergence_ns: int

    def __str__(self) -> str:
        return (
            f"{self.sample.host or 'clock'} diverged {abs(self.sample.offset_ns)} ns from UTC "
            f"({self.sample.source}) at {format_utc(self.sample.ts_ns, 1000)}; RTS 25 allows "
            f"{self.max_divergence_ns} ns for {self.activity!r}"
        )


def check_divergence(
    samples: Iterable[ClockSample], rules: ClockRules, activity: str
) -> list[DivergenceBreach]:
    """Return a breach for every sample whose ``|offset|`` exceeds the allowed maximum."""
    limit = activity_row(rules, activity).max_divergence_us * _NS_PER_US
    return [
        DivergenceBreach(sample, activity, limit)
        for sample in sorted(samples, key=lambda s: (s.ts_ns, s.host, s.source))
        if abs(sample.offset_ns) > limit
    ]


def divergence_log(
    samples: Iterable[ClockSample], rules: ClockRules, activity: str
) -> list[dict[str, str | int | bool]]:
    """Return the record of measured divergence, one row per sample, for the annual review.

    Each row has the UTC time (microseconds), host, source, offset, the
    allowed maximum and whether the sample was within it.
    """
    limit = activity_row(rules, activity).max_divergence_us * _NS_PER_US
    return [
        {
            "time_utc": format_utc(s.ts_ns, 1000),
            "host": s.host,
            "source": s.source,
            "offset_ns": s.offset_ns,
            "max_divergence_ns": limit,
            "within_limit": abs(s.offset_ns) <= limit,
        }
        for s in sorted(samples, key=lambda s: (s.ts_ns, s.host, s.source))
    ]

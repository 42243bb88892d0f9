"""Holiday calendars and business-day arithmetic for reporting deadlines.

A :class:`HolidayCalendar` knows its weekend days, its holidays and the span of
dates it was written for. Asking about a day outside that span raises
:class:`~bolt_exec.errors.ConfigError`: a calendar that silently treats next
year's holidays as working days would move a regulatory deadline without anyone
noticing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bolt_exec.compliance.reference import load_yaml_model
from bolt_exec.errors import ConfigError

__all__ = ["CalendarSpec", "HolidayCalendar", "load_calendar"]

_DEFAULT_FILE = "calendars.yaml"


class _Holiday(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    date: date
    name: str = ""


class CalendarSpec(BaseModel):
    """One calendar as written in ``calendars.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""
    weekend: tuple[int, ...] = (5, 6)
    covers: tuple[date, date]
    holidays: tuple[_Holiday, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> CalendarSpec:
        if any(not 0 <= d <= 6 for d in self.weekend):
            raise ValueError(f"weekend {self.weekend}: days are 0 (Monday) to 6 (Sunday)")
        start, end = self.covers
        if end < start:
            raise ValueError(f"covers {start}..{end}: the end is before the start")
        for holiday in self.holidays:
            if not start <= holiday.date <= end:
                raise ValueError(f"holiday {holiday.date} is outside covers {start}..{end}")
        return self


class _CalendarFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    calendars: list[CalendarSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """Weekends plus holidays, valid for the dates in ``[first_day, last_day]``.

    Attributes:
        name: the calendar's name (``"EU-TARGET"``).
        holidays: the non-working days besides weekends.
        first_day: first day the calendar answers for.
        last_day: last day the calendar answers for.
        weekend: weekday numbers (Monday = 0) that are never working days.
    """

    name: str
    holidays: frozenset[date]
    first_day: date
    last_day: date
    weekend: frozenset[int] = frozenset({5, 6})

    @classmethod
    def from_spec(cls, spec: CalendarSpec) -> HolidayCalendar:
        """Build a calendar from its validated file entry."""
        return cls(
            name=spec.name,
            holidays=frozenset(h.date for h in spec.holidays),
            first_day=spec.covers[0],
            last_day=spec.covers[1],
            weekend=frozenset(spec.weekend),
        )

    def _check_covered(self, day: date) -> None:
        if not self.first_day <= day <= self.last_day:
            raise ConfigError(
                f"day={day.isoformat()}: calendar {self.name!r} only covers "
                f"{self.first_day}..{self.last_day}; extend its holidays and covers range"
            )

    def is_business_day(self, day: date) -> bool:
        """Return True when ``day`` is neither a weekend day nor a holiday."""
        self._check_covered(day)
        return day.weekday() not in self.weekend and day not in self.holidays

    def add_business_days(self, day: date, n: int) -> date:
        """Return the ``n``-th business day after ``day`` (``n >= 1``).

        ``day`` itself need not be a business day: a trade on a Saturday is
        due on the first business day after it, like a Friday trade.
        """
        if n < 1:
            raise ConfigError(f"n={n}: business days to add must be at least 1")
        current = day
        remaining = n
        while remaining:
            current += timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current


def load_calendar(name: str, source: str | Path = _DEFAULT_FILE) -> HolidayCalendar:
    """Load the calendar called ``name`` from a calendars YAML file.

    Args:
        name: the calendar's ``name`` in the file (``"EU-TARGET"``, ``"FR"``).
        source: a path, or a file shipped in ``bolt_exec/compliance/data``.

    Raises:
        ConfigError: the file is invalid or has no calendar of that name.
    """
    loaded = load_yaml_model(_CalendarFile, source)
    for spec in loaded.calendars:
        if spec.name == name:
            return HolidayCalendar.from_spec(spec)
    known = ", ".join(spec.name for spec in loaded.calendars)
    raise ConfigError(f"calendar={name!r}: not in {source} (known: {known})")

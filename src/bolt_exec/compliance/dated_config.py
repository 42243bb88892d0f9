"""Date-versioned rule sets: pick the rules in force on the trade date.

Every threshold, slab, band, cap and delay a regulator publishes changes
over time, so reporters never hard-code them. A rule file is YAML::

    name: sebi_otr
    versions:
      - valid_from: 2020-07-22      # first day in force (inclusive)
        valid_to: 2026-04-06        # first day NOT in force (exclusive); omit if still in force
        source: "BSE Notice 20200714-51 [S36]"
        ...payload...               # merged over the optional top-level `defaults:`

:class:`DatedVersions` holds the parsed payloads and answers
:meth:`~DatedVersions.for_date` with the one version whose interval contains
the date (the *trade or execution* date, never the run date). Intervals must
not overlap; a date no version covers is a :class:`~bolt_exec.errors.ConfigError`
naming the date and the covered ranges, so a report never silently uses the
wrong year's table.

This loader is deliberately generic (payload parsing is a callable) so the
SEBI and CFTC reporters share it; it can be swapped for a project-wide
reference-data loader without touching the rule parsers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from bolt_exec.errors import ConfigError

__all__ = [
    "DatedVersion",
    "DatedVersions",
    "config_decimal",
    "load_dated_yaml",
    "packaged_rules_path",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DatedVersion(Generic[T]):
    """One rule set and the dates it is in force: ``valid_from`` <= day < ``valid_to``.

    ``valid_to`` is exclusive -- the next version's ``valid_from`` -- the same
    convention as the MiFID reference configuration, so every rule file in
    ``compliance/data`` reads the same way.
    """

    valid_from: date
    valid_to: date | None
    source: str
    rules: T

    def covers(self, day: date) -> bool:
        """Return True if ``day`` falls in this version's interval."""
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    @property
    def label(self) -> str:
        """``[2020-07-22, 2026-04-06)``: from the first day, until (not on) the last."""
        end = self.valid_to.isoformat() if self.valid_to else ""
        return f"[{self.valid_from.isoformat()}, {end})"


class DatedVersions(Generic[T]):
    """An ordered, non-overlapping set of rule versions.

    Raises:
        ConfigError: when two versions overlap or one ends before it starts.
    """

    def __init__(self, name: str, versions: Sequence[DatedVersion[T]]) -> None:
        self.name = name
        self._cache: dict[date, DatedVersion[T]] = {}
        self.versions: tuple[DatedVersion[T], ...] = tuple(
            sorted(versions, key=lambda v: v.valid_from)
        )
        for v in self.versions:
            if v.valid_to is not None and v.valid_to <= v.valid_from:
                raise ConfigError(f"{name}: version {v.label} ends before it starts; fix valid_to")
        for prev, nxt in itertools.pairwise(self.versions):
            if prev.valid_to is None or prev.valid_to > nxt.valid_from:
                raise ConfigError(
                    f"{name}: versions {prev.label} and {nxt.label} overlap; "
                    f"set valid_to of the first to {nxt.valid_from} (valid_to is exclusive)"
                )

    def version_for(self, day: date) -> DatedVersion[T]:
        """Return the version in force on ``day``.

        Raises:
            ConfigError: when no version covers ``day``.
        """
        hit = self._cache.get(day)
        if hit is not None:
            return hit
        for v in self.versions:
            if v.covers(day):
                self._cache[day] = v
                return v
        ranges = ", ".join(v.label for v in self.versions) or "none"
        raise ConfigError(
            f"{self.name}: no rule version is in force on {day.isoformat()} "
            f"(configured: {ranges}); add a version covering that date"
        )

    def for_date(self, day: date) -> T:
        """Return the rules in force on ``day`` (see :meth:`version_for`)."""
        return self.version_for(day).rules


def _as_date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"{where}={value!r}: not a date; write it as YYYY-MM-DD")


def load_dated_yaml(
    source: Path | str | Mapping[str, Any],
    parse: Callable[[Mapping[str, Any], str], T],
) -> DatedVersions[T]:
    """Load a date-versioned rule file.

    Args:
        source: a YAML file path, or the already-parsed mapping.
        parse: turns one version's mapping into rules; the second argument is
            a location string (``file:versions[2]``) to put in its errors.

    Raises:
        ConfigError: on a missing file, bad YAML, a bad date, overlapping
            versions, or whatever ``parse`` rejects.
    """
    where = "<mapping>"
    if isinstance(source, Mapping):
        doc: Any = source
    else:
        where = str(source)
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"rule file {where!r} cannot be read: {exc}") from exc
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"rule file {where!r} is not valid YAML: {exc}") from exc
    if not isinstance(doc, Mapping) or not isinstance(doc.get("versions"), list):
        raise ConfigError(f"{where}: expected a mapping with a 'versions' list")
    name = str(doc.get("name", where))
    # A top-level ``defaults`` mapping is merged under every version, so the
    # assumptions shared by all versions are written once.
    defaults = doc.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise ConfigError(f"{where}: 'defaults' must be a mapping")
    out: list[DatedVersion[T]] = []
    for i, raw in enumerate(doc["versions"]):
        loc = f"{where}:versions[{i}]"
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{loc}: expected a mapping, got {type(raw).__name__}")
        body = {**defaults}
        body.update({k: v for k, v in raw.items() if k not in ("valid_from", "valid_to", "source")})
        out.append(
            DatedVersion(
                valid_from=_as_date(raw.get("valid_from"), f"{loc}.valid_from"),
                valid_to=(
                    None
                    if raw.get("valid_to") is None
                    else _as_date(raw["valid_to"], f"{loc}.valid_to")
                ),
                source=str(raw.get("source", "")),
                rules=parse(body, loc),
            )
        )
    return DatedVersions(name, out)


def packaged_rules_path(filename: str) -> Path:
    """Return the path of a rule file shipped in ``bolt_exec/compliance/data``."""
    return Path(str(resources.files("bolt_exec.compliance").joinpath("data", filename)))


def config_decimal(value: Any, loc: str) -> Decimal:
    """Return a rule file's number as a finite Decimal >= 0.

    Raises:
        ConfigError: naming ``loc`` and the value when it is not one.
    """
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f'{loc}={value!r}: not a number; write it as "0.75"') from None
    if not d.is_finite() or d < 0:
        raise ConfigError(f"{loc}={value!r}: must be a finite number >= 0")
    return d

"""Date-versioned reference configuration: the rule in force on a trade date.

Theory of operation: regulators change thresholds, code lists and deadlines
(every regime in ``compliance-facts.md`` has). A report must apply the rules in
force on the *trade* date, never the run date, so a report for last year is
rebuilt exactly as it was due. Every such value therefore lives in a
:class:`Versioned` list of :class:`Effective` entries, each with a
``valid_from`` date (inclusive) and an optional ``valid_to`` (exclusive), and
the reporter asks ``versioned.on(trade_date)``.

The types are generic, so any reporter (MiFID, SEBI OTR, CFTC) keeps its own
rule models and shares this chooser. Configuration files are YAML, validated by
pydantic with ``extra="forbid"``: a misspelt key or a gap-free overlap is refused
at load time with an error naming the file and the field.
"""

from __future__ import annotations

import itertools
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, RootModel, model_validator

from bolt_exec.errors import ConfigError

__all__ = ["Effective", "Versioned", "load_yaml_model", "read_package_yaml"]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_DATA_PACKAGE = "bolt_exec.compliance.data"


class Effective(BaseModel, Generic[T]):
    """One version of a rule: its value and the dates it is in force.

    Attributes:
        valid_from: first day the value applies (inclusive).
        valid_to: first day it no longer applies (exclusive); ``None`` = still in force.
        source: where the value comes from (regulation, article, or "UNVERIFIED ...").
        value: the rule itself.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    valid_from: date
    valid_to: date | None = None
    source: str = ""
    value: T

    def covers(self, day: date) -> bool:
        """Return True when this version is in force on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class Versioned(RootModel[list[Effective[T]]], Generic[T]):
    """A rule's versions over time, sorted and without overlaps.

    In YAML it is a list of ``{valid_from, valid_to?, source?, value}`` maps.
    """

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _check_versions(self) -> Versioned[T]:
        versions = self.root
        if not versions:
            raise ValueError("needs at least one version (valid_from + value)")
        for entry in versions:
            if entry.valid_to is not None and entry.valid_to <= entry.valid_from:
                raise ValueError(
                    f"valid_to {entry.valid_to} is not after valid_from {entry.valid_from}"
                )
        ordered = sorted(versions, key=lambda e: e.valid_from)
        for earlier, later in itertools.pairwise(ordered):
            # An open-ended version yields to the next one's valid_from; a closed one
            # must end on or before it.
            ends_late = earlier.valid_to is not None and earlier.valid_to > later.valid_from
            if ends_late or earlier.valid_from == later.valid_from:
                raise ValueError(
                    f"versions overlap: {earlier.valid_from}..{earlier.valid_to or ''} and "
                    f"{later.valid_from}..; end the earlier one before the later starts"
                )
        if ordered != versions:
            raise ValueError("versions must be listed in valid_from order")
        return self

    def version_on(self, day: date) -> Effective[T]:
        """Return the version in force on ``day``.

        An open-ended version (no ``valid_to``) yields to the next version's
        ``valid_from``, so adding a new version never needs the old one edited.

        Raises:
            ConfigError: when no version covers ``day``.
        """
        chosen: Effective[T] | None = None
        for entry in self.root:
            if entry.valid_from > day:
                break
            chosen = entry
        if chosen is None or not chosen.covers(day):
            spans = ", ".join(f"{e.valid_from}..{e.valid_to or ''}" for e in self.root)
            raise ConfigError(
                f"day={day.isoformat()}: no rule version is in force (versions: {spans}); "
                "add a version whose valid_from is on or before that day"
            )
        return chosen

    def on(self, day: date) -> T:
        """Return the value in force on ``day`` (see :meth:`version_on`)."""
        return self.version_on(day).value


def read_package_yaml(name: str) -> Any:
    """Read a YAML file shipped in ``bolt_exec/compliance/data``."""
    text = resources.files(_DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def load_yaml_model(model: type[M], source: str | Path) -> M:
    """Load and validate a YAML file into ``model``.

    Args:
        model: the pydantic model of the whole file.
        source: a file path, or the bare name of a file shipped in
            ``bolt_exec/compliance/data`` (e.g. ``"mifid.yaml"``).

    Raises:
        ConfigError: the file is missing, is not YAML, or fails validation; the
            message names the file and each offending field.
    """
    path = Path(source)
    try:
        if path.exists():
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        else:
            raw = read_package_yaml(str(source))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{source}: cannot read reference configuration ({exc})") from exc
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{source}: invalid reference configuration: {problems}") from exc

"""CFTC Part 43 rule sets: notional rounding, caps, block sizes, delays, action codes.

One :class:`Part43Rules` per version of ``data/cftc_part43.yaml``, chosen by
the execution date (ET). Missing numbers stay ``None`` and make the lookup
raise a :class:`~bolt_exec.errors.ConfigError` that names what to supply;
nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Final, Literal

from bolt_exec.compliance.dated_config import (
    DatedVersions,
    config_decimal,
    load_dated_yaml,
    packaged_rules_path,
)
from bolt_exec.errors import ConfigError, ValidationError

__all__ = [
    "ASSET_CLASSES",
    "NO_BLOCKS",
    "Delay",
    "Part43Rules",
    "RoundingBand",
    "load_cftc_rules",
]

ASSET_CLASSES: Final = ("IR", "CR", "EQ", "FX", "CO")
NO_BLOCKS: Final = "no_blocks"
_MILLION: Final = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class RoundingBand:
    """Values below ``below`` (None: no bound) round to the nearest ``increment``."""

    below: Decimal | None
    increment: Decimal


@dataclass(frozen=True, slots=True)
class Delay:
    """A dissemination delay: clock minutes or business hours."""

    minutes: int = 0
    business_hours: int = 0


@dataclass(frozen=True, slots=True)
class _BlockTable:
    mode: Literal["table", "no_blocks", "all_block"]
    tenor_max_days: tuple[int | None, ...] = ()
    sizes: tuple[tuple[str, tuple[Decimal | None, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Part43Rules:
    """The Part 43 numbers in force for one period (see the YAML for each field)."""

    timezone: str
    rounding_mode: Literal["half_up", "half_even"]
    rounding_minimum: Decimal
    bands: tuple[RoundingBand, ...]
    cap_marker: str
    delays: tuple[tuple[str, Delay], ...]
    event_type_new: str
    action_events: tuple[tuple[str, tuple[str, ...]], ...]
    part45_only_actions: tuple[str, ...]
    caps: tuple[tuple[str, tuple[tuple[int | None, Decimal], ...]], ...] | None
    currency_groups: tuple[tuple[str, tuple[str, ...]], ...]
    block_sizes: tuple[tuple[str, _BlockTable | None], ...] | None

    def round_notional(self, notional: Decimal) -> Decimal:
        """Round an actual notional for publication (43.4(f) table).

        The band is picked by the unrounded value, and a value that rounds
        into the next band is not re-rounded (99,999,999 -> 100,000,000).

        Raises:
            ValidationError: for a zero, negative or non-finite notional.
        """
        if not notional.is_finite() or notional <= 0:
            raise ValidationError(
                "notional",
                str(notional),
                "must be a positive amount",
                "a swap's notional is reported as a positive number",
            )
        mode = ROUND_HALF_UP if self.rounding_mode == "half_up" else ROUND_HALF_EVEN
        for band in self.bands:
            if band.below is None or notional < band.below:
                q = (notional / band.increment).quantize(Decimal(1), mode) * band.increment
                return max(q, self.rounding_minimum).quantize(Decimal(1))
        raise ConfigError("cftc_part43: rounding bands must end with an unbounded band")

    def cap_for(self, asset_class: str, tenor_days: int) -> Decimal:
        """Return the cap size for a swap category.

        Raises:
            ConfigError: when this version's caps were not configured.
        """
        if self.caps is None:
            raise ConfigError(
                "cftc_part43: cap sizes for this period are not configured (post-initial caps "
                "in force since 2023-12-04 were not captured); supply them with a rules file"
            )
        for cls, rows in self.caps:
            if cls == asset_class:
                for max_days, cap in rows:
                    if max_days is None or tenor_days <= max_days:
                        return cap
        raise ConfigError(f"cftc_part43: no cap size for asset class {asset_class!r}")

    def currency_group(self, currency: str) -> str:
        """Return ``super_major``, ``major`` or ``non_major`` for a notional currency."""
        for group, members in self.currency_groups:
            if currency in members:
                return group
        return "non_major"

    def block_size(self, asset_class: str, currency: str, tenor_days: int) -> Decimal | str:
        """Return the appropriate minimum block size (USD), or ``NO_BLOCKS``.

        Raises:
            ConfigError: when the size for this category is not configured.
        """
        if self.block_sizes is None:
            raise ConfigError(
                "cftc_part43: block sizes for this period are not configured (post-initial "
                "sizes in force since 2023-12-04 were not captured); supply a rules file"
            )
        table = dict(self.block_sizes).get(asset_class)
        if table is None:
            raise ConfigError(
                f"cftc_part43: no block sizes configured for asset class {asset_class!r}; "
                "add them (or mode: no_blocks) to the rules file"
            )
        if table.mode == NO_BLOCKS:
            return NO_BLOCKS
        if table.mode == "all_block":
            return Decimal(0)
        group = self.currency_group(currency)
        sizes = dict(table.sizes).get(group)
        for i, max_days in enumerate(table.tenor_max_days):
            if max_days is None or tenor_days <= max_days:
                size = sizes[i] if sizes is not None else None
                if size is None:
                    break
                return size
        raise ConfigError(
            f"cftc_part43: no block size for {asset_class} {group} tenor {tenor_days} days "
            "(not captured in the sources); add it to the rules file"
        )

    def delay(self, table: str) -> Delay:
        """Return the Appendix C delay of ``table`` (C1..C6)."""
        for name, delay in self.delays:
            if name == table:
                return delay
        raise ConfigError(f"cftc_part43: no delay configured for Appendix C table {table!r}")

    def check_action_event(self, action: str, event: str | None) -> None:
        """Refuse action/event pairs not allowed on the Part 43 path.

        Raises:
            ValidationError: naming the pair and what is allowed.
        """
        if action in self.part45_only_actions:
            raise ValidationError(
                "action_type",
                action,
                "is a Part 45 action",
                "never send it on the Part 43 (public) path",
            )
        allowed = dict(self.action_events)
        if action not in allowed:
            raise ValidationError(
                "action_type", action, "is unknown", f"use one of {', '.join(sorted(allowed))}"
            )
        events = allowed[action]
        if not events and event is not None:
            raise ValidationError("event_type", event, f"must be empty with action {action}")
        if events and event not in events:
            raise ValidationError(
                "event_type",
                event,
                f"is not allowed with action {action}",
                f"use one of {', '.join(events)}",
            )


def _opt_int(value: Any, loc: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{loc}={value!r}: must be a whole number of days or null")
    return value


def _blocks(raw: Any, loc: str) -> tuple[tuple[str, _BlockTable | None], ...] | None:
    if raw is None:
        return None
    out: list[tuple[str, _BlockTable | None]] = []
    for cls, spec in sorted(raw.items()):
        where = f"{loc}.block_sizes.{cls}"
        if spec is None:
            out.append((cls, None))
            continue
        mode = spec.get("mode")
        if mode in (NO_BLOCKS, "all_block"):
            out.append((cls, _BlockTable(mode)))
            continue
        if mode != "table":
            raise ConfigError(f"{where}.mode={mode!r}: must be table, no_blocks or all_block")
        tenors = tuple(_opt_int(t, f"{where}.tenor_max_days") for t in spec["tenor_max_days"])
        sizes = []
        for group in ("super_major", "major", "non_major"):
            row = spec.get(group) or [None] * len(tenors)
            if len(row) != len(tenors):
                raise ConfigError(f"{where}.{group}: needs {len(tenors)} values (null allowed)")
            here = f"{where}.{group}"
            millions = (None if v is None else config_decimal(v, here) * _MILLION for v in row)
            sizes.append((group, tuple(millions)))
        out.append((cls, _BlockTable("table", tenors, tuple(sizes))))
    return tuple(out)


def parse_part43_rules(raw: Mapping[str, Any], loc: str) -> Part43Rules:
    """Parse one version's mapping (defaults merged) into :class:`Part43Rules`.

    Raises:
        ConfigError: naming the key and the value.
    """
    rnd = raw.get("rounding") or {}
    if rnd.get("mode") not in ("half_up", "half_even"):
        raise ConfigError(f"{loc}.rounding.mode={rnd.get('mode')!r}: half_up or half_even")
    bands = tuple(
        RoundingBand(
            None if b.get("below") is None else config_decimal(b["below"], f"{loc}.bands"),
            config_decimal(b["increment"], f"{loc}.bands"),
        )
        for b in rnd.get("bands") or ()
    )
    if not bands or bands[-1].below is not None:
        raise ConfigError(f"{loc}.rounding.bands: must end with a band without 'below'")
    caps_raw = raw.get("caps")
    caps = (
        None
        if caps_raw is None
        else tuple(
            (
                cls,
                tuple(
                    (
                        _opt_int(r.get("max_tenor_days"), f"{loc}.caps.{cls}"),
                        config_decimal(r["cap"], f"{loc}.caps.{cls}"),
                    )
                    for r in rows
                ),
            )
            for cls, rows in sorted(caps_raw.items())
        )
    )
    delays = []
    for name, spec in sorted((raw.get("delays") or {}).items()):
        delays.append(
            (name, Delay(int(spec.get("minutes", 0)), int(spec.get("business_hours", 0))))
        )
    return Part43Rules(
        timezone=str(raw.get("timezone", "America/New_York")),
        rounding_mode=rnd["mode"],
        rounding_minimum=config_decimal(rnd.get("minimum", "0"), f"{loc}.rounding.minimum"),
        bands=bands,
        cap_marker=str(raw.get("cap_marker", "+")),
        delays=tuple(delays),
        event_type_new=str(raw.get("event_type_new", "TRAD")),
        action_events=tuple(
            (a, tuple(str(e) for e in evs or ()))
            for a, evs in sorted((raw.get("action_events") or {}).items())
        ),
        part45_only_actions=tuple(str(a) for a in raw.get("part45_only_actions") or ()),
        caps=caps,
        currency_groups=tuple(
            (g, tuple(str(c) for c in members))
            for g, members in sorted((raw.get("currency_groups") or {}).items())
        ),
        block_sizes=_blocks(raw.get("block_sizes"), loc),
    )


def load_cftc_rules(
    path: Path | str | Mapping[str, Any] | None = None,
) -> DatedVersions[Part43Rules]:
    """Load the Part 43 rule versions (the packaged ``data/cftc_part43.yaml`` by default)."""
    return load_dated_yaml(
        path if path is not None else packaged_rules_path("cftc_part43.yaml"), parse_part43_rules
    )

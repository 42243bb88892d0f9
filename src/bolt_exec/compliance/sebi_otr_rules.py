"""SEBI OTR rule sets: bands, slabs, cooling off, and the documented assumptions.

One :class:`OtrRules` per version of ``data/sebi_otr.yaml``; the version in
force is chosen by each message's trading day (IST). Every UNVERIFIED point
of compliance-facts.md section 2 is a field here with its documented default,
so a firm can change it without touching code.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

from bolt_exec.compliance.dated_config import (
    DatedVersions,
    config_decimal,
    load_dated_yaml,
    packaged_rules_path,
)
from bolt_exec.errors import ConfigError

__all__ = [
    "SEGMENTS",
    "CoolingOffRule",
    "OptionBand",
    "OtrRules",
    "Slab",
    "load_sebi_rules",
]

SEGMENTS: Final = ("EQ_CASH", "EQ_DERIV", "CURRENCY_DERIV")


@dataclass(frozen=True, slots=True)
class Slab:
    """From ``lower`` (OTR >= lower) up to the next slab, each counted message costs ``rate``."""

    lower: int
    rate: Decimal


@dataclass(frozen=True, slots=True)
class OptionBand:
    """Equity-options exemption: ``|limit - LTP| <= max(pct% of LTP, min_abs)``."""

    pct: Decimal
    min_abs: Decimal


@dataclass(frozen=True, slots=True)
class CoolingOffRule:
    """``occurrences`` days with OTR >= ``threshold`` within ``window`` days block the next open."""

    threshold: int
    occurrences: int
    window: int
    window_unit: Literal["trading_days", "calendar_days"]
    minutes: int


@dataclass(frozen=True, slots=True)
class OtrRules:
    """The OTR rules in force for one period (see ``data/sebi_otr.yaml`` for each field)."""

    timezone: str
    granularity: Literal["segment", "exchange"]
    segments: tuple[str, ...]
    price_band_pct: Decimal
    option_band: OptionBand | None
    band_inclusive: bool
    market_orders: Literal["count", "exempt"]
    cancellations: Literal["count", "resting_price"]
    no_ltp: Literal["count", "exempt"]
    dmm_excluded: bool
    dmm_trades_in_denominator: bool
    default_algo: bool
    zero_trade_floor: int
    slab_mode: Literal["incremental", "flat"]
    currency: str
    slabs: tuple[Slab, ...]
    cooling_off: CoolingOffRule
    session_open: tuple[tuple[str, time], ...]
    risk_reducing_allowed: tuple[tuple[str, bool], ...]

    def slab_for(self, counted: int, denominator: int) -> int:
        """Return the index of the slab the ratio ``counted / denominator`` is in.

        Compared exactly (``counted >= lower * denominator``), so an OTR of
        exactly 50 is in the 50 slab whatever the float rendering.
        """
        idx = 0
        for i, slab in enumerate(self.slabs):
            if counted >= slab.lower * denominator:
                idx = i
        return idx

    def open_time(self, segment: str) -> time:
        """Return the normal-market open (local time) of ``segment``."""
        value: time = _lookup(self.session_open, segment, "session_open")
        return value

    def risk_reducing_ok(self, segment: str) -> bool:
        """Return whether risk-reducing orders may go in during cooling off in ``segment``."""
        value: bool = _lookup(self.risk_reducing_allowed, segment, "risk_reducing_allowed")
        return value


def _lookup(pairs: tuple[tuple[str, Any], ...], key: str, what: str) -> Any:
    for k, v in pairs:
        if k == key:
            return v
    raise ConfigError(f"sebi_otr: {what} has no entry for segment {key!r}; add one")


def _dec(raw: Mapping[str, Any], key: str, loc: str) -> Decimal:
    return config_decimal(raw.get(key), f"{loc}.{key}")


def _choice(raw: Mapping[str, Any], key: str, allowed: tuple[str, ...], loc: str) -> Any:
    value = raw.get(key)
    if value not in allowed:
        raise ConfigError(f"{loc}.{key}={value!r}: must be one of {', '.join(allowed)}")
    return value


def _int(raw: Mapping[str, Any], key: str, loc: str, minimum: int = 0) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{loc}.{key}={value!r}: must be a whole number >= {minimum}")
    return value


def _bool(raw: Mapping[str, Any], key: str, loc: str) -> bool:
    value = raw.get(key)
    if not isinstance(value, bool):
        raise ConfigError(f"{loc}.{key}={value!r}: must be true or false")
    return value


def _hhmm(value: Any, loc: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f'{loc}={value!r}: not a time; write it as "09:15"') from None


def parse_otr_rules(raw: Mapping[str, Any], loc: str) -> OtrRules:
    """Parse one version's mapping (defaults already merged) into :class:`OtrRules`.

    Raises:
        ConfigError: naming the key, the value and the expected form.
    """
    slabs_raw = raw.get("slabs")
    if not isinstance(slabs_raw, list) or not slabs_raw:
        raise ConfigError(f"{loc}.slabs: must be a non-empty list of {{from, rate}}")
    slabs = tuple(
        Slab(_int(s, "from", f"{loc}.slabs[{i}]"), _dec(s, "rate", f"{loc}.slabs[{i}]"))
        for i, s in enumerate(slabs_raw)
    )
    if slabs[0].lower != 0 or any(a.lower >= b.lower for a, b in itertools.pairwise(slabs)):
        raise ConfigError(f"{loc}.slabs: must start at 0 and strictly increase")
    ob = raw.get("option_band")
    option_band = (
        None
        if ob is None
        else OptionBand(
            _dec(ob, "pct", f"{loc}.option_band"), _dec(ob, "min_abs", f"{loc}.option_band")
        )
    )
    co = raw.get("cooling_off")
    if not isinstance(co, Mapping):
        raise ConfigError(f"{loc}.cooling_off: must be a mapping")
    cooling = CoolingOffRule(
        threshold=_int(co, "threshold", f"{loc}.cooling_off", 1),
        occurrences=_int(co, "occurrences", f"{loc}.cooling_off", 1),
        window=_int(co, "window", f"{loc}.cooling_off", 1),
        window_unit=_choice(co, "window_unit", ("trading_days", "calendar_days"), loc),
        minutes=_int(co, "minutes", f"{loc}.cooling_off", 0),
    )
    segments = tuple(str(s) for s in raw.get("segments") or ())
    session_raw = raw.get("session_open") or {}
    rr_raw = raw.get("risk_reducing_allowed") or {}
    for seg in segments:
        if seg not in session_raw or seg not in rr_raw:
            raise ConfigError(
                f"{loc}: segment {seg!r} needs session_open and risk_reducing_allowed entries"
            )
    return OtrRules(
        timezone=str(raw.get("timezone", "Asia/Kolkata")),
        granularity=_choice(raw, "granularity", ("segment", "exchange"), loc),
        segments=segments,
        price_band_pct=_dec(raw, "price_band_pct", loc),
        option_band=option_band,
        band_inclusive=_bool(raw, "band_inclusive", loc),
        market_orders=_choice(raw, "market_orders", ("count", "exempt"), loc),
        cancellations=_choice(raw, "cancellations", ("count", "resting_price"), loc),
        no_ltp=_choice(raw, "no_ltp", ("count", "exempt"), loc),
        dmm_excluded=_bool(raw, "dmm_excluded", loc),
        dmm_trades_in_denominator=_bool(raw, "dmm_trades_in_denominator", loc),
        default_algo=_bool(raw, "default_algo", loc),
        zero_trade_floor=_int(raw, "zero_trade_floor", loc, 1),
        slab_mode=_choice(raw, "slab_mode", ("incremental", "flat"), loc),
        currency=str(raw.get("currency", "INR")),
        slabs=slabs,
        cooling_off=cooling,
        session_open=tuple(
            (str(k), _hhmm(v, f"{loc}.session_open.{k}")) for k, v in sorted(session_raw.items())
        ),
        risk_reducing_allowed=tuple((str(k), bool(v)) for k, v in sorted(rr_raw.items())),
    )


def load_sebi_rules(path: Path | str | Mapping[str, Any] | None = None) -> DatedVersions[OtrRules]:
    """Load the OTR rule versions (the packaged ``data/sebi_otr.yaml`` by default).

    Raises:
        ConfigError: on any malformed or overlapping version.
    """
    return load_dated_yaml(
        path if path is not None else packaged_rules_path("sebi_otr.yaml"), parse_otr_rules
    )

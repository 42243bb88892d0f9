"""CFTC Part 43: the public dissemination records of a day's swap executions.

A pure function of the journal, swap reference data, FX rates and the rule
versions (design invariant 9). Each distinct swap fill (``OrderFilled``) is
one execution and yields

* a **public record** -- what the SDR should disseminate: action/event type,
  execution time (UTC, to the second), dates, UPI, clearing, the notional
  rounded (43.4(f)) and capped (43.4(g)/(h)), price, election flags and the
  earliest dissemination time. It never carries a party identity: every
  value is screened for LEI-shaped strings and the parties' names, and a
  record that fails is withheld and listed as an exception (43.4(d));
* an **internal record** -- the actual notional, who must report
  (SEF/DCM, us or the counterparty, 43.3(a)), the Appendix C delay table,
  the post-priced deadline (11:59:59 p.m. ET) -- for the compliance officer;
* **exceptions** -- elections that do not qualify or cannot be verified,
  missing reporting-party designations, anonymity failures.

Per-order facts come from ``OrderInitialized.tags`` (the ``TAG_*`` names);
per-product facts from :class:`SwapTerms`; the firm's status from
:class:`Part43Firm`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final, Literal

from bolt_exec.compliance.canonical import journal_sha256, pretty_json
from bolt_exec.compliance.cftc_part43_rules import ASSET_CLASSES, Part43Rules
from bolt_exec.compliance.cftc_part43_time import ET, post_priced_deadline_ns, release_ns
from bolt_exec.compliance.dated_config import DatedVersions
from bolt_exec.errors import ConfigError, ValidationError
from bolt_exec.model.events import OrderEvent, OrderFilled, OrderInitialized

__all__ = [
    "LEI_PATTERN",
    "TAG_BLOCK",
    "TAG_CP_IDS",
    "TAG_CP_STATUS",
    "TAG_LNS",
    "TAG_ORDER_BOOK",
    "TAG_PLATFORM",
    "TAG_POST_PRICED",
    "TAG_PRICE_PENDING",
    "TAG_REPORTING",
    "Part43Firm",
    "SwapTerms",
    "anonymity_violations",
    "part43_report",
    "part43_report_json",
]

TAG_PLATFORM: Final = "platform"  # SEF/DCM MIC; absent or "OFF" = off-facility
TAG_ORDER_BOOK: Final = "sef_order_book"  # "true": executed on the SEF's order book
TAG_BLOCK: Final = "block_election"
TAG_LNS: Final = "lns_election"
TAG_CP_STATUS: Final = "counterparty_status"  # SD, MSP or NONE
TAG_REPORTING: Final = "reporting_party"  # agreed override: "us" or "counterparty"
TAG_POST_PRICED: Final = "post_priced"
TAG_PRICE_PENDING: Final = "price_pending"  # the price is not known yet
TAG_CP_IDS: Final = "counterparty_ids"  # names/LEIs, "|"-separated: screened out of public data

LEI_PATTERN: Final = re.compile(r"(?<![A-Z0-9])[A-Z0-9]{18}[0-9]{2}(?![A-Z0-9])")
_NS: Final = 1_000_000_000
Status = Literal["SD", "MSP", "NONE"]


@dataclass(frozen=True, slots=True)
class SwapTerms:
    """Reference data of a swap product (keyed by the symbol orders use).

    Attributes:
        upi: the unique product identifier.
        asset_class: IR, CR, EQ, FX or CO.
        notional_per_unit: notional of one unit of order quantity (1 when qty is the notional).
        mandatory_clearing: subject to the clearing requirement (and not excepted).
        clearing_exception: excepted under CEA 2(h)(7).
    """

    upi: str
    asset_class: str
    notional_currency: str
    effective_date: date
    expiration_date: date
    mandatory_clearing: bool = False
    clearing_exception: bool = False
    cleared: bool = False
    price_notation: str = "PRICE"
    notional_per_unit: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if self.asset_class not in ASSET_CLASSES:
            raise ValidationError(
                "asset_class",
                self.asset_class,
                "is not a Part 43 asset class",
                f"use one of {', '.join(ASSET_CLASSES)}",
            )
        if self.expiration_date < self.effective_date:
            raise ValidationError(
                "expiration_date",
                self.expiration_date.isoformat(),
                f"is before effective_date {self.effective_date.isoformat()}",
            )
        if not self.notional_per_unit.is_finite() or self.notional_per_unit <= 0:
            raise ValidationError(
                "notional_per_unit", str(self.notional_per_unit), "must be a positive amount"
            )
        if not self.upi:
            raise ValidationError("upi", self.upi, "must name the product (UPI)")

    @property
    def tenor_days(self) -> int:
        """Days from the effective date to the expiration date."""
        return (self.expiration_date - self.effective_date).days


@dataclass(frozen=True, slots=True)
class Part43Firm:
    """The reporting firm: its swap-dealer status and identities never to publish."""

    status: Status = "NONE"
    identities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in ("SD", "MSP", "NONE"):
            raise ValidationError("status", self.status, "is not SD, MSP or NONE")


def _flag(tags: Mapping[str, str], key: str) -> bool:
    return tags.get(key, "").strip().lower() in ("1", "true", "yes", "y")


def _iso(ts_ns: int) -> str:
    return datetime.fromtimestamp(ts_ns // _NS, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def anonymity_violations(record: Mapping[str, Any], identities: Iterable[str]) -> list[str]:
    """Return why ``record`` could identify a party (empty when it cannot).

    Flags any LEI-shaped token and any of ``identities`` (case-insensitive).
    """
    names = [n.strip().lower() for n in identities if n and n.strip()]
    found: list[str] = []
    for s in _strings(record):
        if LEI_PATTERN.search(s):
            found.append(f"LEI-shaped value {s!r}")
        low = s.lower()
        found.extend(f"party identity {n!r} in {s!r}" for n in names if n in low)
    return found


def _reporting_party(on_facility: bool, ours: Status, theirs: str, override: str) -> str | None:
    if on_facility:
        return "SEF/DCM"
    if override in ("us", "counterparty"):
        return override
    rank = {"SD": 2, "MSP": 1, "NONE": 0}
    if theirs not in rank:
        return None  # unknown status: nobody can be chosen by rule
    a, b = rank[ours], rank[theirs]
    if a == b:
        return None  # both SD, both MSP, or neither: the parties must designate one
    return "us" if a > b else "counterparty"


def _delay_table(
    on_facility: bool, block: bool, lns: bool, terms: SwapTerms, any_sd_msp: bool
) -> str | None:
    if on_facility:
        return "C1" if block else None
    if not lns:
        return None
    # C2/C3 leave out 2(h)(7) exceptions and required-but-not-cleared swaps [S78].
    if terms.mandatory_clearing and not terms.clearing_exception and terms.cleared:
        return "C2" if any_sd_msp else "C3"
    if not any_sd_msp:
        return "C6"
    return "C5" if terms.asset_class == "CO" else "C4"


def _election_problem(
    rules: Part43Rules,
    terms: SwapTerms,
    usd: Decimal,
    on_facility: bool,
    order_book: bool,
    block: bool,
    lns: bool,
) -> str | None:
    if block and lns:
        return "both block and large-notional elections set; choose one"
    if block and (not on_facility or order_book):
        return "block election on a swap not executed off a SEF/DCM order book (43.2)"
    if lns and on_facility:
        return "large-notional off-facility election on an on-facility swap"
    try:
        size = rules.block_size(terms.asset_class, terms.notional_currency, terms.tenor_days)
    except ConfigError as exc:
        return f"election cannot be verified: {exc}"
    if isinstance(size, str):  # NO_BLOCKS
        return f"election on a no-blocks category ({terms.asset_class})"
    if usd < size:
        return f"election on a swap below the appropriate minimum block size ({usd} < {size} USD)"
    return None


@dataclass(frozen=True, slots=True)
class _Execution:
    """What one swap fill yields: its public record (None if withheld), internal record, issues."""

    public: dict[str, Any] | None
    internal: dict[str, Any]
    problems: list[str]


def _execution(
    ev: OrderFilled,
    tags: Mapping[str, str],
    terms: SwapTerms,
    r: Part43Rules,
    usd_rate: Decimal,
    firm: Part43Firm,
    dissemination_id: str,
) -> _Execution:
    problems: list[str] = []
    notional = ev.last_qty * terms.notional_per_unit
    usd = notional * usd_rate
    platform = (tags.get(TAG_PLATFORM, "OFF") or "OFF").upper()
    on_facility = platform != "OFF"
    block, lns = _flag(tags, TAG_BLOCK), _flag(tags, TAG_LNS)
    if block or lns:
        order_book = _flag(tags, TAG_ORDER_BOOK)
        problem = _election_problem(r, terms, usd, on_facility, order_book, block, lns)
        if problem:
            problems.append(problem)
            block = lns = False  # not a valid election: disseminated at once
    if lns and terms.mandatory_clearing and not terms.clearing_exception and not terms.cleared:
        problems.append(
            "large-notional swap subject to mandatory clearing but not cleared: reported "
            "under the not-cleared tables (C4-C6); which Appendix C table applies is UNVERIFIED"
        )
    theirs = tags.get(TAG_CP_STATUS, "NONE").upper()
    if theirs not in ("SD", "MSP", "NONE"):
        problems.append(f"{TAG_CP_STATUS}={theirs!r} is not SD, MSP or NONE; fix the order tag")
    reporter = _reporting_party(
        on_facility, firm.status, theirs, tags.get(TAG_REPORTING, "").lower()
    )
    if reporter is None:
        problems.append(
            f"reporting counterparty not designated (we are {firm.status}, counterparty "
            f"{theirs}); tag the order {TAG_REPORTING}=us|counterparty"
        )
    table = _delay_table(on_facility, block, lns, terms, firm.status != "NONE" or theirs != "NONE")
    delay = r.delay(table) if table else None
    release = release_ns(ev.ts_event, delay.minutes, delay.business_hours) if delay else ev.ts_event
    rounded = r.round_notional(notional)
    cap = r.cap_for(terms.asset_class, terms.tenor_days)
    # Caps are USD sizes: compared on the USD equivalent; a capped value is
    # published as the cap in USD (both UNVERIFIED, as is the marker format).
    capped = r.round_notional(usd) > cap
    pending, post_priced = _flag(tags, TAG_PRICE_PENDING), _flag(tags, TAG_POST_PRICED)
    action, event_type = "NEWT", r.event_type_new
    r.check_action_event(action, event_type)
    record: dict[str, Any] = {
        "dissemination_id": dissemination_id,
        "action_type": action,
        "event_type": event_type,
        "execution_timestamp": _iso(ev.ts_event),
        "dissemination_not_before": _iso(release),
        "effective_date": terms.effective_date,
        "expiration_date": terms.expiration_date,
        "asset_class": terms.asset_class,
        "upi": terms.upi,
        "cleared": terms.cleared,
        "platform_identifier": platform,
        "block_trade_election": block,
        "large_notional_off_facility_election": lns,
        "post_priced": post_priced,
        "notional_currency": "USD" if capped else terms.notional_currency,
        "notional": cap if capped else rounded,
        "notional_capped": capped,
        "notional_display": f"{cap}{r.cap_marker}" if capped else str(rounded),
        "price": None if pending else ev.last_px,
        "price_notation": terms.price_notation,
    }
    leaks = anonymity_violations(record, [*firm.identities, *tags.get(TAG_CP_IDS, "").split("|")])
    if leaks:
        problems.append("public record withheld: " + "; ".join(leaks))
    internal = {
        "trade_id": ev.trade_id,
        "client_order_id": ev.client_order_id,
        "dissemination_id": None if leaks else dissemination_id,
        "symbol": ev.symbol,
        "side": ev.side,
        "notional": notional,
        "notional_currency": terms.notional_currency,
        "usd_notional": usd,
        "reporting_party": reporter,
        "appendix_c_table": table,
        "release_utc": _iso(release),
        "post_priced_deadline_utc": (
            _iso(post_priced_deadline_ns(ev.ts_event)) if post_priced else None
        ),
        "price_pending": pending,
    }
    return _Execution(None if leaks else record, internal, problems)


def part43_report(
    events: Iterable[OrderEvent],
    *,
    rules: DatedVersions[Part43Rules],
    day: date,
    swaps: Mapping[str, SwapTerms],
    firm: Part43Firm,
    usd_rates: Mapping[str, Decimal] | None = None,
) -> dict[str, Any]:
    """Build the Part 43 records for swaps executed on ``day`` (America/New_York).

    Args:
        events: the journal, in journal order.
        rules: the Part 43 rule versions (chosen by execution date).
        day: the execution date reported.
        swaps: symbol -> :class:`SwapTerms` for every swap traded.
        firm: our status and identities.
        usd_rates: USD value of one unit of each notional currency (USD is 1).

    Raises:
        ValidationError: a fill of a symbol without swap terms, or a currency without a rate.
        ConfigError: caps not configured for the period.
    """
    journal = list(events)
    rates = {"USD": Decimal(1), **(usd_rates or {})}
    r = rules.for_date(day)
    orders: dict[str, OrderInitialized] = {}
    seen: set[tuple[str, str]] = set()
    public: list[dict[str, Any]] = []
    internal: list[dict[str, Any]] = []
    exceptions: list[dict[str, Any]] = []
    for ev in journal:
        if isinstance(ev, OrderInitialized):
            orders[ev.client_order_id] = ev
            continue
        if not isinstance(ev, OrderFilled) or (ev.symbol, ev.trade_id) in seen:
            continue
        seen.add((ev.symbol, ev.trade_id))
        if datetime.fromtimestamp(ev.ts_event // _NS, tz=UTC).astimezone(ET).date() != day:
            continue
        terms = swaps.get(ev.symbol)
        if terms is None:
            raise ValidationError(
                "symbol", ev.symbol, "has no swap terms", "add it to the swaps reference data"
            )
        rate = rates.get(terms.notional_currency)
        if rate is None:
            raise ValidationError(
                "usd_rates",
                terms.notional_currency,
                "has no USD rate",
                f"pass usd_rates={{'{terms.notional_currency}': ...}}",
            )
        spec = orders.get(ev.client_order_id)
        ref = {"trade_id": ev.trade_id, "client_order_id": ev.client_order_id}
        if spec is None:
            exceptions.append(
                {
                    **ref,
                    "problem": "order not initialised in the journal: "
                    "election, platform and party tags are unknown",
                }
            )
        out = _execution(
            ev,
            spec.tags if spec else {},
            terms,
            r,
            rate,
            firm,
            f"{day:%Y%m%d}-{len(public) + 1:06d}",
        )
        exceptions.extend({**ref, "problem": p} for p in out.problems)
        if out.public is not None:
            public.append(out.public)
        internal.append(out.internal)
    version = rules.version_for(day)
    return {
        "report": "cftc_part43",
        "schema_version": 1,
        "day": day,
        "timezone": "America/New_York",
        "journal_sha256": journal_sha256(journal),
        "rules_version": version.label,
        "rules_source": version.source,
        "assumptions": {
            "rounding_mode": r.rounding_mode,
            "rounding_minimum": r.rounding_minimum,
            "cap_marker": r.cap_marker,
            "event_type_new": r.event_type_new,
            "cap_compared_on": "USD equivalent of the rounded notional",
            "business_hours": "weekdays except US federal holidays, America/New_York",
        },
        "public": public,
        "internal": internal,
        "exceptions": exceptions,
    }


def part43_report_json(report: Mapping[str, Any]) -> bytes:
    """Return the report as indented canonical JSON (byte-identical on replay)."""
    return pretty_json(report)

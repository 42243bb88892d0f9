"""Order records (RTS 24 Table 2 data a member supplies; 2017/565 Annex IV for the firm).

Theory of operation: every journal event of an order on the report day
becomes one immutable record, numbered in journal order (the journal is
written before anything is published, so its order is the firm's order of
events; the sequence number also orders events that share a timestamp). Each
record carries the order's state *after* the event (quantity after amends,
filled and remaining quantity), the UTC time at the RTS 25 granularity of the
firm's activity, and the parties from the ``mifid.*`` tags.

RTS 24 field numbering beyond fields 1 and 10-12 is UNVERIFIED, so columns are
named, not numbered; event codes come from ``order_records.event_codes`` in
``mifid.yaml``. Records must be kept for ``retention_years`` (5, MiFIR Art. 25);
``retain_until`` says until when.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from bolt_exec.compliance.mifid.formats import format_decimal, utc_date
from bolt_exec.compliance.mifid.issues import ValidationIssue
from bolt_exec.compliance.mifid.journal import EventSource, read_journal
from bolt_exec.compliance.mifid.refdata import Firm, ReferenceData
from bolt_exec.compliance.mifid.rts22 import parse_day
from bolt_exec.compliance.mifid.rts25 import format_event_time
from bolt_exec.compliance.mifid.rules import MifidConfig, MifidRules, load_mifid_config
from bolt_exec.model.events import (
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderPendingReplace,
    OrderReplaced,
)

__all__ = ["COLUMNS", "OrderRecordReport", "order_records"]

#: Record columns, in export order.
COLUMNS: Final[tuple[str, ...]] = (
    "sequence_number", "event_time", "event_code", "event", "submitting_entity",
    "client_order_id", "venue_order_id", "parent_order_id", "client_id", "decision_within_firm",
    "execution_within_firm", "trading_capacity", "instrument_id", "segment_mic", "side",
    "order_type", "validity_period", "validity_date_time", "limit_price", "stop_price",
    "price_currency", "initial_quantity", "remaining_quantity", "traded_quantity",
    "transaction_price", "trade_id", "priority_change", "aggregation_id", "reason",
)  # fmt: skip

_SIDES: Final = {"BUY": "BUYI", "SELL": "SELL"}
_VALIDITY: Final = {"DAY": "DAVY", "GTC": "GTCV", "IOC": "IOCV", "FOK": "FOKV", "GTD": "GTDV"}
_ORDER_TYPES: Final = {
    "MARKET": "MARKET",
    "LIMIT": "LIMIT",
    "STOP": "STOP",
    "STOP_LIMIT": "STOP_LIMIT",
}


@dataclass(frozen=True, slots=True)
class OrderRecordReport:
    """Order records of one day: rows in journal order and their issues."""

    day: date
    firm: Firm
    rules: MifidRules
    rows: tuple[Mapping[str, str], ...]
    issues: tuple[ValidationIssue, ...]

    @property
    def retain_until(self) -> date:
        """The first day the records may be deleted (day + retention years)."""
        years = self.rules.order_records.retention_years
        try:
            return self.day.replace(year=self.day.year + years)
        except ValueError:  # 29 February
            return self.day.replace(year=self.day.year + years, day=28)

    def to_csv(self) -> str:
        """Return the records as CSV with the :data:`COLUMNS` header."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()

    def to_json(self) -> str:
        """Return typed JSON (header, rows, issues) with a stable key order."""
        payload = {
            "report": "RTS 24 / Annex IV order records",
            "date": self.day.isoformat(),
            "firm": self.firm.lei,
            "activity": self.firm.activity,
            "retain_until": self.retain_until.isoformat(),
            "rules_in_force": dict(self.rules.provenance),
            "records": [dict(row) for row in self.rows],
            "issues": [
                {
                    "record": i.record_ref,
                    "field": i.field_name,
                    "value": i.value,
                    "problem": i.problem,
                }
                for i in self.issues
            ],
        }
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


@dataclass(slots=True)
class _OrderState:
    spec: OrderInitialized
    qty: Decimal
    limit_px: Decimal | None
    stop_px: Decimal | None
    filled: Decimal = Decimal(0)
    venue_order_id: str = ""
    priority_change: str = ""  # of the last amend: "true" when it loses time priority


def order_records(
    events: Iterable[OrderEvent] | EventSource,
    *,
    day: date | str,
    firm: Firm,
    reference: ReferenceData,
    config: MifidConfig | None = None,
) -> OrderRecordReport:
    """Build the order records for every order event journaled on ``day`` (UTC).

    Args:
        events: the order journal (an iterable of ``OrderEvent`` or an ``OrderStore``),
            from each order's ``OrderInitialized``.
        day: the date (``date`` or ``"YYYY-MM-DD"``); it chooses the rules.
        firm: the firm keeping the records (its RTS 25 activity sets the granularity).
        reference: instruments (ISIN, segment MIC, currency) and algorithms.
        config: the MiFID rule versions (default: the shipped ``mifid.yaml``).

    Raises:
        ValidationError: the journal is malformed.
        ConfigError: no rule version is in force on ``day``.
    """
    record_day = parse_day(day)
    rules = (config or load_mifid_config()).on(record_day)
    journal = read_journal(events)
    states: dict[str, _OrderState] = {}
    rows: list[Mapping[str, str]] = []
    issues: list[ValidationIssue] = []
    seen_fills: set[tuple[str, str]] = set()
    flagged: set[str] = set()
    for event in journal.events:
        if isinstance(event, OrderFilled):
            key = (event.client_order_id, event.trade_id)
            if key in seen_fills:
                continue  # a replayed fill; the OMS de-duplicates by trade id too
            seen_fills.add(key)
        state = _advance(states, event)
        if state is None or utc_date(event.ts_event) != record_day:
            continue
        row = _row(len(rows) + 1, event, state, firm, reference, rules)
        if event.client_order_id not in flagged:
            flagged.add(event.client_order_id)
            issues.extend(_order_issues(row, state, firm, reference, rules))
        rows.append(MappingProxyType(row))  # records are immutable once written
    return OrderRecordReport(record_day, firm, rules, tuple(rows), tuple(issues))


def _advance(states: dict[str, _OrderState], event: OrderEvent) -> _OrderState | None:
    if isinstance(event, OrderInitialized):
        states.setdefault(
            event.client_order_id,
            _OrderState(event, event.qty, event.limit_px, event.stop_px),
        )
    state = states.get(event.client_order_id)
    if state is None:
        return None
    if isinstance(event, OrderReplaced):
        # A venue keeps time priority only when an amend just reduces the quantity.
        new_qty = event.qty if event.qty is not None else state.qty
        repriced = (event.limit_px is not None and event.limit_px != state.limit_px) or (
            event.stop_px is not None and event.stop_px != state.stop_px
        )
        state.priority_change = "true" if repriced or new_qty > state.qty else "false"
        state.qty = event.qty if event.qty is not None else state.qty
        state.limit_px = event.limit_px if event.limit_px is not None else state.limit_px
        state.stop_px = event.stop_px if event.stop_px is not None else state.stop_px
    if isinstance(event, OrderFilled):
        state.filled += event.last_qty
    venue_id = getattr(event, "venue_order_id", "")
    if venue_id:
        state.venue_order_id = venue_id
    return state


def _aggregation_id(tags: dict[str, str]) -> str:
    # Annex IV Section 2: a group of aggregated client orders is "aggregated_X",
    # X the number of clients.
    count = tags.get("mifid.aggregated_clients", "")
    return f"aggregated_{count}" if count else ""


def _event_code(event: OrderEvent, state: _OrderState, rules: MifidRules) -> str:
    codes = rules.order_records.event_codes
    name = type(event).__name__
    if isinstance(event, OrderFilled):
        name = "Fill" if state.filled >= state.qty else "PartialFill"
    return codes.get(name, name)


def _px(value: Decimal | None, rules: MifidRules) -> str:
    if value is None:
        return ""
    return format_decimal(value, rules.decimals.fmt("price_money"), rules.decimals.rounding)[0]


def _qty(value: Decimal, rules: MifidRules) -> str:
    return format_decimal(value, rules.decimals.fmt("quantity_units"), rules.decimals.rounding)[0]


def _order_issues(
    row: dict[str, str],
    state: _OrderState,
    firm: Firm,
    reference: ReferenceData,
    rules: MifidRules,
) -> list[ValidationIssue]:
    # Checked once per order (on its first record of the day), not on every event.
    ref = state.spec.client_order_id
    found: list[ValidationIssue] = []
    if reference.instrument(state.spec.symbol) is None:
        found.append(
            ValidationIssue(
                0,
                "instrument_id",
                state.spec.symbol,
                "no InstrumentRef for this symbol; add it",
                ref,
            )
        )
    capacity = row["trading_capacity"]
    if not capacity:
        found.append(
            ValidationIssue(
                0,
                "trading_capacity",
                "",
                "tag the order with mifid.capacity or set Firm.default_capacity",
                ref,
            )
        )
    if capacity in {"AOTC", "MTCH"} and not row["client_id"]:
        found.append(
            ValidationIssue(
                0,
                "client_id",
                "",
                f"{capacity} order without a mifid.client tag (use AGGR for an aggregated order)",
                ref,
            )
        )
    count = state.spec.tags.get("mifid.aggregated_clients")
    if count is not None and not (count.isdigit() and int(count) >= 2):
        found.append(
            ValidationIssue(
                0,
                "aggregation_id",
                count,
                "mifid.aggregated_clients must be the number of clients (2 or more)",
                ref,
            )
        )
    activity = state.spec.tags.get("mifid.activity")
    if activity is not None and activity not in rules.clock.activities:
        found.append(
            ValidationIssue(
                0,
                "event_time",
                activity,
                f"mifid.activity is not an RTS 25 activity; {firm.activity!r} granularity used",
                ref,
            )
        )
    if not row["execution_within_firm"]:
        found.append(
            ValidationIssue(
                0,
                "execution_within_firm",
                "",
                "tag the order with mifid.execution or run it under a registered algorithm",
                ref,
            )
        )
    return found


def _row(
    seq: int,
    event: OrderEvent,
    state: _OrderState,
    firm: Firm,
    reference: ReferenceData,
    rules: MifidRules,
) -> dict[str, str]:
    spec = state.spec
    tags = spec.tags
    instrument = reference.instrument(spec.symbol)
    capacity = tags.get("mifid.capacity") or firm.default_capacity or ""
    client = tags.get("mifid.client", "")
    activity = tags.get("mifid.activity", firm.activity)
    if activity not in rules.clock.activities:
        activity = firm.activity  # named once per order by _order_issues
    algo = f"algo:{spec.strategy_id}" if spec.strategy_id in reference.algorithms else ""
    on_venue = (
        instrument is not None and instrument.venue_mic not in rules.code_lists.off_venue_mics
    )
    # A pending amend shows the terms requested; the order keeps its old ones until replaced.
    pending = event if isinstance(event, OrderPendingReplace) else None
    qty_shown = pending.qty if pending is not None and pending.qty is not None else state.qty
    limit_shown = pending.limit_px if pending is not None and pending.limit_px else state.limit_px
    stop_shown = pending.stop_px if pending is not None and pending.stop_px else state.stop_px
    fill = event if isinstance(event, OrderFilled) else None
    return {
        "sequence_number": str(seq),
        "event_time": format_event_time(event.ts_event, rules.clock, activity, on_venue=on_venue),
        "event_code": _event_code(event, state, rules),
        "event": type(event).__name__,
        "submitting_entity": firm.lei,
        "client_order_id": spec.client_order_id,
        "venue_order_id": state.venue_order_id,
        "parent_order_id": spec.parent_id or "",
        "client_id": client,
        # Never defaulted: strategy_id names the executing algorithm, not who decided.
        "decision_within_firm": tags.get("mifid.decision", ""),
        "execution_within_firm": tags.get("mifid.execution") or algo,
        "trading_capacity": capacity,
        "instrument_id": (instrument.isin or spec.symbol) if instrument else spec.symbol,
        "segment_mic": instrument.venue_mic if instrument else "",
        "side": _SIDES[spec.side.value],
        "order_type": _ORDER_TYPES[spec.order_type.value],
        "validity_period": _VALIDITY[spec.tif.value],
        "validity_date_time": ""
        if spec.expire_ts is None
        else format_event_time(spec.expire_ts, rules.clock, activity),
        "limit_price": _px(limit_shown, rules),
        "stop_price": _px(stop_shown, rules),
        "price_currency": instrument.currency if instrument else "",
        "initial_quantity": _qty(qty_shown, rules),
        "remaining_quantity": _qty(max(state.qty - state.filled, Decimal(0)), rules),
        "traded_quantity": _qty(fill.last_qty, rules) if fill else "",
        "transaction_price": _px(fill.last_px, rules) if fill else "",
        "trade_id": fill.trade_id if fill else "",
        "priority_change": state.priority_change if isinstance(event, OrderReplaced) else "",
        "aggregation_id": _aggregation_id(tags),
        "reason": getattr(event, "reason", ""),
    }

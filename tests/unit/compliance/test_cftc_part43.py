"""CFTC Part 43 records: elections, delays, caps, reporting party, anonymity, goldens."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import yaml
from _golden_sessions import EUR5Y, FIRM, SWAPS, USD10Y, WED, part43_session
from _otr_journal import ET, Journal, at, check_golden

from bolt_exec.compliance.cftc_part43 import (
    Part43Firm,
    anonymity_violations,
    part43_report,
    part43_report_json,
)
from bolt_exec.compliance.cftc_part43_rules import load_cftc_rules
from bolt_exec.compliance.dated_config import packaged_rules_path
from bolt_exec.errors import ConfigError, ValidationError
from bolt_exec.model.events import decode_event, encode_event

RULES = load_cftc_rules()
RATES = {"EUR": Decimal("1.0900")}


def _report(
    j: Journal, day: date = WED, firm: Part43Firm = FIRM, rules: Any = RULES
) -> dict[str, Any]:
    return part43_report(j.events, rules=rules, day=day, swaps=SWAPS, firm=firm, usd_rates=RATES)


def _one(
    j: Journal, firm: Part43Firm = FIRM
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    rep = _report(j, firm=firm)
    return (rep["public"][0] if rep["public"] else {}), rep["internal"][0], rep["exceptions"]


def test_sef_block_trade_is_delayed_15_minutes_and_capped() -> None:
    j = Journal()
    ts = at(WED, 11, tz=ET)
    j.new(
        "b1",
        "USD10Y",
        ts,
        "4.125",
        qty="200000000",
        tags={"platform": "XSEF", "block_election": "true"},
    )
    j.fill("b1", ts, "T1", "USD10Y", "200000000", "4.125")
    pub, internal, exc = _one(j)
    assert exc == []
    assert pub["block_trade_election"] is True
    assert pub["dissemination_not_before"] == "2023-11-22T16:15:00Z"
    assert (pub["notional"], pub["notional_capped"], pub["notional_display"]) == (
        Decimal(100_000_000),
        True,
        "100000000+",
    )
    assert internal["appendix_c_table"] == "C1"
    assert internal["reporting_party"] == "SEF/DCM"
    assert internal["notional"] == Decimal(200_000_000)


def test_block_election_below_the_size_is_an_exception_and_not_delayed() -> None:
    j = Journal()
    ts = at(WED, 11, tz=ET)
    j.new(
        "b1",
        "USD10Y",
        ts,
        "4.1",
        qty="169999999",
        tags={"platform": "XSEF", "block_election": "true"},
    )
    j.fill("b1", ts, "T1", "USD10Y", "169999999", "4.1")
    pub, internal, exc = _one(j)
    assert "below the appropriate minimum block size" in exc[0]["problem"]
    assert pub["block_trade_election"] is False
    assert pub["dissemination_not_before"] == pub["execution_timestamp"]
    assert internal["appendix_c_table"] is None


def test_block_size_exactly_at_threshold_qualifies() -> None:
    j = Journal()
    ts = at(WED, 11, tz=ET)
    j.new(
        "b1",
        "USD10Y",
        ts,
        "4.1",
        qty="170000000",
        tags={"platform": "XSEF", "block_election": "true"},
    )
    j.fill("b1", ts, "T1", "USD10Y", "170000000", "4.1")
    assert _one(j)[2] == []


def test_block_on_the_sef_order_book_does_not_qualify() -> None:
    j = Journal()
    ts = at(WED, 11, tz=ET)
    j.new(
        "b1",
        "USD10Y",
        ts,
        "4.1",
        qty="300000000",
        tags={"platform": "XSEF", "block_election": "true", "sef_order_book": "true"},
    )
    j.fill("b1", ts, "T1", "USD10Y", "300000000", "4.1")
    assert "order book" in _one(j)[2][0]["problem"]


@pytest.mark.parametrize(
    ("symbol", "ours", "theirs", "table", "release"),
    [
        ("USD10Y", "SD", "NONE", "C4", "2023-11-22T16:30:00Z"),
        ("WTI1Y", "SD", "NONE", "C5", "2023-11-22T18:00:00Z"),
        ("EUR5Y", "SD", "NONE", "C2", "2023-11-22T16:15:00Z"),
        ("EUR5Y", "NONE", "NONE", "C3", "2023-11-22T17:00:00Z"),
        # 24 business hours: 13 h on Wednesday, Thanksgiving skipped, 11 h on Friday.
        ("USD10Y", "NONE", "NONE", "C6", "2023-11-24T16:00:00Z"),
    ],
)
def test_large_notional_off_facility_delay_tables(
    symbol: str, ours: str, theirs: str, table: str, release: str
) -> None:
    j = Journal()
    ts = at(WED, 11, tz=ET)
    j.new(
        "l1",
        symbol,
        ts,
        "1",
        qty="3000000000",
        tags={"lns_election": "true", "counterparty_status": theirs, "reporting_party": "us"},
    )
    j.fill("l1", ts, "T1", symbol, "3000000000", "1")
    firm = Part43Firm(ours)  # type: ignore[arg-type]
    rep = _report(j, firm=firm)
    if symbol == "WTI1Y":  # no CO block sizes were captured: the election cannot be verified
        assert "cannot be verified" in rep["exceptions"][0]["problem"]
        return
    assert rep["exceptions"] == []
    assert rep["internal"][0]["appendix_c_table"] == table
    assert rep["public"][0]["dissemination_not_before"] == release


@pytest.mark.parametrize(
    ("ours", "theirs", "override", "party"),
    [
        ("SD", "NONE", "", "us"),
        ("NONE", "MSP", "", "counterparty"),
        ("SD", "MSP", "", "us"),
        ("MSP", "SD", "", "counterparty"),
        ("SD", "SD", "", None),
        ("MSP", "MSP", "", None),
        ("NONE", "NONE", "", None),
        ("SD", "SD", "counterparty", "counterparty"),
        ("SD", "NONE", "counterparty", "counterparty"),  # an agreed override wins
    ],
)
def test_reporting_counterparty(ours: str, theirs: str, override: str, party: str | None) -> None:
    j = Journal()
    ts = at(WED, 11, tz=ET)
    tags = {"counterparty_status": theirs}
    if override:
        tags["reporting_party"] = override
    j.new("r1", "USD10Y", ts, "4", qty="5000000", tags=tags)
    j.fill("r1", ts, "T1", "USD10Y", "5000000", "4")
    _, internal, exc = _one(j, Part43Firm(ours))  # type: ignore[arg-type]
    assert internal["reporting_party"] == party
    assert bool(exc) == (party is None)


def test_public_record_never_carries_party_identities() -> None:
    j = Journal()
    ts = at(WED, 11, tz=ET)
    j.new(
        "a1",
        "USD10Y",
        ts,
        "4",
        qty="5000000",
        tags={"reporting_party": "us", "counterparty_ids": "Acme Bank|529900T8BM49AURSDO55"},
    )
    j.fill("a1", ts, "T1", "USD10Y", "5000000", "4")
    j.new(
        "a2",
        "USD10Y",
        ts,
        "4",
        qty="5000000",
        tags={"reporting_party": "us", "platform": "549300ACMEBANK00XX12"},
    )  # leaked LEI
    j.fill("a2", ts, "T2", "USD10Y", "5000000", "4")
    rep = _report(j)
    assert len(rep["public"]) == 1
    assert all(not anonymity_violations(r, ["Acme Bank", *FIRM.identities]) for r in rep["public"])
    assert "LEI-shaped" in rep["exceptions"][0]["problem"]
    assert rep["exceptions"][0]["trade_id"] == "T2"
    assert anonymity_violations({"x": ["the acme bank desk"]}, ["Acme Bank"])


def test_post_priced_swap_with_pending_price_reports_without_price() -> None:
    j = Journal()
    ts = at(WED, 23, tz=ET)
    j.new(
        "p1",
        "USD10Y",
        ts,
        "0.01",
        qty="5000000",
        tags={"reporting_party": "us", "post_priced": "true", "price_pending": "true"},
    )
    j.fill("p1", ts, "T1", "USD10Y", "5000000", "0.01")
    pub, internal, _ = _one(j)
    assert pub["price"] is None
    assert pub["post_priced"] is True
    assert internal["post_priced_deadline_utc"] == "2023-11-23T04:59:59Z"


def test_execution_date_is_new_york_and_fills_dedupe() -> None:
    j = Journal()
    late = at(WED, 21, tz=ET)  # 02:00 UTC on Thursday, still Wednesday in New York
    j.new("d1", "USD10Y", late, "4", qty="10", tags={"reporting_party": "us"})
    j.fill("d1", late, "T1", "USD10Y", "10", "4")
    j.fill("d1", late, "T1", "USD10Y", "10", "4")
    assert len(_report(j)["public"]) == 1
    assert _report(j, day=date(2023, 11, 23))["public"] == []


def test_missing_reference_data_is_named() -> None:
    j = Journal()
    ts = at(WED, 11, tz=ET)
    j.new("x1", "GBP2Y", ts, "4", qty="10")
    j.fill("x1", ts, "T1", "GBP2Y", "10", "4")
    with pytest.raises(ValidationError, match="GBP2Y"):
        _report(j)
    k = Journal()
    k.new("x1", "EUR5Y", ts, "4", qty="10")
    k.fill("x1", ts, "T1", "EUR5Y", "10", "4")
    with pytest.raises(ValidationError, match="EUR"):
        part43_report(k.events, rules=RULES, day=WED, swaps=SWAPS, firm=FIRM)


def test_post_initial_period_needs_configured_caps() -> None:
    j = Journal()
    day = date(2026, 11, 18)
    j.new("x1", "USD10Y", at(day, 11, tz=ET), "4", qty="10", tags={"reporting_party": "us"})
    j.fill("x1", at(day, 11, tz=ET), "T1", "USD10Y", "10", "4")
    with pytest.raises(ConfigError, match="not configured"):
        _report(j, day=day)
    assert _report(j, day=day, rules=post_initial_test_rules())["public"][0]["notional"] == Decimal(
        10
    )


def post_initial_test_rules() -> Any:
    """The packaged rules with made-up post-initial values (TEST VALUES, not CFTC's)."""
    doc = yaml.safe_load(packaged_rules_path("cftc_part43.yaml").read_text())
    post = doc["versions"][1]
    post["caps"] = {"IR": [{"max_tenor_days": None, "cap": "300000000"}]}
    post["block_sizes"] = {
        "IR": {
            "mode": "table",
            "tenor_max_days": [None],
            "super_major": ["250"],
            "major": ["100"],
            "non_major": ["50"],
        }
    }
    return load_cftc_rules(doc)


def test_golden_session_and_byte_identical_replay() -> None:
    j = part43_session()
    out = part43_report_json(_report(j))
    check_golden("part43/session_2023-11-22.json", out)
    replayed = Journal()
    replayed.events = [decode_event(encode_event(ev)) for ev in j.events]
    assert part43_report_json(_report(replayed)) == out
    assert b"Acme" not in out.split(b'"internal"')[0]
    assert b"Bolt Capital" not in out


def test_unknown_counterparty_status_is_an_exception() -> None:
    j = Journal()
    ts = at(WED, 11, tz=ET)
    j.new("u1", "USD10Y", ts, "4", qty="5000000", tags={"counterparty_status": "DEALER"})
    j.fill("u1", ts, "T1", "USD10Y", "5000000", "4")
    _, internal, exc = _one(j, Part43Firm("SD"))
    assert internal["reporting_party"] is None
    assert any("'DEALER' is not SD, MSP or NONE" in e["problem"] for e in exc)


def test_required_but_not_cleared_lns_is_flagged_and_uses_the_uncleared_tables() -> None:
    j = Journal()
    ts = at(WED, 11, tz=ET)
    j.new(
        "n1",
        "EUR5Y",
        ts,
        "3",
        qty="3000000000",
        tags={"lns_election": "true", "reporting_party": "us"},
    )
    j.fill("n1", ts, "T1", "EUR5Y", "3000000000", "3")
    uncleared = dataclasses.replace(EUR5Y, cleared=False)
    rep = part43_report(
        j.events,
        rules=RULES,
        day=WED,
        swaps={"EUR5Y": uncleared},
        firm=Part43Firm("SD"),
        usd_rates=RATES,
    )
    assert rep["internal"][0]["appendix_c_table"] == "C4"
    assert "not cleared" in rep["exceptions"][0]["problem"]
    exempt = dataclasses.replace(EUR5Y, clearing_exception=True)
    rep = part43_report(
        j.events,
        rules=RULES,
        day=WED,
        swaps={"EUR5Y": exempt},
        firm=Part43Firm("NONE"),
        usd_rates=RATES,
    )
    assert rep["internal"][0]["appendix_c_table"] == "C6"
    assert rep["exceptions"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"asset_class": "RATES"}, "asset_class"),
        ({"expiration_date": date(2020, 1, 1)}, "expiration_date"),
        ({"notional_per_unit": Decimal(0)}, "notional_per_unit"),
        ({"upi": ""}, "upi"),
    ],
)
def test_bad_swap_terms_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        dataclasses.replace(USD10Y, **changes)


def test_bad_firm_status_is_refused() -> None:
    with pytest.raises(ValidationError, match="status"):
        Part43Firm("DEALER")  # type: ignore[arg-type]

"""SEBI OTR daily report: charges, slab edges, cooling off, goldens, replay."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from _golden_sessions import INSTRUMENTS, otr_session
from _otr_journal import Journal, at, check_golden
from hypothesis import given, settings
from hypothesis import strategies as st

from bolt_exec.compliance.sebi_otr_charges import charge_total, day_charge
from bolt_exec.compliance.sebi_otr_evidence import otr_message_log, otr_message_log_csv
from bolt_exec.compliance.sebi_otr_market import LastTradePrices
from bolt_exec.compliance.sebi_otr_report import (
    WeekdayCalendar,
    cooling_off_windows,
    otr_report,
    otr_report_csv,
    otr_report_json,
)
from bolt_exec.compliance.sebi_otr_rules import load_sebi_rules
from bolt_exec.errors import ConfigError, ValidationError
from bolt_exec.model.events import OrderEvent, decode_event, encode_event

RULES = load_sebi_rules()
R2020 = RULES.for_date(date(2024, 1, 2))


def test_worked_example_incremental_and_flat() -> None:
    """compliance-facts 2.4: 300,000 counted, 1,000 trades -> INR 9,000 (flat 30,000)."""
    total, lines = day_charge(300_000, 1_000, R2020)
    assert total == Decimal(9000)
    assert [(ln.slab_from, ln.messages, ln.amount) for ln in lines if ln.messages] == [
        (0, 50_000, 0),
        (50, 200_000, Decimal(4000)),
        (250, 50_000, Decimal(5000)),
    ]
    flat = dataclasses.replace(R2020, slab_mode="flat")
    assert day_charge(300_000, 1_000, flat)[0] == Decimal(30000)


@pytest.mark.parametrize(
    ("counted", "rate"),
    [
        (49, "0"),
        (50, "0.02"),
        (249, "0.02"),
        (250, "0.10"),
        (499, "0.10"),
        (500, "0.15"),
        (999, "0.15"),
        (1000, "0.20"),
        (1999, "0.20"),
        (2000, "0.25"),
    ],
)
def test_slab_edges_are_greater_or_equal(counted: int, rate: str) -> None:
    assert R2020.slabs[R2020.slab_for(counted, 1)].rate == Decimal(rate)
    assert R2020.slabs[R2020.slab_for(counted * 7, 7)].rate == Decimal(rate)


@given(st.integers(0, 10**7), st.integers(1, 10**4))
def test_incremental_never_exceeds_flat_and_is_monotonic(counted: int, den: int) -> None:
    inc = day_charge(counted, den, R2020)[0]
    assert inc <= day_charge(counted, den, dataclasses.replace(R2020, slab_mode="flat"))[0]
    assert inc <= day_charge(counted + 1, den, R2020)[0]
    assert sum(ln.messages for ln in day_charge(counted, den, R2020)[1]) == counted
    flat = dataclasses.replace(R2020, slab_mode="flat")
    assert charge_total(counted, den, R2020) == inc
    assert charge_total(counted, den, flat) == day_charge(counted, den, flat)[0]


def _breach(j: Journal, day: date, coid: str, symbol: str = "NIFTYFUT") -> None:
    """A day at exactly OTR 2000: one trade, 2000 counted messages."""
    j.new(coid, symbol, at(day, 9, 20), "500", qty="5")
    j.fill(coid, at(day, 9, 21), f"T-{coid}", symbol, "1", "500")
    for i in range(1999):
        j.amend(coid, at(day, 10) + i * 1_000_000, str(501 + i % 50), confirm=False)


def _days(start: date, n: int) -> list[date]:
    out: list[date] = []
    d = start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def _report(j: Journal, start: date, end: date, **kw: Any) -> dict[str, Any]:
    ltp = LastTradePrices([("NIFTYFUT", 0, Decimal(100))])
    return otr_report(
        j.events, rules=RULES, date_from=start, date_to=end, instruments=INSTRUMENTS, ltp=ltp, **kw
    )


def test_cooling_off_on_third_threshold_day_within_30_trading_days() -> None:
    # Arrange: threshold days on trading days 0, 10 and 29 (all in one 30-day window)
    days = _days(date(2026, 5, 4), 31)
    j = Journal()
    for k in (0, 10, 29):
        _breach(j, days[k], f"b{k}")
    # Act
    rep = _report(j, days[0], days[30])
    # Assert
    rows = {r["day"]: r for r in rep["days"]}
    assert [rows[days[k]]["threshold_days_in_window"] for k in (0, 10, 29)] == [1, 2, 3]
    assert rows[days[0]]["cooling_off"] is None
    assert rows[days[10]]["cooling_off"] is None
    cool = rows[days[29]]["cooling_off"]
    assert cool["day"] == days[30]
    assert (cool["start_local"], cool["end_local"]) == ("09:15", "09:30")
    assert cool["start_utc"].endswith("T03:45:00Z")  # 09:15 IST
    assert cool["risk_reducing_allowed"] is True  # derivatives segment
    assert rows[days[29]]["ratio"] == Decimal(2000)
    (window,) = cooling_off_windows(rep)
    assert window.start_ns == at(days[30], 9, 15)
    assert window.end_ns == at(days[30], 9, 30)
    assert window.blocks("NSE", "EQ_DERIV", at(days[30], 9, 20), risk_reducing=False)
    assert not window.blocks("NSE", "EQ_DERIV", at(days[30], 9, 20), risk_reducing=True)
    assert not window.blocks("NSE", "EQ_DERIV", at(days[30], 9, 30), risk_reducing=False)
    assert not window.blocks("NSE", "EQ_CASH", at(days[30], 9, 20), risk_reducing=False)
    assert rep["monthly"][0]["threshold_days"] >= 1


def test_day_falling_out_of_window_resets_the_count() -> None:
    days = _days(date(2026, 5, 4), 31)
    j = Journal()
    for k in (0, 10, 30):  # day 0 is outside the 30 trading days ending on day 30
        _breach(j, days[k], f"b{k}")
    rows = {r["day"]: r for r in _report(j, days[0], days[30])["days"]}
    assert rows[days[30]]["threshold_days_in_window"] == 2
    assert rows[days[30]]["cooling_off"] is None


def test_calendar_day_window_is_configurable() -> None:
    """Under SEBI's '30 days' wording, 3 threshold days 34 calendar days apart do not trigger."""
    days = _days(date(2026, 5, 4), 31)
    doc = {"name": "t", "versions": [_version_mapping(window_unit="calendar_days")]}
    j = Journal()
    for k in (0, 10, 24):  # 24 trading days after day 0 is 34 calendar days later
        _breach(j, days[k], f"b{k}")
    rep = otr_report(
        j.events,
        rules=load_sebi_rules(doc),
        date_from=days[0],
        date_to=days[24],
        instruments=INSTRUMENTS,
    )
    last = rep["days"][-1]
    assert (last["threshold_days_in_window"], last["cooling_off"]) == (2, None)
    rep_td = _report(j, days[0], days[24])
    assert rep_td["days"][-1]["cooling_off"] is not None


def test_cooling_off_skips_holidays_and_cash_blocks_risk_reducing() -> None:
    days = _days(date(2026, 5, 4), 4)
    j = Journal()
    for k in (0, 1, 2):
        _breach(j, days[k], f"b{k}", symbol="RELIANCE")
    cal = WeekdayCalendar(frozenset({days[3]}))
    rep = _report(j, days[0], days[2], calendar=cal)
    cool = rep["days"][-1]["cooling_off"]
    assert cool["day"] == days[3] + timedelta(days=1)
    assert cool["risk_reducing_allowed"] is False
    (window,) = cooling_off_windows(rep)
    assert window.blocks("NSE", "EQ_CASH", cool["start_ns"], risk_reducing=True)


def test_zero_trades_use_the_floor_of_one() -> None:
    j = Journal()
    day = date(2026, 4, 7)
    for i in range(10):
        j.new(f"o{i}", "RELIANCE", at(day, 10, i), "150")
    (row,) = _report(j, day, day)["days"]
    assert (row["trades"], row["denominator"], row["ratio"]) == (0, 1, Decimal(10))


def test_inverted_range_and_uncovered_date_are_refused() -> None:
    with pytest.raises(ValidationError, match="date_to"):
        _report(Journal(), date(2026, 4, 7), date(2026, 4, 6))
    j = Journal()
    j.new("o1", "RELIANCE", at(date(2011, 1, 3), 10), "150")
    with pytest.raises(ConfigError, match="2011-01-03"):
        _report(j, date(2011, 1, 3), date(2011, 1, 3))


def _version_mapping(**cooling: object) -> dict[str, object]:
    co = {
        "threshold": 2000,
        "occurrences": 3,
        "window": 30,
        "window_unit": "trading_days",
        "minutes": 15,
    }
    co.update(cooling)
    return {
        "valid_from": "2020-07-22",
        "timezone": "Asia/Kolkata",
        "granularity": "segment",
        "segments": ["EQ_CASH", "EQ_DERIV", "CURRENCY_DERIV"],
        "price_band_pct": "0.75",
        "option_band": None,
        "band_inclusive": True,
        "market_orders": "count",
        "cancellations": "count",
        "no_ltp": "count",
        "dmm_excluded": False,
        "dmm_trades_in_denominator": False,
        "default_algo": True,
        "zero_trade_floor": 1,
        "slab_mode": "incremental",
        "currency": "INR",
        "slabs": [{"from": 0, "rate": "0"}, {"from": 2000, "rate": "0.25"}],
        "cooling_off": co,
        "session_open": {"EQ_CASH": "09:15", "EQ_DERIV": "09:15", "CURRENCY_DERIV": "09:00"},
        "risk_reducing_allowed": {"EQ_CASH": False, "EQ_DERIV": True, "CURRENCY_DERIV": True},
    }


def _golden_report(events: list[OrderEvent]) -> dict[str, Any]:
    _, ltp = otr_session()
    return otr_report(
        events,
        rules=RULES,
        date_from=date(2026, 4, 3),
        date_to=date(2026, 4, 6),
        instruments=INSTRUMENTS,
        ltp=ltp,
        member="TM-0001",
    )


def test_golden_session_json_and_csv() -> None:
    j, _ = otr_session()
    rep = _golden_report(j.events)
    check_golden("otr/session_2026-04-03_06.json", otr_report_json(rep))
    check_golden("otr/session_2026-04-03_06.csv", otr_report_csv(rep))
    parsed = list(csv.DictReader(io.StringIO(otr_report_csv(rep).decode())))
    assert [
        (r["day"], r["segment"], r["rules_version"], r["counted"], r["ratio"]) for r in parsed
    ] == [
        (str(d["day"]), d["segment"], d["rules_version"], str(d["counted"]), str(d["ratio"]))
        for d in rep["days"]
    ]
    rows = {(r["day"].isoformat(), r["segment"]): r for r in rep["days"]}
    mon = rows[("2026-04-06", "EQ_DERIV")]
    assert mon["exempt"] == {"dmm": 1, "option_band": 1}
    assert rows[("2026-04-03", "EQ_DERIV")]["counted"] == 3  # no options band before 6 Apr


def test_replay_is_byte_identical_through_the_journal_codec() -> None:
    j, _ = otr_session()
    first = otr_report_json(_golden_report(j.events))
    replayed = [decode_event(encode_event(ev)) for ev in j.events]
    assert otr_report_json(_golden_report(replayed)) == first
    assert otr_report_csv(_golden_report(replayed)) == otr_report_csv(_golden_report(j.events))


_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["new", "amend", "cancel", "fill"]),
        st.integers(0, 4),
        st.integers(95, 105),
        st.integers(0, 3),
    ),
    max_size=30,
)


@settings(max_examples=40, deadline=None)
@given(_STEPS)
def test_random_journals_replay_byte_identically(steps: list[tuple[str, int, int, int]]) -> None:
    # Arrange: a random multi-day journal across the 2026 rule change
    j = Journal()
    live: set[str] = set()
    for n, (kind, oid, px, dayshift) in enumerate(steps):
        coid = f"o{oid}"
        ts = at(date(2026, 4, 3) + timedelta(days=dayshift), 10) + n * 1_000_000
        if kind == "new" and coid not in live:
            j.new(coid, "NIFTY22000CE", ts, str(px / 10))
            live.add(coid)
        elif coid in live and kind == "amend":
            j.amend(coid, ts, str(px / 10), confirm=n % 2 == 0)
        elif coid in live and kind == "cancel":
            j.cancel(coid, ts, request=n % 3 != 0)
            live.discard(coid)
        elif coid in live and kind == "fill":
            j.fill(coid, ts, f"T{n}", "NIFTY22000CE", "1", str(px / 10))
    ltp = LastTradePrices([("NIFTY22000CE", 0, Decimal(10))])

    def build(events: list[OrderEvent]) -> bytes:
        return otr_report_json(
            otr_report(
                events,
                rules=RULES,
                date_from=date(2026, 4, 3),
                date_to=date(2026, 4, 6),
                instruments=INSTRUMENTS,
                ltp=ltp,
            )
        )

    # Act / Assert
    first = build(j.events)
    assert build(j.events) == first
    assert build([decode_event(encode_event(ev)) for ev in j.events]) == first


def test_message_log_adds_up_to_the_report() -> None:
    j, ltp = otr_session()
    kw: dict[str, Any] = {
        "rules": RULES,
        "date_from": date(2026, 4, 3),
        "date_to": date(2026, 4, 6),
        "instruments": INSTRUMENTS,
        "ltp": ltp,
    }
    log = otr_message_log(j.events, **kw)
    rep = otr_report(j.events, **kw)
    for row in rep["days"]:
        mine = [
            m
            for m in log
            if (m.day, m.exchange, m.segment) == (row["day"], row["exchange"], row["segment"])
        ]
        assert sum(m.is_counted for m in mine) == row["counted"]
        assert sum(not m.is_counted for m in mine) == sum(row["exempt"].values())
    text = otr_message_log_csv(log).decode()
    assert "2026-04-06-o1,NIFTY22000CE,NEW,30.00,10.00,option_band" in text
    assert len(list(csv.reader(io.StringIO(text)))) == len(log) + 1

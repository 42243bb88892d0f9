"""SEBI OTR engine and counter: what counts, the bands, DMM, and the running budget."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from _otr_journal import Journal, at
from hypothesis import given, settings
from hypothesis import strategies as st

from bolt_exec.compliance.dated_config import DatedVersion, DatedVersions
from bolt_exec.compliance.sebi_otr import OtrEngine
from bolt_exec.compliance.sebi_otr_counter import OtrCounter
from bolt_exec.compliance.sebi_otr_judge import MessageKind
from bolt_exec.compliance.sebi_otr_market import LastTradePrices, OtrInstrument, trading_day
from bolt_exec.compliance.sebi_otr_rules import OtrRules, load_sebi_rules
from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import TimeInForce

RULES = load_sebi_rules()
MON_2026 = date(2026, 4, 6)  # first day of the 2026 options band / DMM rules
FRI_2026 = date(2026, 4, 3)
CASH = {"RELIANCE": OtrInstrument("NSE", "EQ_CASH")}
OPT = {"NIFTY26APR22000CE": OtrInstrument("NSE", "EQ_DERIV", is_equity_option=True)}


def _run(j: Journal, instruments: dict[str, OtrInstrument], ltp: str | None) -> OtrEngine:
    eng = OtrEngine(RULES, instruments)
    for ev in j.events:
        eng.apply(ev, None if ltp is None else Decimal(ltp))
    return eng


def _only(eng: OtrEngine):  # type: ignore[no-untyped-def]
    (tally,) = eng.tallies.values()
    return tally


@pytest.mark.parametrize(
    ("day", "px", "counted", "reason"),
    [
        (MON_2026, "100.75", 0, "price_band"),  # inclusive upper edge
        (MON_2026, "99.25", 0, "price_band"),  # inclusive lower edge
        (MON_2026, "100.76", 1, None),
        (MON_2026, "99.24", 1, None),
        (date(2020, 7, 22), "100.75", 0, "price_band"),
        (date(2018, 7, 2), "100.76", 1, None),
        (date(2015, 3, 2), "100.99", 0, "price_band"),  # the 2012 rules: +-1 %
    ],
)
def test_price_band_edges_around_ltp_100(day: date, px: str, counted: int, reason: str) -> None:
    j = Journal()
    seg = {"X": OtrInstrument("NSE", "EQ_DERIV")}
    j.new("o1", "X", at(day, 10), px)
    tally = _only(_run(j, seg, "100.00"))
    assert tally.counted == counted
    assert tally.exempt == ({reason: 1} if reason else {})


@pytest.mark.parametrize(
    ("day", "ltp", "px", "counted"),
    [
        (MON_2026, "10", "30", 0),  # band = max(4, 20) = 20
        (MON_2026, "10", "30.05", 1),
        (MON_2026, "10", "0.05", 0),
        (MON_2026, "100", "140", 0),  # band = max(40, 20) = 40
        (MON_2026, "100", "140.05", 1),
        (MON_2026, "100", "60", 0),
        (FRI_2026, "10", "30", 1),  # before 6 Apr 2026 options use +-0.75 %
        (FRI_2026, "100", "100.75", 0),
        (date(2026, 4, 5), "10", "30", 1),  # 5 Apr vs 6 Apr: the trade date picks the rules
    ],
)
def test_equity_option_band_from_6_april_2026(day: date, ltp: str, px: str, counted: int) -> None:
    j = Journal()
    j.new("o1", "NIFTY26APR22000CE", at(day, 10), px)
    assert _only(_run(j, OPT, ltp)).counted == counted


def test_modification_is_judged_on_its_own_price() -> None:
    """Out of band -> into band -> out again: new counted, first amend exempt, second counted."""
    j = Journal()
    j.new("o1", "RELIANCE", at(MON_2026, 10), "110")
    j.amend("o1", at(MON_2026, 10, 1), "100.50")
    j.amend("o1", at(MON_2026, 10, 2), "90")
    tally = _only(_run(j, CASH, "100"))
    assert (tally.new, tally.modify, tally.cancel) == (1, 1, 0)
    assert tally.exempt == {"price_band": 1}


def test_request_and_confirmation_count_once() -> None:
    j = Journal()
    j.new("o1", "RELIANCE", at(MON_2026, 10), "110")
    j.amend("o1", at(MON_2026, 10, 1), "111")  # PendingReplace + Replaced
    j.amend("o1", at(MON_2026, 10, 2), "112", confirm=False)  # request only
    j.cancel("o1", at(MON_2026, 10, 3))  # PendingCancel + Canceled
    tally = _only(_run(j, CASH, "100"))
    assert (tally.new, tally.modify, tally.cancel) == (1, 2, 1)


def test_confirmation_without_request_is_counted() -> None:
    j = Journal()
    j.new("o1", "RELIANCE", at(MON_2026, 10), "110")
    j.cancel("o1", at(MON_2026, 10, 3), request=False)
    assert _only(_run(j, CASH, "100")).cancel == 1


def test_ioc_remainder_cancel_is_the_exchanges_not_a_message() -> None:
    j = Journal()
    j.new("o1", "RELIANCE", at(MON_2026, 10), "110", tif=TimeInForce.IOC)
    j.cancel("o1", at(MON_2026, 10), request=False)
    tally = _only(_run(j, CASH, "100"))
    assert (tally.new, tally.cancel) == (1, 0)


def test_cancellation_counted_even_in_band_by_default() -> None:
    j = Journal()
    j.new("o1", "RELIANCE", at(MON_2026, 10), "100.10")
    j.cancel("o1", at(MON_2026, 10, 1))
    tally = _only(_run(j, CASH, "100"))
    assert (tally.new, tally.cancel, tally.exempt) == (0, 1, {"price_band": 1})


def test_market_orders_and_missing_ltp_are_counted() -> None:
    j = Journal()
    j.new("m1", "RELIANCE", at(MON_2026, 10), None)
    j.new("l1", "RELIANCE", at(MON_2026, 10), "100")
    assert _only(_run(j, CASH, None)).new == 2


def test_dmm_orders_excluded_from_6_april_2026_only() -> None:
    # (day, counted messages, trades in the denominator)
    for day, counted, trades in ((MON_2026, 0, 0), (FRI_2026, 1, 1)):
        j = Journal()
        j.new("d1", "RELIANCE", at(day, 10), "150", tags={"dmm": "true"})
        j.fill("d1", at(day, 10, 1), "T1", "RELIANCE", "1", "150")
        tally = _only(_run(j, CASH, "100"))
        assert tally.counted == counted
        assert tally.trades == trades  # from 2026, DMM trades leave the denominator too


def test_non_algo_orders_are_ignored() -> None:
    j = Journal()
    j.new("h1", "RELIANCE", at(MON_2026, 10), "150", tags={"algo": "false"})
    j.fill("h1", at(MON_2026, 10, 1), "T1", "RELIANCE", "1", "150")
    assert _run(j, CASH, "100").tallies == {}


def test_fills_dedupe_on_trade_id() -> None:
    j = Journal()
    j.new("o1", "RELIANCE", at(MON_2026, 10), "150", qty="2")
    j.fill("o1", at(MON_2026, 10, 1), "T1", "RELIANCE", "1", "150")
    j.fill("o1", at(MON_2026, 10, 1), "T1", "RELIANCE", "1", "150")
    j.fill("o1", at(MON_2026, 10, 2), "T2", "RELIANCE", "1", "150")
    assert _only(_run(j, CASH, "100")).trades == 2


def test_segment_from_tags_when_not_in_instrument_map() -> None:
    j = Journal()
    j.new(
        "o1",
        "USDINR",
        at(MON_2026, 10),
        "150",
        tags={"exchange": "NSE", "segment": "CURRENCY_DERIV"},
    )
    tally = _only(_run(j, {}, "100"))
    assert (tally.exchange, tally.segment, tally.new) == ("NSE", "CURRENCY_DERIV", 1)


def test_unplaceable_instrument_names_the_symbol_and_the_fix() -> None:
    j = Journal()
    j.new("o1", "MYSTERY", at(MON_2026, 10), "150")
    with pytest.raises(ValidationError, match=r"MYSTERY.*instruments map"):
        _run(j, {}, "100")


def test_cash_segment_out_of_scope_under_2012_rules() -> None:
    j = Journal()
    day = date(2015, 3, 2)
    j.new("o1", "RELIANCE", at(day, 10), "150")
    assert _only(_run(j, CASH, "100")).exempt == {"segment_out_of_scope": 1}


def test_events_of_unknown_orders_are_counted_as_unattributed() -> None:
    j = Journal()
    j.new("o1", "RELIANCE", at(MON_2026, 10), "150")
    eng = OtrEngine(RULES, CASH)
    for ev in j.events[1:]:
        eng.apply(ev, Decimal(100))
    assert eng.unattributed == 2
    assert eng.tallies == {}


def test_ltp_source_uses_last_trade_at_or_before_message() -> None:
    ts = at(MON_2026, 10)
    src = LastTradePrices([("RELIANCE", ts - 5, Decimal(100)), ("RELIANCE", ts + 1, Decimal(200))])
    assert src.ltp("RELIANCE", ts) == Decimal(100)
    assert src.ltp("RELIANCE", ts - 6) is None
    assert src.ltp("OTHER", ts) is None
    j = Journal()
    j.new("o1", "RELIANCE", ts, "100.5")
    eng = OtrEngine(RULES, CASH, src)
    for ev in j.events:
        eng.apply(ev)
    assert _only(eng).exempt == {"price_band": 1}


def test_trading_day_is_ist_across_utc_midnight() -> None:
    # 2026-04-05 20:00 UTC is 2026-04-06 01:30 IST.
    assert trading_day(at(MON_2026, 1, 30)) == MON_2026


def test_counter_reports_ratio_and_next_slab() -> None:
    j = Journal()
    j.new("o1", "RELIANCE", at(MON_2026, 10), "150", qty="10")
    j.fill("o1", at(MON_2026, 10), "T1", "RELIANCE", "1", "150")
    for i in range(49):
        j.amend("o1", at(MON_2026, 10, 1, i), str(151 + i), confirm=False)
    counter = OtrCounter(RULES, CASH)
    snaps = [s for ev in j.events if (s := counter.on_event(ev, Decimal(100))) is not None]
    last = snaps[-1]
    assert (last.counted, last.trades, last.ratio) == (50, 1, Decimal(50))
    assert last.slab_rate == Decimal("0.02")  # exactly 50 is in the >= 50 slab
    assert (last.next_slab_threshold, last.messages_to_next_slab) == (250, 200)
    assert last.messages_to_cooling_off == 1950
    assert last.charge == Decimal("0.00")  # incremental: the first 50 per trade are free
    assert snaps[-2].slab_rate == 0
    assert snaps[-2].messages_to_next_slab == 1
    assert counter.snapshot("NSE", "EQ_CASH") == last
    assert counter.snapshot("BSE", "EQ_CASH") is None


def test_counter_forgets_yesterday() -> None:
    j = Journal()
    j.new("o1", "RELIANCE", at(FRI_2026, 10), "150")
    j.new("o2", "RELIANCE", at(MON_2026, 10), "150")
    counter = OtrCounter(RULES, CASH)
    snaps = [s for ev in j.events if (s := counter.on_event(ev, Decimal(100))) is not None]
    assert [s.counted for s in snaps] == [1, 1]
    assert snaps[-1].day == MON_2026


_ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["new", "amend", "amend_req", "cancel", "fill"]),
        st.integers(0, 3),
        st.integers(95, 105),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(_ACTIONS)
def test_counter_agrees_with_batch_engine(actions: list[tuple[str, int, int]]) -> None:
    """The live counter and the report's fold see the same numbers, event by event."""
    j = Journal()
    live: set[str] = set()
    for n, (kind, oid, px) in enumerate(actions):
        coid, ts = f"o{oid}", at(MON_2026, 10, 0, 0) + n * 1_000_000
        if kind == "new" and coid not in live:
            j.new(coid, "RELIANCE", ts, str(px))
            live.add(coid)
        elif coid in live and kind == "amend":
            j.amend(coid, ts, str(px))
        elif coid in live and kind == "amend_req":
            j.amend(coid, ts, str(px), confirm=False)
        elif coid in live and kind == "cancel":
            j.cancel(coid, ts)
            live.discard(coid)
        elif coid in live and kind == "fill":
            j.fill(coid, ts, f"T{n}", "RELIANCE", "1", str(px))
    counter = OtrCounter(RULES, CASH)
    last = None
    for ev in j.events:
        last = counter.on_event(ev, Decimal(100)) or last
    eng = _run(j, CASH, "100")
    if last is None:
        assert all(t.counted == 0 for t in eng.tallies.values())
        return
    tally = _only(eng)
    assert (last.counted, last.trades) == (tally.counted, tally.trades)
    assert tally.counted + sum(tally.exempt.values()) >= tally.new


def test_counter_keeps_resting_orders_and_drops_finished_ones_at_rollover() -> None:
    # Arrange: a GTC order rests over the weekend; another filled on Friday.
    j = Journal()
    j.new("gtc", "RELIANCE", at(FRI_2026, 10), "150", tif=TimeInForce.GTC)
    j.new("done", "RELIANCE", at(FRI_2026, 10), "150")
    j.fill("done", at(FRI_2026, 10, 1), "T1", "RELIANCE", "1", "150")
    j.cancel("gtc", at(MON_2026, 9, 20))
    j.cancel("done", at(MON_2026, 9, 21), request=False)  # late event of a finished order
    counter = OtrCounter(RULES, CASH)
    # Act
    snaps = [counter.on_event(ev, Decimal(100)) for ev in j.events]
    # Assert
    monday = [s for s in snaps if s is not None and s.day == MON_2026]
    assert [s.counted for s in monday] == [1]  # the GTC cancel; "done" was forgotten
    assert counter._engine.unattributed == 1


def test_trading_day_clock_matches_trading_day_across_midnight_and_dst() -> None:
    from bolt_exec.compliance.sebi_otr_market import TradingDayClock

    ist, ny = TradingDayClock(), TradingDayClock("America/New_York")
    hour = 3_600_000_000_000
    start = at(date(2026, 3, 7), 12)  # spans the 8 Mar 2026 US DST change
    for k in range(72 * 4):
        ts = start + k * hour // 4
        assert ist.day(ts) == trading_day(ts)
        assert ny.day(ts) == trading_day(ts, "America/New_York")


def test_repeated_initialisation_does_not_recount_the_entry() -> None:
    j = Journal()
    j.new("o1", "RELIANCE", at(MON_2026, 10), "150")
    j.events += j.events[:3]  # the same initialise/submit/accept journaled again
    assert _only(_run(j, CASH, "100")).new == 1


def test_would_count_previews_a_message_without_counting_it() -> None:
    counter = OtrCounter(RULES, {**CASH, **OPT})
    ts = at(MON_2026, 10)
    assert not counter.would_count("RELIANCE", Decimal("100.50"), ts, ltp=Decimal(100))
    assert counter.would_count("RELIANCE", Decimal("101"), ts, ltp=Decimal(100))
    assert counter.would_count("RELIANCE", None, ts, ltp=Decimal(100))  # market order
    assert not counter.would_count("RELIANCE", Decimal(150), ts, tags={"dmm": "true"})
    assert not counter.would_count("RELIANCE", Decimal(150), ts, tags={"algo": "false"})
    assert not counter.would_count("NIFTY26APR22000CE", Decimal(30), ts, ltp=Decimal(10))
    assert counter.would_count(
        "RELIANCE", Decimal("100.10"), ts, kind=MessageKind.CANCEL, ltp=Decimal(100)
    )  # cancellations count by default
    assert counter.snapshot("NSE", "EQ_CASH") is None  # nothing was applied


def _with(**changes: Any) -> DatedVersions[OtrRules]:
    base = RULES.for_date(MON_2026)
    return DatedVersions(
        "t", [DatedVersion(date(2026, 1, 1), None, "test", dataclasses.replace(base, **changes))]
    )


@pytest.mark.parametrize(
    ("changes", "px", "kind", "expected"),
    [
        ({"band_inclusive": False}, "100.75", "new", "counted"),  # the edge leaves the band
        ({"band_inclusive": False}, "100.74", "new", "price_band"),
        ({"market_orders": "exempt"}, None, "new", "market_order"),
        ({"no_ltp": "exempt"}, "150", "new_no_ltp", "no_ltp"),
        ({"cancellations": "resting_price"}, "100.10", "cancel", "price_band"),
        ({"cancellations": "resting_price"}, "150", "cancel", "counted"),
    ],
)
def test_unverified_assumptions_are_switchable(
    changes: dict[str, Any], px: str | None, kind: str, expected: str
) -> None:
    j = Journal()
    j.new("o1", "RELIANCE", at(MON_2026, 10), px)
    if kind == "cancel":
        j.cancel("o1", at(MON_2026, 10, 1))
    eng = OtrEngine(_with(**changes), CASH)
    ltp = None if kind == "new_no_ltp" else Decimal(100)
    last = None
    for ev in j.events:
        eng.apply(ev, ltp)
        last = eng.last_message or last
    assert last is not None
    assert last.reason == expected


def test_exchange_granularity_pools_segments() -> None:
    j = Journal()
    j.new("c1", "RELIANCE", at(MON_2026, 10), "150")
    j.new("f1", "NIFTY26APR22000CE", at(MON_2026, 10), "150")
    eng = OtrEngine(_with(granularity="exchange"), {**CASH, **OPT})
    for ev in j.events:
        eng.apply(ev, Decimal(100))
    tally = _only(eng)
    assert (tally.segment, tally.new) == ("ALL", 2)


def test_unknown_segment_is_refused_not_silently_out_of_scope() -> None:
    with pytest.raises(ValidationError, match="EQCASH"):
        OtrInstrument("NSE", "EQCASH")
    j = Journal()
    j.new("o1", "X", at(MON_2026, 10), "150", tags={"exchange": "NSE", "segment": "FNO"})
    with pytest.raises(ValidationError, match="FNO"):
        _run(j, {}, "100")

"""Golden files for the MiFID reports of the fixed session (see conftest.py).

Regenerate on purpose only: ``pytest tests/golden --update-goldens``, then review the diff.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bolt_exec.compliance.mifid import (
    Firm,
    ReferenceData,
    order_records,
    transaction_reports,
)
from bolt_exec.compliance.mifid.rts25 import ClockSample, divergence_log
from bolt_exec.compliance.mifid.rules import load_mifid_config
from bolt_exec.model.events import OrderEvent

HERE = Path(__file__).parent / "files"
Golden = Callable[[Path, str | bytes], None]  # the `golden` fixture of tests/golden/conftest.py
DAY = "2026-11-20"


def test_rts22_session_matches_goldens(
    golden: Golden, session_events: list[OrderEvent], firm: Firm, reference: ReferenceData
) -> None:
    report = transaction_reports(session_events, day=DAY, firm=firm, reference=reference)

    golden(HERE / "rts22_2026-11-20.xml", report.to_xml())
    golden(HERE / "rts22_2026-11-20.csv", report.to_csv())
    golden(HERE / "rts22_2026-11-20.json", report.to_json())
    golden(HERE / "rts22_2026-11-20_issues.csv", report.issues_csv())


def test_rts22_cancellation_matches_golden(
    golden: Golden, session_events: list[OrderEvent], firm: Firm, reference: ReferenceData
) -> None:
    report = transaction_reports(session_events, day=DAY, firm=firm, reference=reference)

    cancels = report.cancellations(["O-1-XP-1002"])

    golden(HERE / "rts22_2026-11-20_cancel.xml", cancels.to_xml())


def test_rts24_session_matches_goldens(
    golden: Golden, session_events: list[OrderEvent], firm: Firm, reference: ReferenceData
) -> None:
    records = order_records(session_events, day=DAY, firm=firm, reference=reference)

    golden(HERE / "rts24_2026-11-20.csv", records.to_csv())
    golden(HERE / "rts24_2026-11-20.json", records.to_json())


def test_rts24_hft_firm_keeps_microseconds_golden(
    golden: Golden, session_events: list[OrderEvent], firm: Firm, reference: ReferenceData
) -> None:
    hft = firm.model_copy(update={"activity": "hft"})

    records = order_records(session_events, day=DAY, firm=hft, reference=reference)

    golden(HERE / "rts24_2026-11-20_hft.csv", records.to_csv())


def test_rts25_divergence_log_matches_golden(golden: Golden) -> None:
    rules = load_mifid_config().on(date(2026, 11, 20)).clock
    base = 1_795_161_600_000_000_000  # 2026-11-20T08:00:00Z
    samples = [
        ClockSample(ts_ns=base, offset_ns=12_000, source="ptp:gm1", host="oms-1"),
        ClockSample(
            ts_ns=base + 60_000_000_000, offset_ns=-250_000, source="ptp:gm1", host="oms-1"
        ),
        ClockSample(
            ts_ns=base + 120_000_000_000, offset_ns=1_000_001, source="ntp:pool", host="oms-2"
        ),
    ]

    rows = divergence_log(samples, rules, "other")

    golden(HERE / "rts25_divergence_2026-11-20.json", json.dumps(rows, indent=2) + "\n")


def test_reports_replayed_twice_are_byte_identical(
    session_events: list[OrderEvent], firm: Firm, reference: ReferenceData
) -> None:
    first = transaction_reports(list(session_events), day=DAY, firm=firm, reference=reference)
    second = transaction_reports(iter(session_events), day=DAY, firm=firm, reference=reference)
    rec1 = order_records(session_events, day=DAY, firm=firm, reference=reference)
    rec2 = order_records(tuple(session_events), day=DAY, firm=firm, reference=reference)

    assert first.to_xml() == second.to_xml()
    assert first.to_csv() == second.to_csv()
    assert first.to_json() == second.to_json()
    assert rec1.to_csv() == rec2.to_csv()

"""MiFID reports from a journal the real OMS wrote (OrderManager + PaperBroker + SimClock).

Two independent runs of the same session must give byte-identical reports, and the
reports must match the stored goldens.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bolt_exec.adapters.paper import FeeModel, PaperBroker
from bolt_exec.clock import SimClock
from bolt_exec.compliance.mifid import Firm, ReferenceData, order_records, transaction_reports
from bolt_exec.model.events import OrderEvent
from bolt_exec.model.instrument import Instrument
from bolt_exec.oms.manager import OrderManager
from bolt_exec.store.base import MemoryOrderStore

HERE = Path(__file__).parent / "files"
Golden = Callable[[Path, str | bytes], None]
START = int(datetime(2026, 11, 20, 8, 0, tzinfo=UTC).timestamp()) * 1_000_000_000
SECOND = 1_000_000_000


def _run_session() -> list[OrderEvent]:
    clock = SimClock(START)
    tte = Instrument(symbol="TTE", venue="XPAR", currency="EUR", isin="FR0000120271")
    paper = PaperBroker(
        [tte],
        fees=FeeModel(),
        initial_cash={"EUR": 1_000_000},
        session_close="17:30",
        session_tz="Europe/Paris",
    )
    store = MemoryOrderStore()
    oms = OrderManager(paper, clock=clock, store=store)
    paper.on_quote("TTE", Decimal("55.20"), Decimal("55.22"), 500, 500, clock.now_ns())
    # A client buy, executed by the VWAP1 algorithm, crossing the spread.
    oms.submit(
        "TTE",
        "BUY",
        100,
        "LIMIT",
        limit_px="55.22",
        strategy_id="VWAP1",
        tags={"mifid.capacity": "AOTC", "mifid.client": "C-ANNA"},
    )
    # A proprietary sale decided and executed by a trader; resting, amended, then filled.
    clock.advance_to(START + 90 * SECOND + 123_456_789)
    sale = oms.submit(
        "TTE",
        "SELL",
        50,
        "LIMIT",
        limit_px="55.40",
        tags={
            "mifid.capacity": "DEAL",
            "mifid.decision": "T-DE-1",
            "mifid.execution": "T-DE-1",
            "mifid.short_selling": "SELL",
        },
    )
    clock.advance_to(START + 300 * SECOND)
    oms.amend(sale.client_order_id, limit_px="55.30")
    clock.advance_to(START + 600 * SECOND + 999_999)
    paper.on_quote("TTE", Decimal("55.30"), Decimal("55.32"), 500, 500, clock.now_ns())
    paper.on_trade("TTE", Decimal("55.30"), 200, clock.now_ns())
    # A client order canceled before it traded.
    clock.advance_to(START + 3600 * SECOND)
    rest = oms.submit(
        "TTE",
        "BUY",
        10,
        "LIMIT",
        limit_px="50.00",
        strategy_id="VWAP1",
        tags={"mifid.capacity": "AOTC", "mifid.client": "C-CORP"},
    )
    clock.advance_to(START + 3660 * SECOND)
    oms.cancel(rest.client_order_id)
    return list(store.events())


def test_oms_session_reports_match_goldens(
    golden: Golden, firm: Firm, reference: ReferenceData
) -> None:
    events = _run_session()

    report = transaction_reports(events, day="2026-11-20", firm=firm, reference=reference)
    records = order_records(events, day="2026-11-20", firm=firm, reference=reference)

    assert len(report.records) >= 2
    golden(HERE / "oms_rts22_2026-11-20.json", report.to_json())
    golden(HERE / "oms_rts22_2026-11-20.xml", report.to_xml())
    golden(HERE / "oms_rts24_2026-11-20.csv", records.to_csv())


def test_oms_session_replayed_twice_is_byte_identical(firm: Firm, reference: ReferenceData) -> None:
    first, second = _run_session(), _run_session()

    a = transaction_reports(first, day="2026-11-20", firm=firm, reference=reference)
    b = transaction_reports(second, day="2026-11-20", firm=firm, reference=reference)

    assert a.to_xml() == b.to_xml()
    assert a.to_csv() == b.to_csv()
    assert order_records(first, day="2026-11-20", firm=firm, reference=reference).to_csv() == (
        order_records(second, day="2026-11-20", firm=firm, reference=reference).to_csv()
    )

"""The audit trail and the OTR counter on a real OrderManager + PaperBroker session."""

from __future__ import annotations

from decimal import Decimal

from bolt_exec.compliance.audit import MemoryAuditTrail
from bolt_exec.compliance.sebi_otr_counter import OtrCounter
from bolt_exec.compliance.sebi_otr_market import OtrInstrument
from bolt_exec.compliance.sebi_otr_rules import load_sebi_rules
from bolt_exec.model.events import event_topic
from bolt_exec.oms.manager import OrderManager
from bolt_exec.testing.builders import make_oms


def _session() -> tuple[OrderManager, MemoryAuditTrail]:
    oms, paper, clock = make_oms()
    trail = MemoryAuditTrail(clock)
    trail.subscribe(oms.bus)
    paper.on_quote("AAPL", "100.00", "100.02", 1000, 1000, clock.now_ns())
    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="95.00", tif="GTC")
    oms.amend(h.client_order_id, limit_px="96.00")
    oms.cancel(h.client_order_id)
    oms.submit("AAPL", "BUY", 10)  # market: fills against the quote
    trail.record_operator("kill_switch.trip", actor="ops-alice", reason="end of test")
    return oms, trail


def test_trail_records_every_journaled_event_in_journal_order() -> None:
    oms, trail = _session()
    journal = list(oms.store.events())
    recs = list(trail.records())
    assert [r.action for r in recs[:-1]] == [event_topic(ev) for ev in journal]
    assert [r.subject for r in recs[:-1]] == [ev.client_order_id for ev in journal]
    assert recs[-1].kind == "operator"
    assert trail.verify().ok


def test_otr_counter_counts_the_messages_the_oms_sent() -> None:
    """Entry, amend and cancel count once each, whatever pending/confirm events the OMS journals."""
    oms, _ = _session()
    counter = OtrCounter(load_sebi_rules(), {"AAPL": OtrInstrument("NSE", "EQ_CASH")})
    last = None
    for ev in oms.store.events():
        last = counter.on_event(ev, Decimal("100.01")) or last
    assert last is not None
    assert (last.counted, last.trades) == (4, 1)  # 2 entries + 1 amend + 1 cancel; 1 fill

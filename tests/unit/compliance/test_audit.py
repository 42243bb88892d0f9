"""Audit trail: chaining, tamper detection (edit/insert/delete/reorder), stores, bus, exports."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from _otr_journal import Journal
from hypothesis import given, settings
from hypothesis import strategies as st

from bolt_exec.bus import MessageBus
from bolt_exec.clock import SimClock
from bolt_exec.compliance.audit import MemoryAuditTrail
from bolt_exec.compliance.audit_export import (
    export_jsonl,
    export_ledger_yaml,
    load_audit_file,
    load_ledger_yaml,
)
from bolt_exec.compliance.audit_file import FileAuditTrail, read_jsonl_records
from bolt_exec.compliance.audit_record import GENESIS_HASH, AuditRecord, verify_chain
from bolt_exec.errors import StoreError, ValidationError
from bolt_exec.model.events import event_topic

T0 = 1_775_450_000_000_000_000


def _trail(n: int) -> MemoryAuditTrail:
    trail = MemoryAuditTrail(SimClock(T0))
    for i in range(n):
        trail.record_command(
            "submit",
            actor="strat-1",
            subject=f"o{i}",
            payload={"qty": Decimal("1.50"), "px": "189.50", "i": i},
            ts_ns=T0 + i,
        )
    return trail


def test_records_chain_from_genesis_and_verify() -> None:
    trail = _trail(3)
    recs = list(trail.records())
    assert recs[0].prev_hash == GENESIS_HASH
    assert [r.prev_hash for r in recs[1:]] == [r.hash for r in recs[:-1]]
    assert [r.seq for r in recs] == [0, 1, 2]
    assert recs[0].payload["qty"] == "1.50"  # Decimal kept exact
    assert trail.verify().ok
    assert trail.head == (3, recs[-1].hash)


def test_edit_is_detected_at_the_edited_record() -> None:
    recs = list(_trail(5).records())
    recs[2] = dataclasses.replace(recs[2], payload={**recs[2].payload, "px": "1.00"})
    result = verify_chain(recs)
    assert [(p.index, p.seq) for p in result.problems] == [(2, 2)]
    assert "content edited" in result.problems[0].problem


def test_edit_with_rehash_breaks_the_next_link() -> None:
    recs = list(_trail(5).records())
    r = recs[2]
    recs[2] = AuditRecord.build(
        r.seq, r.ts_ns, "someone-else", r.kind, r.action, r.subject, r.payload, r.prev_hash
    )
    problems = verify_chain(recs).problems
    assert [(p.index, p.seq) for p in problems] == [(3, 3)]
    assert "chain broken" in problems[0].problem


def test_insert_delete_and_reorder_are_located() -> None:
    recs = list(_trail(5).records())
    forged = AuditRecord.build(2, T0, "x", "command", "submit", "", {}, recs[1].hash)
    inserted = verify_chain([*recs[:2], forged, *recs[2:]]).problems
    assert {p.index for p in inserted} == {3}
    assert any("out of order" in p.problem for p in inserted)
    deleted = verify_chain(recs[:2] + recs[3:]).problems
    assert {p.index for p in deleted} == {2}
    assert any("1 record(s) deleted" in p.problem for p in deleted)
    swapped = verify_chain([recs[0], recs[2], recs[1], *recs[3:]]).problems
    assert {p.index for p in swapped} == {1, 2, 3}


def test_cut_off_tail_needs_the_head_kept_elsewhere() -> None:
    trail = _trail(4)
    recs = list(trail.records())
    assert verify_chain(recs[:3]).ok  # undetectable from the chain alone
    count, head = trail.head
    result = verify_chain(recs[:3], expected_count=count, expected_head=head)
    assert not result.ok
    assert "cut off" in result.summary()


_TAMPER = st.sampled_from(["edit", "rehash", "insert", "delete", "reorder"])


@settings(max_examples=80, deadline=None)
@given(n=st.integers(3, 12), op=_TAMPER, data=st.data())
def test_any_tampering_is_detected_near_where_it_happened(
    n: int, op: str, data: st.DataObject
) -> None:
    trail = _trail(n)
    recs = list(trail.records())
    count, head = trail.head
    i = data.draw(st.integers(0, n - 2), label="position")
    if op == "edit":
        recs[i] = dataclasses.replace(recs[i], actor=recs[i].actor + "!")
    elif op == "rehash":
        r = recs[i]
        recs[i] = AuditRecord.build(
            r.seq, r.ts_ns + 1, r.actor, r.kind, r.action, r.subject, r.payload, r.prev_hash
        )
    elif op == "insert":
        recs.insert(i, AuditRecord.build(i, T0, "x", "event", "forged", "", {}, recs[i].prev_hash))
    elif op == "delete":
        del recs[i]
    else:
        recs[i], recs[i + 1] = recs[i + 1], recs[i]
    result = verify_chain(recs, expected_count=count, expected_head=head)
    assert not result.ok
    assert min(p.index for p in result.problems) in (i, i + 1)


def test_append_refuses_missing_actor_time_or_reason() -> None:
    with pytest.raises(ValidationError, match="actor"):
        MemoryAuditTrail().append("command", "submit", actor="", ts_ns=1)
    with pytest.raises(ValidationError, match="ts_ns"):
        MemoryAuditTrail().append("command", "submit", actor="a")
    with pytest.raises(ValidationError, match="reason"):
        MemoryAuditTrail().record_operator("kill_switch.trip", actor="ops", reason="", ts_ns=1)
    with pytest.raises(ValueError, match="not_a_kind"):
        MemoryAuditTrail().append("not_a_kind", "x", actor="a", ts_ns=1)


@dataclass(frozen=True)
class KillSwitchTripped:
    reason: str
    actor: str
    ts_ns: int


def test_subscribe_records_order_and_safety_messages_in_bus_order() -> None:
    # Arrange
    bus = MessageBus(strict=True)
    clock = SimClock(T0)
    trail = MemoryAuditTrail(clock)
    trail.subscribe(bus)
    seen: list[str] = []
    bus.subscribe("order.*", lambda t, m: seen.append(f"{t}:{len(list(trail.records()))}"), 20)
    j = Journal()
    j.new("o1", "AAPL", T0, "189.50")
    j.fill("o1", T0 + 5, "T1", "AAPL", "1", "189.50")
    # Act
    for ev in j.events:
        bus.publish(event_topic(ev), ev)
    bus.publish("safety.kill_switch", KillSwitchTripped("drawdown", "risk-officer", T0 + 9))
    bus.publish("execution.AAPL", object())  # not audited
    # Assert
    recs = list(trail.records())
    assert [r.action for r in recs] == [
        "order.initialized",
        "order.submitted",
        "order.accepted",
        "order.filled",
        "safety.kill_switch",
    ]
    assert seen[0] == "order.initialized:1"  # recorded before the OMS-priority handler ran
    fill = recs[3]
    assert (fill.actor, fill.subject, fill.ts_ns) == ("oms", "o1", T0)  # recorded at
    assert fill.payload["ts_event"] == T0 + 5  # happened at
    assert fill.payload["last_px"] == "189.50"
    assert fill.payload["type"] == "OrderFilled"
    assert (recs[4].actor, recs[4].payload["reason"]) == ("risk-officer", "drawdown")
    assert trail.verify().ok


def test_subscribe_needs_a_clock() -> None:
    with pytest.raises(ValidationError, match="clock"):
        MemoryAuditTrail().subscribe(MessageBus())


def test_file_trail_appends_reopens_and_continues_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "trail.jsonl"
    with FileAuditTrail(path, SimClock(T0)) as trail:
        trail.record_command("submit", actor="s", subject="o1")
        trail.record_decision(
            "safety.check",
            actor="safety",
            approved=False,
            code="MAX_QTY",
            reason="qty 500 > 100",
            subject="o1",
        )
        head = trail.head
    lines = path.read_bytes().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[1])["payload"]["code"] == "MAX_QTY"
    with FileAuditTrail(path, SimClock(T0)) as again:
        assert again.head == head
        again.record_operator("kill_switch.reset", actor="ops-alice", reason="checked positions")
        assert again.verify().ok
        assert [r.seq for r in again.records()] == [0, 1, 2]


def test_file_trail_refuses_to_extend_a_tampered_file(tmp_path: Path) -> None:
    path = tmp_path / "trail.jsonl"
    with FileAuditTrail(path, SimClock(T0)) as trail:
        for i in range(3):
            trail.record_command("submit", actor="s", subject=f"o{i}")
    lines = path.read_bytes().splitlines()
    path.write_bytes(b"\n".join([lines[0], lines[2]]) + b"\n")
    with pytest.raises(StoreError, match=r"record #1 \(seq 2\).*deleted"):
        FileAuditTrail(path)


def test_file_trail_sees_edits_made_behind_its_back(tmp_path: Path) -> None:
    path = tmp_path / "trail.jsonl"
    with FileAuditTrail(path, SimClock(T0)) as trail:
        trail.record_command("submit", actor="s", subject="o1")
        trail.record_command("cancel", actor="s", subject="o1")
        path.write_bytes(path.read_bytes().replace(b'"cancel"', b'"amend"'))
        result = trail.verify()
    assert [(p.index, p.seq) for p in result.problems] == [(1, 1)]


def test_torn_tail_is_refused_then_repaired_and_recorded(tmp_path: Path) -> None:
    path = tmp_path / "trail.jsonl"
    with FileAuditTrail(path, SimClock(T0)) as trail:
        trail.record_command("submit", actor="s", subject="o1")
    with path.open("ab") as fh:
        fh.write(b'{"seq":1,"ts_')
    with pytest.raises(StoreError, match="incomplete"):
        FileAuditTrail(path)
    with FileAuditTrail(path, SimClock(T0), repair_torn_tail=True) as trail:
        recs = list(trail.records())
        assert recs[-1].action == "audit.torn_tail_removed"
        assert recs[-1].payload["bytes"] == 13
        assert trail.verify().ok


def test_second_writer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "trail.jsonl"
    with FileAuditTrail(path, SimClock(T0)), pytest.raises(StoreError, match="another writer"):
        FileAuditTrail(path)


def test_exports_round_trip_and_verify(tmp_path: Path) -> None:
    trail = _trail(4)
    recs = list(trail.records())
    ledger = export_ledger_yaml(recs)
    assert ledger == export_ledger_yaml(list(trail.records()))  # deterministic
    (tmp_path / "ledger.yaml").write_bytes(ledger)
    (tmp_path / "t.jsonl").write_bytes(export_jsonl(recs))
    for name in ("ledger.yaml", "t.jsonl"):
        loaded, count, head = load_audit_file(tmp_path / name)
        assert loaded == recs
        assert verify_chain(loaded, expected_count=count, expected_head=head).ok
    assert b"time: '2026-" in ledger or b"time: 2026-" in ledger
    tampered = ledger.replace(b"strat-1", b"strat-2", 1)
    loaded, count, head = load_ledger_yaml(tampered)
    assert not verify_chain(loaded, expected_count=count, expected_head=head).ok


def test_unreadable_lines_are_reported_with_their_index() -> None:
    data = export_jsonl(_trail(3).records()).replace(b'"seq":1', b'"seq":"one"')
    from bolt_exec.compliance.audit_file import read_jsonl_records

    problems = verify_chain(read_jsonl_records(data)).problems
    assert problems[0].index == 1
    assert "seq" in problems[0].problem


def test_batched_fsync_still_writes_every_line_and_syncs_on_close(tmp_path: Path) -> None:
    path = tmp_path / "trail.jsonl"
    with FileAuditTrail(path, SimClock(T0), fsync_every=100) as trail:
        for i in range(5):
            trail.record_command("submit", actor="s", subject=f"o{i}")
        assert len(path.read_bytes().splitlines()) == 5  # flushed to the OS at each append
        trail.sync()
    with pytest.raises(ValidationError, match="fsync_every"):
        FileAuditTrail(tmp_path / "other.jsonl", fsync_every=0)


def test_safety_decisions_on_the_bus_are_recorded_as_decisions() -> None:
    from bolt_exec.safety.decision import Decision

    bus = MessageBus(strict=True)
    clock = SimClock(T0 + 42)
    trail = MemoryAuditTrail(clock)
    trail.subscribe(bus)
    bus.publish("safety.decision", Decision.deny("MAX_QTY", "qty 500 > limit 100", "max_qty"))
    (rec,) = trail.records()
    assert (rec.kind, rec.actor, rec.ts_ns) == ("decision", "safety", T0 + 42)
    assert rec.payload == {
        "approved": False,
        "code": "MAX_QTY",
        "reason": "qty 500 > limit 100",
        "check": "max_qty",
    }


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.text(max_size=12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["yes", "no", "null", "~", "1e3", "0x1F", "2026-04-06", "12:30", "1_000"]),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=8), _JSON, max_size=4), min_size=1, max_size=3))
def test_any_payload_survives_both_exports_and_still_verifies(
    payloads: list[dict[str, object]],
) -> None:
    """Found by this test: PyYAML's Unicode output rewrote U+0085; exports now escape."""
    trail = MemoryAuditTrail()
    for i, p in enumerate(payloads):
        trail.append("event", "x", actor="a\u00e9", subject="s", payload=p, ts_ns=T0 + i)
    recs = list(trail.records())
    for loaded, count, head in (
        load_ledger_yaml(export_ledger_yaml(recs)),
        (list(read_jsonl_records(export_jsonl(recs))), None, None),
    ):
        assert loaded == recs
        assert verify_chain(loaded, expected_count=count, expected_head=head).ok


def test_extra_topics_such_as_oms_anomalies_can_be_audited() -> None:
    bus = MessageBus(strict=True)
    trail = MemoryAuditTrail(SimClock(T0))
    trail.subscribe(bus, patterns=("order.*", "safety.*", "oms.*"))
    bus.publish("oms.anomaly", "fill for unknown order X1")
    (rec,) = trail.records()
    assert (rec.actor, rec.kind, rec.payload) == (
        "oms",
        "event",
        {"value": "fill for unknown order X1"},
    )


def test_without_a_clock_a_message_is_stamped_with_its_own_time() -> None:
    j = Journal()
    j.new("o1", "AAPL", T0 + 7, "1")
    trail = MemoryAuditTrail()
    rec = trail.record_message("order.initialized", j.events[0])
    assert rec.ts_ns == T0 + 7
    with pytest.raises(ValidationError, match="ts_ns"):
        trail.record_message("safety.note", "no time anywhere")

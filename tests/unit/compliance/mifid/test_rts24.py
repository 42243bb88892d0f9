"""RTS 24 / Annex IV order records from the journal."""

from __future__ import annotations

from decimal import Decimal

from _mifid_helpers import ts

from bolt_exec.compliance.mifid import Firm, ReferenceData, order_records
from bolt_exec.model.enums import OrderType, Side
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderReplaced,
)

T0 = ts(2026, 11, 20, 9, 0, 0)


def _amended_then_partly_filled() -> list[OrderEvent]:
    fill = OrderFilled(
        client_order_id="A",
        ts_event=T0 + 9,
        ts_init=T0 + 9,
        trade_id="X1",
        symbol="TTE",
        side=Side.BUY,
        last_qty=Decimal(50),
        last_px=Decimal("55.2"),
    )
    return [
        OrderInitialized(
            client_order_id="A",
            ts_event=T0,
            ts_init=T0,
            symbol="TTE",
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            qty=Decimal(100),
            limit_px=Decimal("55.1"),
            strategy_id="ALGO1",
            tags={"mifid.capacity": "AOTC", "mifid.client": "C-LEI"},
        ),
        OrderAccepted(client_order_id="A", ts_event=T0, ts_init=T0, venue_order_id="V1"),
        OrderReplaced(
            client_order_id="A",
            ts_event=T0 + 5,
            ts_init=T0 + 5,
            venue_order_id="V1",
            qty=Decimal(150),
            limit_px=Decimal("55.2"),
        ),
        fill,
        fill,  # replayed: the same venue trade id must be recorded once
        OrderCanceled(client_order_id="A", ts_event=T0 + 20, ts_init=T0 + 20, reason="user"),
    ]


def test_every_event_gets_its_own_sequence_number(firm: Firm, reference: ReferenceData) -> None:
    records = order_records(
        _amended_then_partly_filled(), day="2026-11-20", firm=firm, reference=reference
    )

    assert [r["sequence_number"] for r in records.rows] == ["1", "2", "3", "4", "5"]
    assert [r["event_code"] for r in records.rows] == ["DECI", "ACKN", "REME", "PARF", "CAME"]
    # Same millisecond, still ordered: the sequence number breaks the tie.
    assert len({r["event_time"] for r in records.rows[:4]}) == 1


def test_amend_keeps_order_id_and_carries_new_terms(firm: Firm, reference: ReferenceData) -> None:
    records = order_records(
        _amended_then_partly_filled(), day="2026-11-20", firm=firm, reference=reference
    )

    amended = records.rows[2]
    filled = records.rows[3]
    assert {r["client_order_id"] for r in records.rows} == {"A"}
    assert (amended["initial_quantity"], amended["limit_price"]) == ("150", "55.2")
    assert (filled["traded_quantity"], filled["remaining_quantity"]) == ("50", "100")
    assert filled["venue_order_id"] == "V1"
    assert records.issues == ()


def test_aotc_order_without_client_is_named_once(firm: Firm, reference: ReferenceData) -> None:
    events = _amended_then_partly_filled()
    first = events[0]
    assert isinstance(first, OrderInitialized)
    events[0] = OrderInitialized(
        **{
            **{f: getattr(first, f) for f in first.__struct_fields__},
            "tags": {"mifid.capacity": "AOTC"},
        }
    )

    records = order_records(events, day="2026-11-20", firm=firm, reference=reference)

    assert [(i.field_name, i.record_ref) for i in records.issues] == [("client_id", "A")]


def test_retention_is_five_years(firm: Firm, reference: ReferenceData) -> None:
    records = order_records(
        _amended_then_partly_filled(), day="2026-11-20", firm=firm, reference=reference
    )

    assert records.retain_until.isoformat() == "2031-11-20"

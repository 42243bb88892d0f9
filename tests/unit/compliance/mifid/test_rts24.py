"""RTS 24 / Annex IV order records from the journal."""

from __future__ import annotations

from decimal import Decimal

import pytest
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


def _replace(qty: str | None, limit: str | None) -> OrderReplaced:
    return OrderReplaced(client_order_id="A", ts_event=T0 + 30, ts_init=T0 + 30,
                         qty=None if qty is None else Decimal(qty),
                         limit_px=None if limit is None else Decimal(limit))  # fmt: skip


@pytest.mark.parametrize(
    ("qty", "limit", "expected"),
    [("80", None, "false"), ("120", None, "true"), (None, "55.3", "true"), ("80", "55.1", "false")],
)
def test_amend_says_whether_it_loses_time_priority(
    firm: Firm, reference: ReferenceData, qty: str | None, limit: str | None, expected: str
) -> None:
    events = [_amended_then_partly_filled()[0], _replace(qty, limit)]  # order: 100 @ 55.1

    records = order_records(events, day="2026-11-20", firm=firm, reference=reference)

    assert records.rows[-1]["priority_change"] == expected
    assert records.rows[0]["priority_change"] == ""


def test_aggregated_order_and_child_allocation_link_up(
    firm: Firm, reference: ReferenceData
) -> None:
    parent = OrderInitialized(client_order_id="AGG", ts_event=T0, ts_init=T0, symbol="TTE",
                              side=Side.BUY, order_type=OrderType.MARKET, qty=Decimal(30),
                              tags={"mifid.capacity": "AOTC", "mifid.client": "AGGR",
                                    "mifid.aggregated_clients": "3",
                                    "mifid.execution": "T1"})  # fmt: skip
    child = OrderInitialized(client_order_id="AGG-E1", ts_event=T0 + 1, ts_init=T0 + 1,
                             symbol="TTE", side=Side.BUY, order_type=OrderType.MARKET,
                             qty=Decimal(10), parent_id="AGG",
                             tags={"mifid.capacity": "AOTC", "mifid.client": "C-LEI",
                                   "mifid.execution": "T1"})  # fmt: skip

    records = order_records([parent, child], day="2026-11-20", firm=firm, reference=reference)

    assert [(r["client_id"], r["aggregation_id"], r["parent_order_id"]) for r in records.rows] == [
        ("AGGR", "aggregated_3", ""),
        ("C-LEI", "", "AGG"),
    ]
    assert records.issues == ()


def test_records_cannot_be_modified(firm: Firm, reference: ReferenceData) -> None:
    records = order_records(_amended_then_partly_filled(), day="2026-11-20", firm=firm,
                            reference=reference)  # fmt: skip

    with pytest.raises(TypeError):
        records.rows[0]["event_code"] = "FAKE"  # type: ignore[index]

"""The OrderStore contract, run on every backend (memory, SQLite file, PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from bolt_exec.errors import ConcurrencyConflict, ValidationError
from bolt_exec.model.enums import OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import OrderAccepted
from bolt_exec.store import MemoryOrderStore, OrderStore
from bolt_exec.store.projection import OrderRecord

from .conftest import Ev, StoreFactory


def test_append_new_events_returns_count_and_keeps_order(store: OrderStore, ev: Ev) -> None:
    events = [ev.init("A"), ev.submit("A"), ev.accept("A")]

    assert store.append(events) == 3

    assert list(store.events()) == events
    assert [e.seq for e in store.entries()] == [1, 2, 3]


def test_append_repeated_event_ids_is_a_no_op(store: OrderStore, ev: Ev) -> None:
    events = [ev.init("A"), ev.submit("A")]
    store.append(events)

    assert store.append(events) == 0
    assert store.append([events[1], ev.accept("A"), events[0]]) == 1
    assert len(list(store.events())) == 3


def test_append_duplicate_within_one_batch_keeps_the_first(store: OrderStore, ev: Ev) -> None:
    init = ev.init("A")

    assert store.append([init, init]) == 1


def test_append_replayed_batch_after_reopen_journals_only_the_new_events(
    open_again: StoreFactory, ev: Ev
) -> None:
    """A batch mixing journaled and new events (a replay after a restart) adds only the new."""
    # Arrange
    store = open_again()
    done = [ev.init("A"), ev.submit("A"), ev.init("B")]
    store.append(done)
    if not isinstance(store, MemoryOrderStore):  # durable: replay into the reopened store
        store.close()
        store = open_again()

    # Act
    added = store.append([*done, ev.accept("A"), ev.submit("B")])

    # Assert
    assert added == 2
    assert [e.seq for e in store.entries()] == [1, 2, 3, 4, 5]
    assert {r.client_order_id: r.status for r in store.order_records()} == {
        "A": OrderStatus.ACCEPTED,
        "B": OrderStatus.SUBMITTED,
    }


def test_event_ids_are_unique_per_order(store: OrderStore, ev: Ev) -> None:
    """Idempotency is per (order, event id): another order's event may reuse an id."""
    a = ev.init("A")
    b = OrderAccepted(client_order_id="B", ts_event=1, ts_init=1, event_id=a.event_id)

    assert store.append([a, b]) == 2
    assert store.append([b, a]) == 0
    assert [e.client_order_id for e in store.events()] == ["A", "B"]


def test_absent_prices_and_ids_read_back_as_none(store: OrderStore, ev: Ev) -> None:
    """NULL columns (market order: no limit, stop or average price) round-trip as None."""
    anon = OrderAccepted(client_order_id="M", ts_event=1, ts_init=1)
    store.append([ev.init("M", px=None), ev.submit("M"), anon])

    (rec,) = store.order_records()

    assert (rec.limit_px, rec.stop_px, rec.avg_px, rec.parent_id) == (None, None, None, None)
    assert [e.event_id for e in store.events("M")][-1] == ""


def test_every_field_of_a_new_order_reads_back(store: OrderStore, ev: Ev) -> None:
    """The orders row of an initialization holds each of its fields, a parent id included.

    ``record_from_init`` builds the row positionally; this catches a field out of order.
    """
    init = msgspec.structs.replace(
        ev.init("C", side=Side.SELL, qty="7", px="101.25", symbol="MSFT", ts=5),
        stop_px=Decimal("101.50"),
        tif=TimeInForce.DAY,
        strategy_id="s9",
        parent_id="PARENT-1",
        ts_init=4,
    )
    store.append([init])

    (rec,) = store.order_records()

    assert rec == OrderRecord(
        client_order_id="C",
        symbol="MSFT",
        side=Side.SELL,
        order_type=OrderType.LIMIT,
        qty=Decimal("7"),
        limit_px=Decimal("101.25"),
        stop_px=Decimal("101.50"),
        tif=TimeInForce.DAY,
        broker="paper",
        strategy_id="s9",
        parent_id="PARENT-1",
        status=OrderStatus.INITIALIZED,
        ts_init=4,
        ts_last=5,
        last_seq=1,
        created_seq=1,
    )


def test_append_empty_batch_appends_nothing(store: OrderStore) -> None:
    assert store.append([]) == 0
    assert list(store.entries()) == []


def test_events_for_one_order_filters_by_client_order_id(store: OrderStore, ev: Ev) -> None:
    store.append([ev.init("A"), ev.init("B"), ev.submit("A"), ev.submit("B")])

    assert [e.client_order_id for e in store.events("B")] == ["B", "B"]
    assert [type(e).__name__ for e in store.events("A")] == ["OrderInitialized", "OrderSubmitted"]


def test_entries_after_seq_returns_only_later_entries(store: OrderStore, ev: Ev) -> None:
    store.append([ev.init("A"), ev.submit("A"), ev.accept("A")])

    assert [e.seq for e in store.entries(after_seq=2)] == [3]


def test_order_projection_follows_the_state_machine(store: OrderStore, ev: Ev) -> None:
    store.append([ev.init("A", qty="10"), ev.submit("A"), ev.accept("A")])
    store.append([ev.fill("A", "t1", "4", "100.00"), ev.fill("A", "t2", "6", "101.00")])

    (rec,) = store.order_records()

    assert rec.status is OrderStatus.FILLED
    assert rec.filled_qty == Decimal(10)
    assert rec.avg_px == Decimal("100.6")
    assert rec.venue_order_id == "V-A"
    assert rec.version == 5
    assert rec.last_seq == 5


def test_fill_with_a_known_trade_id_changes_no_projection(store: OrderStore, ev: Ev) -> None:
    """A venue repeating a fill (new event id, same trade id) is journaled but not counted."""
    store.append([ev.init("A"), ev.submit("A"), ev.accept("A"), ev.fill("A", "t1", "4")])

    assert store.append([ev.fill("A", "t1", "4")]) == 1

    assert [f.trade_id for f in store.fills()] == ["t1"]
    assert store.order_records()[0].filled_qty == Decimal(4)
    assert store.load_positions()[("paper", "AAPL")].qty == Decimal(4)
    assert store.load_orders()["A"].filled_qty == Decimal(4)


def test_positions_net_buys_and_sells_per_broker_and_symbol(store: OrderStore, ev: Ev) -> None:
    store.append([ev.init("B1", qty="10"), ev.submit("B1"), ev.accept("B1")])
    store.append([ev.fill("B1", "t1", "10", "100", fee="1")])
    store.append([ev.init("S1", qty="4", side=Side.SELL), ev.submit("S1"), ev.accept("S1")])
    store.append([ev.fill("S1", "t2", "4", "110", side=Side.SELL, fee="0.5")])

    pos = store.load_positions()[("paper", "AAPL")]

    assert pos.qty == Decimal(6)
    assert pos.avg_px == Decimal(100)
    assert pos.realized_pnl == Decimal(40)
    assert pos.fees == Decimal("1.5")


def test_load_orders_replays_into_order_aggregates(store: OrderStore, ev: Ev) -> None:
    store.append([ev.init("A"), ev.submit("A"), ev.accept("A"), ev.fill("A", "t1", "3")])
    store.append([ev.init("B"), ev.submit("B"), ev.accept("B"), ev.cancel("B")])

    orders = store.load_orders()
    open_orders = store.load_orders(open_only=True)

    assert orders["A"].status is OrderStatus.PARTIALLY_FILLED
    assert orders["A"].has_trade("t1")
    assert orders["B"].status is OrderStatus.CANCELED
    assert set(open_orders) == {"A"}
    assert [type(e) for e in open_orders["A"].events] == [type(e) for e in orders["A"].events]


def test_order_records_open_only_excludes_terminal_orders(store: OrderStore, ev: Ev) -> None:
    store.append([ev.init("A"), ev.init("B"), ev.submit("B"), ev.accept("B"), ev.cancel("B")])

    assert [r.client_order_id for r in store.order_records()] == ["A", "B"]
    assert [r.client_order_id for r in store.order_records(open_only=True)] == ["A"]


def test_illegal_event_is_journaled_but_status_stays(store: OrderStore, ev: Ev) -> None:
    """The fold never raises: an out-of-table event leaves the projected status alone."""
    store.append([ev.init("A"), ev.submit("A"), ev.accept("A"), ev.cancel("A")])

    assert store.append([ev.accept("A")]) == 1

    assert store.order_records()[0].status is OrderStatus.CANCELED
    assert store.load_orders()["A"].status is OrderStatus.CANCELED


def test_events_of_an_unknown_order_are_journal_only(store: OrderStore, ev: Ev) -> None:
    assert store.append([ev.accept("GHOST")]) == 1

    assert store.order_records() == []
    assert store.load_orders() == {}
    assert [e.client_order_id for e in store.events()] == ["GHOST"]


def test_event_without_id_is_journaled_every_time(store: OrderStore, ev: Ev) -> None:
    init = ev.init("A")
    anon = OrderAccepted(client_order_id="A", ts_event=1, ts_init=1)
    store.append([init, ev.submit("A")])

    assert store.append([anon]) == 1
    assert store.append([anon]) == 1


def test_kill_switch_starts_released(store: OrderStore) -> None:
    state = store.kill_switch()

    assert not state.is_latched
    assert state.reason == ""


def test_kill_switch_trip_latches_and_keeps_the_first_trip(store: OrderStore) -> None:
    store.trip_kill_switch(reason="drawdown 5%", actor="pnl-monitor", ts_ns=10)

    state = store.trip_kill_switch(reason="again", actor="operator", ts_ns=20)

    assert state.is_latched
    assert (state.reason, state.actor, state.ts) == ("drawdown 5%", "pnl-monitor", 10)


def test_kill_switch_reset_records_operator_and_reason(store: OrderStore) -> None:
    store.trip_kill_switch(reason="manual", actor="alice", ts_ns=10)

    state = store.reset_kill_switch(operator="bob", reason="checked positions", ts_ns=30)

    assert not state.is_latched
    assert (state.reset_by, state.reset_reason, state.ts_reset) == ("bob", "checked positions", 30)
    assert state.reason == "manual"


@pytest.mark.parametrize("field", ["operator", "reason"])
def test_kill_switch_reset_without_operator_or_reason_is_refused(
    store: OrderStore, field: str
) -> None:
    store.trip_kill_switch(reason="manual", actor="alice", ts_ns=10)
    args = {"operator": "bob", "reason": "ok", field: " "}

    with pytest.raises(ValidationError, match=field):
        store.reset_kill_switch(operator=args["operator"], reason=args["reason"], ts_ns=11)

    assert store.kill_switch().is_latched


def test_algo_state_put_then_get_round_trips_and_versions(store: OrderStore) -> None:
    first = store.put_algo_state("P1", {"sent": "100", "slices": [1, 2]}, ts_ns=5)
    second = store.put_algo_state("P1", {"sent": "200", "slices": [1, 2, 3]}, ts_ns=6)

    got = store.get_algo_state("P1")

    assert (first.version, second.version) == (1, 2)
    assert got is not None
    assert got.state == {"sent": "200", "slices": [1, 2, 3]}
    assert (got.version, got.ts) == (2, 6)
    assert store.get_algo_state("nope") is None


def test_algo_state_stale_expected_version_raises_conflict(store: OrderStore) -> None:
    store.put_algo_state("P1", {"n": 1}, ts_ns=1)
    store.put_algo_state("P1", {"n": 2}, ts_ns=2, expected_version=1)

    with pytest.raises(ConcurrencyConflict, match="expected state version 1, found 2"):
        store.put_algo_state("P1", {"n": 3}, ts_ns=3, expected_version=1)

    state = store.get_algo_state("P1")
    assert state is not None
    assert state.state == {"n": 2}


def test_algo_state_not_json_is_refused_naming_the_fix(store: OrderStore) -> None:
    with pytest.raises(ValidationError, match="Decimals"):
        store.put_algo_state("P1", {"px": Decimal("1.5")}, ts_ns=1)


def test_algo_states_lists_and_delete_forgets(store: OrderStore) -> None:
    store.put_algo_state("P1", {"n": 1}, ts_ns=1)
    store.put_algo_state("P2", {"n": 2}, ts_ns=1)

    store.delete_algo_state("P1")

    assert list(store.algo_states()) == ["P2"]


def test_memory_append_new_then_append_of_the_same_events_is_a_no_op(ev: Ev) -> None:
    """append_new skips the id lookups; the index catches up before the next append."""
    store = MemoryOrderStore()
    first = [ev.init("A"), ev.submit("A")]

    assert store.append_new(first) == 2
    assert store.append_new([ev.accept("A")]) == 1
    assert store.append(first) == 0  # already journaled by append_new: skipped
    assert store.append([ev.init("B"), first[1]]) == 1

    ids = [e.event_id for e in store.events()]
    assert ids == ["A-1", "A-2", "A-3", "B-1"]
    assert [e.seq for e in store.entries()] == [1, 2, 3, 4]

"""OrderManager: submit, cancel, amend, cancel_all, ids, bus, handles, journal order."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal

import pytest

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.bus import MessageBus
from bolt_exec.clock import SimClock
from bolt_exec.errors import DuplicateOrderIdError, UnknownOrderError, ValidationError
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderEvent, OrderExpired, OrderFilled, event_topic
from bolt_exec.model.order import Order
from bolt_exec.oms.manager import OrderManager
from bolt_exec.safety.decision import APPROVED, Decision
from bolt_exec.safety.gate import PortfolioView
from bolt_exec.store.base import MemoryOrderStore
from bolt_exec.testing.builders import T0, make_instrument, make_oms


def _quote(paper, clock, bid="100.00", ask="100.02", size=1000) -> None:  # type: ignore[no-untyped-def]
    paper.on_quote("AAPL", bid, ask, size, size, clock.now_ns())


def test_market_order_fills_and_updates_position() -> None:
    oms, paper, clock = make_oms()
    _quote(paper, clock)
    h = oms.submit("AAPL", "BUY", 100)
    assert h.status is OrderStatus.FILLED and h.avg_px == Decimal("100.02")
    pos = oms.position("AAPL")
    assert pos is not None and pos.qty == 100 and pos.avg_px == Decimal("100.02")


def test_limit_order_rests_then_cancel_cancels() -> None:
    oms, paper, clock = make_oms()
    _quote(paper, clock)
    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="99.00", tif="GTC")
    assert h.status is OrderStatus.ACCEPTED
    assert oms.cancel(h.client_order_id) is True
    assert h.status is OrderStatus.CANCELED
    assert oms.cancel(h.client_order_id) is False  # already done: a no-op


def test_amend_changes_price_and_quantity_at_the_venue() -> None:
    oms, paper, clock = make_oms()
    _quote(paper, clock)
    h = oms.submit("AAPL", "SELL", 100, "LIMIT", limit_px="101.00", tif="GTC")
    assert oms.amend(h.client_order_id, qty=150, limit_px="101.50") is True
    assert (h.order.qty, h.order.limit_px, h.status) == (
        150,
        Decimal("101.50"),
        OrderStatus.ACCEPTED,
    )
    report = paper.order_report(h.client_order_id)
    assert report is not None and report.qty == 150 and report.limit_px == Decimal("101.50")


def test_amend_into_the_market_fills() -> None:
    oms, paper, clock = make_oms()
    _quote(paper, clock)
    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="99.00", tif="GTC")
    oms.amend(h.client_order_id, limit_px="100.05")
    assert h.status is OrderStatus.FILLED and h.avg_px == Decimal("100.02")


def test_cancel_all_filters_by_symbol_and_side() -> None:
    msft = make_instrument("MSFT")
    oms, paper, clock = make_oms(make_instrument(), msft)
    _quote(paper, clock)
    paper.on_quote("MSFT", "300.00", "300.05", 100, 100, clock.now_ns())
    b1 = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="90.00", tif="GTC")
    s1 = oms.submit("AAPL", "SELL", 10, "LIMIT", limit_px="110.00", tif="GTC")
    m1 = oms.submit("MSFT", "BUY", 10, "LIMIT", limit_px="290.00", tif="GTC")
    assert oms.cancel_all(symbol="AAPL", side="BUY") == [b1.client_order_id]
    assert (s1.status, m1.status) == (OrderStatus.ACCEPTED, OrderStatus.ACCEPTED)
    assert sorted(oms.cancel_all()) == sorted([s1.client_order_id, m1.client_order_id])
    assert list(oms.open_orders()) == []


def test_client_order_ids_are_deterministic_and_children_follow_parent() -> None:
    ids = []
    for _ in range(2):
        oms, paper, clock = make_oms()
        _quote(paper, clock)
        parent = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="90.00", tif="GTC")
        c1 = oms.submit(
            "AAPL", "BUY", 5, "LIMIT", limit_px="90.00", parent_id=parent.client_order_id
        )
        c2 = oms.submit(
            "AAPL", "BUY", 5, "LIMIT", limit_px="90.00", parent_id=parent.client_order_id
        )
        ids.append((parent.client_order_id, c1.client_order_id, c2.client_order_id))
    assert ids[0] == ids[1]
    parent_id = ids[0][0]
    assert ids[0][1:] == (f"{parent_id}-E1", f"{parent_id}-E2")


def test_duplicate_client_order_id_is_refused_before_the_broker() -> None:
    oms, paper, clock = make_oms()
    _quote(paper, clock)
    oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="90.00", client_order_id="MY-1")
    sent = paper.commands_received
    with pytest.raises(DuplicateOrderIdError, match="MY-1"):
        oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="90.00", client_order_id="MY-1")
    assert paper.commands_received == sent


def test_empty_parent_id_is_refused_before_anything_is_recorded() -> None:
    """An empty parent id names no order (and the store keeps NULL for "no parent")."""
    oms, paper, clock = make_oms()
    _quote(paper, clock)
    sent = paper.commands_received
    with pytest.raises(ValidationError, match="parent_id") as err:
        oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="90.00", parent_id="")
    assert "omit it" in str(err.value)
    assert list(oms.orders()) == []
    assert paper.commands_received == sent


def test_unknown_order_raises_key_error_subclass() -> None:
    oms, _, _ = make_oms()
    with pytest.raises(KeyError):
        oms.cancel("nope")
    with pytest.raises(UnknownOrderError, match="nope"):
        oms.order("nope")


def test_duplicate_fill_from_the_broker_is_a_noop() -> None:
    oms, paper, clock = make_oms()
    _quote(paper, clock)
    h = oms.submit("AAPL", "BUY", 100)
    fill = h.fills[0]
    oms.on_event(fill)  # the venue re-delivers the same trade
    assert h.filled_qty == 100 and len(h.fills) == 1
    pos = oms.position("AAPL")
    assert pos is not None and pos.qty == 100


def test_bus_publishes_order_topics_and_execution_topic() -> None:
    oms, paper, clock = make_oms()
    seen: list[str] = []
    oms.bus.subscribe("order.*", lambda topic, _m: seen.append(topic))
    fills: list[OrderFilled] = []
    oms.bus.subscribe("execution.AAPL", lambda _t, m: fills.append(m))
    _quote(paper, clock)
    oms.submit("AAPL", "BUY", 100)
    assert seen == ["order.initialized", "order.submitted", "order.accepted", "order.filled"]
    assert len(fills) == 1 and fills[0].last_qty == 100


class _RecordingStore(MemoryOrderStore):
    """A journal that notes, for each event, whether the bus had already published it."""

    def __init__(self, published: list[str]) -> None:
        super().__init__()
        self.published = published
        self.late: list[str] = []

    def append(self, events: Sequence[OrderEvent]) -> int:
        for e in events:
            if e.event_id in self.published:
                self.late.append(e.event_id)
        return super().append(events)


def test_every_event_is_journaled_before_it_is_published() -> None:
    published: list[str] = []
    store = _RecordingStore(published)
    bus = MessageBus(strict=True)

    def on_any(_topic: str, event: OrderEvent) -> None:
        assert event.event_id in {e.event_id for e in store.events()}
        published.append(event.event_id)

    bus.subscribe("order.*", on_any)
    oms, paper, clock = make_oms()
    oms2 = OrderManager(paper, clock=clock, store=store, bus=bus, strict=True)
    _quote(paper, clock)
    h = oms2.submit("AAPL", "BUY", 100, "LIMIT", limit_px="99.00")
    oms2.cancel(h.client_order_id)
    assert len(published) == len(list(store.events())) == 5 and store.late == []
    del oms


class _CountlessStore:
    """A duck-typed journal whose ``append`` returns None, not the count the protocol asks."""

    def __init__(self) -> None:
        self.inner = MemoryOrderStore()

    def append(self, events: Sequence[OrderEvent]) -> None:
        self.inner.append(events)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_a_store_whose_append_returns_none_still_journals() -> None:
    # The OMS does not use the count; the compiled build must not turn None into a
    # journal failure that stops the OMS (it type-checks what an annotated call returns).
    _oms, paper, clock = make_oms()
    store = _CountlessStore()
    oms = OrderManager(paper, clock=clock, store=store, strict=True)  # type: ignore[arg-type]
    _quote(paper, clock)

    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="99.00")
    oms.cancel(h.client_order_id)

    assert h.status is OrderStatus.CANCELED
    assert [type(e).__name__ for e in store.inner.events()] == [
        "OrderInitialized",
        "OrderSubmitted",
        "OrderAccepted",
        "OrderPendingCancel",
        "OrderCanceled",
    ]


class _CountingOms(OrderManager):
    """A user's OMS subclass: counts the orders it was asked to submit."""

    submitted = 0

    def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.submitted += 1
        return super().submit(*args, **kwargs)


def test_the_oms_can_be_subclassed_in_python() -> None:
    # Also under the compiled build, where OrderManager is a native class.
    _oms, paper, clock = make_oms()
    oms = _CountingOms(paper, clock=clock, strict=True)
    _quote(paper, clock)

    h = oms.submit("AAPL", "BUY", 100)

    assert oms.submitted == 1 and h.status is OrderStatus.FILLED


def test_recovery_from_the_journal_rebuilds_orders_positions_and_ids() -> None:
    oms, paper, clock = make_oms()
    _quote(paper, clock)
    filled = oms.submit("AAPL", "BUY", 100)
    resting = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="90.00", tif="GTC")
    again = OrderManager(paper, clock=clock, store=oms.store, strict=True)
    assert again.order(filled.client_order_id).status is OrderStatus.FILLED
    assert [o.client_order_id for o in again.open_orders()] == [resting.client_order_id]
    pos = again.position("AAPL")
    assert pos is not None and pos.qty == 100
    new = again.submit("AAPL", "BUY", 1, "LIMIT", limit_px="90.00")
    assert new.client_order_id not in (filled.client_order_id, resting.client_order_id)


class _DenyBig:
    """A gate that denies orders above 50 shares (a stand-in for the SafetyManager)."""

    def check_submit(self, order: Order, view: PortfolioView) -> Decision:
        if order.qty > 50:
            return Decision.deny("MAX_QTY", f"qty {order.qty} exceeds 50")
        return APPROVED

    def check_amend(
        self,
        order: Order,
        qty: Decimal | None,
        limit_px: Decimal | None,
        stop_px: Decimal | None,
        view: PortfolioView,
    ) -> Decision:
        if qty is not None and qty > 50:
            return Decision.deny("MAX_QTY", f"qty {qty} exceeds 50")
        return APPROVED


def test_denied_order_is_an_event_not_an_exception_and_never_reaches_the_broker() -> None:
    oms, paper, clock = make_oms()
    gated = OrderManager(paper, clock=clock, safety=_DenyBig(), strict=True)
    _quote(paper, clock)
    before = paper.commands_received
    h = gated.submit("AAPL", "BUY", 100)
    assert h.status is OrderStatus.DENIED and h.reason.startswith("MAX_QTY")
    assert paper.commands_received == before
    assert [event_topic(e) for e in gated.store.events()] == ["order.initialized", "order.denied"]
    del oms


def test_denied_amend_is_journaled_and_the_order_works_on() -> None:
    _, paper, clock = make_oms()
    gated = OrderManager(paper, clock=clock, safety=_DenyBig(), strict=True)
    _quote(paper, clock)
    h = gated.submit("AAPL", "BUY", 10, "LIMIT", limit_px="90.00", tif="GTC")
    assert gated.amend(h.client_order_id, qty=100) is False
    assert h.status is OrderStatus.ACCEPTED and h.order.qty == 10
    assert "DENIED MAX_QTY" in str(h.events[-1])


def test_amend_of_a_done_order_names_the_status() -> None:
    oms, paper, clock = make_oms()
    _quote(paper, clock)
    h = oms.submit("AAPL", "BUY", 10)
    with pytest.raises(ValidationError, match="FILLED"):
        oms.amend(h.client_order_id, qty=20)


def test_handle_done_resolves_when_the_order_completes() -> None:
    oms, paper, clock = make_oms(latency_ns=1_000_000)
    _quote(paper, clock)

    async def scenario() -> OrderStatus:
        h = oms.submit("AAPL", "BUY", 10)
        waiter = asyncio.ensure_future(h.done(timeout=5))
        await asyncio.sleep(0)
        assert not waiter.done()
        clock.advance_by(1_000_000)  # the order reaches the venue and fills
        return await waiter

    assert asyncio.run(scenario()) is OrderStatus.FILLED


def test_handle_listener_sees_every_later_event() -> None:
    oms, paper, clock = make_oms(latency_ns=10)
    _quote(paper, clock)
    h = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="90.00")
    seen: list[str] = []
    h.add_listener(lambda e: seen.append(type(e).__name__))
    clock.advance_by(10)
    oms.cancel(h.client_order_id)
    clock.advance_by(10)
    assert seen == ["OrderAccepted", "OrderPendingCancel", "OrderCanceled"]


def test_frames_have_one_row_per_order_fill_and_position() -> None:
    oms, paper, clock = make_oms()
    _quote(paper, clock)
    oms.submit("AAPL", "BUY", 100)
    oms.submit("AAPL", "SELL", 40)
    orders, fills, positions = oms.orders_frame(), oms.fills_frame(), oms.positions_frame()
    assert len(orders) == 2 and list(orders["status"]) == ["FILLED", "FILLED"]
    assert list(fills["last_qty"]) == [100, 40]
    assert positions.loc[0, "qty"] == 60
    assert positions.loc[0, "realized_pnl"] == Decimal("-0.80")  # bought 100.02, sold 100.00


def test_unknown_broker_event_is_an_anomaly_not_a_crash() -> None:
    oms, paper, clock = make_oms(strict=False)
    _quote(paper, clock)
    h = oms.submit("AAPL", "BUY", 10)
    oms.on_event(
        OrderFilled(
            client_order_id="EXTERNAL-1",
            ts_event=T0,
            ts_init=T0,
            trade_id="X",
            symbol="AAPL",
            side=h.order.side,
            last_qty=Decimal(1),
            last_px=Decimal(1),
        )
    )
    assert oms.anomalies and "EXTERNAL-1" in oms.anomalies[0]


def test_reconciler_can_adopt_an_external_order_and_its_fills() -> None:
    from bolt_exec.model.enums import OrderType, Side
    from bolt_exec.model.events import OrderAccepted, OrderInitialized, OrderSubmitted

    oms, _paper, _clock = make_oms()
    coid = "EXT-1"
    oms.on_event(
        OrderInitialized(
            client_order_id=coid,
            ts_event=T0,
            ts_init=T0,
            reconciliation=True,
            symbol="AAPL",
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            qty=Decimal(10),
            limit_px=Decimal("99.00"),
            broker="paper",
        )
    )
    for kind in (OrderSubmitted, OrderAccepted):
        oms.on_event(kind(client_order_id=coid, ts_event=T0, ts_init=T0, reconciliation=True))
    oms.on_event(
        OrderFilled(
            client_order_id=coid,
            ts_event=T0,
            ts_init=T0,
            trade_id="V-9",
            symbol="AAPL",
            side=Side.BUY,
            last_qty=Decimal(4),
            last_px=Decimal("99.00"),
            reconciliation=True,
        )
    )
    order = oms.order(coid)
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.filled_qty == 4
    assert oms.position("AAPL").qty == 4  # type: ignore[union-attr]
    assert [e.event_id for e in oms.store.events()] == [f"{coid}-{n}" for n in range(1, 5)]


class _RoutingStore(MemoryOrderStore):
    """Records which append each journal batch took."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, list[str]]] = []

    def append(self, events: Sequence[OrderEvent]) -> int:
        self.calls.append(("append", [e.event_id for e in events]))
        return super().append(events)

    def append_new(self, events: Sequence[OrderEvent]) -> int:
        self.calls.append(("append_new", [e.event_id for e in events]))
        return super().append_new(events)


def test_the_oms_skips_id_checks_only_for_ids_it_stamped_itself() -> None:
    """Its own events take append_new; an event carrying an id of its own takes append,
    so a redelivered reconciliation event is journaled once."""
    store = _RoutingStore()
    paper = PaperBroker([make_instrument()])
    oms = OrderManager(paper, clock=SimClock(T0), store=store)
    h = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="90.00", tif="GTC")
    coid = h.client_order_id
    assert [kind for kind, _ in store.calls] == ["append_new", "append_new"]
    assert store.calls[0][1] == [f"{coid}-1", f"{coid}-2"]
    store.calls.clear()

    expired = OrderExpired(
        client_order_id=coid,
        ts_event=T0,
        ts_init=T0,
        event_id=f"RECON-{coid}-EXPIRED",
        reconciliation=True,
    )
    oms.on_event(expired)
    oms.on_event(expired)  # delivered twice: the second is an illegal transition, not journaled

    assert store.calls == [("append", [f"RECON-{coid}-EXPIRED"])]
    assert len(oms.anomalies) == 1
    assert [e.event_id for e in store.events()][-1] == f"RECON-{coid}-EXPIRED"
    assert len(list(store.events())) == 4


class _CountingStore(MemoryOrderStore):
    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__()
        self.appends = 0
        self.fail_after = fail_after

    def append(self, events: Sequence[OrderEvent]) -> int:
        self.appends += 1
        if self.fail_after is not None and self.appends > self.fail_after:
            raise OSError("disk full")
        return super().append(events)  # type: ignore[func-returns-value]


def test_a_command_and_the_venues_answers_are_journaled_in_two_group_commits() -> None:
    store = _CountingStore()
    _, paper, clock = make_oms()
    oms = OrderManager(paper, clock=clock, store=store, strict=True)
    _quote(paper, clock)
    oms.submit("AAPL", "BUY", 100)  # initialized+submitted, then accepted+filled
    assert store.appends == 2 and len(store) == 4


def test_a_failed_journal_stops_the_oms_and_sends_nothing_more() -> None:
    from bolt_exec.errors import StoreError

    store = _CountingStore(fail_after=2)
    _, paper, clock = make_oms()
    oms = OrderManager(paper, clock=clock, store=store)
    _quote(paper, clock)
    oms.submit("AAPL", "BUY", 10)
    sent = paper.commands_received
    with pytest.raises(StoreError, match="journal failed"):
        oms.submit("AAPL", "BUY", 10)
    with pytest.raises(StoreError, match="restart"):
        oms.submit("AAPL", "BUY", 10)
    assert paper.commands_received == sent  # nothing left for the venue unjournaled


def test_store_may_be_given_as_a_sqlite_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, paper, clock = make_oms()
    path = tmp_path / "bolt.db"
    oms = OrderManager(paper, clock=clock, store=str(path), strict=True)
    _quote(paper, clock)
    h = oms.submit("AAPL", "BUY", 10)
    oms.store.close()
    again = OrderManager(paper, clock=clock, store=str(path), strict=True)
    assert again.order(h.client_order_id).status is OrderStatus.FILLED
    again.store.close()

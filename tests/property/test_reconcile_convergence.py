"""The reconciler converges: after random divergence between our view and the venue's,
applying the resolution (events to us, commands to the venue) and diffing again finds
nothing left to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bolt_exec.model.commands import CancelOrder
from bolt_exec.model.enums import OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderRejected,
    OrderSubmitted,
)
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position
from bolt_exec.model.reports import FillReport, MassStatus, OrderStatusReport, PositionReport
from bolt_exec.reconcile import ReconcilePolicy, diff, resolve

T = 1_000_000_000_000
SNAP = T + 10**12
BROKER = "paper"
_END = {
    "canceled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}


@dataclass
class VenueOrder:
    """The venue's truth about one order."""

    coid: str
    symbol: str
    side: Side
    qty: int
    fills: list[int]
    end: str  # "working", "canceled", "expired", "rejected" (no fills), or "filled"
    listed_when_done: bool

    @property
    def filled(self) -> int:
        return sum(self.fills)

    @property
    def status(self) -> OrderStatus:
        if self.filled >= self.qty:
            return OrderStatus.FILLED
        if self.end == "working":
            return OrderStatus.PARTIALLY_FILLED if self.fills else OrderStatus.ACCEPTED
        return _END[self.end]

    def px(self, k: int) -> Decimal:
        return Decimal(100 + k)

    def report(self) -> OrderStatusReport:
        cost = sum(self.px(k) * q for k, q in enumerate(self.fills))
        return OrderStatusReport(
            client_order_id=self.coid,
            venue_order_id=f"V-{self.coid}",
            symbol=self.symbol,
            side=self.side,
            order_type=OrderType.LIMIT,
            status=self.status,
            qty=Decimal(self.qty),
            filled_qty=Decimal(self.filled),
            limit_px=Decimal(100),
            avg_px=cost / self.filled if self.fills else None,
            ts_accepted=T + 1,
            ts_last=T + 50,
        )

    def fill_reports(self) -> list[FillReport]:
        return [
            FillReport(
                trade_id=f"{self.coid}-T{k}",
                client_order_id=self.coid,
                venue_order_id=f"V-{self.coid}",
                symbol=self.symbol,
                side=self.side,
                last_qty=Decimal(q),
                last_px=self.px(k),
                ts_event=T + 10 + k,
            )
            for k, q in enumerate(self.fills)
        ]


@dataclass
class World:
    """Our side, as the OMS holds it: orders, positions, journal ids (dedupe)."""

    orders: dict[str, Order] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)

    def apply(self, event: OrderEvent) -> None:
        if event.event_id in self.seen:
            return  # the store dedupes on event id
        self.seen.add(event.event_id)
        if isinstance(event, OrderInitialized):
            self.orders[event.client_order_id] = Order(event)
            return
        order = self.orders[event.client_order_id]
        if order.apply(event) and isinstance(event, OrderFilled):
            pos = self.positions.setdefault(event.symbol, Position(event.symbol, BROKER))
            pos.apply_fill(event.side, event.last_qty, event.last_px)


def _local(world: World, v: VenueOrder, known: int, reached: bool, pending: bool) -> None:
    coid = v.coid
    n = 0

    def st_(**kw: object) -> dict[str, object]:
        nonlocal n
        n += 1
        return {
            "client_order_id": coid,
            "ts_event": T + n,
            "ts_init": T + n,
            "event_id": f"{coid}-{n}",
            **kw,
        }

    world.apply(
        OrderInitialized(
            **st_(  # type: ignore[arg-type]
                symbol=v.symbol,
                side=v.side,
                order_type=OrderType.LIMIT,
                qty=Decimal(v.qty),
                limit_px=Decimal(100),
                tif=TimeInForce.GTC,
                broker=BROKER,
            )
        )
    )
    world.apply(OrderSubmitted(**st_()))  # type: ignore[arg-type]
    if not reached:
        return
    timeline: list[OrderEvent] = [OrderAccepted(**st_(venue_order_id=f"V-{coid}"))]  # type: ignore[arg-type]
    for k, r in enumerate(v.fill_reports()):
        timeline.append(
            OrderFilled(
                **st_(  # type: ignore[arg-type]
                    trade_id=f"{coid}-T{k}",
                    symbol=v.symbol,
                    side=v.side,
                    last_qty=r.last_qty,
                    last_px=r.last_px,
                )
            )
        )
    if v.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED):
        cls = {"canceled": OrderCanceled, "expired": OrderExpired}.get(v.end)
        timeline.append(cls(**st_()) if cls else OrderRejected(**st_(reason="r")))  # type: ignore[arg-type]
    for e in timeline[:known]:
        world.apply(e)
    order = world.orders[coid]
    if pending and order.status in (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED):
        world.apply(OrderPendingCancel(**st_()))  # type: ignore[arg-type]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[VenueOrder], World, dict[str, int], set[str]]:
    world = World()
    venue: list[VenueOrder] = []
    unreached: set[str] = set()
    for i in range(draw(st.integers(0, 6))):
        qty = draw(st.integers(1, 8))
        fills: list[int] = []
        for q in draw(st.lists(st.integers(1, 4), max_size=4)):
            if sum(fills) + q <= qty:
                fills.append(q)
        end = draw(st.sampled_from(["working", "canceled", "expired", "rejected"]))
        if end == "rejected" and fills:
            end = "canceled"
        v = VenueOrder(
            f"O{i}",
            draw(st.sampled_from(["X", "Y"])),
            draw(st.sampled_from(list(Side))),
            qty,
            fills,
            end,
            draw(st.booleans()),
        )
        reached = draw(st.integers(0, 4)) > 0
        known = draw(st.integers(0, 2 + len(fills)))
        _local(world, v, known, reached, draw(st.booleans()))
        if reached:
            venue.append(v)
        else:
            unreached.add(v.coid)
    for j in range(draw(st.integers(0, 2))):  # orders someone else placed on the account
        qty = draw(st.integers(1, 5))
        fills = list(draw(st.lists(st.integers(1, 2), max_size=2)))[: qty // 2]
        venue.append(
            VenueOrder(
                f"EXT{j}",
                "X",
                draw(st.sampled_from(list(Side))),
                qty,
                fills,
                draw(st.sampled_from(["working", "canceled"])),
                True,
            )
        )
    offsets = draw(st.dictionaries(st.sampled_from(["X", "Y", "Z"]), st.integers(-3, 3)))
    return venue, world, offsets, unreached


def _mass_status(venue: list[VenueOrder], offsets: dict[str, int], ts: int) -> MassStatus:
    reports = tuple(v.report() for v in venue if not v.status.is_terminal or v.listed_when_done)
    fills = tuple(f for v in venue for f in v.fill_reports())
    net: dict[str, Decimal] = {}
    for f in fills:
        net[f.symbol] = net.get(f.symbol, Decimal(0)) + f.last_qty * f.side.sign
    for s, q in offsets.items():
        net[s] = net.get(s, Decimal(0)) + q
    positions = tuple(
        PositionReport(symbol=s, qty=q, avg_px=Decimal(100))
        for s, q in sorted(net.items())
        if q != 0
    )
    return MassStatus(broker=BROKER, ts=ts, orders=reports, fills=fills, positions=positions)


def _send(venue: list[VenueOrder], commands: list[CancelOrder]) -> None:
    by_id = {v.coid: v for v in venue}
    for c in commands:
        v = by_id[c.client_order_id]
        if not v.status.is_terminal:
            v.end = "canceled"


def _settle(
    world: World, venue: list[VenueOrder], offsets: dict[str, int], policy: ReconcilePolicy
) -> tuple[int, list[object], list[object]]:
    """Reconcile until a round changes nothing; return (rounds, last findings, unresolved).

    A command (a cancel) needs a second round: the venue acts on it, then the next
    snapshot shows the fact the resolver applies.
    """
    for n in range(1, 5):
        ts = SNAP + n * 10**12
        found = diff(
            world.orders.values(), world.positions.values(), _mass_status(venue, offsets, ts)
        )
        res = resolve(found, orders=world.orders, policy=policy, broker=BROKER, ts_ns=ts)
        if not res.events and not res.commands:
            return n, list(found), list(res.unresolved)
        for e in res.events:
            world.apply(e)  # raises InvalidTransition if the resolver emitted an illegal event
        _send(venue, res.commands)
    raise AssertionError("reconciliation did not settle in 4 rounds")


@settings(max_examples=150, deadline=None)
@given(scenarios(), st.sampled_from([ReconcilePolicy.VENUE_TRUTH, ReconcilePolicy.CANCEL_UNKNOWN]))
def test_reconcile_converges_to_no_discrepancy(
    scenario: tuple[list[VenueOrder], World, dict[str, int], set[str]], policy: ReconcilePolicy
) -> None:
    venue, world, offsets, _ = scenario
    if policy is not ReconcilePolicy.VENUE_TRUTH:
        offsets = {}  # only VENUE_TRUTH may book position differences

    rounds, left, _ = _settle(world, venue, offsets, policy)

    assert left == []
    assert rounds <= 3  # facts in one round, plus one round per command the venue acts on
    for v in venue:  # and our view now says what the venue says
        ours = world.orders.get(v.coid)
        if ours is None:  # finished elsewhere without trading: nothing to adopt
            assert v.status.is_terminal
            assert v.filled == 0
            continue
        assert ours.filled_qty == v.filled
        assert ours.is_terminal == v.status.is_terminal


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_conservative_resolves_everything_it_may_and_never_rejects_a_filled_order(
    scenario: tuple[list[VenueOrder], World, dict[str, int], set[str]],
) -> None:
    venue, world, offsets, unreached = scenario

    rounds, left, unresolved = _settle(world, venue, offsets, ReconcilePolicy.CONSERVATIVE)

    assert left == unresolved  # what is left is exactly what policy forbids settling
    assert rounds <= 3
    for o in world.orders.values():
        if o.status is OrderStatus.REJECTED:
            assert o.filled_qty == 0
    for coid in unreached:
        assert world.orders[coid].status is OrderStatus.REJECTED

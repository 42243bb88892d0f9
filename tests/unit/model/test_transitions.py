"""Every legal transition leads where the table says; every illegal one raises."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

import pytest

from bolt_exec.errors import InvalidTransition
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import (
    EVENT_TYPES,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderSubmitted,
    OrderTriggered,
)
from bolt_exec.model.order import Order
from bolt_exec.model.transitions import TRANSITIONS, Dynamic, mermaid_diagram
from bolt_exec.testing.builders import make_init

_n = 0


def _event(kind: type[OrderEvent], order: Order, *, qty: str = "1") -> OrderEvent:
    """A well-formed event of ``kind`` for ``order`` (fills of ``qty``)."""
    global _n
    _n += 1
    base = {"client_order_id": order.client_order_id, "ts_event": _n, "ts_init": _n}
    if kind is OrderFilled:
        return OrderFilled(
            **base,
            trade_id=f"T{_n}",
            symbol=order.symbol,
            side=order.side,
            last_qty=Decimal(qty),
            last_px=Decimal("100"),
        )
    if kind is OrderDenied:
        return OrderDenied(**base, code="X", reason="x")
    if kind in (OrderRejected, OrderCancelRejected, OrderReplaceRejected):
        return kind(**base, reason="x")  # type: ignore[call-arg]
    return kind(**base)


def _path_to(status: OrderStatus) -> list[type[OrderEvent]]:
    """The shortest event path from INITIALIZED to ``status`` (fills of 1 of 10)."""
    start = OrderStatus.INITIALIZED
    queue: deque[tuple[OrderStatus, list[type[OrderEvent]]]] = deque([(start, [])])
    seen = {start}
    while queue:
        current, path = queue.popleft()
        if current is status:
            return path
        for (src, kind), _target in TRANSITIONS.items():
            if src is not current:
                continue
            order = _replay([*path, kind])
            if order is None or order.status in seen:
                continue
            seen.add(order.status)
            queue.append((order.status, [*path, kind]))
    raise AssertionError(f"{status} is unreachable")


def _replay(path: list[type[OrderEvent]], qty: int = 10) -> Order | None:
    order = Order(make_init(qty=qty))
    try:
        for kind in path:
            order.apply(_event(kind, order))
    except InvalidTransition:
        return None
    return order


# FILLED needs a fill of the whole quantity, so it is reached with a 1-lot order.
PATHS = {s: _path_to(s) for s in OrderStatus if s is not OrderStatus.FILLED}
PATHS[OrderStatus.FILLED] = [OrderSubmitted, OrderAccepted, OrderFilled]


def _at(status: OrderStatus) -> Order:
    order = _replay(PATHS[status], qty=1 if status is OrderStatus.FILLED else 10)
    assert order is not None and order.status is status
    return order


def test_every_status_is_reachable_from_initialized() -> None:
    assert set(PATHS) == set(OrderStatus)


@pytest.mark.parametrize(
    ("src", "kind"),
    sorted(TRANSITIONS, key=lambda k: (k[0], k[1].__name__)),
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_legal_transition_reaches_table_target(src: OrderStatus, kind: type[OrderEvent]) -> None:
    order = _at(src)
    target = TRANSITIONS[(src, kind)]
    order.apply(_event(kind, order))
    if isinstance(target, OrderStatus):
        assert order.status is target
    elif target is Dynamic.FILL:
        assert order.status is OrderStatus.PARTIALLY_FILLED  # 1 of 10 filled
    elif target in (Dynamic.FILL_PENDING, Dynamic.FILL_TERMINAL):
        assert order.status is src  # a partial fill leaves pending/terminal status as is
    else:  # RESUME
        assert order.status in (
            OrderStatus.ACCEPTED,
            OrderStatus.TRIGGERED,
            OrderStatus.PARTIALLY_FILLED,
        )


ILLEGAL = [
    (s, k)
    for s in OrderStatus
    for k in EVENT_TYPES
    if (s, k) not in TRANSITIONS and k is not OrderInitialized
]


@pytest.mark.parametrize(("src", "kind"), ILLEGAL, ids=lambda v: getattr(v, "__name__", str(v)))
def test_illegal_transition_raises_typed_error(src: OrderStatus, kind: type[OrderEvent]) -> None:
    order = _at(src)
    before = (order.status, order.filled_qty, len(order.events))
    with pytest.raises(InvalidTransition) as info:
        order.apply(_event(kind, order))
    assert info.value.status == src.value and info.value.event == kind.__name__
    assert (order.status, order.filled_qty, len(order.events)) == before


def test_terminal_statuses_never_lead_back_to_working() -> None:
    for (src, _kind), target in TRANSITIONS.items():
        if src.is_terminal:
            assert target in (src, OrderStatus.FILLED, Dynamic.FILL_TERMINAL)


@pytest.mark.parametrize(
    "comment_on",
    [
        (OrderStatus.PENDING_CANCEL, OrderFilled),
        (OrderStatus.CANCELED, OrderFilled),
        (OrderStatus.PENDING_CANCEL, OrderCancelRejected),
        (OrderStatus.SUBMITTED, OrderCanceled),
        (OrderStatus.SUBMITTED, OrderExpired),
        (OrderStatus.PENDING_REPLACE, OrderReplaced),
    ],
)
def test_non_obvious_edges_carry_a_comment(comment_on: tuple[OrderStatus, type]) -> None:
    """The source line of each real-world edge says why it exists."""
    from importlib.resources import files

    # The file, not inspect.getsource: the compiled build imports an extension module.
    source = files("bolt_exec.model").joinpath("transitions.py").read_text(encoding="utf-8")
    src, kind = comment_on
    needle = f"(S.{src.name}, {kind.__name__}):"
    line = next(x for x in source.splitlines() if needle in x)
    assert "#" in line and len(line.split("#", 1)[1].strip()) > 10


def test_mermaid_diagram_lists_every_non_loop_edge() -> None:
    diagram = mermaid_diagram()
    for (src, kind), target in TRANSITIONS.items():
        if isinstance(target, OrderStatus) and target is not src:
            assert f"{src.value} --> {target.value}: {kind.__name__.removeprefix('Order')}" in (
                diagram
            )


def test_unused_event_kinds_are_exercised() -> None:
    """Every event type appears in at least one legal edge except OrderInitialized."""
    used = {k for (_s, k) in TRANSITIONS}
    assert used == set(EVENT_TYPES) - {OrderInitialized}
    assert {
        OrderAccepted,
        OrderSubmitted,
        OrderTriggered,
        OrderPendingCancel,
        OrderPendingReplace,
    } <= used

"""Random command and misbehaviour sequences against the fake TWS (hypothesis).

After every sequence, once the socket is quiet, the adapter's events must replay
through the real order state machine without an illegal transition, and the OMS
view must agree with the venue's book: status, quantity, filled quantity, and
exactly one fill per venue execution.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bolt_exec.model.enums import OrderStatus, OrderType, Side
from bolt_exec.testing.ibkr import IbkrVenue, open_venue, submit_cmd

FLAGS = (
    "duplicate_fills",
    "out_of_order",
    "fill_on_cancel",
    "reject_next",
    "reject_modify_next",
    "fill_parts",
)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("market"), st.integers(1, 5), st.sampled_from(Side)),
        st.tuples(st.just("limit"), st.integers(1, 5), st.sampled_from(["185", "195"])),
        st.tuples(st.just("fill"), st.integers(0, 5), st.integers(1, 3)),
        st.tuples(st.just("cancel"), st.integers(0, 5)),
        st.tuples(st.just("amend"), st.integers(0, 5), st.integers(1, 3)),
        st.tuples(st.just("flag"), st.sampled_from(FLAGS)),
        st.tuples(st.just("drop"), st.booleans()),
    ),
    min_size=1,
    max_size=8,
)


async def quiet(venue: IbkrVenue) -> None:
    """A round trip through TWS: every message sent before it has been handled."""
    for _ in range(3):
        await asyncio.sleep(0)
    await venue.broker._conn.ib.reqCurrentTimeAsync()
    for _ in range(3):
        await asyncio.sleep(0)


async def run(plan: list[tuple[Any, ...]]) -> None:
    async with open_venue(commission_wait=5.0, reconnect_delays=(0.01,)) as venue:
        coids: list[str] = []
        for n, step in enumerate(plan):
            kind, *args = step
            if kind == "market":
                coids.append(f"s-{n}")
                venue.submit(submit_cmd(coids[-1], str(args[0]), side=args[1]))
            elif kind == "limit":
                coids.append(f"s-{n}")
                venue.submit(submit_cmd(coids[-1], str(args[0]), OrderType.LIMIT, args[1]))
            elif kind in ("fill", "cancel", "amend") and coids:
                coid = coids[args[0] % len(coids)]
                at_venue = [o for o in venue.tws.orders.values() if o.order_ref == coid]
                if kind == "cancel":
                    if not venue.order(coid).is_terminal:
                        venue.cancel(coid)
                elif at_venue and not at_venue[0].is_done:
                    if kind == "fill":
                        order = at_venue[0]
                        venue.fill(
                            coid,
                            min(Decimal(args[1]), order.remaining),
                            order.lmt_price or Decimal(190),
                        )
                    elif venue.order(coid).status is not OrderStatus.PENDING_REPLACE:
                        venue.amend(coid, qty=at_venue[0].qty + args[1])
            elif kind == "drop":
                # the socket dies; with args[0] TWS fills a working order meanwhile
                venue.drop_connection()
                working = [o for o in venue.tws.orders.values() if not o.is_done]
                if args[0] and working:
                    venue.fill(working[0].order_ref, working[0].remaining, Decimal(190))
                await venue.reconnected(venue.tws.connections + 1)
            elif kind == "flag":
                script = venue.tws.script
                if args[0] == "reject_next":
                    script.reject_next.append((201, "Order rejected - reason:test"))
                elif args[0] == "reject_modify_next":
                    script.reject_modify_next.append((201, "Order rejected - reason:test"))
                elif args[0] == "fill_parts":
                    script.fill_parts = [Decimal(1)]
                else:
                    setattr(script, args[0], True)
            await quiet(venue)
        await quiet(venue)
        check(venue, coids)


def check(venue: IbkrVenue, coids: list[str]) -> None:
    trade_ids = [e.trade_id for e in venue.events if hasattr(e, "trade_id")]
    assert sorted(trade_ids) == sorted(e.exec_id for e in venue.tws.executions)
    for coid in coids:
        order = venue.order(coid)  # raises InvalidTransition on an illegal sequence
        at_venue = [o for o in venue.tws.orders.values() if o.order_ref == coid]
        if not at_venue:
            assert order.status is OrderStatus.REJECTED, coid
            continue
        fake = at_venue[0]
        assert order.filled_qty == fake.filled, coid
        expected = {
            "Filled": {OrderStatus.FILLED},
            "Cancelled": {OrderStatus.CANCELED},
            "Submitted": {OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED},
        }[fake.status]
        assert order.status in expected, (coid, order.status, fake.status)
        if fake.status == "Submitted":
            assert order.qty == fake.qty, coid


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=steps)
def test_random_sequences_keep_oms_and_venue_in_agreement(plan: list[tuple[Any, ...]]) -> None:
    asyncio.run(run(plan))

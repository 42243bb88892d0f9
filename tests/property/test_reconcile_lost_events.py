"""After random lost events, one reconciliation makes our view of every order the venue's.

The real OrderManager and PaperBroker. Hypothesis draws a session: orders placed,
amended down, canceled, filled by the market, while the link drops (the paper
venue's disconnect: its own events and our commands are lost) or goes deaf (only
its answers are lost). Then the link comes back and one run reconciles, with the
venue's fill history either complete or cut by a watermark after everything.
Our status and filled quantity of each order must then equal the venue's (and
the quantity of a filled one), and nothing may be left to escalate.

Amends are drawn up as well as down. An amend up whose answer is lost is settled
by the venue's report before its fills (so fills that reach the old quantity do
not complete an order the venue works at the new one). One case stays open, and
is checked to be flagged rather than hidden: an order that the venue's own word
(a heard fill or cancel) finished here while an amend of it was unanswered, at
a quantity the venue no longer has. The state machine lets a finished order take
no new quantity, so its status may differ from the venue's; its fills must not,
and the run must escalate it or cancel what the venue still works.
"""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderInitialized
from bolt_exec.model.order import Order
from bolt_exec.reconcile import ReconcilePolicy
from bolt_exec.reconcile.diff import amend_in_doubt
from bolt_exec.reconcile.service import ReconcileOutcome, ReconcileService
from tests.integration.venue_session import LossyVenue

Op = tuple[str, int, int]
Status = tuple[OrderStatus, Decimal, Decimal]
OPS = st.one_of(
    st.tuples(st.just("submit"), st.integers(1, 10), st.just(0)),
    st.tuples(st.just("amend"), st.integers(0, 3), st.integers(1, 15)),
    st.tuples(st.just("cancel"), st.integers(0, 3), st.just(0)),
    st.tuples(st.just("trade"), st.integers(1, 12), st.just(0)),
    st.tuples(st.sampled_from(["drop", "restore", "deaf", "hear"]), st.just(0), st.just(0)),
)


async def _session(ops: list[Op]) -> tuple[LossyVenue, list[str]]:
    v = LossyVenue()
    ids: list[str] = []
    for kind, a, b in ops:
        if kind == "submit":
            ids.append(v.rest(a * 10))
        elif kind == "trade":
            v.trade_through(a * 10)
        elif kind == "drop":
            await v.drop()
        elif kind == "restore":
            await v.restore()
        elif kind == "deaf":
            v.deaf()
        elif kind == "hear":
            v.hear()
        elif ids:
            coid = ids[a % len(ids)]
            if kind == "cancel":
                v.oms.cancel(coid)
            else:  # up or down
                # Not working, or not above its fills: the OMS refuses, as it should.
                with contextlib.suppress(ValidationError):
                    v.oms.amend(coid, qty=b * 10)
        v.clock.advance_by(1_000_000_000)
    await v.restore()
    v.hear()
    v.past_grace()
    return v, ids


def _finished_in_doubt(order: Order) -> bool:
    """True if a venue event (not a reconciliation) finished ``order`` here while an
    amend of it was unanswered: the venue may have a quantity the order cannot take."""
    init = order.events[0]
    assert isinstance(init, OrderInitialized)
    replay = Order(init)
    for e in order.events[1:]:
        doubt = amend_in_doubt(replay)
        replay.apply(e)
        if replay.is_terminal:
            return doubt and not e.reconciliation
    return False


def _agrees(ours: Status, venue: Status) -> bool:
    status, qty, filled = venue
    return (
        ours[2] == filled
        and (ours[0] is status if status.is_terminal else not ours[0].is_terminal)
        and (status is not OrderStatus.FILLED or ours[1] == qty)
    )


def _escalated(outcome: ReconcileOutcome) -> set[str]:
    return {getattr(d, "client_order_id", "") for d in outcome.unresolved}


def _flagged(outcome: ReconcileOutcome) -> set[str]:
    """Escalated, or the venue's remainder canceled (a zombie, under CANCEL_UNKNOWN)."""
    assert outcome.resolution is not None
    return _escalated(outcome) | {c.client_order_id for c in outcome.resolution.commands}


@settings(max_examples=80, deadline=None)
@given(
    ops=st.lists(OPS, max_size=14),
    policy=st.sampled_from([ReconcilePolicy.CONSERVATIVE, ReconcilePolicy.CANCEL_UNKNOWN]),
    reported=st.booleans(),
)
def test_after_lost_events_reconcile_makes_each_order_the_venues(
    ops: list[Op], policy: ReconcilePolicy, reported: bool
) -> None:
    async def run() -> tuple[LossyVenue, list[str], ReconcileOutcome]:
        v, ids = await _session(ops)
        escalated: list[ReconcileOutcome] = []
        service = ReconcileService(
            v.oms,
            "paper",
            policy=policy,
            escalate=escalated.append,
            start_since_ns=None if reported else v.clock.now_ns(),
        )
        outcome = await service.run_once()
        assert escalated == ([] if outcome.is_ok else [outcome])
        return v, ids, outcome

    v, ids, outcome = asyncio.run(run())

    assert not outcome.apply_errors, outcome.apply_errors
    in_doubt = {c for c in ids if _finished_in_doubt(v.oms.order(c))}
    apart: set[str] = set()  # in doubt, and not as the venue has it
    for coid in ids:
        ours = v.our_status(coid)
        venue = v.venue_status(coid)
        if venue is None:  # the submit never arrived: never traded, and done
            assert ours[0] in (OrderStatus.REJECTED, OrderStatus.CANCELED)
            assert ours[2] == 0
            continue
        if coid in in_doubt and not _agrees(ours, venue):
            apart.add(coid)
            assert coid in _flagged(outcome), (coid, ours, venue, outcome.summary())
            continue
        status, qty, filled = venue
        assert ours[2] == filled, (coid, ours, venue)
        if status.is_terminal:
            assert ours[0] is status, (coid, ours, venue)
        else:
            assert not ours[0].is_terminal, (coid, ours, venue)
        if status is OrderStatus.FILLED:  # at the venue's quantity, amended or not
            assert ours[1] == qty, (coid, ours, venue)
    # Only what is apart is escalated; positions differ only by fills it could not take.
    assert _escalated(outcome) - {""} <= apart, outcome.summary()
    pos = v.oms.position("AAPL")
    venue_pos = sum((r.qty for r in v.paper.account.position_reports()), Decimal(0))
    fills_apart = any(v.our_status(c)[2] != v.venue_status(c)[2] for c in apart)  # type: ignore[index]
    if not fills_apart:
        assert "" not in _escalated(outcome), outcome.summary()
        assert (pos.qty if pos else Decimal(0)) == venue_pos

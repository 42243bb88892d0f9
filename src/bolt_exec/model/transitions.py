"""The order state machine: ONE transition table, the single source of truth.

Theory of operation
-------------------
An :class:`~bolt_exec.model.order.Order` changes status only by applying an
event; the new status is looked up here by ``(current status, event type)``.
A pair missing from the table is an illegal transition and raises
:class:`~bolt_exec.errors.InvalidTransition`.

Some targets depend on the order, not only on the event:

* ``FILL`` — ``FILLED`` once ``filled_qty == qty``, else ``PARTIALLY_FILLED``.
* ``FILL_PENDING`` — a fill while a cancel or amend is in flight: ``FILLED``
  once complete, else the order stays pending (the request is still in flight).
* ``RESUME`` — back to working once a pending cancel or amend is answered:
  ``PARTIALLY_FILLED`` if anything filled, else ``TRIGGERED`` if the stop had
  fired, else ``ACCEPTED`` (an answer proves the venue knows the order).
* ``FILL_TERMINAL`` — a late fill on an order that is already done: the fill
  counts (money moved), the order stays terminal unless the fill completes it,
  in which case it is ``FILLED``.

Terminal statuses (DENIED, REJECTED, FILLED, CANCELED, EXPIRED) absorb: no
edge leads out of them to a working status. Edges that exist only because
real venues are messy carry a comment saying why. The README's lifecycle
diagram is generated from this table by :func:`mermaid_diagram`.
"""

from __future__ import annotations

from enum import Enum
from typing import Final

from bolt_exec.model.enums import OrderStatus as S
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderSubmitted,
    OrderTriggered,
)

__all__ = ["TRANSITIONS", "Dynamic", "Target", "mermaid_diagram"]


class Dynamic(Enum):
    """Targets that depend on the order's quantities or history."""

    FILL = "FILL"
    FILL_PENDING = "FILL_PENDING"
    RESUME = "RESUME"
    FILL_TERMINAL = "FILL_TERMINAL"


Target = S | Dynamic
FILL, FILL_PENDING = Dynamic.FILL, Dynamic.FILL_PENDING
RESUME, FILL_TERMINAL = Dynamic.RESUME, Dynamic.FILL_TERMINAL

TRANSITIONS: Final[dict[tuple[S, type[OrderEvent]], Target]] = {
    # --- before the venue knows ------------------------------------------------------------
    (S.INITIALIZED, OrderDenied): S.DENIED,
    (S.INITIALIZED, OrderSubmitted): S.SUBMITTED,
    (S.INITIALIZED, OrderCanceled): S.CANCELED,  # a parent/algo withdrew it before sending
    (S.INITIALIZED, OrderRejected): S.REJECTED,  # the adapter refused it locally (capability)
    # --- sent, not yet acknowledged --------------------------------------------------------
    (S.SUBMITTED, OrderAccepted): S.ACCEPTED,
    (S.SUBMITTED, OrderRejected): S.REJECTED,
    (S.SUBMITTED, OrderFilled): FILL,  # the fill overtook the ack (out-of-order delivery)
    (S.SUBMITTED, OrderCanceled): S.CANCELED,  # IOC/FOK: venues answer with a cancel, no ack
    (S.SUBMITTED, OrderExpired): S.EXPIRED,  # IOC/FOK straight to a terminal state, no ack
    (S.SUBMITTED, OrderPendingCancel): S.PENDING_CANCEL,  # cancel sent before the ack came
    (S.SUBMITTED, OrderPendingReplace): S.PENDING_REPLACE,  # amend sent before the ack came
    (S.SUBMITTED, OrderTriggered): S.TRIGGERED,  # stop triggered before the ack arrived
    # --- working ---------------------------------------------------------------------------
    (S.ACCEPTED, OrderFilled): FILL,
    (S.ACCEPTED, OrderPendingCancel): S.PENDING_CANCEL,
    (S.ACCEPTED, OrderPendingReplace): S.PENDING_REPLACE,
    (S.ACCEPTED, OrderCanceled): S.CANCELED,  # unsolicited cancel (venue, session end, IOC)
    (S.ACCEPTED, OrderExpired): S.EXPIRED,
    (S.ACCEPTED, OrderTriggered): S.TRIGGERED,
    (S.ACCEPTED, OrderReplaced): S.ACCEPTED,  # venue-side amend we did not ask for
    (S.ACCEPTED, OrderRejected): S.REJECTED,  # post-only or margin checks after the ack
    (S.ACCEPTED, OrderAccepted): S.ACCEPTED,  # duplicate ack after a reconnect: harmless
    (S.TRIGGERED, OrderFilled): FILL,
    (S.TRIGGERED, OrderPendingCancel): S.PENDING_CANCEL,
    (S.TRIGGERED, OrderPendingReplace): S.PENDING_REPLACE,
    (S.TRIGGERED, OrderCanceled): S.CANCELED,
    (S.TRIGGERED, OrderExpired): S.EXPIRED,
    (S.TRIGGERED, OrderRejected): S.REJECTED,  # the triggered child order was refused
    (S.TRIGGERED, OrderReplaced): S.TRIGGERED,
    (S.PARTIALLY_FILLED, OrderFilled): FILL,
    (S.PARTIALLY_FILLED, OrderPendingCancel): S.PENDING_CANCEL,
    (S.PARTIALLY_FILLED, OrderPendingReplace): S.PENDING_REPLACE,
    (S.PARTIALLY_FILLED, OrderCanceled): S.CANCELED,  # remainder canceled; fills stand
    (S.PARTIALLY_FILLED, OrderExpired): S.EXPIRED,  # remainder expired; fills stand
    (S.PARTIALLY_FILLED, OrderReplaced): S.PARTIALLY_FILLED,  # unsolicited venue amend
    (S.PARTIALLY_FILLED, OrderAccepted): S.PARTIALLY_FILLED,  # late ack after the first fill
    # --- a cancel is in flight -------------------------------------------------------------
    (S.PENDING_CANCEL, OrderCanceled): S.CANCELED,
    (S.PENDING_CANCEL, OrderCancelRejected): RESUME,  # "too late to cancel": works on
    (S.PENDING_CANCEL, OrderFilled): FILL_PENDING,  # a fill raced the cancel and won
    (S.PENDING_CANCEL, OrderExpired): S.EXPIRED,  # it expired before the cancel landed
    (S.PENDING_CANCEL, OrderAccepted): S.PENDING_CANCEL,  # the late ack of the order itself
    (S.PENDING_CANCEL, OrderPendingCancel): S.PENDING_CANCEL,  # a retried cancel request
    (S.PENDING_CANCEL, OrderRejected): S.REJECTED,  # the order was refused before the cancel
    (S.PENDING_CANCEL, OrderTriggered): S.PENDING_CANCEL,  # the stop fired meanwhile
    (S.PENDING_CANCEL, OrderReplaced): S.PENDING_CANCEL,  # an earlier amend landed late
    (S.PENDING_CANCEL, OrderReplaceRejected): S.PENDING_CANCEL,  # an earlier amend failed late
    # --- an amend is in flight -------------------------------------------------------------
    (S.PENDING_REPLACE, OrderReplaced): RESUME,  # also covers a replace while partially filled
    (S.PENDING_REPLACE, OrderReplaceRejected): RESUME,
    (S.PENDING_REPLACE, OrderFilled): FILL_PENDING,  # a fill raced the amend
    (S.PENDING_REPLACE, OrderCanceled): S.CANCELED,  # canceled at the venue meanwhile
    (S.PENDING_REPLACE, OrderExpired): S.EXPIRED,
    (S.PENDING_REPLACE, OrderPendingCancel): S.PENDING_CANCEL,  # cancel overrides the amend
    (S.PENDING_REPLACE, OrderAccepted): S.PENDING_REPLACE,  # the late ack of the order itself
    (S.PENDING_REPLACE, OrderTriggered): S.PENDING_REPLACE,  # the stop fired meanwhile
    (S.PENDING_REPLACE, OrderRejected): S.REJECTED,  # the order was refused before the amend
    (S.PENDING_REPLACE, OrderPendingReplace): S.PENDING_REPLACE,  # a second amend queued
    # --- late news about finished orders ---------------------------------------------------
    (S.CANCELED, OrderFilled): FILL_TERMINAL,  # the fill happened before the cancel took effect
    (S.EXPIRED, OrderFilled): FILL_TERMINAL,  # the fill happened before the expiry took effect
    (S.CANCELED, OrderCancelRejected): S.CANCELED,  # a duplicate cancel refused: already done
    (S.FILLED, OrderCancelRejected): S.FILLED,  # "too late to cancel": it filled
    (S.FILLED, OrderReplaceRejected): S.FILLED,  # "too late to amend": it filled
    (S.CANCELED, OrderReplaceRejected): S.CANCELED,  # "too late to amend": it was canceled
    # an amend that took before the cancel/expiry, heard late (a lost answer the reconciler
    # recovers): the order keeps the venue's quantity and prices, and stays done
    (S.CANCELED, OrderReplaced): S.CANCELED,
    (S.EXPIRED, OrderReplaced): S.EXPIRED,
}
"""``(status, event type) -> target``. Anything else is an InvalidTransition."""

_WORKING_RESUMABLE: Final = frozenset({S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED})


def mermaid_diagram() -> str:
    """Return the lifecycle as a Mermaid state diagram, generated from the table."""
    lines = ["stateDiagram-v2", "    [*] --> INITIALIZED"]
    seen: set[tuple[str, str, str]] = set()
    for (src, event), target in TRANSITIONS.items():
        label = event.__name__.removeprefix("Order")
        if isinstance(target, Dynamic):
            if target is Dynamic.FILL:
                dsts = ["PARTIALLY_FILLED", "FILLED"]
            elif target is Dynamic.FILL_PENDING:
                dsts = [src.value, "FILLED"]
            elif target is Dynamic.RESUME:
                dsts = sorted(s.value for s in _WORKING_RESUMABLE)
            else:
                dsts = [src.value, "FILLED"]
        else:
            dsts = [target.value]
        for dst in dsts:
            if dst == src.value:
                continue  # self-loops clutter the picture; the table lists them
            key = (src.value, dst, label)
            if key not in seen:
                seen.add(key)
                lines.append(f"    {src.value} --> {dst}: {label}")
    for s in S:
        if s.is_terminal:
            lines.append(f"    {s.value} --> [*]")
    return "\n".join(lines)

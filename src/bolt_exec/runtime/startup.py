"""The start-up check: compare the OMS with a broker's mass status before the first order.

This is the small hook the live node calls when no reconciler service is
wired in. It does not change anything: it lists what disagrees, so the node can
refuse to trade (fail closed) until the reconciler or an operator settles it.
A venue order whose client order id is empty (placed from another platform,
untagged) is listed separately and does not block.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bolt_exec.model.reports import MassStatus
from bolt_exec.oms.manager import OrderManager

__all__ = ["ReconcileHook", "StartupReport", "check_mass_status"]


@dataclass(frozen=True, slots=True)
class StartupReport:
    """What :func:`check_mass_status` found for one broker.

    Attributes:
        broker: the broker's name.
        problems: disagreements that block trading (each a sentence naming the order).
        external: venue orders not placed by bolt_exec (informational).
    """

    broker: str
    problems: tuple[str, ...] = ()
    external: tuple[str, ...] = field(default=())

    @property
    def is_clean(self) -> bool:
        """True when nothing blocks trading."""
        return not self.problems


ReconcileHook = Callable[[OrderManager, str, MassStatus], Awaitable[StartupReport]]
"""``await hook(oms, broker_name, mass_status)`` -> what still disagrees."""


async def check_mass_status(oms: OrderManager, broker: str, status: MassStatus) -> StartupReport:
    """List the disagreements between the OMS and ``status`` (a broker's mass status)."""
    problems: list[str] = []
    external: list[str] = []
    # Some venues also list recently closed orders in their mass status; only working
    # ones can be "working at the venue but unknown locally".
    working = [r for r in status.orders if r.status.is_open]
    venue_open = {r.client_order_id: r for r in working if r.client_order_id}
    for order in oms.open_orders():
        if order.broker not in ("", broker):
            continue
        report = venue_open.get(order.client_order_id)
        if report is None:
            problems.append(
                f"{order.client_order_id}: {order.status} locally but not working at {broker}"
            )
        elif report.filled_qty != order.filled_qty:
            problems.append(
                f"{order.client_order_id}: filled {order.filled_qty} locally, "
                f"{report.filled_qty} at {broker}"
            )
    known = {o.client_order_id: o for o in oms.orders()}
    for report in working:
        if not report.client_order_id:
            external.append(f"{broker} order {report.venue_order_id} ({report.symbol})")
        elif report.client_order_id not in known:
            problems.append(
                f"{report.client_order_id}: working at {broker} (venue id "
                f"{report.venue_order_id}) but unknown locally"
            )
    for fill in status.fills:
        owner = known.get(fill.client_order_id)
        if owner is not None and not owner.has_trade(fill.trade_id):
            problems.append(
                f"{fill.client_order_id}: fill {fill.trade_id} of {fill.last_qty} at "
                f"{fill.last_px} on {broker} is missing locally"
            )
    return StartupReport(broker, tuple(problems), tuple(external))

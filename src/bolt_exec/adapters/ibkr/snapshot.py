"""The venue's truth at one moment: the library objects a mass status is built from."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bolt_exec.adapters.ibkr import codec
from bolt_exec.model.reports import FillReport, MassStatus

__all__ = ["Snapshot", "as_dict", "to_mass_status"]


def as_dict(obj: Any) -> dict[str, Any]:
    """A library object's fields as a flat dict (dataclasses and NamedTuples alike)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    return dict(obj._asdict())


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Open trades (all clients), fills with commissions, positions and account values."""

    trades: list[Any]
    fills: list[Any]
    positions: list[Any]
    values: list[Any]


def to_mass_status(
    snapshot: Snapshot,
    *,
    broker: str,
    now: int,
    since_ns: int | None,
    symbol_of: Callable[[Any], str],
) -> MassStatus:
    """Translate a snapshot with the codec (orders without an orderRef are not ours)."""
    orders = tuple(
        r
        for r in (
            codec.decode_order_report(
                as_dict(t.order),
                as_dict(t.orderStatus),
                symbol_of(t.contract),
            )
            for t in snapshot.trades
        )
        if r is not None
    )
    fills: list[FillReport] = []
    for fill in snapshot.fills:
        event = codec.decode_fill(
            as_dict(fill.execution),
            as_dict(fill.commissionReport),
            symbol_of(fill.contract),
            ts_init=now,
            reconciliation=True,
        )
        if event is not None and (since_ns is None or event.ts_event >= since_ns):
            fills.append(codec.fill_report(event))
    positions = tuple(
        codec.decode_position(
            {"position": p.position, "avgCost": p.avgCost},
            as_dict(p.contract),
            symbol_of(p.contract),
        )
        for p in snapshot.positions
    )
    balances = codec.decode_balances(as_dict(v) for v in snapshot.values)
    return MassStatus(
        broker=broker,
        ts=now,
        orders=orders,
        fills=tuple(fills),
        positions=positions,
        balances=balances,
    )

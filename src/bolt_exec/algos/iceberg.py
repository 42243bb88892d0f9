"""Iceberg: show only a display quantity at a limit price; refresh it when it fills.

One child works at a time: a DAY limit of ``display_qty`` (or less for the last
one) at the parent's ``limit_px``. When it is done (filled, or cancelled by
the venue) the next one goes out. With ``display_jitter = 0.2`` each refresh
shows ``display_qty * U(0.8, 1.2)`` rounded down to the lot (seeded), so the
refreshes are harder to spot. At the parent's end time the working child is
cancelled and the algorithm stops.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from bolt_exec.algos.base import (
    AlgoStep,
    ChildIntent,
    ExecAlgorithm,
    MarketView,
    Progress,
    register,
)
from bolt_exec.algos.slicing import clamp_child, floor_lot
from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import OrderType, TimeInForce
from bolt_exec.model.numbers import ZERO

__all__ = ["Iceberg"]


@register
class Iceberg(ExecAlgorithm):
    """Display a slice at a time.

    Args:
        display_qty: the quantity shown (on the lot grid).
        display_jitter: 0..0.9, random spread of each refresh (seeded).
        seed: the random seed.

    The parent must carry ``limit_px``.
    """

    name = "iceberg"

    def __init__(
        self,
        *,
        display_qty: str | int | Decimal,
        display_jitter: float = 0.0,
        seed: int = 0,
        **params: Any,
    ) -> None:
        d = Decimal(str(display_qty))
        if d <= 0:
            raise ValidationError("display_qty", str(display_qty), "must be positive")
        if not 0 <= display_jitter < 1:
            raise ValidationError("display_jitter", display_jitter, "must be in [0, 1)")
        super().__init__(display_qty=str(d), display_jitter=display_jitter, seed=seed, **params)

    def on_start(self, parent: Any, now_ns: int) -> None:
        """Check the parent has a limit price."""
        if parent.limit_px is None:
            raise ValidationError(
                "limit_px",
                None,
                "an Iceberg needs the parent's limit price",
                "submit the parent with limit_px=",
            )
        self.vars["refresh"] = 0

    def _display(self) -> Decimal:
        base = Decimal(self.params["display_qty"])
        j = self.params["display_jitter"]
        if not j:
            return base
        # one draw per refresh, reproducible after a restore (seeded by the refresh count)
        rng = random.Random(f"{self.params['seed']}:{self.vars['refresh']}")
        return base * Decimal(repr(1 + j * (2 * rng.random() - 1)))

    def step(self, now_ns: int, market: MarketView | None, progress: Progress) -> AlgoStep:
        """Keep exactly one child showing until the parent is done or the end time."""
        p = self.p
        if self.is_finished(progress):
            return AlgoStep(is_done=True, reason="filled")
        if p.end_ns is not None and now_ns >= p.end_ns:
            if progress.in_flight_qty > 0:
                return AlgoStep(
                    cancel=tuple(
                        c.client_order_id for c in progress.open_children if not c.is_pending_cancel
                    )
                )
            return AlgoStep(
                is_done=True, reason=f"end time reached with {p.qty - progress.filled_qty} unfilled"
            )
        if progress.in_flight_qty > 0:
            return AlgoStep(next_wake_ns=p.end_ns)
        lot = p.instrument.lot_size
        want = max(floor_lot(self._display(), lot), p.instrument.min_qty)
        qty = clamp_child(
            want,
            parent_qty=p.qty,
            filled=progress.filled_qty,
            in_flight=ZERO,
            lot=lot,
            min_qty=p.instrument.min_qty,
        )
        if qty <= 0:
            return AlgoStep(next_wake_ns=p.end_ns)
        self.vars["refresh"] += 1
        child = ChildIntent(
            qty=qty,
            order_type=OrderType.LIMIT,
            limit_px=p.limit_px,
            tif=TimeInForce.DAY,
            tag=f"refresh{self.vars['refresh']}",
        )
        return AlgoStep(children=(child,), next_wake_ns=p.end_ns)

"""POV (percentage of volume): trade a target share of the market's traded volume.

With rate ``r`` and ``V`` the market volume traded since the start (as the
market data reports it), the algorithm keeps ``filled + in_flight`` near
``r * V``: at each wake-up it sends ``want = floor_lot(r * V) - filled - in_flight``
when ``want >= min_child`` (or when ``want`` covers the whole remainder), in a
child of at most ``max_child``. Children are priced by ``style`` (``market``
by default, capped by the parent's ``limit_px``). It wakes every
``interval_ns`` until filled or the parent's end time.

In a backtest the data's volume does not include our own fills, so ``r`` is
our volume over *others'* volume there; live, venues print our fills too.
"""

from __future__ import annotations

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
from bolt_exec.algos.pricing import check_style, price_child
from bolt_exec.algos.slicing import clamp_child, floor_lot
from bolt_exec.errors import ValidationError

__all__ = ["POV"]


@register
class POV(ExecAlgorithm):
    """Participate in a fixed share of market volume.

    Args:
        rate: the target share of observed volume, in (0, 1].
        min_child: the smallest child worth sending (default: the instrument minimum).
        max_child: the largest child (default: no cap).
        interval_ns: the time between wake-ups (default one second).
        style: child pricing, ``market``/``aggressive``/``passive``.
    """

    name = "pov"

    def __init__(
        self,
        *,
        rate: float,
        min_child: str | int | None = None,
        max_child: str | int | None = None,
        interval_ns: int = 10**9,
        style: str = "market",
        **params: Any,
    ) -> None:
        if not 0 < rate <= 1:
            raise ValidationError("rate", rate, "must be in (0, 1]", "for 10 % pass rate=0.1")
        if interval_ns <= 0:
            raise ValidationError("interval_ns", interval_ns, "must be positive")
        if (
            min_child is not None
            and max_child is not None
            and Decimal(str(min_child)) > Decimal(str(max_child))
        ):
            raise ValidationError(
                "min_child", str(min_child), f"is above max_child={max_child}", "swap them"
            )
        check_style(style)
        super().__init__(
            rate=rate,
            interval_ns=interval_ns,
            style=style,
            min_child=None if min_child is None else str(min_child),
            max_child=None if max_child is None else str(max_child),
            **params,
        )

    def on_start(self, parent: Any, now_ns: int) -> None:
        """Remember nothing yet: the volume baseline is taken at the first market view."""
        self.vars["vol0"] = None

    def target(self, market: MarketView | None) -> Decimal:
        """Return ``floor_lot(rate * volume since start)``."""
        if market is None:
            return Decimal(0)
        if self.vars["vol0"] is None:
            self.vars["vol0"] = market.volume
        traded = max(0.0, market.volume - float(self.vars["vol0"]))
        return floor_lot(Decimal(repr(self.params["rate"] * traded)), self.p.instrument.lot_size)

    def step(self, now_ns: int, market: MarketView | None, progress: Progress) -> AlgoStep:
        """Send the shortfall against ``rate * volume`` when it is worth a child."""
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
        inst = p.instrument
        want = self.target(market) - progress.filled_qty - progress.in_flight_qty
        left = p.qty - progress.filled_qty - progress.in_flight_qty
        min_child = Decimal(self.params["min_child"] or inst.min_qty)
        max_child = self.params["max_child"]
        children: tuple[ChildIntent, ...] = ()
        if want >= min(min_child, left) and want > 0:
            qty = clamp_child(
                want,
                parent_qty=p.qty,
                filled=progress.filled_qty,
                in_flight=progress.in_flight_qty,
                lot=inst.lot_size,
                min_qty=max(min_child, inst.min_qty),
                max_child=None if max_child is None else Decimal(max_child),
            )
            if qty > 0:
                child = price_child(p, qty, self.params["style"], market, tag="pov")
                children = () if child is None else (child,)
        wake = now_ns + int(self.params["interval_ns"])
        if p.end_ns is not None:
            wake = min(wake, p.end_ns)
        cancel: tuple[str, ...] = ()
        if self.params["style"] == "passive":
            cancel = tuple(
                c.client_order_id
                for c in progress.open_children
                if c.ts_sent < now_ns and not c.is_pending_cancel
            )
        return AlgoStep(children=children, cancel=cancel, next_wake_ns=wake)

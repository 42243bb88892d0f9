"""ScheduledAlgorithm: follow a cumulative target curve (the engine of TWAP and VWAP).

The schedule is a list of points ``(t_k, cum_k)``: by ``t_k`` the algorithm
wants ``cum_k`` sent. At each wake-up it sends ``cum_due - filled - in_flight``
(clamped by :func:`~bolt_exec.algos.slicing.clamp_child`), so a slice that did
not fill (an IOC that missed, a passive child that was cancelled) is caught up
at the next point when ``catch_up`` is on. Without catch-up, a child is never
larger than the current slice.

At the horizon end, open children are cancelled; with ``complete_at_end`` the
remainder is then sent once, priced ``market`` (capped by the parent's limit).
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from typing import Any

from bolt_exec.algos.base import AlgoStep, ChildIntent, ExecAlgorithm, MarketView, Progress
from bolt_exec.algos.pricing import check_style, price_child
from bolt_exec.algos.slicing import clamp_child
from bolt_exec.model.numbers import ZERO

__all__ = ["ScheduledAlgorithm"]


class ScheduledAlgorithm(ExecAlgorithm):
    """Base for algorithms that follow a precomputed cumulative schedule.

    Subclasses fill ``self.vars["times"]`` (int ns) and ``self.vars["cum"]``
    (Decimal strings) in :meth:`on_start`. Common parameters: ``style``
    (``market``/``aggressive``/``passive``), ``catch_up`` (bool),
    ``complete_at_end`` (bool), ``max_child`` (quantity or None).
    """

    name = "scheduled"

    def __init__(
        self,
        *,
        style: str = "market",
        catch_up: bool = True,
        complete_at_end: bool = True,
        max_child: str | int | None = None,
        **params: Any,
    ) -> None:
        check_style(style)
        super().__init__(
            style=style,
            catch_up=catch_up,
            complete_at_end=complete_at_end,
            max_child=None if max_child is None else str(max_child),
            **params,
        )

    # -- schedule ----------------------------------------------------------------------------
    def schedule(self) -> list[tuple[int, Decimal]]:
        """The planned cumulative quantity ``(t_k, cum_k)``."""
        return [(t, Decimal(c)) for t, c in zip(self.vars["times"], self.vars["cum"], strict=True)]

    def target_at(self, now_ns: int) -> tuple[Decimal, Decimal, int]:
        """Return (cumulative target due, size of the latest due slice, index of next point)."""
        times: list[int] = self.vars["times"]
        k = bisect_right(times, now_ns)
        if k == 0:
            return ZERO, ZERO, 0
        cum = Decimal(self.vars["cum"][k - 1])
        prev = Decimal(self.vars["cum"][k - 2]) if k >= 2 else ZERO
        return cum, cum - prev, k

    def limit_qty(self, want: Decimal, market: MarketView | None, progress: Progress) -> Decimal:
        """Hook: further limit a child's quantity (VWAP's participation cap)."""
        return want

    # -- decision ----------------------------------------------------------------------------
    def step(self, now_ns: int, market: MarketView | None, progress: Progress) -> AlgoStep:
        """Send what is due, cancel stale passive children, and wake at the next point."""
        p = self.p
        if self.is_finished(progress):
            return AlgoStep(is_done=True, reason="filled")
        style: str = self.params["style"]
        end = p.end_ns
        if end is not None and now_ns >= end:
            return self._at_end(now_ns, market, progress)
        cum, slice_qty, k = self.target_at(now_ns)
        times: list[int] = self.vars["times"]
        cancel: tuple[str, ...] = ()
        if style == "passive" and k > 0:
            # re-price: a passive child from an earlier slice is cancelled; its leaves come back
            # into the schedule only once the venue confirms the cancel (it stays in flight).
            cancel = tuple(
                c.client_order_id
                for c in progress.open_children
                if c.ts_sent < times[k - 1] and not c.is_pending_cancel
            )
        done = progress.filled_qty + progress.in_flight_qty
        want = cum - done
        if not self.params["catch_up"]:
            want = min(want, slice_qty)
        want = self.limit_qty(want, market, progress)
        children = self._child(want, market, progress, tag=f"slice{k - 1}")
        next_wake = times[k] if k < len(times) else end
        return AlgoStep(children=children, cancel=cancel, next_wake_ns=next_wake)

    def _child(
        self,
        want: Decimal,
        market: MarketView | None,
        progress: Progress,
        tag: str,
        style: str | None = None,
    ) -> tuple[ChildIntent, ...]:
        p = self.p
        inst = p.instrument
        max_child = self.params.get("max_child")
        qty = clamp_child(
            want,
            parent_qty=p.qty,
            filled=progress.filled_qty,
            in_flight=progress.in_flight_qty,
            lot=inst.lot_size,
            min_qty=inst.min_qty,
            max_child=None if max_child is None else Decimal(max_child),
        )
        if qty <= 0:
            return ()
        child = price_child(p, qty, style or self.params["style"], market, tag)
        return () if child is None else (child,)

    def _at_end(self, now_ns: int, market: MarketView | None, progress: Progress) -> AlgoStep:
        cancel = tuple(c.client_order_id for c in progress.open_children if not c.is_pending_cancel)
        if progress.in_flight_qty > 0:
            return AlgoStep(cancel=cancel)  # wait for the venue to confirm
        left = self.p.qty - progress.filled_qty
        if self.params["complete_at_end"] and not self.vars.get("swept"):
            self.vars["swept"] = True
            children = self._child(left, market, progress, tag="end", style="market")
            if children:
                return AlgoStep(children=children)
        return AlgoStep(is_done=True, reason=f"end time reached with {left} unfilled")

"""VWAP: follow an intraday volume profile, with a participation cap.

Slices are due every ``interval_ns`` from the start; slice ``k`` carries the
profile's share of volume in ``[t_k, t_{k+1})`` (the last interval ends at the
parent's end), split with :func:`~bolt_exec.algos.slicing.cumulative_split` so
the slices sum to the parent exactly.

Participation cap: with ``max_participation = r`` and market volume data, the
quantity sent since the start never exceeds ``r * V`` where ``V`` is the market
volume traded since the start (``filled + in_flight + child <= r * V``); the
deficit is caught up when volume arrives, and swept at the end if
``complete_at_end``. Without volume data (quotes only) the cap is not applied.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from bolt_exec.algos.base import MarketView, ParentOrder, Progress, register
from bolt_exec.algos.profiles import VolumeProfile, u_shaped_profile
from bolt_exec.algos.scheduled import ScheduledAlgorithm
from bolt_exec.algos.slicing import cumulative_split, floor_lot, merge_small
from bolt_exec.errors import ValidationError
from bolt_exec.model.numbers import ZERO

__all__ = ["VWAP"]


@register
class VWAP(ScheduledAlgorithm):
    """Volume-weighted execution along a profile.

    Args:
        profile: a VolumeProfile (anchored from history, or relative); default U-shaped.
        interval_ns: the slice spacing (default one minute).
        duration_ns: the horizon when the parent has no ``end_ns``.
        max_participation: cap on the share of market volume, in (0, 1], or None.
        style / catch_up / complete_at_end / max_child: see ScheduledAlgorithm.
    """

    name = "vwap"

    def __init__(
        self,
        *,
        profile: VolumeProfile | dict[str, Any] | None = None,
        interval_ns: int = 60 * 10**9,
        duration_ns: int | None = None,
        max_participation: float | None = None,
        **params: Any,
    ) -> None:
        if interval_ns <= 0:
            raise ValidationError("interval_ns", interval_ns, "must be positive")
        if max_participation is not None and not 0 < max_participation <= 1:
            raise ValidationError(
                "max_participation",
                max_participation,
                "must be in (0, 1]",
                "for 10 % of market volume pass 0.1",
            )
        prof = profile.to_json() if isinstance(profile, VolumeProfile) else profile
        super().__init__(
            profile=prof,
            interval_ns=interval_ns,
            duration_ns=duration_ns,
            max_participation=max_participation,
            **params,
        )

    @property
    def profile(self) -> VolumeProfile:
        """The volume profile in use."""
        prof = self.params["profile"]
        return u_shaped_profile() if prof is None else VolumeProfile.from_json(prof)

    def _horizon(self, parent: ParentOrder, now_ns: int) -> tuple[int, int]:
        start = max(parent.start_ns, now_ns)
        end = parent.end_ns
        if end is None:
            if self.params["duration_ns"] is None:
                raise ValidationError(
                    "end_ns",
                    None,
                    f"a {self.name.upper()} needs a horizon",
                    "give the parent an end_ns, or duration_ns=",
                )
            end = start + int(self.params["duration_ns"])
            self.parent = replace(parent, end_ns=end)
        return start, end

    def on_start(self, parent: ParentOrder, now_ns: int) -> None:
        """Split the parent along the profile over the horizon."""
        start, end = self._horizon(parent, now_ns)
        step = int(self.params["interval_ns"])
        times = list(range(start, end, step))
        edges = [*times, end]
        weights = self.profile.interval_weights(edges, start, end)
        slices = merge_small(
            cumulative_split(parent.qty, weights, parent.instrument.lot_size),
            parent.instrument.min_qty,
        )
        cum, run = [], ZERO
        for q in slices:
            run += q
            cum.append(str(run))
        self.vars.update(times=times, cum=cum, weights=weights, vol0=None)

    def limit_qty(self, want: Decimal, market: MarketView | None, progress: Progress) -> Decimal:
        """Apply the participation cap: ``sent + child <= r * market volume since start``."""
        r = self.params["max_participation"]
        if r is None or market is None:
            return want
        if self.vars.get("vol0") is None:
            self.vars["vol0"] = market.volume
        traded = market.volume - float(self.vars["vol0"])
        if market.volume <= 0:
            return want  # no volume data at all: the cap cannot apply
        room = Decimal(repr(r * traded)) - progress.filled_qty - progress.in_flight_qty
        return min(want, floor_lot(room, self.p.instrument.lot_size))

"""TWAP: equal slices at equal intervals between a start and an end.

Slice ``k`` (``k = 0 .. n-1``) is due at ``t_k = start + k * interval`` and the
cumulative target after it is ``floor_lot((k+1) * Q / n)`` — so slices differ
by at most one lot and sum to ``Q`` exactly (for ``Q = 100,000`` and
``n = 390``: 230 slices of 256 and 160 of 257). Slices below the instrument's
minimum quantity merge into the next one.

Randomisation (seeded, reproducible): ``size_jitter = 0.2`` draws each slice's
weight from ``U(0.8, 1.2)`` before the split; ``time_jitter = 0.3`` moves each
``t_k`` (``k >= 1``) by up to +-30 % of ``interval / 2`` (times stay in order).
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from typing import Any

from bolt_exec.algos.base import ParentOrder, register
from bolt_exec.algos.scheduled import ScheduledAlgorithm
from bolt_exec.algos.slicing import cumulative_split, merge_small
from bolt_exec.errors import ValidationError

__all__ = ["TWAP"]


@register
class TWAP(ScheduledAlgorithm):
    """Time-weighted execution.

    Args:
        slices: the number of slices (give this or ``interval_ns``).
        interval_ns: the time between slices (give this or ``slices``).
        duration_ns: the horizon when the parent has no ``end_ns``.
        size_jitter: 0..0.9, random spread of slice sizes (seeded).
        time_jitter: 0..0.9, random shift of slice times as a fraction of half an interval.
        seed: the random seed.
        style / catch_up / complete_at_end / max_child: see ScheduledAlgorithm.

    Raises:
        ValidationError: for a bad parameter, naming it.
    """

    name = "twap"

    def __init__(
        self,
        *,
        slices: int | None = None,
        interval_ns: int | None = None,
        duration_ns: int | None = None,
        size_jitter: float = 0.0,
        time_jitter: float = 0.0,
        seed: int = 0,
        **params: Any,
    ) -> None:
        if slices is None and interval_ns is None:
            raise ValidationError(
                "slices",
                None,
                "give slices= or interval_ns=",
                "for example TWAP(slices=390) or TWAP(interval_ns=60_000_000_000)",
            )
        if slices is not None and slices < 1:
            raise ValidationError("slices", slices, "must be at least 1")
        if interval_ns is not None and interval_ns <= 0:
            raise ValidationError("interval_ns", interval_ns, "must be positive")
        for name, v in (("size_jitter", size_jitter), ("time_jitter", time_jitter)):
            if not 0 <= v < 1:
                raise ValidationError(name, v, "must be in [0, 1)")
        super().__init__(
            slices=slices,
            interval_ns=interval_ns,
            duration_ns=duration_ns,
            size_jitter=size_jitter,
            time_jitter=time_jitter,
            seed=seed,
            **params,
        )

    def on_start(self, parent: ParentOrder, now_ns: int) -> None:
        """Fix the slice times and the cumulative targets."""
        start = max(parent.start_ns, now_ns)
        n: int | None = self.params["slices"]
        interval: int | None = self.params["interval_ns"]
        end = parent.end_ns
        if end is None and self.params["duration_ns"] is not None:
            end = start + int(self.params["duration_ns"])
        if end is None:
            if n is None or interval is None:
                raise ValidationError(
                    "end_ns",
                    None,
                    "a TWAP needs a horizon",
                    "give the parent an end_ns, or duration_ns=, or both slices= and interval_ns=",
                )
            end = start + n * interval
        if n is None:
            assert interval is not None  # checked in __init__
            n = max(1, -(-(end - start) // interval))
        if interval is None:
            interval = (end - start) // n
        rng = random.Random(self.params["seed"])
        sj, tj = self.params["size_jitter"], self.params["time_jitter"]
        weights = [1.0 + sj * (2 * rng.random() - 1) for _ in range(n)]
        slices = merge_small(
            cumulative_split(parent.qty, weights, parent.instrument.lot_size),
            parent.instrument.min_qty,
        )
        times = [start + k * interval for k in range(n)]
        if tj:
            half = interval // 2
            times = [times[0]] + [t + int(tj * half * (2 * rng.random() - 1)) for t in times[1:]]
        cum: list[str] = []
        run = Decimal(0)
        for q in slices:
            run += q
            cum.append(str(run))
        self.vars.update(times=times, cum=cum, end_ns=end)
        if parent.end_ns is None:
            # the horizon belongs to the parent; keep it on the algorithm's bound copy
            self.parent = replace(parent, end_ns=end)

"""Intraday volume profiles: how a day's volume is spread over time.

A :class:`VolumeProfile` is a list of non-negative bucket weights. Anchored
profiles (``session_open_ns`` set) map bucket ``b`` to the UTC time of day
``session_open_ns + b * bucket_ns`` — what :func:`profile_from_bars` estimates
from history. Relative profiles (``session_open_ns=None``) stretch over the
order's own horizon — the default :func:`u_shaped_profile` is one.

Times of day are UTC; a user trading across a DST change supplies a profile
per season (or a relative one).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from bolt_exec.errors import ValidationError

__all__ = ["DAY_NS", "VolumeProfile", "profile_from_bars", "u_shaped_profile"]

DAY_NS = 86_400 * 10**9


@dataclass(frozen=True, slots=True)
class VolumeProfile:
    """Bucket weights of intraday volume (they need not sum to 1).

    Attributes:
        weights: one non-negative weight per bucket.
        bucket_ns: the bucket length (anchored profiles only).
        session_open_ns: the UTC time of day (ns after midnight) of bucket 0, or None
            for a profile relative to the order's horizon.
    """

    weights: tuple[float, ...]
    bucket_ns: int = 60 * 10**9
    session_open_ns: int | None = None
    _cum: tuple[float, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        w = tuple(float(x) for x in self.weights)
        if not w or any(not np.isfinite(x) or x < 0 for x in w) or sum(w) <= 0:
            raise ValidationError(
                "weights",
                list(w)[:5],
                "must be finite, not negative, and not all zero",
                "pass one weight per bucket",
            )
        if self.bucket_ns <= 0:
            raise ValidationError("bucket_ns", self.bucket_ns, "must be positive")
        object.__setattr__(self, "weights", w)
        total = sum(w)
        cum = [0.0]
        for x in w:
            cum.append(cum[-1] + x / total)
        object.__setattr__(self, "_cum", tuple(cum))

    def _fraction(self, x: float) -> float:
        # cumulative share of volume at position x in [0, n] buckets, linear inside a bucket
        cum = self._cum
        n = len(self.weights)
        if x <= 0:
            return 0.0
        if x >= n:
            return 1.0
        b = int(x)
        return cum[b] + (cum[b + 1] - cum[b]) * (x - b)

    def interval_weights(self, edges: Sequence[int], start_ns: int, end_ns: int) -> list[float]:
        """Return the profile's volume share inside each ``[edges[k], edges[k+1])``.

        ``edges`` are UNIX ns, ascending; ``start_ns``/``end_ns`` bound a relative
        profile. If an anchored profile gives the whole span zero weight (it lies
        outside the session), the weights fall back to equal.
        """
        if self.session_open_ns is None:
            span = end_ns - start_ns
            n = len(self.weights)
            fr = [self._fraction(n * (e - start_ns) / span) for e in edges]
        else:
            fr = [self._day_fraction(e) for e in edges]
        out = [max(0.0, b - a) for a, b in itertools.pairwise(fr)]
        if sum(out) <= 0:
            return [1.0] * (len(edges) - 1)
        return out

    def _day_fraction(self, ts: int) -> float:
        # cumulative fraction counted across days, so an interval spanning midnight still works
        assert self.session_open_ns is not None
        day, tod = divmod(ts, DAY_NS)
        return day + self._fraction((tod - self.session_open_ns) / self.bucket_ns)

    def to_json(self) -> dict[str, Any]:
        """Return the profile as JSON-safe data."""
        return {
            "weights": list(self.weights),
            "bucket_ns": self.bucket_ns,
            "session_open_ns": self.session_open_ns,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VolumeProfile:
        """Rebuild what :meth:`to_json` returned."""
        return cls(tuple(data["weights"]), data["bucket_ns"], data["session_open_ns"])


def u_shaped_profile(buckets: int = 390, depth: float = 0.6) -> VolumeProfile:
    """Return a relative U-shaped profile: heavy at the open and the close.

    Weight of bucket ``b`` at position ``x = (b + 0.5) / buckets`` is
    ``1 - depth * (1 - (2x - 1)**2)``: 1 at the edges, ``1 - depth`` mid-session.
    """
    if buckets < 1:
        raise ValidationError("buckets", buckets, "must be at least 1")
    if not 0 <= depth < 1:
        raise ValidationError("depth", depth, "must be in [0, 1)")
    x = (np.arange(buckets) + 0.5) / buckets
    w = 1.0 - depth * (1.0 - (2 * x - 1) ** 2)
    return VolumeProfile(tuple(float(v) for v in w))


def profile_from_bars(
    ts: npt.NDArray[np.int64],
    volume: npt.NDArray[np.float64],
    *,
    bucket_ns: int = 60 * 10**9,
    bar_ns: int = 60 * 10**9,
) -> VolumeProfile:
    """Estimate an anchored profile from historical bars (stamped at the bar close).

    Each bar's volume goes to the bucket of its start time of day (UTC); a
    bucket's weight is its mean share of the day's volume over the days seen,
    so a heavy day does not dominate. Buckets run from the earliest to the
    latest bar start of day.

    Raises:
        ValidationError: if there are no bars or no volume.
    """
    if len(ts) == 0 or float(np.sum(volume)) <= 0:
        raise ValidationError(
            "volume",
            float(np.sum(volume)) if len(ts) else None,
            "no bars with volume to estimate a profile from",
            "pass several days of bars, or use u_shaped_profile()",
        )
    start = ts - bar_ns
    day = start // DAY_NS
    tod = start % DAY_NS
    open_ns = int(tod.min()) // bucket_ns * bucket_ns
    bucket = (tod - open_ns) // bucket_ns
    nb = int(bucket.max()) + 1
    days, day_idx = np.unique(day, return_inverse=True)
    grid = np.zeros((len(days), nb))
    np.add.at(grid, (day_idx, bucket), volume)
    totals = grid.sum(axis=1, keepdims=True)
    shares = np.divide(grid, totals, out=np.zeros_like(grid), where=totals > 0)
    mean = shares[totals[:, 0] > 0].mean(axis=0)
    return VolumeProfile(tuple(float(v) for v in mean), bucket_ns, open_ns)

"""RelevanceScanner: the next market event on which a resting order could fill or trigger.

With resting orders at buy limits ``B``, sell limits ``S``, buy stops ``BS``
and sell stops ``SS`` (integer ticks), an event is relevant when

* a quote has ``bid <= max(B)`` (a buy's level is at or through the touch:
  its queue moves, or the ask crossed it) or ``ask >= min(S)``, or
  ``ask >= min(BS)`` or ``bid <= max(SS)``;
* a trade prints at ``px <= max(B)``, ``px >= min(S)``, ``px >= min(BS)`` or
  ``px <= max(SS)``;
* a bar has ``low <= max(B)``, ``high >= min(S)``, ``high >= min(BS)`` or
  ``low <= max(SS)``.

A market order (or a triggered stop) still working makes every event
relevant. The test over-approximates (an extra feed only costs time; a missed
one would cost a fill). Windows of events are tested with one vectorised
comparison and cached until the resting set changes (any command
invalidates); a window grows four-fold while nothing is found.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.backtest.timeline import Timeline
from bolt_exec.model.enums import Side

__all__ = ["RelevanceScanner"]

_W0, _WMAX = 1 << 10, 1 << 20
I64 = npt.NDArray[np.int64]


class RelevanceScanner:
    """Finds the next relevant timeline position (see the module docstring)."""

    def __init__(self, timeline: Timeline, paper: PaperBroker, symbol: str) -> None:
        self.tl = timeline
        self.paper = paper
        self.symbol = symbol
        self.tick = paper.instruments()[0].tick_size if paper.instruments() else Decimal("0.01")
        for inst in paper.instruments():
            if inst.symbol == symbol:
                self.tick = inst.tick_size
        self._valid = False
        self._none = True
        self._always = False
        self._lim: tuple[int | None, int | None, int | None, int | None] = (None,) * 4
        self._c0 = self._c1 = 0
        self._rel: I64 = np.zeros(0, dtype=np.int64)
        self._w = _W0

    def invalidate(self) -> None:
        """Forget the cached window (the resting orders changed)."""
        self._valid = False

    def _thresholds(self) -> None:
        buy: list[int] = []
        sell: list[int] = []
        bstop: list[int] = []
        sstop: list[int] = []
        self._always = False
        for vo in self.paper.resting_orders(self.symbol):
            if not vo.status.is_open:
                continue
            if vo.acts_as_market:
                self._always = True
                continue
            is_buy = vo.side is Side.BUY
            if vo.is_armed:
                assert vo.stop_px is not None
                (bstop if is_buy else sstop).append(int(vo.stop_px / self.tick))
            elif vo.limit_px is not None:
                (buy if is_buy else sell).append(int(vo.limit_px / self.tick))
        self._lim = (
            max(buy, default=None),
            min(sell, default=None),
            min(bstop, default=None),
            max(sstop, default=None),
        )
        self._none = not self._always and all(x is None for x in self._lim)
        self._c0 = self._c1 = 0
        self._rel = np.zeros(0, dtype=np.int64)
        self._w = _W0
        self._valid = True

    def _mask(self, kind: int, a: int, b: int) -> npt.NDArray[np.bool_]:
        cols = self.tl.ticks[kind]
        lo, hi = cols["lo"][a:b], cols["hi"][a:b]
        max_b, min_s, min_bs, max_ss = self._lim
        m = np.zeros(b - a, dtype=bool)
        if max_b is not None:
            m |= lo <= max_b
        if min_s is not None:
            m |= hi >= min_s
        if min_bs is not None:
            m |= hi >= min_bs
        if max_ss is not None:
            m |= lo <= max_ss
        return m

    def _scan(self, a: int, b: int) -> I64:
        tl = self.tl
        if tl.kind is None:
            (kind,) = tl.pos
            return (a + np.flatnonzero(self._mask(kind, a, b))).astype(np.int64)
        found = []
        for kind, pos in tl.pos.items():
            ra = int(np.searchsorted(pos, a, "left"))
            rb = int(np.searchsorted(pos, b, "left"))
            if rb > ra:
                found.append(pos[ra:rb][self._mask(kind, ra, rb)])
        return np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

    def next_relevant(self, p: int) -> int:
        """Return the first position ``>= p`` that needs the paper book, or ``len(timeline)``."""
        n = len(self.tl)
        if p >= n:
            return n
        if not self._valid:
            self._thresholds()
        if self._always:
            return p
        if self._none:
            return n
        if not self._c0 <= p <= self._c1:
            self._c0 = self._c1 = p
            self._rel = np.zeros(0, dtype=np.int64)
        while True:
            i = int(np.searchsorted(self._rel, p, "left"))
            if i < len(self._rel):
                return int(self._rel[i])
            if self._c1 >= n:
                return n
            a, b = max(self._c1, p), min(n, max(self._c1, p) + self._w)
            self._rel, self._c0, self._c1 = self._scan(a, b), a, b
            self._w = min(_WMAX, self._w * 4)

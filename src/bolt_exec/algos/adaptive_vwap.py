"""AdaptiveVWAP: a VWAP that re-weights what is left by what the market is doing.

At each slice point ``k`` the slice is

    q_k = m_k * R * w_k / (w_k + ... + w_{n-1})

where ``R`` is the quantity not yet sent, ``w`` the profile weights and
``m_k`` a speed multiplier, clipped to ``[min_speed, max_speed]``:

    m_k = (V_real / V_fcst) ** volume_sensitivity
        * (S_avg / S_now) ** spread_sensitivity
        * (sigma_fast / sigma_slow) ** volatility_sensitivity

* ``V_real / V_fcst``: market volume in the last interval against its forecast
  (the volume per unit of profile weight seen so far, times the interval's
  weight): busier than expected, trade more.
* ``S_avg / S_now``: the running mean spread over the current spread: a wide
  spread makes crossing dear, so slow down.
* ``sigma_fast / sigma_slow``: short- against long-run EWMA of absolute mid
  returns: a jumpy market raises timing risk; a positive sensitivity speeds up
  (a negative one slows down).

A factor whose inputs are missing (no volume data, no quotes yet) is 1.
Between slice points the algorithm only catches up to the current slice's
target; at the end it sweeps like every scheduled algorithm.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from decimal import Decimal
from typing import Any

from bolt_exec.algos.base import AlgoStep, MarketView, Progress, register
from bolt_exec.algos.slicing import floor_lot
from bolt_exec.algos.vwap import VWAP
from bolt_exec.errors import ValidationError

__all__ = ["AdaptiveVWAP"]

_SIGMA_FLOOR = 1e-5


@register
class AdaptiveVWAP(VWAP):
    """VWAP with volume, spread and volatility feedback (see the module docstring).

    Args:
        min_speed / max_speed: bounds of the speed multiplier (``0 < min <= 1 <= max``).
        volume_sensitivity / spread_sensitivity / volatility_sensitivity: exponents.
        (and every VWAP argument)
    """

    name = "adaptive_vwap"

    def __init__(
        self,
        *,
        min_speed: float = 0.5,
        max_speed: float = 2.0,
        volume_sensitivity: float = 1.0,
        spread_sensitivity: float = 0.5,
        volatility_sensitivity: float = 0.5,
        **params: Any,
    ) -> None:
        if not 0 < min_speed <= 1 <= max_speed:
            raise ValidationError(
                "min_speed",
                (min_speed, max_speed),
                "need 0 < min_speed <= 1 <= max_speed",
                "for example 0.5 and 2.0",
            )
        super().__init__(
            min_speed=min_speed,
            max_speed=max_speed,
            volume_sensitivity=volume_sensitivity,
            spread_sensitivity=spread_sensitivity,
            volatility_sensitivity=volatility_sensitivity,
            **params,
        )

    def on_start(self, parent: Any, now_ns: int) -> None:
        """Build the base VWAP schedule and reset the market statistics."""
        super().on_start(parent, now_ns)
        self.vars.update(
            k=-1,
            target="0",
            last_vol=None,
            vol_seen=0.0,
            weight_seen=0.0,
            spread_avg=None,
            last_mid=None,
            sig_fast=None,
            sig_slow=None,
            speeds=[],
        )

    def _observe(self, market: MarketView | None) -> None:
        if market is None:
            return
        v = self.vars
        spread, mid = market.spread, market.mid
        if spread is not None and spread > 0:
            v["spread_avg"] = (
                spread if v["spread_avg"] is None else 0.9 * v["spread_avg"] + 0.1 * spread
            )
        if mid is not None and mid > 0:
            if v["last_mid"] is not None:
                r = abs(math.log(mid / v["last_mid"]))
                v["sig_fast"] = r if v["sig_fast"] is None else 0.5 * v["sig_fast"] + 0.5 * r
                v["sig_slow"] = r if v["sig_slow"] is None else 0.95 * v["sig_slow"] + 0.05 * r
            v["last_mid"] = mid

    def speed(self, k: int, market: MarketView | None) -> float:
        """Return the clipped speed multiplier for slice ``k`` (see the module docstring)."""
        v, prm = self.vars, self.params
        weights: list[float] = v["weights"]
        m = 1.0
        if market is not None and market.volume > 0:
            if v["last_vol"] is not None and k > 0:
                real = market.volume - v["last_vol"]
                w_prev = weights[k - 1]
                v["vol_seen"] += real
                v["weight_seen"] += w_prev
                if v["vol_seen"] > 0 and v["weight_seen"] > 0 and w_prev > 0:
                    fcst = v["vol_seen"] / v["weight_seen"] * w_prev
                    m *= (max(real, 1e-9) / fcst) ** prm["volume_sensitivity"]
            v["last_vol"] = market.volume
        spread = None if market is None else market.spread
        if spread and v["spread_avg"]:
            m *= (v["spread_avg"] / spread) ** prm["spread_sensitivity"]
        if v["sig_fast"] is not None and v["sig_slow"] is not None:
            # a 0.1 bp floor keeps float noise in a flat market from reading as a volatility burst
            ratio = (v["sig_fast"] + _SIGMA_FLOOR) / (v["sig_slow"] + _SIGMA_FLOOR)
            m *= ratio ** prm["volatility_sensitivity"]
        return float(min(max(m, prm["min_speed"]), prm["max_speed"]))

    def step(self, now_ns: int, market: MarketView | None, progress: Progress) -> AlgoStep:
        """Re-weight at each slice point; between points catch up to the slice target."""
        p = self.p
        if self.is_finished(progress):
            return AlgoStep(is_done=True, reason="filled")
        end = p.end_ns
        if end is not None and now_ns >= end:
            return self._at_end(now_ns, market, progress)
        times: list[int] = self.vars["times"]
        k = bisect_right(times, now_ns) - 1
        done = progress.filled_qty + progress.in_flight_qty
        cancel: tuple[str, ...] = ()
        if k > self.vars["k"]:
            self._observe(market)
            self.vars["k"] = k
            weights: list[float] = self.vars["weights"]
            rest = sum(weights[k:])
            m = self.speed(k, market)
            self.vars["speeds"].append(round(m, 6))
            share = 1.0 if rest <= 0 else min(1.0, m * weights[k] / rest)
            left = p.qty - done
            slice_qty = floor_lot(left * Decimal(repr(share)), p.instrument.lot_size)
            if k == len(times) - 1:
                slice_qty = left  # the last slice takes what is left
            self.vars["target"] = str(done + slice_qty)
            if self.params["style"] == "passive":
                cancel = tuple(
                    c.client_order_id
                    for c in progress.open_children
                    if c.ts_sent < now_ns and not c.is_pending_cancel
                )
        want = Decimal(self.vars["target"]) - done if k >= 0 else Decimal(0)
        want = self.limit_qty(want, market, progress)
        children = self._child(want, market, progress, tag=f"slice{k}")
        next_wake = times[k + 1] if k + 1 < len(times) else end
        return AlgoStep(children=children, cancel=cancel, next_wake_ns=next_wake)

"""Kill-switch monitors: pure, fed values with timestamps, returning a trip reason or None.

None of them reads a clock or touches the OMS; the SafetyManager feeds them
(portfolio value on fills and marks, rejects from the bus, margin and broker
status from the runtime) and trips the kill switch on the first reason.
"""

from __future__ import annotations

import itertools
from collections import deque
from decimal import Decimal

__all__ = [
    "ConnectivityMonitor",
    "MarginSpiralMonitor",
    "PnLMonitor",
    "RejectRateMonitor",
    "daily_loss_reason",
    "exposure_breach_reason",
]


class PnLMonitor:
    """Portfolio gain, loss (from the first value seen) and drawdown (from the peak).

    ``gain = (v - v0) / v0``, ``loss = (v0 - v) / v0``, ``drawdown = (peak - v) / peak``;
    each trips at or beyond its fraction (seed 004's kill_switch_gain_pct,
    kill_switch_loss_pct and max_drawdown_pct).
    """

    def __init__(
        self,
        gain_frac: Decimal | None = None,
        loss_frac: Decimal | None = None,
        drawdown_frac: Decimal | None = None,
    ) -> None:
        self.gain_frac = gain_frac
        self.loss_frac = loss_frac
        self.drawdown_frac = drawdown_frac
        self.initial: Decimal | None = None
        self.peak: Decimal | None = None

    def update(self, value: Decimal, ts_ns: int) -> str | None:
        """Feed the portfolio value at ``ts_ns``; return why to trip, or None."""
        if self.initial is None:
            self.initial = value
        if self.peak is None or value > self.peak:
            self.peak = value
        v0 = self.initial
        if v0 > 0:
            change = (value - v0) / v0
            if self.gain_frac is not None and change >= self.gain_frac:
                return (
                    f"portfolio gain {change:.2%} reached kill_switch.gain_pct "
                    f"{self.gain_frac:.2%} (from {v0} to {value})"
                )
            if self.loss_frac is not None and -change >= self.loss_frac:
                return (
                    f"portfolio loss {-change:.2%} reached kill_switch.loss_pct "
                    f"{self.loss_frac:.2%} (from {v0} to {value})"
                )
        peak = self.peak
        if self.drawdown_frac is not None and peak > 0:
            drawdown = (peak - value) / peak
            if drawdown >= self.drawdown_frac:
                return (
                    f"drawdown {drawdown:.2%} from peak {peak} reached "
                    f"kill_switch.max_drawdown_pct {self.drawdown_frac:.2%}"
                )
        return None


def daily_loss_reason(
    day_start: Decimal | None,
    value: Decimal | None,
    limit: Decimal | None,
    limit_frac: Decimal | None,
) -> str | None:
    """Trip when today's loss reaches the absolute or the fractional daily limit."""
    if day_start is None or value is None or value >= day_start:
        return None
    loss = day_start - value
    if limit is not None and loss >= limit:
        return f"daily loss {loss} reached portfolio.daily_loss_limit {limit}"
    if limit_frac is not None and day_start > 0 and loss >= limit_frac * day_start:
        return f"daily loss {loss} reached portfolio.daily_loss_pct {limit_frac:.2%} of {day_start}"
    return None


def exposure_breach_reason(
    gross: Decimal,
    net: Decimal,
    equity: Decimal | None,
    max_gross: Decimal | None,
    max_net: Decimal | None,
    max_leverage: Decimal | None,
    tolerance_frac: Decimal,
) -> str | None:
    """Trip when exposure exceeds a limit by more than ``tolerance_frac`` (prices moved)."""
    k = 1 + tolerance_frac
    if max_gross is not None and gross > max_gross * k:
        return (
            f"gross exposure {gross} breached max_gross_exposure {max_gross} by over "
            f"{tolerance_frac:.2%}"
        )
    if max_net is not None and abs(net) > max_net * k:
        return (
            f"net exposure {net} breached max_net_exposure {max_net} by over {tolerance_frac:.2%}"
        )
    if max_leverage is not None and equity is not None:
        if equity <= 0 and gross > 0:
            return f"portfolio value {equity} is not positive with gross exposure {gross}"
        if equity > 0 and gross / equity > max_leverage * k:
            return (
                f"leverage {gross / equity:.3f}x breached max_leverage {max_leverage}x by "
                f"over {tolerance_frac:.2%}"
            )
    return None


class RejectRateMonitor:
    """Trip when the venue rejects too large a share of recent orders (a misbehaving bot)."""

    def __init__(self, window_ns: int, min_orders: int, max_frac: Decimal) -> None:
        self.window_ns = window_ns
        self.min_orders = min_orders
        self.max_frac = max_frac
        self._orders: deque[int] = deque()
        self._rejects: deque[int] = deque()

    def on_order(self, ts_ns: int) -> None:
        """An order was sent."""
        orders = self._orders
        orders.append(ts_ns)
        horizon = ts_ns - self.window_ns
        while orders[0] <= horizon:  # keep only the window: memory stays bounded
            orders.popleft()

    def on_reject(self, ts_ns: int) -> str | None:
        """An order was rejected; return why to trip, or None."""
        self._rejects.append(ts_ns)
        return self.check(ts_ns)

    def check(self, now_ns: int) -> str | None:
        """Evaluate the window ending at ``now_ns``."""
        horizon = now_ns - self.window_ns
        for q in (self._orders, self._rejects):
            while q and q[0] <= horizon:
                q.popleft()
        sent = len(self._orders)
        if sent < self.min_orders:
            return None
        rate = Decimal(len(self._rejects)) / sent
        if rate > self.max_frac:
            return (
                f"reject rate {rate:.2%} ({len(self._rejects)}/{sent} in "
                f"{self.window_ns / 1e9:g}s) above kill_switch.reject_rate.max_reject_pct "
                f"{self.max_frac:.2%}"
            )
        return None


class MarginSpiralMonitor:
    """Trip when margin use stays above a level and keeps rising across a window.

    Trips when every sample in the window is at or above ``level_frac``, there are at
    least ``min_samples``, no sample fell below its predecessor, and the rise from
    the first to the last is at least ``min_rise_frac`` (absolute utilisation points).
    """

    def __init__(
        self, level_frac: Decimal, window_ns: int, min_rise_frac: Decimal, min_samples: int = 3
    ) -> None:
        self.level_frac = level_frac
        self.window_ns = window_ns
        self.min_rise_frac = min_rise_frac
        self.min_samples = min_samples
        self._samples: deque[tuple[int, Decimal]] = deque()

    def update(self, utilisation: Decimal, ts_ns: int) -> str | None:
        """Feed margin used / margin available (0..1+); return why to trip, or None."""
        samples = self._samples
        samples.append((ts_ns, utilisation))
        horizon = ts_ns - self.window_ns
        while samples and samples[0][0] < horizon:
            samples.popleft()
        if len(samples) < self.min_samples:
            return None
        values = [u for _, u in samples]
        if min(values) < self.level_frac:
            return None
        if any(b < a for a, b in itertools.pairwise(values)):
            return None
        rise = values[-1] - values[0]
        if rise < self.min_rise_frac:
            return None
        return (
            f"margin spiral: utilisation {values[0]:.2%} -> {values[-1]:.2%} over "
            f"{(samples[-1][0] - samples[0][0]) / 1e9:g}s, above "
            f"kill_switch.margin_spiral.level_pct {self.level_frac:.2%} and rising"
        )


class ConnectivityMonitor:
    """Trip when a broker stays disconnected, or market data stays silent, too long."""

    def __init__(self, disconnect_ns: int | None, stale_data_ns: int | None) -> None:
        self.disconnect_ns = disconnect_ns
        self.stale_data_ns = stale_data_ns
        self._down_since: dict[str, int] = {}
        self.last_data_ns: int | None = None

    def on_broker(self, broker: str, connected: bool, ts_ns: int) -> None:
        """Record a broker's connection state change."""
        if connected:
            self._down_since.pop(broker, None)
        else:
            self._down_since.setdefault(broker, ts_ns)

    def on_data(self, ts_ns: int) -> None:
        """Record that market data arrived."""
        if self.last_data_ns is None or ts_ns > self.last_data_ns:
            self.last_data_ns = ts_ns

    def check(self, now_ns: int) -> str | None:
        """Evaluate at ``now_ns``."""
        if self.disconnect_ns is not None:
            for broker, since in sorted(self._down_since.items()):
                if now_ns - since >= self.disconnect_ns:
                    return (
                        f"broker {broker!r} disconnected for {(now_ns - since) / 1e9:g}s, "
                        f"beyond kill_switch.broker_disconnect_s {self.disconnect_ns / 1e9:g}"
                    )
        if self.stale_data_ns is not None and self.last_data_ns is not None:
            age = now_ns - self.last_data_ns
            if age >= self.stale_data_ns:
                return (
                    f"no market data for {age / 1e9:g}s, beyond kill_switch.stale_data_s "
                    f"{self.stale_data_ns / 1e9:g}"
                )
        return None

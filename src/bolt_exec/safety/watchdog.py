"""Watchdog: the kill-switch monitors of one policy, fed together.

Each ``on_*`` feed and :meth:`Watchdog.check` returns ``(actor, reason)``
when a monitor says trip, else None; the SafetyManager trips the kill switch
with that actor (``monitor:pnl``, ``monitor:daily_loss``, ``monitor:exposure``,
``monitor:reject_rate``, ``monitor:margin_spiral``, ``monitor:connectivity``).
The monitors themselves are the pure ones in :mod:`bolt_exec.safety.monitors`.
"""

from __future__ import annotations

from decimal import Decimal

from bolt_exec.safety.book import ExposureBook
from bolt_exec.safety.config import RiskConfig
from bolt_exec.safety.monitors import (
    ConnectivityMonitor,
    MarginSpiralMonitor,
    PnLMonitor,
    RejectRateMonitor,
    daily_loss_reason,
    exposure_breach_reason,
)

__all__ = ["Trip", "Watchdog"]

Trip = tuple[str, str]
"""``(actor, reason)`` of a monitor that wants the kill switch tripped."""


class Watchdog:
    """Every automatic kill-switch trigger the policy switches on."""

    def __init__(self, config: RiskConfig) -> None:
        self.config = config
        ks = config.kill_switch
        self.pnl = PnLMonitor(ks.gain_frac, ks.loss_frac, ks.max_drawdown_frac)
        self.rejects = (
            RejectRateMonitor(ks.reject_window_ns, ks.reject_min_orders, ks.reject_max_frac)
            if ks.reject_window_ns is not None
            else None
        )
        self.margin = (
            MarginSpiralMonitor(
                ks.margin_level_frac,
                ks.margin_window_ns,
                ks.margin_min_rise_frac,
                ks.margin_min_samples,
            )
            if ks.margin_level_frac is not None
            else None
        )
        self.connectivity = ConnectivityMonitor(ks.broker_disconnect_ns, ks.stale_data_ns)

    def on_order(self, ts_ns: int) -> None:
        """An order was approved and sent."""
        if self.rejects is not None:
            self.rejects.on_order(ts_ns)

    def on_reject(self, ts_ns: int) -> Trip | None:
        """The venue rejected an order."""
        if self.rejects is None:
            return None
        reason = self.rejects.on_reject(ts_ns)
        return ("monitor:reject_rate", reason) if reason else None

    def on_margin(self, utilisation: Decimal, ts_ns: int) -> Trip | None:
        """Margin used / available, 0..1+."""
        if self.margin is None:
            return None
        reason = self.margin.update(utilisation, ts_ns)
        return ("monitor:margin_spiral", reason) if reason else None

    def on_broker(self, broker: str, connected: bool, ts_ns: int) -> None:
        """A broker connected or disconnected."""
        self.connectivity.on_broker(broker, connected, ts_ns)

    def on_data(self, ts_ns: int) -> None:
        """Market data arrived."""
        self.connectivity.on_data(ts_ns)

    def value_changed(
        self, book: ExposureBook, day_start: Decimal | None, now_ns: int
    ) -> Trip | None:
        """The portfolio value or exposure moved: PnL, daily loss, exposure breach."""
        equity = book.equity
        p = self.config.portfolio
        ks = self.config.kill_switch
        if equity is not None:
            reason = self.pnl.update(equity, now_ns)
            if reason:
                return "monitor:pnl", reason
            if ks.trip_on_daily_loss:
                reason = daily_loss_reason(day_start, equity, p.daily_loss_limit, p.daily_loss_frac)
                if reason:
                    return "monitor:daily_loss", reason
        if ks.exposure_breach_frac is not None:
            reason = exposure_breach_reason(
                book.gross,
                book.net,
                equity,
                p.max_gross_exposure,
                p.max_net_exposure,
                p.max_leverage,
                ks.exposure_breach_frac,
            )
            if reason:
                return "monitor:exposure", reason
        return None

    def check(self, now_ns: int) -> Trip | None:
        """Time-driven monitors: broker disconnects, silent data, the reject window."""
        reason = self.connectivity.check(now_ns)
        if reason:
            return "monitor:connectivity", reason
        if self.rejects is not None:
            reason = self.rejects.check(now_ns)
            if reason:
                return "monitor:reject_rate", reason
        return None

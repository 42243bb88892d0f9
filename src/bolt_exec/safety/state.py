"""The mutable risk state the SafetyManager owns: counters, throttles, books.

Checks read it; only the SafetyManager writes it (on approval, on bus events,
on the clock timer). Day boundaries come from the policy's
``trading_day_start_utc``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from bolt_exec.safety.book import ExposureBook, OpenOrders
from bolt_exec.safety.config import NS, BucketSpec, RiskConfig, ThrottleSpec
from bolt_exec.safety.throttle import SlidingWindow, TokenBucket

__all__ = ["DAY_NS", "RiskState"]

DAY_NS: Final = 86_400 * NS


class RiskState:
    """Counters and limiters behind the flow checks."""

    def __init__(self, config: RiskConfig, cash: Decimal | None = None) -> None:
        self.config = config
        self.book = ExposureBook(cash)
        self.orders = OpenOrders()
        self.last_fill_ns: dict[str, int] = {}
        self.last_reject_ns: dict[str, int] = {}
        self.day = -1
        self.trades_today = 0
        self.parents_today: set[str] = set()
        self.day_start_equity: Decimal | None = None
        self.otr_messages = 0
        self.otr_trades = 0
        self.recent: dict[tuple[object, ...], int] = {}
        self.recent_prune_at = 4096
        self.modifications: dict[str, int] = {}
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._windows: dict[str, tuple[SlidingWindow, ...]] = {}
        self._bucket_sets: dict[tuple[str, str, str, str], tuple[tuple[str, str, TokenBucket], ...]]
        self._bucket_sets = {}

    # -- days ----------------------------------------------------------------------------------
    def roll(self, now_ns: int) -> None:
        """Start a new trading day when ``now_ns`` crossed the day boundary."""
        day = (now_ns - self.config.portfolio.day_start_ns) // DAY_NS
        if day != self.day:
            self.day = day
            self.trades_today = 0
            self.parents_today.clear()
            self.otr_messages = 0
            self.otr_trades = 0
            self.day_start_equity = self.book.equity
            self.recent.clear()
            self.recent_prune_at = 4096
        elif self.day_start_equity is None:
            self.day_start_equity = self.book.equity

    # -- limiters ------------------------------------------------------------------------------
    def buckets(
        self,
        throttle: ThrottleSpec,
        kind: str,
        strategy: str,
        symbol: str,
        broker: str,
        now_ns: int,
    ) -> tuple[tuple[str, str, TokenBucket], ...]:
        """Return the (scope, key, bucket) triples that apply to one order (cached)."""
        k = (kind, strategy, symbol, broker)
        hit = self._bucket_sets.get(k)
        if hit is not None:
            return hit
        out = []
        for scope, spec, key in (
            ("strategy", throttle.per_strategy, strategy),
            ("instrument", throttle.per_instrument, symbol),
            ("broker", throttle.per_broker, broker),
        ):
            if spec is not None:
                out.append((scope, key, self._bucket(kind, scope, key, spec, now_ns)))
        found = self._bucket_sets[k] = tuple(out)
        return found

    def _bucket(
        self, kind: str, scope: str, key: str, spec: BucketSpec, now_ns: int
    ) -> TokenBucket:
        k = (kind, scope, key)
        bucket = self._buckets.get(k)
        if bucket is None:
            bucket = self._buckets[k] = TokenBucket(spec.rate_per_s, spec.burst, now_ns)
        return bucket

    def windows(self, broker: str) -> tuple[SlidingWindow, ...]:
        """Return the venue caps of ``broker`` (empty when it has none)."""
        w = self._windows.get(broker)
        if w is None:
            caps = self.config.broker(broker).caps
            w = self._windows[broker] = tuple(
                SlidingWindow(c.count, c.window_ns, c.label) for c in caps
            )
        return w

    # -- OTR -----------------------------------------------------------------------------------
    def otr(self, extra_messages: int = 0) -> Decimal:
        """Today's order-to-trade ratio with ``extra_messages`` more (zero trades count as 1)."""
        return Decimal(self.otr_messages + extra_messages) / max(self.otr_trades, 1)

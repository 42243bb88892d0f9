"""The running OTR for the SafetyManager's budget: :class:`OtrCounter` and its snapshots.

The counter is the same fold the daily report uses (:class:`OtrEngine`), so
the live budget and the signed report never disagree on a count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Final

from bolt_exec.compliance.dated_config import DatedVersions
from bolt_exec.compliance.sebi_otr import OtrEngine, OtrTally
from bolt_exec.compliance.sebi_otr_charges import charge_total
from bolt_exec.compliance.sebi_otr_judge import MessageKind
from bolt_exec.compliance.sebi_otr_market import LtpSource, OtrInstrument
from bolt_exec.compliance.sebi_otr_rules import OtrRules
from bolt_exec.model.events import OrderEvent

__all__ = ["OtrCounter", "OtrSnapshot", "denominator", "ratio", "snapshot"]

_RATIO_Q: Final = Decimal("0.0001")


def ratio(counted: int, denominator: int) -> Decimal:
    """Return ``counted / denominator`` truncated to 4 places (slabs use exact comparisons)."""
    return (Decimal(counted) / Decimal(denominator)).quantize(_RATIO_Q, ROUND_DOWN)


def denominator(tally: OtrTally, rules: OtrRules) -> int:
    """Return the ratio's denominator: trades, floored by ``zero_trade_floor``."""
    return max(tally.trades, rules.zero_trade_floor)


@dataclass(frozen=True, slots=True)
class OtrSnapshot:
    """The running OTR of one group, for a pre-trade budget check.

    Attributes:
        messages_to_next_slab: how many more counted messages, at today's
            trade count, before the ratio reaches ``next_slab_threshold``.
        messages_to_cooling_off: likewise for the cooling-off threshold (0 once reached).
        charge: the day's charge so far at today's trade count (rules' currency).
    """

    day: date
    exchange: str
    segment: str
    counted: int
    trades: int
    ratio: Decimal
    slab_rate: Decimal
    next_slab_threshold: int | None
    messages_to_next_slab: int | None
    cooling_off_threshold: int
    messages_to_cooling_off: int
    charge: Decimal


def snapshot(tally: OtrTally, rules: OtrRules) -> OtrSnapshot:
    """Return the :class:`OtrSnapshot` of a tally under ``rules``."""
    den = denominator(tally, rules)
    idx = rules.slab_for(tally.counted, den)
    nxt = rules.slabs[idx + 1].lower if idx + 1 < len(rules.slabs) else None
    cool = rules.cooling_off.threshold
    return OtrSnapshot(
        day=tally.day,
        exchange=tally.exchange,
        segment=tally.segment,
        counted=tally.counted,
        trades=tally.trades,
        ratio=ratio(tally.counted, den),
        slab_rate=rules.slabs[idx].rate,
        next_slab_threshold=nxt,
        messages_to_next_slab=None if nxt is None else nxt * den - tally.counted,
        cooling_off_threshold=cool,
        messages_to_cooling_off=max(cool * den - tally.counted, 0),
        charge=charge_total(tally.counted, den, rules),
    )


class OtrCounter:
    """Incremental OTR for the SafetyManager's budget: feed events, read the ratio.

    Pure (no clock, no I/O). Only the current trading day is kept: the first
    event of a new day drops the previous day's tallies.

    Example::

        counter = OtrCounter(load_sebi_rules(), {"NIFTY26APRFUT": OtrInstrument("NSE", "EQ_DERIV")})
        snap = counter.on_event(event, ltp=mark)   # None for events that count nothing
        if snap and snap.messages_to_next_slab is not None and snap.messages_to_next_slab < 10: ...
    """

    def __init__(
        self,
        rules: DatedVersions[OtrRules],
        instruments: Mapping[str, OtrInstrument] | None = None,
        ltp: LtpSource | None = None,
    ) -> None:
        self._engine = OtrEngine(rules, instruments, ltp)
        self._day: date | None = None

    def on_event(self, event: OrderEvent, ltp: Decimal | None = None) -> OtrSnapshot | None:
        """Apply ``event``; return the snapshot of the group it touched, or None."""
        day = self._engine.day_of(event.ts_event)
        if self._day is not None and day > self._day:
            self._engine.forget_before(day)
        self._day = day if self._day is None else max(self._day, day)
        tally = self._engine.apply(event, ltp)
        if tally is None:
            return None
        return snapshot(tally, self._engine.rules_for(tally.day))

    def would_count(
        self,
        symbol: str,
        price: Decimal | None,
        ts_ns: int,
        *,
        kind: MessageKind = MessageKind.NEW,
        ltp: Decimal | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> bool:
        """Return True if a message about to be sent would count toward the ratio.

        A new order or amend priced inside the band (or a DMM order from
        2026) does not spend OTR budget; see :meth:`OtrEngine.judge`.
        """
        reason = self._engine.judge(
            symbol=symbol, kind=kind, price=price, ts_ns=ts_ns, ltp=ltp, tags=tags
        )
        return reason == "counted"

    def snapshot(self, exchange: str, segment: str) -> OtrSnapshot | None:
        """Return the current day's snapshot of a group (None before its first message)."""
        for (day, exch, seg), tally in self._engine.tallies.items():
            if day == self._day and exch == exchange and seg == segment:
                return snapshot(tally, self._engine.rules_for(day))
        return None

"""SEBI order-to-trade ratio: count algorithmic order messages against trades.

Theory of operation
-------------------
:class:`OtrEngine` is fed journal events one by one (a pure fold: no clock,
no I/O). It keeps a little state per order (its instrument, whether it is
algorithmic or a designated-market-maker order, its resting limit price,
whether a cancel or amend request is outstanding) and classifies every
*message the member sent to the exchange*:

* a **new order** is counted once, at the first ``OrderSubmitted`` (or
  ``OrderAccepted`` when an adapter skipped the submitted record); a denied
  order never left the process and is not a message;
* a **modification** is counted at ``OrderPendingReplace`` (the request), or
  at ``OrderReplaced`` when no request was journaled; never both;
* a **cancellation** likewise at ``OrderPendingCancel`` or ``OrderCanceled``.
  An ``OrderCanceled`` of an IOC/FOK remainder is the exchange's doing, not a
  message, and is not counted;
* a **trade** is each distinct ``(symbol, trade_id)`` fill.

Events the reconciler synthesised (``reconciliation=True``) add their fills
but never count as messages: nothing was sent at that time.

Each message is then judged against the rules in force on its trading day
(IST): out-of-scope segment, DMM order, price band around the LTP at the
message's time, the equity-options band. What is left is *counted*. Tallies
are per trading day and per (exchange, segment) -- or per exchange, by
configuration.

:class:`OtrCounter` wraps the engine for the SafetyManager: it returns the
running ratio and the distance to the next slab after each event, and
forgets days that are over.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from bolt_exec.compliance.dated_config import DatedVersions
from bolt_exec.compliance.sebi_otr_rules import OtrRules
from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderReplaced,
    OrderReplaceRejected,
    OrderSubmitted,
)

__all__ = [
    "TAG_ALGO",
    "TAG_DMM",
    "TAG_EXCHANGE",
    "TAG_OPTION",
    "TAG_SEGMENT",
    "LastTradePrices",
    "LtpSource",
    "MessageKind",
    "OtrCounter",
    "OtrEngine",
    "OtrInstrument",
    "OtrMessage",
    "OtrSnapshot",
    "OtrTally",
    "trading_day",
]

# Order tags the engine reads from OrderInitialized.tags.
TAG_ALGO: Final = "algo"  # "true"/"false"; absent -> the rules' default_algo
TAG_DMM: Final = "dmm"  # "true" for designated-market-maker (market making) orders
TAG_EXCHANGE: Final = "exchange"  # fallback when no instrument map entry: NSE, BSE
TAG_SEGMENT: Final = "segment"  # fallback: EQ_CASH, EQ_DERIV, CURRENCY_DERIV
TAG_OPTION: Final = "equity_option"  # fallback: "true" for equity options

_TRUE: Final = frozenset({"1", "true", "yes", "y"})
_FALSE: Final = frozenset({"0", "false", "no", "n"})
_NS: Final = 1_000_000_000
_RATIO_Q: Final = Decimal("0.0001")


class MessageKind(StrEnum):
    """What an order message did."""

    NEW = "NEW"
    MODIFY = "MODIFY"
    CANCEL = "CANCEL"


@dataclass(frozen=True, slots=True)
class OtrInstrument:
    """Where an instrument trades, for OTR purposes."""

    exchange: str
    segment: str
    is_equity_option: bool = False


class LtpSource(Protocol):
    """Market data: the last traded price of ``symbol`` at or before ``ts_ns``."""

    def ltp(self, symbol: str, ts_ns: int) -> Decimal | None:
        """Return the LTP, or None when nothing traded yet."""
        ...


class LastTradePrices:
    """An :class:`LtpSource` over recorded market trades ``(symbol, ts_ns, px)``.

    The LTP of a message is the price of the last market trade at or before
    the message's ``ts_event`` (an assumption: the circulars do not name the
    snapshot).
    """

    def __init__(self, trades: Iterable[tuple[str, int, Decimal]] = ()) -> None:
        series: dict[str, list[tuple[int, Decimal]]] = {}
        for symbol, ts, px in trades:
            series.setdefault(symbol, []).append((ts, Decimal(px)))
        self._ts: dict[str, list[int]] = {}
        self._px: dict[str, list[Decimal]] = {}
        for symbol, rows in series.items():
            rows.sort(key=lambda r: r[0])  # stable: equal times keep input order
            self._ts[symbol] = [r[0] for r in rows]
            self._px[symbol] = [r[1] for r in rows]

    def ltp(self, symbol: str, ts_ns: int) -> Decimal | None:
        """Return the last trade price at or before ``ts_ns``."""
        times = self._ts.get(symbol)
        if not times:
            return None
        i = bisect.bisect_right(times, ts_ns)
        return self._px[symbol][i - 1] if i else None


def trading_day(ts_ns: int, tz: str = "Asia/Kolkata") -> date:
    """Return the local date (IST by default) of a UNIX-nanosecond timestamp."""
    utc = datetime.fromtimestamp(ts_ns // _NS, tz=UTC)
    return utc.astimezone(ZoneInfo(tz)).date()


@dataclass(frozen=True, slots=True)
class OtrMessage:
    """One order message and how it was judged (``reason`` is ``counted`` or an exemption)."""

    ts_ns: int
    client_order_id: str
    symbol: str
    kind: MessageKind
    price: Decimal | None
    ltp: Decimal | None
    reason: str

    @property
    def is_counted(self) -> bool:
        """True when the message counts toward the ratio."""
        return self.reason == "counted"


@dataclass(slots=True)
class OtrTally:
    """One trading day's counts for one (exchange, segment) group."""

    day: date
    exchange: str
    segment: str
    rules_version: str
    new: int = 0
    modify: int = 0
    cancel: int = 0
    exempt: dict[str, int] = field(default_factory=dict)
    trades: int = 0
    excluded_trades: dict[str, int] = field(default_factory=dict)

    @property
    def counted(self) -> int:
        """Counted messages: new + modifications + cancellations."""
        return self.new + self.modify + self.cancel


@dataclass(slots=True)
class _Order:
    symbol: str
    instrument: OtrInstrument
    is_algo: bool
    is_dmm: bool
    tif: TimeInForce
    limit_px: Decimal | None
    entered: bool = False
    pending_cancel: bool = False
    pending_replace: bool = False


def _flag(tags: Mapping[str, str], key: str) -> bool | None:
    raw = tags.get(key)
    if raw is None:
        return None
    low = raw.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValidationError(f"tags[{key!r}]", raw, "is not a yes/no flag", "use 'true' or 'false'")


class OtrEngine:
    """Fold journal events into per-day OTR tallies (see the module docstring).

    Args:
        rules: the date-versioned OTR rules (``load_sebi_rules()``).
        instruments: symbol -> :class:`OtrInstrument`. Symbols not in it fall
            back to the order's ``exchange``/``segment``/``equity_option`` tags.
        ltp: market data for the price bands (messages without an LTP follow
            the rules' ``no_ltp`` setting).
    """

    def __init__(
        self,
        rules: DatedVersions[OtrRules],
        instruments: Mapping[str, OtrInstrument] | None = None,
        ltp: LtpSource | None = None,
    ) -> None:
        self._rules = rules
        self._instruments = dict(instruments or {})
        self._ltp = ltp
        self._orders: dict[str, _Order] = {}
        self._trade_ids: set[tuple[str, str]] = set()
        self.tallies: dict[tuple[date, str, str], OtrTally] = {}
        self.unattributed: int = 0  # events of orders the journal never initialised
        self.last_message: OtrMessage | None = None  # the latest message judged

    def rules_for(self, day: date) -> OtrRules:
        """Return the rules in force on ``day``."""
        return self._rules.for_date(day)

    def apply(self, event: OrderEvent, ltp: Decimal | None = None) -> OtrTally | None:
        """Apply one event; return the tally it touched, if any.

        Args:
            event: the next journal event.
            ltp: the last traded price at the event's time, overriding the
                engine's market data (the live SafetyManager passes its mark).

        Raises:
            ValidationError: when an order's instrument cannot be placed in a
                segment, or a yes/no tag is malformed.
        """
        if isinstance(event, OrderInitialized):
            self._orders[event.client_order_id] = self._new_order(event)
            return None
        order = self._orders.get(event.client_order_id)
        if order is None:
            self.unattributed += 1
            return None
        if isinstance(event, OrderFilled):
            return self._on_fill(order, event)
        kind = self._message_kind(order, event)
        if kind is None:
            return None
        return self._on_message(order, event, kind, ltp)

    def _new_order(self, ev: OrderInitialized) -> _Order:
        inst = self._instruments.get(ev.symbol)
        if inst is None:
            exch, seg = ev.tags.get(TAG_EXCHANGE), ev.tags.get(TAG_SEGMENT)
            if not exch or not seg:
                raise ValidationError(
                    "symbol",
                    ev.symbol,
                    "has no OTR exchange/segment",
                    "add it to the instruments map, or tag the order with "
                    f"{TAG_EXCHANGE}= and {TAG_SEGMENT}=",
                )
            inst = OtrInstrument(exch, seg, bool(_flag(ev.tags, TAG_OPTION)))
        algo = _flag(ev.tags, TAG_ALGO)
        return _Order(
            symbol=ev.symbol,
            instrument=inst,
            is_algo=self.rules_for(trading_day(ev.ts_event)).default_algo if algo is None else algo,
            is_dmm=bool(_flag(ev.tags, TAG_DMM)),
            tif=ev.tif,
            limit_px=ev.limit_px,
        )

    def _message_kind(self, order: _Order, ev: OrderEvent) -> MessageKind | None:
        # Track outstanding requests even for synthesised events, so the
        # confirmation that follows is never counted a second time.
        if isinstance(ev, OrderSubmitted | OrderAccepted):
            if order.entered:
                return None
            order.entered = True
            return None if ev.reconciliation else MessageKind.NEW
        if isinstance(ev, OrderPendingReplace):
            order.pending_replace = True
            return None if ev.reconciliation else MessageKind.MODIFY
        if isinstance(ev, OrderReplaced):
            counted_already = order.pending_replace
            order.pending_replace = False
            order.limit_px = ev.limit_px if ev.limit_px is not None else order.limit_px
            return None if counted_already or ev.reconciliation else MessageKind.MODIFY
        if isinstance(ev, OrderReplaceRejected):
            order.pending_replace = False
            return None
        if isinstance(ev, OrderPendingCancel):
            order.pending_cancel = True
            return None if ev.reconciliation else MessageKind.CANCEL
        if isinstance(ev, OrderCancelRejected):
            order.pending_cancel = False
            return None
        if isinstance(ev, OrderCanceled):
            counted_already = order.pending_cancel
            order.pending_cancel = False
            venue_initiated = order.tif in (TimeInForce.IOC, TimeInForce.FOK)
            if counted_already or venue_initiated or ev.reconciliation:
                return None
            return MessageKind.CANCEL
        return None

    def _tally(self, order: _Order, day: date, rules: OtrRules) -> OtrTally:
        inst = order.instrument
        seg = inst.segment if rules.granularity == "segment" else "ALL"
        key = (day, inst.exchange, seg)
        tally = self.tallies.get(key)
        if tally is None:
            label = self._rules.version_for(day).label
            tally = self.tallies[key] = OtrTally(day, inst.exchange, seg, label)
        return tally

    def _on_message(
        self, order: _Order, ev: OrderEvent, kind: MessageKind, ltp: Decimal | None
    ) -> OtrTally | None:
        if not order.is_algo:
            return None  # non-algorithmic orders never count
        day = trading_day(ev.ts_event)
        rules = self.rules_for(day)
        if kind is MessageKind.MODIFY and isinstance(ev, OrderPendingReplace | OrderReplaced):
            price = ev.limit_px if ev.limit_px is not None else order.limit_px
        else:
            price = order.limit_px
        if ltp is None and self._ltp is not None:
            ltp = self._ltp.ltp(order.symbol, ev.ts_event)
        reason = _judge(kind, price, ltp, order, rules)
        tally = self._tally(order, day, rules)
        if reason == "counted":
            if kind is MessageKind.NEW:
                tally.new += 1
            elif kind is MessageKind.MODIFY:
                tally.modify += 1
            else:
                tally.cancel += 1
        else:
            tally.exempt[reason] = tally.exempt.get(reason, 0) + 1
        self.last_message = OtrMessage(
            ev.ts_event, ev.client_order_id, order.symbol, kind, price, ltp, reason
        )
        return tally

    def _on_fill(self, order: _Order, ev: OrderFilled) -> OtrTally | None:
        key = (ev.symbol, ev.trade_id)
        if key in self._trade_ids or not order.is_algo:
            return None
        self._trade_ids.add(key)
        day = trading_day(ev.ts_event)
        rules = self.rules_for(day)
        tally = self._tally(order, day, rules)
        if order.instrument.segment not in rules.segments:
            tally.excluded_trades["segment_out_of_scope"] = (
                tally.excluded_trades.get("segment_out_of_scope", 0) + 1
            )
        elif order.is_dmm and rules.dmm_excluded and not rules.dmm_trades_in_denominator:
            tally.excluded_trades["dmm"] = tally.excluded_trades.get("dmm", 0) + 1
        else:
            tally.trades += 1
        return tally


def _in_band(price: Decimal, ltp: Decimal, order: _Order, rules: OtrRules) -> str | None:
    diff = abs(price - ltp)
    if order.instrument.is_equity_option and rules.option_band is not None:
        width = max(rules.option_band.pct * ltp / 100, rules.option_band.min_abs)
        inside = diff <= width if rules.band_inclusive else diff < width
        return "option_band" if inside else None
    # |p - ltp| / ltp * 100 <= pct, cross-multiplied to stay exact.
    lhs, rhs = diff * 100, rules.price_band_pct * ltp
    inside = lhs <= rhs if rules.band_inclusive else lhs < rhs
    return "price_band" if inside else None


def _judge(
    kind: MessageKind, price: Decimal | None, ltp: Decimal | None, order: _Order, rules: OtrRules
) -> str:
    if order.instrument.segment not in rules.segments:
        return "segment_out_of_scope"
    if order.is_dmm and rules.dmm_excluded:
        return "dmm"
    if kind is MessageKind.CANCEL and rules.cancellations == "count":
        return "counted"
    if price is None:
        return "market_order" if rules.market_orders == "exempt" else "counted"
    if ltp is None or ltp <= 0:
        return "no_ltp" if rules.no_ltp == "exempt" else "counted"
    return _in_band(price, ltp, order, rules) or "counted"


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
        day = trading_day(event.ts_event)
        if self._day is not None and day > self._day:
            self._engine.tallies.clear()
        self._day = day if self._day is None else max(self._day, day)
        tally = self._engine.apply(event, ltp)
        if tally is None:
            return None
        return snapshot(tally, self._engine.rules_for(tally.day))

    def snapshot(self, exchange: str, segment: str) -> OtrSnapshot | None:
        """Return the current day's snapshot of a group (None before its first message)."""
        for (day, exch, seg), tally in self._engine.tallies.items():
            if day == self._day and exch == exchange and seg == segment:
                return snapshot(tally, self._engine.rules_for(day))
        return None

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

:class:`~bolt_exec.compliance.sebi_otr_counter.OtrCounter` wraps the engine
for the SafetyManager: it returns the running ratio and the distance to the
next slab after each event, and forgets days that are over
(:meth:`OtrEngine.forget_before`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final

from bolt_exec.compliance.dated_config import DatedVersions
from bolt_exec.compliance.sebi_otr_judge import MessageKind, judge_message
from bolt_exec.compliance.sebi_otr_market import LtpSource, OtrInstrument, TradingDayClock
from bolt_exec.compliance.sebi_otr_rules import OtrRules
from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
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
    "OtrEngine",
    "OtrMessage",
    "OtrTally",
]

# Order tags the engine reads from OrderInitialized.tags.
TAG_ALGO: Final = "algo"  # "true"/"false"; absent -> the rules' default_algo
TAG_DMM: Final = "dmm"  # "true" for designated-market-maker (market making) orders
TAG_EXCHANGE: Final = "exchange"  # fallback when no instrument map entry: NSE, BSE
TAG_SEGMENT: Final = "segment"  # fallback: EQ_CASH, EQ_DERIV, CURRENCY_DERIV
TAG_OPTION: Final = "equity_option"  # fallback: "true" for equity options

_TRUE: Final = frozenset({"1", "true", "yes", "y"})
_FALSE: Final = frozenset({"0", "false", "no", "n"})


@dataclass(frozen=True, slots=True)
class OtrMessage:
    """One order message and how it was judged (``reason`` is ``counted`` or an exemption)."""

    ts_ns: int
    day: date
    exchange: str
    segment: str
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
    qty: Decimal
    filled: Decimal = Decimal(0)
    is_terminal: bool = False
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
        self._trade_ids: dict[tuple[str, str], date] = {}
        self.tallies: dict[tuple[date, str, str], OtrTally] = {}
        self.unattributed: int = 0  # events of orders the journal never initialised
        self.last_message: OtrMessage | None = None  # the message the last apply() judged
        self._days = TradingDayClock()

    def day_of(self, ts_ns: int) -> date:
        """Return the trading day (IST date) of a timestamp."""
        return self._days.day(ts_ns)

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
        self.last_message = None
        if isinstance(event, OrderInitialized):
            # A repeated initialisation (a replayed or adopted order) must not
            # reset what was already counted for it.
            if event.client_order_id not in self._orders:
                self._orders[event.client_order_id] = self._new_order(event)
            return None
        order = self._orders.get(event.client_order_id)
        if order is None:
            self.unattributed += 1
            return None
        if isinstance(event, OrderFilled):
            return self._on_fill(order, event)
        if isinstance(event, OrderExpired | OrderRejected | OrderDenied):
            order.is_terminal = True
        kind = self._message_kind(order, event)
        if kind is None:
            return None
        return self._on_message(order, event, kind, ltp)

    def forget_before(self, day: date) -> None:
        """Drop tallies and trade ids of days before ``day``, and every finished order.

        For long-running use (the live counter); a finished order's late
        events are then counted as unattributed.
        """
        self.tallies = {k: t for k, t in self.tallies.items() if k[0] >= day}
        self._trade_ids = {k: d for k, d in self._trade_ids.items() if d >= day}
        self._orders = {k: o for k, o in self._orders.items() if not o.is_terminal}

    def judge(
        self,
        *,
        symbol: str,
        kind: MessageKind,
        price: Decimal | None,
        ts_ns: int,
        ltp: Decimal | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """Return how a prospective message would be judged, changing nothing.

        ``"counted"``, an exemption (``"price_band"``, ``"option_band"``,
        ``"dmm"``, ...) or ``"non_algo"``. A pre-trade check uses it to spend
        OTR budget only on messages that count.
        """
        order = self._make_order(
            symbol, dict(tags or {}), ts_ns, TimeInForce.DAY, price, Decimal(1)
        )
        if not order.is_algo:
            return "non_algo"
        if ltp is None and self._ltp is not None:
            ltp = self._ltp.ltp(symbol, ts_ns)
        rules = self.rules_for(self.day_of(ts_ns))
        return judge_message(kind, price, ltp, order.instrument, order.is_dmm, rules)

    def _new_order(self, ev: OrderInitialized) -> _Order:
        return self._make_order(ev.symbol, ev.tags, ev.ts_event, ev.tif, ev.limit_px, ev.qty)

    def _make_order(
        self,
        symbol: str,
        tags: Mapping[str, str],
        ts_ns: int,
        tif: TimeInForce,
        limit_px: Decimal | None,
        qty: Decimal,
    ) -> _Order:
        inst = self._instruments.get(symbol)
        if inst is None:
            exch, seg = tags.get(TAG_EXCHANGE), tags.get(TAG_SEGMENT)
            if not exch or not seg:
                raise ValidationError(
                    "symbol",
                    symbol,
                    "has no OTR exchange/segment",
                    "add it to the instruments map, or tag the order with "
                    f"{TAG_EXCHANGE}= and {TAG_SEGMENT}=",
                )
            inst = OtrInstrument(exch, seg, bool(_flag(tags, TAG_OPTION)))
        algo = _flag(tags, TAG_ALGO)
        return _Order(
            symbol=symbol,
            instrument=inst,
            is_algo=self.rules_for(self.day_of(ts_ns)).default_algo if algo is None else algo,
            is_dmm=bool(_flag(tags, TAG_DMM)),
            tif=tif,
            limit_px=limit_px,
            qty=qty,
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
            order.qty = ev.qty if ev.qty is not None else order.qty
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
            order.is_terminal = True
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
        day = self.day_of(ev.ts_event)
        rules = self.rules_for(day)
        if kind is MessageKind.MODIFY and isinstance(ev, OrderPendingReplace | OrderReplaced):
            price = ev.limit_px if ev.limit_px is not None else order.limit_px
        else:
            price = order.limit_px
        if ltp is None and self._ltp is not None:
            ltp = self._ltp.ltp(order.symbol, ev.ts_event)
        reason = judge_message(kind, price, ltp, order.instrument, order.is_dmm, rules)
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
            ev.ts_event,
            day,
            tally.exchange,
            tally.segment,
            ev.client_order_id,
            order.symbol,
            kind,
            price,
            ltp,
            reason,
        )
        return tally

    def _on_fill(self, order: _Order, ev: OrderFilled) -> OtrTally | None:
        key = (ev.symbol, ev.trade_id)
        if key in self._trade_ids:
            return None
        self._trade_ids[key] = day = self.day_of(ev.ts_event)
        order.filled += ev.last_qty
        order.is_terminal = order.is_terminal or order.filled >= order.qty
        if not order.is_algo:
            return None
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

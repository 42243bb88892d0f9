"""Market and reference inputs of the OTR engine: where instruments trade, LTPs, IST days."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from bolt_exec.compliance.sebi_otr_rules import SEGMENTS
from bolt_exec.errors import ValidationError

__all__ = ["LastTradePrices", "LtpSource", "OtrInstrument", "TradingDayClock", "trading_day"]

_NS: Final = 1_000_000_000


@dataclass(frozen=True, slots=True)
class OtrInstrument:
    """Where an instrument trades, for OTR purposes.

    Raises:
        ValidationError: for an empty exchange or an unknown segment (a typo
            would otherwise put the instrument silently out of scope).
    """

    exchange: str
    segment: str
    is_equity_option: bool = False

    def __post_init__(self) -> None:
        if not self.exchange:
            raise ValidationError("exchange", self.exchange, "must name the exchange (NSE, BSE)")
        if self.segment not in SEGMENTS:
            raise ValidationError(
                "segment",
                self.segment,
                "is not an OTR segment",
                f"use one of {', '.join(SEGMENTS)}",
            )


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


class TradingDayClock:
    """:func:`trading_day` with the current day's bounds cached (the hot path of the counter).

    Time zones change offsets only at midnight-free instants we do not rely
    on: the cache holds ``[local midnight, next local midnight)`` in UTC ns,
    computed from the zone, so it stays right across DST changes too.
    """

    __slots__ = ("_day", "_end", "_start", "_tz")

    def __init__(self, tz: str = "Asia/Kolkata") -> None:
        self._tz = ZoneInfo(tz)
        self._start = self._end = 0
        self._day = date.min

    def day(self, ts_ns: int) -> date:
        """Return the local date of ``ts_ns``."""
        if self._start <= ts_ns < self._end:
            return self._day
        day = datetime.fromtimestamp(ts_ns // _NS, tz=UTC).astimezone(self._tz).date()
        start = datetime.combine(day, time(0), self._tz)
        end = datetime.combine(day + timedelta(days=1), time(0), self._tz)
        self._day = day
        self._start = int(start.timestamp()) * _NS
        self._end = int(end.timestamp()) * _NS
        return day

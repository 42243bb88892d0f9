"""The paper venue's books: positions, cash balances and the fills it executed."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bolt_exec.adapters.paper.book import VenueOrder
from bolt_exec.model.enums import LiquiditySide, Side
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.reports import FillReport, PositionReport

__all__ = ["VenueAccount"]


class VenueAccount:
    """What the venue says we hold: signed positions, cash per currency, its fills."""

    def __init__(self, broker: str, cash: Mapping[str, Decimal]) -> None:
        self.broker = broker
        self.positions: dict[str, Decimal] = {}
        self.cash: dict[str, Decimal] = dict(cash)
        self.fills: list[FillReport] = []
        self.trade_seq = 0

    def book_fill(
        self,
        vo: VenueOrder,
        inst: Instrument,
        qty: Decimal,
        px: Decimal,
        liquidity: LiquiditySide,
        fee: Decimal,
        ts: int,
    ) -> FillReport:
        """Record a trade: a new venue trade id, the position and the cash it moved."""
        self.trade_seq += 1
        signed = qty if vo.side is Side.BUY else -qty
        self.positions[inst.symbol] = self.positions.get(inst.symbol, ZERO) + signed
        balance = self.cash.get(inst.currency, ZERO)
        self.cash[inst.currency] = balance - signed * px * inst.multiplier - fee
        report = FillReport(
            trade_id=f"{self.broker}-T{self.trade_seq}",
            client_order_id=vo.cmd.client_order_id,
            venue_order_id=vo.venue_order_id,
            symbol=inst.symbol,
            side=vo.side,
            last_qty=qty,
            last_px=px,
            fee=fee,
            fee_currency=inst.currency,
            liquidity=liquidity,
            ts_event=ts,
        )
        self.fills.append(report)
        return report

    def position(self, symbol: str) -> Decimal:
        """The signed position in ``symbol``."""
        return self.positions.get(symbol, ZERO)

    def fills_since(self, since_ns: int | None) -> tuple[FillReport, ...]:
        """Fills at or after ``since_ns`` (all when None)."""
        return tuple(f for f in self.fills if since_ns is None or f.ts_event >= since_ns)

    def position_reports(self) -> tuple[PositionReport, ...]:
        """Positions as reports, by symbol."""
        return tuple(PositionReport(symbol=s, qty=q) for s, q in sorted(self.positions.items()))

"""The fake TWS's book: orders, executions, positions and the misbehaviour script."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bolt_exec.testing.fake_tws.wire import FakeContract

__all__ = ["DONE_STATUSES", "FakeExecution", "FakeOrder", "Script"]

DONE_STATUSES = frozenset({"Filled", "Cancelled", "ApiCancelled", "Inactive"})


@dataclass(slots=True)
class FakeOrder:
    """One order as TWS holds it (mutable: the fake is the venue)."""

    order_id: int
    client_id: int
    perm_id: int
    contract: FakeContract
    action: str
    qty: Decimal
    order_type: str
    lmt_price: Decimal | None
    aux_price: Decimal | None
    tif: str
    account: str
    order_ref: str
    good_till_date: str = ""
    status: str = "PreSubmitted"
    filled: Decimal = Decimal(0)
    notional: Decimal = Decimal(0)
    last_fill_px: Decimal = Decimal(0)
    modifications: int = 0

    @property
    def remaining(self) -> Decimal:
        """Quantity still to fill."""
        return self.qty - self.filled

    @property
    def avg_px(self) -> Decimal:
        """Average fill price (0 before the first fill, as TWS reports)."""
        return self.notional / self.filled if self.filled else Decimal(0)

    def mark(self, status: str) -> None:
        """Move the venue-side order to a TWS status (the fake is the venue here)."""
        self.status = status

    @property
    def is_done(self) -> bool:
        """True once TWS will not work the order any more."""
        return self.status in DONE_STATUSES


@dataclass(frozen=True, slots=True)
class FakeExecution:
    """One execution (fill) with its commission."""

    exec_id: str
    order: FakeOrder
    shares: Decimal
    price: Decimal
    cum_qty: Decimal
    avg_price: Decimal
    time: str
    ts_ns: int
    commission: Decimal
    currency: str


@dataclass(slots=True)
class Script:
    """How the fake misbehaves. Tests set these fields before acting.

    Attributes:
        reject_next: ``(code, text)`` errors answering the next placeOrders, in order.
        reject_modify_next: ``(code, text)`` errors answering the next modifications.
        fill_parts: market orders fill in these parts (the rest in one last part).
        auto_fill_market: fill market orders at ``FakeTWS.prices`` straight away.
        fill_on_cancel: the next cancel arrives too late: the rest fills, then 10148.
        duplicate_fills: send every execDetails and commissionReport twice.
        out_of_order: send orderStatus before openOrder, and fills before the ack.
        withhold_commission: never send commissionReports for live fills.
        disconnect_on_next_order: take the next order into the book, then drop the
            socket before acknowledging it.
        next_valid_id: answer the handshake with this nextValidId (a gateway restart
            that forgot its ids) instead of the true next id.
    """

    reject_next: list[tuple[int, str]] = field(default_factory=list)
    reject_modify_next: list[tuple[int, str]] = field(default_factory=list)
    fill_parts: list[Decimal] = field(default_factory=list)
    auto_fill_market: bool = True
    fill_on_cancel: bool = False
    duplicate_fills: bool = False
    out_of_order: bool = False
    withhold_commission: bool = False
    disconnect_on_next_order: bool = False
    next_valid_id: int | None = None

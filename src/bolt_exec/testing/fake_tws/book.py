"""The fake TWS's accounting: orders by id, executions, positions, cash and order ids."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from bolt_exec.testing.fake_tws.state import FakeExecution, FakeOrder
from bolt_exec.testing.fake_tws.wire import FakeContract

__all__ = ["Book"]

_CENT = Decimal("0.01")


class Book:
    """Orders, executions, positions and cash, as TWS keeps them across connections."""

    def __init__(
        self,
        *,
        contracts: Sequence[FakeContract],
        cash: Decimal,
        commission_per_share: Decimal,
        min_commission: Decimal,
    ) -> None:
        self.contracts: dict[str, FakeContract] = {c.symbol: c for c in contracts}
        self.orders: dict[tuple[int, int], FakeOrder] = {}
        self.executions: list[FakeExecution] = []
        self.positions: dict[tuple[str, int], tuple[Decimal, Decimal]] = {}
        self.cash: dict[str, Decimal] = {"USD": cash}
        self.commission_per_share = commission_per_share
        self.min_commission = min_commission
        self._max_id: dict[int, int] = {}
        self._perm_seq = 1_000_000
        self._exec_seq = 0

    # --- order ids -------------------------------------------------------------------------
    def next_order_id(self, client_id: int) -> int:
        """The nextValidId TWS would report to this client: above every id it has seen."""
        return self._max_id.get(client_id, 0) + 1

    def note_id(self, client_id: int, order_id: int) -> None:
        """Remember an id as used (TWS remembers rejected ids too)."""
        self._max_id[client_id] = max(self._max_id.get(client_id, 0), order_id)

    def check_new(
        self, client_id: int, order_id: int, symbol: str, qty: Decimal
    ) -> tuple[int, str] | None:
        """Return TWS's ``(code, text)`` refusal of a new order, or None if it is fine."""
        if order_id <= self._max_id.get(client_id, 0):
            return 103, f"Duplicate order id {order_id}"
        if symbol not in self.contracts:
            return 200, "No security definition has been found for the request"
        if qty <= 0:
            return 201, "Order rejected - reason:The order size must be positive"
        return None

    def add_order(
        self,
        *,
        client_id: int,
        order_id: int,
        symbol: str,
        action: str,
        qty: Decimal,
        order_type: str,
        lmt: Decimal | None,
        aux: Decimal | None,
        tif: str,
        account: str,
        order_ref: str,
        good_till_date: str,
    ) -> FakeOrder:
        """Put a new order in the book with a fresh permId."""
        self.note_id(client_id, order_id)
        self._perm_seq += 1
        order = FakeOrder(
            order_id=order_id,
            client_id=client_id,
            perm_id=self._perm_seq,
            contract=self.contracts[symbol],
            action=action,
            qty=qty,
            order_type=order_type,
            lmt_price=lmt,
            aux_price=aux,
            tif=tif,
            account=account,
            order_ref=order_ref,
            good_till_date=good_till_date,
        )
        self.orders[(client_id, order_id)] = order
        return order

    def find(self, order: int | str, client_id: int | None) -> FakeOrder:
        """Find an order by orderId (int) or orderRef (str)."""
        for o in self.orders.values():
            if isinstance(order, str) and o.order_ref == order:
                return o
            if isinstance(order, int) and o.order_id == order and client_id in (None, o.client_id):
                return o
        raise KeyError(
            f"fake TWS has no order {order!r}; known: "
            f"{[(o.order_id, o.order_ref) for o in self.orders.values()]}"
        )

    def contract_by_id(self, con_id: int) -> FakeContract:
        """The contract with this conId."""
        return next(c for c in self.contracts.values() if c.con_id == con_id)

    # --- executions ------------------------------------------------------------------------
    def execute(
        self, order: FakeOrder, qty: Decimal, px: Decimal, time: str, ts_ns: int
    ) -> FakeExecution:
        """Book one execution: order quantities, position, cash and commission."""
        if qty <= 0 or qty > order.remaining:
            raise ValueError(
                f"fill qty={qty} for order {order.order_id}: must be in (0, {order.remaining}]"
            )
        self._exec_seq += 1
        order.filled += qty
        order.notional += qty * px
        order.last_fill_px = px
        order.mark("Filled" if order.filled == order.qty else "Submitted")
        commission = max(self.min_commission, qty * self.commission_per_share).quantize(_CENT)
        execution = FakeExecution(
            exec_id=f"0000e0d5.{self._exec_seq:08x}.01.01",
            order=order,
            shares=qty,
            price=px,
            cum_qty=order.filled,
            avg_price=order.avg_px,
            time=time,
            ts_ns=ts_ns,
            commission=commission,
            currency=order.contract.currency,
        )
        self.executions.append(execution)
        signed = qty if order.action == "BUY" else -qty
        self._move_position(order.account, order.contract.con_id, signed, px)
        currency = order.contract.currency
        self.cash[currency] = self.cash.get(currency, Decimal(0)) - signed * px - commission
        return execution

    def _move_position(self, account: str, con_id: int, signed: Decimal, px: Decimal) -> None:
        old_qty, old_avg = self.positions.get((account, con_id), (Decimal(0), Decimal(0)))
        new_qty = old_qty + signed
        if new_qty == 0:
            avg = Decimal(0)
        elif old_qty == 0 or (old_qty > 0) == (signed > 0):
            avg = (old_qty * old_avg + signed * px) / new_qty
        elif (old_qty > 0) != (new_qty > 0):
            avg = px  # flipped through flat: the new position opened at this price
        else:
            avg = old_avg  # reduced: the average of what is left is unchanged
        self.positions[(account, con_id)] = (new_qty, avg)

    def account_values(self, prices: Mapping[str, Decimal]) -> list[tuple[str, Decimal, str]]:
        """``(tag, value, currency)`` rows as reqAccountUpdates reports them."""
        rows: list[tuple[str, Decimal, str]] = []
        for currency, cash in self.cash.items():
            market = sum(
                (
                    qty * prices.get(self.contract_by_id(con_id).symbol, avg)
                    for (_, con_id), (qty, avg) in self.positions.items()
                    if self.contract_by_id(con_id).currency == currency
                ),
                Decimal(0),
            )
            rows += [
                ("CashBalance", cash, currency),
                ("TotalCashValue", cash, currency),
                ("NetLiquidation", cash + market, currency),
                ("AvailableFunds", cash, currency),
                ("BuyingPower", cash * 4, currency),
            ]
        return rows

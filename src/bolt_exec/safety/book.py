"""The SafetyManager's own view of exposure and working orders, kept in O(1) per update.

Theory of operation
-------------------
Pre-trade checks must not walk every position for every order (W5 budgets
20 microseconds per check), so the manager keeps running totals:

* :class:`ExposureBook` holds, per symbol, the signed quantity, the mark and
  the multiplier, plus the sums ``gross = sum |q| * mark * mult`` and
  ``net = sum q * mark * mult``, updated by the difference whenever one line
  changes. Fills move cash (``cash -= signed qty * px * mult + fee``), so
  ``equity = cash + net`` with no loop. Each check re-reads the order's own
  symbol from the OMS's view and corrects the line if it drifted, so the
  OMS stays the source of truth for positions.
* :class:`OpenOrders` indexes the orders the manager approved (live ``Order``
  objects the OMS mutates, so ``leaves_qty`` is always current) by symbol.
  Terminal orders leave on their terminal event, or lazily when a scan of
  their symbol finds them terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from bolt_exec.model.enums import TERMINAL_STATUSES, Side
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.order import Order

__all__ = ["ExposureBook", "OpenOrders"]

_NONE: Final[Mapping[str, Order]] = MappingProxyType({})


class _Line:
    __slots__ = ("mark", "mult", "qty")

    def __init__(self, qty: Decimal, mark: Decimal | None, mult: Decimal) -> None:
        self.qty = qty
        self.mark = mark
        self.mult = mult

    def values(self) -> tuple[Decimal, Decimal]:
        if self.mark is None or self.qty == 0:
            return ZERO, ZERO
        v = self.qty * self.mark * self.mult
        return abs(v), v


class ExposureBook:
    """Signed positions, marks, cash and the running gross/net exposure.

    Attributes:
        equity: ``cash + net`` exposure, or None while cash is unknown. Kept up to date
            whenever cash or a line changes (rarer than the checks that read it).
    """

    __slots__ = ("_cash", "_lines", "equity", "gross", "net", "open_positions")

    def __init__(self, cash: Decimal | None = None) -> None:
        self._lines: dict[str, _Line] = {}
        self.gross = ZERO
        self.net = ZERO
        self.open_positions = 0
        self.equity: Decimal | None = None
        self.cash = cash

    @property
    def cash(self) -> Decimal | None:
        """The account cash, or None while unknown."""
        return self._cash

    @cash.setter
    def cash(self, cash: Decimal | None) -> None:
        self._cash = cash
        self.equity = None if cash is None else cash + self.net

    def qty(self, symbol: str) -> Decimal:
        """The signed position in ``symbol`` (zero when unknown)."""
        line = self._lines.get(symbol)
        return ZERO if line is None else line.qty

    def line(self, symbol: str) -> _Line | None:
        """The line of ``symbol`` (its ``qty``, ``mark`` and ``mult``), if it has one."""
        return self._lines.get(symbol)

    def mark(self, symbol: str) -> Decimal | None:
        """The last mark of ``symbol``."""
        line = self._lines.get(symbol)
        return None if line is None else line.mark

    def symbols(self) -> Iterable[str]:
        """Every symbol with a line (flat ones included)."""
        return self._lines.keys()

    def set_line(
        self, symbol: str, qty: Decimal, mark: Decimal | None, mult: Decimal = Decimal(1)
    ) -> None:
        """Replace ``symbol``'s quantity and mark, adjusting the totals by the difference."""
        line = self._lines.get(symbol)
        if line is None:
            line = self._lines[symbol] = _Line(ZERO, None, mult)
        old_gross, old_net = line.values()
        was_open = line.qty != 0
        line.qty = qty
        if mark is not None:
            line.mark = mark
        line.mult = mult
        new_gross, new_net = line.values()
        self.gross += new_gross - old_gross
        self.net += new_net - old_net
        cash = self._cash
        self.equity = None if cash is None else cash + self.net
        self.open_positions += (qty != 0) - was_open

    def set_mark(self, symbol: str, px: Decimal) -> None:
        """Re-mark ``symbol``."""
        line = self._lines.get(symbol)
        if line is None:
            self.set_line(symbol, ZERO, px)
        elif line.mark != px:
            self.set_line(symbol, line.qty, px, line.mult)

    def apply_fill(
        self,
        symbol: str,
        side: Side,
        qty: Decimal,
        px: Decimal,
        fee: Decimal = ZERO,
        position_after: Decimal | None = None,
    ) -> None:
        """Move cash by one fill, and the position (to ``position_after`` when the OMS says).

        The OMS applies a fill to its portfolio before publishing it, so the manager
        passes the OMS's position when it has it instead of adding the fill twice.
        """
        line = self._lines.get(symbol)
        mult = line.mult if line is not None else Decimal(1)
        signed = qty if side is Side.BUY else -qty
        if position_after is None:
            position_after = self.qty(symbol) + signed
        mark = line.mark if line is not None and line.mark is not None else px
        self.set_line(symbol, position_after, mark, mult)
        if self.cash is not None:
            self.cash -= signed * px * mult + fee


class OpenOrders:
    """Approved, not yet terminal orders, indexed by symbol."""

    __slots__ = ("_by_coid", "_by_symbol")

    def __init__(self) -> None:
        self._by_symbol: dict[str, dict[str, Order]] = {}
        self._by_coid: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._by_coid)

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self._by_coid

    def add(self, order: Order) -> None:
        """Track ``order`` until it is terminal."""
        symbol = order.symbol
        bucket = self._by_symbol.get(symbol)
        if bucket is None:  # not setdefault(symbol, {}): that builds a dict on every call
            bucket = self._by_symbol[symbol] = {}
        bucket[order.client_order_id] = order
        self._by_coid[order.client_order_id] = symbol

    def discard(self, client_order_id: str) -> None:
        """Stop tracking an order (unknown ids are ignored)."""
        symbol = self._by_coid.pop(client_order_id, None)
        if symbol is not None:
            self._by_symbol[symbol].pop(client_order_id, None)

    def get(self, client_order_id: str) -> Order | None:
        """Return the tracked order with this id."""
        symbol = self._by_coid.get(client_order_id)
        return None if symbol is None else self._by_symbol[symbol].get(client_order_id)

    def of_symbol(self, symbol: str) -> Mapping[str, Order]:
        """The tracked orders in ``symbol`` by client order id, as they are (terminal ones
        included until :meth:`in_symbol` drops them); a live view, not a copy."""
        return self._by_symbol.get(symbol, _NONE)

    def in_symbol(self, symbol: str, exclude: str = "") -> list[Order]:
        """Return the working orders in ``symbol`` but ``exclude``, dropping terminal ones."""
        bucket = self._by_symbol.get(symbol)
        if not bucket:
            return []
        live = []
        stale = []
        for coid, o in bucket.items():
            # the set, not the ``is_terminal`` property: this runs per working order
            if o.status in TERMINAL_STATUSES:
                stale.append(coid)
            elif coid != exclude:
                live.append(o)
        for coid in stale:
            self.discard(coid)
        return live

    def symbols_with_orders(self) -> list[str]:
        """Symbols that have at least one tracked order."""
        return [s for s, bucket in self._by_symbol.items() if bucket]

    def all(self) -> list[Order]:
        """Every tracked order."""
        return [o for bucket in self._by_symbol.values() for o in bucket.values()]

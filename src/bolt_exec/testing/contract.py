"""AdapterContract: the behaviour every BrokerBase adapter must show, as a pytest test class.

An adapter's tests subclass :class:`AdapterContract` and provide two fixtures:

* ``adapter``: a connected adapter already bound with ``adapter.bind(recorder, clock)``
  (``recorder`` is the :class:`EventRecorder` fixture defined here);
* ``venue``: a :class:`VenueDriver` that drives the venue behind it (a fake
  server, or the paper broker's market data).

Each case is an automated version of nautilus's TC-E acceptance cases: market
fill, limit accepted then cancelled, amend, reject, partial fills, a fill that
races the cancel request, mass status, a disconnect mid-order then reconnect
and reconcile, and duplicate delivery. Cases the venue cannot do are skipped
by ``adapter.capabilities`` or by the driver's ``supports_*`` flags, never
silently passed.

The assertions are about what the adapter *reported*, through its sink: the
OMS behind it dedupes fills by ``trade_id``, so the contract accepts repeated
events but never two different trades for one venue fill.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from typing import Any, ClassVar

import pytest

from bolt_exec.adapters.base import BrokerBase
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
)

__all__ = ["AdapterContract", "EventRecorder", "VenueDriver"]

_ids = itertools.count(1)


class EventRecorder:
    """A sink that records every event an adapter emits (bind it as the adapter's sink)."""

    def __init__(self) -> None:
        self.events: list[OrderEvent] = []

    def __call__(self, event: OrderEvent) -> None:
        self.events.append(event)

    def of(self, client_order_id: str, kind: type[OrderEvent] = OrderEvent) -> list[Any]:
        """Return the events of one order, optionally of one type, in emission order."""
        return [
            e for e in self.events if e.client_order_id == client_order_id and isinstance(e, kind)
        ]

    def fills(self, client_order_id: str) -> dict[str, OrderFilled]:
        """Return the order's fills by trade id (repeats collapse, as the OMS dedupes)."""
        out: dict[str, OrderFilled] = {}
        for fill in self.of(client_order_id, OrderFilled):
            out.setdefault(fill.trade_id, fill)
        return out

    def filled_qty(self, client_order_id: str) -> Decimal:
        """Return the quantity filled, counting each trade id once."""
        return sum((f.last_qty for f in self.fills(client_order_id).values()), Decimal(0))


class VenueDriver(ABC):
    """What the contract needs to make the venue behind an adapter do things.

    Attributes:
        symbol: an instrument the venue trades.
        qty: a valid order quantity (a few lots, so it can fill in parts).
        passive_px: a BUY limit price far enough from the market to rest unfilled.
        amend_px: another resting BUY price on the tick grid, for the amend case.
        supports_disconnect: the venue can drop the adapter's connection.
        supports_redelivery: the venue can deliver an update twice.
        supports_fill_on_cancel: the venue can let a fill win the race with a cancel.
    """

    symbol: str
    qty: Decimal
    passive_px: Decimal
    amend_px: Decimal
    supports_disconnect: ClassVar[bool] = True
    supports_redelivery: ClassVar[bool] = True
    supports_fill_on_cancel: ClassVar[bool] = True

    @abstractmethod
    def make_marketable(self, symbol: str) -> None:
        """Make sure the next market order on ``symbol`` finds liquidity."""

    @abstractmethod
    def fill(self, client_order_id: str, qty: Decimal) -> None:
        """Fill ``qty`` of a resting order at its limit price."""

    @abstractmethod
    def prepare_reject(self, command: SubmitOrder) -> tuple[SubmitOrder, str]:
        """Arrange for the venue to reject ``command`` (or a variant of it).

        Returns:
            the command to submit, and a text the rejection reason must contain.
        """

    def fill_on_cancel_next(self, client_order_id: str) -> None:
        """Make the next cancel of this resting order arrive after it fully filled."""
        raise NotImplementedError("VenueDriver.fill_on_cancel_next")

    def redeliver(self, client_order_id: str) -> None:
        """Deliver the order's latest update to the adapter again."""
        raise NotImplementedError("VenueDriver.redeliver")

    async def disconnect(self) -> None:
        """Drop the adapter's connection to the venue (a network blip)."""
        raise NotImplementedError("VenueDriver.disconnect")

    @abstractmethod
    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Let the venue and adapter run until ``predicate()``; fail the test on timeout."""


def _new_id() -> str:
    return f"C{next(_ids):06d}"


class AdapterContract:
    """The adapter contract suite; subclass it and provide ``adapter`` and ``venue`` fixtures."""

    @pytest.fixture
    def recorder(self) -> EventRecorder:
        """The sink to bind the adapter to."""
        return EventRecorder()

    # --- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _tif(adapter: BrokerBase) -> TimeInForce:
        # DAY where the venue has it; crypto venues trade around the clock and offer GTC
        tifs = adapter.capabilities.tifs
        return TimeInForce.DAY if TimeInForce.DAY in tifs else TimeInForce.GTC

    @classmethod
    def _limit(cls, adapter: BrokerBase, venue: VenueDriver) -> SubmitOrder:
        return SubmitOrder(
            client_order_id=_new_id(),
            symbol=venue.symbol,
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            qty=venue.qty,
            limit_px=venue.passive_px,
            tif=cls._tif(adapter),
        )

    async def _resting(
        self, adapter: BrokerBase, venue: VenueDriver, recorder: EventRecorder
    ) -> SubmitOrder:
        cmd = self._limit(adapter, venue)
        adapter.submit(cmd)
        await venue.wait_for(lambda: bool(recorder.of(cmd.client_order_id, OrderAccepted)))
        return cmd

    @staticmethod
    def _check_fills(recorder: EventRecorder, cmd: SubmitOrder) -> None:
        for fill in recorder.of(cmd.client_order_id, OrderFilled):
            assert fill.symbol == cmd.symbol
            assert fill.side == cmd.side
            assert fill.last_qty > 0
            assert fill.last_px > 0
            assert fill.trade_id
            first = recorder.fills(cmd.client_order_id)[fill.trade_id]
            # a repeated trade id must be the same trade, never a different one
            assert (first.last_qty, first.last_px) == (fill.last_qty, fill.last_px)
        assert recorder.filled_qty(cmd.client_order_id) <= cmd.qty

    # --- cases ------------------------------------------------------------------------------
    @pytest.mark.asyncio
    async def test_contract_market_order_fills(
        self, adapter: BrokerBase, venue: VenueDriver, recorder: EventRecorder
    ) -> None:
        """A market order fills completely and every fill names the order."""
        if OrderType.MARKET not in adapter.capabilities.order_types:
            pytest.skip("venue has no market orders")
        cmd = SubmitOrder(
            client_order_id=_new_id(),
            symbol=venue.symbol,
            side=Side.BUY,
            order_type=OrderType.MARKET,
            qty=venue.qty,
            tif=self._tif(adapter),
        )
        venue.make_marketable(venue.symbol)
        adapter.submit(cmd)
        await venue.wait_for(lambda: recorder.filled_qty(cmd.client_order_id) == cmd.qty)
        self._check_fills(recorder, cmd)
        assert not recorder.of(cmd.client_order_id, OrderRejected)

    @pytest.mark.asyncio
    async def test_contract_limit_accepted_then_cancelled(
        self, adapter: BrokerBase, venue: VenueDriver, recorder: EventRecorder
    ) -> None:
        """A resting limit is acknowledged, then cancelled on request, with no fill."""
        cmd = await self._resting(adapter, venue, recorder)
        adapter.cancel(CancelOrder(client_order_id=cmd.client_order_id, symbol=cmd.symbol))
        await venue.wait_for(lambda: bool(recorder.of(cmd.client_order_id, OrderCanceled)))
        assert recorder.filled_qty(cmd.client_order_id) == 0
        kinds = [type(e) for e in recorder.of(cmd.client_order_id)]
        assert kinds.index(OrderAccepted) < kinds.index(OrderCanceled)

    @pytest.mark.asyncio
    async def test_contract_amend_changes_price(
        self, adapter: BrokerBase, venue: VenueDriver, recorder: EventRecorder
    ) -> None:
        """An amend of a resting limit is reported as OrderReplaced with the new price."""
        caps = adapter.capabilities
        if not caps.supports_amend or caps.amend_is_cancel_replace:
            pytest.skip("venue cannot amend in place")
        cmd = await self._resting(adapter, venue, recorder)
        adapter.amend(
            AmendOrder(
                client_order_id=cmd.client_order_id, symbol=cmd.symbol, limit_px=venue.amend_px
            )
        )
        await venue.wait_for(lambda: bool(recorder.of(cmd.client_order_id, OrderReplaced)))
        replaced = recorder.of(cmd.client_order_id, OrderReplaced)[-1]
        assert replaced.limit_px == venue.amend_px

    @pytest.mark.asyncio
    async def test_contract_reject_is_an_event(
        self, adapter: BrokerBase, venue: VenueDriver, recorder: EventRecorder
    ) -> None:
        """A venue rejection arrives as OrderRejected with the venue's reason, not an exception."""
        cmd, text = venue.prepare_reject(self._limit(adapter, venue))
        adapter.submit(cmd)
        await venue.wait_for(lambda: bool(recorder.of(cmd.client_order_id, OrderRejected)))
        rejected = recorder.of(cmd.client_order_id, OrderRejected)[0]
        assert text in rejected.reason
        assert recorder.filled_qty(cmd.client_order_id) == 0
        assert not recorder.of(cmd.client_order_id, OrderFilled)

    @pytest.mark.asyncio
    async def test_contract_partial_fills_sum_to_qty(
        self, adapter: BrokerBase, venue: VenueDriver, recorder: EventRecorder
    ) -> None:
        """Two partial fills are two trades whose quantities sum exactly to the order's."""
        cmd = await self._resting(adapter, venue, recorder)
        # half, in the quantity's own last digit (4 -> 2, 0.004 -> 0.002): crypto lots are
        # fractional, so rounding to a whole number would leave nothing for the second part
        unit = Decimal(1).scaleb(cmd.qty.as_tuple().exponent)  # type: ignore[arg-type]
        first = (cmd.qty / 2).quantize(unit, rounding=ROUND_DOWN)
        assert 0 < first < cmd.qty, f"venue.qty={cmd.qty} cannot fill in two parts"
        venue.fill(cmd.client_order_id, first)
        await venue.wait_for(lambda: recorder.filled_qty(cmd.client_order_id) == first)
        venue.fill(cmd.client_order_id, cmd.qty - first)
        await venue.wait_for(lambda: recorder.filled_qty(cmd.client_order_id) == cmd.qty)
        assert len(recorder.fills(cmd.client_order_id)) >= 2
        self._check_fills(recorder, cmd)

    @pytest.mark.asyncio
    async def test_contract_fill_after_cancel_request_is_reported(
        self, adapter: BrokerBase, venue: VenueDriver, recorder: EventRecorder
    ) -> None:
        """A fill that wins the race with a cancel request is reported (money moved)."""
        if not venue.supports_fill_on_cancel:
            pytest.skip("venue driver cannot script a fill racing a cancel")
        cmd = await self._resting(adapter, venue, recorder)
        venue.fill_on_cancel_next(cmd.client_order_id)
        adapter.cancel(CancelOrder(client_order_id=cmd.client_order_id, symbol=cmd.symbol))
        await venue.wait_for(lambda: recorder.filled_qty(cmd.client_order_id) == cmd.qty)
        self._check_fills(recorder, cmd)

    @pytest.mark.asyncio
    async def test_contract_cancel_of_a_filled_order_is_rejected_as_an_event(
        self, adapter: BrokerBase, venue: VenueDriver, recorder: EventRecorder
    ) -> None:
        """Cancelling an order that already filled gives OrderCancelRejected, never a raise."""
        cmd = await self._resting(adapter, venue, recorder)
        venue.fill(cmd.client_order_id, cmd.qty)
        await venue.wait_for(lambda: recorder.filled_qty(cmd.client_order_id) == cmd.qty)
        adapter.cancel(CancelOrder(client_order_id=cmd.client_order_id, symbol=cmd.symbol))
        await venue.wait_for(lambda: bool(recorder.of(cmd.client_order_id, OrderCancelRejected)))
        assert not recorder.of(cmd.client_order_id, OrderCanceled)
        assert recorder.filled_qty(cmd.client_order_id) == cmd.qty

    @pytest.mark.asyncio
    async def test_contract_mass_status_lists_working_order(
        self, adapter: BrokerBase, venue: VenueDriver, recorder: EventRecorder
    ) -> None:
        """Mass status shows a working order under our client order id, with its quantity."""
        if not adapter.capabilities.supports_mass_status:
            pytest.skip("venue has no mass status")
        cmd = await self._resting(adapter, venue, recorder)
        status = await adapter.mass_status()
        mine = [o for o in status.orders if o.client_order_id == cmd.client_order_id]
        assert len(mine) == 1
        assert mine[0].qty == cmd.qty
        assert mine[0].filled_qty == 0
        assert mine[0].status.is_open

    @pytest.mark.asyncio
    async def test_contract_disconnect_mid_order_then_reconcile(
        self, adapter: BrokerBase, venue: VenueDriver, recorder: EventRecorder
    ) -> None:
        """A fill during a disconnect is visible after reconnect, so the reconciler can settle it.

        The venue's truth (mass status) must show the fill under our client order id and the
        order no longer working; whatever the adapter reported itself must agree with it.
        """
        if not venue.supports_disconnect:
            pytest.skip("venue driver cannot drop the connection")
        if not adapter.capabilities.supports_mass_status:
            pytest.skip("venue has no mass status to reconcile against")
        cmd = await self._resting(adapter, venue, recorder)
        await venue.disconnect()
        venue.fill(cmd.client_order_id, cmd.qty)
        await adapter.connect()
        await venue.wait_for(lambda: adapter.is_connected)
        status = await adapter.mass_status()
        trades = {
            f.trade_id: f.last_qty for f in status.fills if f.client_order_id == cmd.client_order_id
        }
        assert sum(trades.values(), Decimal(0)) == cmd.qty
        # Some venues list recently closed orders too (the reconciler reads their terminal
        # status); what matters is that none says the order is still working.
        for report in [o for o in status.orders if o.client_order_id == cmd.client_order_id]:
            assert not report.status.is_open, report
            assert report.filled_qty == cmd.qty, report
        self._check_fills(recorder, cmd)
        assert set(recorder.fills(cmd.client_order_id)) <= set(trades)

    @pytest.mark.asyncio
    async def test_contract_duplicate_delivery_adds_no_fill(
        self, adapter: BrokerBase, venue: VenueDriver, recorder: EventRecorder
    ) -> None:
        """An update delivered twice never turns into a second trade."""
        if not venue.supports_redelivery:
            pytest.skip("venue driver cannot redeliver updates")
        cmd = await self._resting(adapter, venue, recorder)
        venue.fill(cmd.client_order_id, cmd.qty)
        await venue.wait_for(lambda: recorder.filled_qty(cmd.client_order_id) == cmd.qty)
        before = len(recorder.fills(cmd.client_order_id))
        venue.redeliver(cmd.client_order_id)
        marker = self._limit(adapter, venue)  # its ack proves the redelivery was processed
        adapter.submit(marker)
        await venue.wait_for(lambda: bool(recorder.of(marker.client_order_id, OrderAccepted)))
        assert len(recorder.fills(cmd.client_order_id)) == before
        assert recorder.filled_qty(cmd.client_order_id) == cmd.qty
        self._check_fills(recorder, cmd)

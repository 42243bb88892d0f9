"""IbkrBroker sessions: mass status, disconnects, gateway restarts, start-up guards, secrets."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from decimal import Decimal
from pathlib import Path

import pytest

from bolt_exec.adapters.ibkr import IbkrBroker
from bolt_exec.clock import SimClock
from bolt_exec.errors import BrokerTimeout, BrokerUnavailable, ConfigError
from bolt_exec.model.commands import CancelOrder
from bolt_exec.model.enums import OrderStatus, OrderType, Side
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
)
from bolt_exec.model.instrument import Instrument
from bolt_exec.testing.fake_tws import FakeTWS
from bolt_exec.testing.ibkr import AAPL, START_NS, IbkrVenue, make_config, open_venue, submit_cmd

ACCOUNT = "DU1234567"


def kinds(events: list[OrderEvent]) -> list[type[OrderEvent]]:
    """The event types, in order."""
    return [type(e) for e in events]


@pytest.mark.asyncio
async def test_mass_status_reports_open_orders_fills_positions_and_cash(
    venue: IbkrVenue,
) -> None:
    # Arrange: one filled market order, one working limit order
    venue.tws.script.fill_parts = [Decimal(2)]
    venue.submit(submit_cmd("c-ms-fill", "5"))
    venue.submit(submit_cmd("c-ms-open", "3", OrderType.LIMIT, limit_px="180"))
    await venue.wait_for(
        lambda: len(venue.fills("c-ms-fill")) == 2 and bool(venue.of("c-ms-open", OrderAccepted))
    )
    # Act
    status = await venue.broker.mass_status()
    # Assert
    [order] = status.orders
    working = venue.tws.find("c-ms-open", None)
    assert (order.client_order_id, order.status, order.qty, order.limit_px) == (
        "c-ms-open",
        OrderStatus.ACCEPTED,
        Decimal(3),
        Decimal(180),
    )
    assert order.venue_order_id == str(working.perm_id)
    assert {f.trade_id: f.fee for f in status.fills} == {
        e.exec_id: e.commission for e in venue.tws.executions
    }
    assert {f.client_order_id for f in status.fills} == {"c-ms-fill"}
    [position] = status.positions
    assert (position.symbol, position.qty, position.avg_px) == ("AAPL", Decimal(5), Decimal(190))
    assert status.balances["USD"] == venue.tws.cash["USD"]
    assert status.broker == "ibkr"
    later = await venue.broker.mass_status(since_ns=START_NS + 1)
    assert later.fills == ()


@pytest.mark.asyncio
async def test_disconnect_mid_order_reconnects_and_mass_status_shows_the_fill() -> None:
    async with open_venue(reconnect_delays=(0.3,)) as venue:
        reconnects: list[int] = []
        venue.broker.add_reconnect_listener(lambda: reconnects.append(1))
        venue.tws.script.disconnect_on_next_order = True
        # Act: the order reaches TWS, the socket dies before any ack, TWS fills it meanwhile
        venue.submit(submit_cmd("c-dc-1", "5", OrderType.LIMIT, limit_px="185"))
        await venue.wait_for(lambda: bool(venue.tws.orders) and not venue.tws.is_connected(7))
        venue.tws.fill("c-dc-1", Decimal(5), Decimal("184.5"))
        assert venue.of("c-dc-1") == []  # ambiguous outcome: nothing reported, never "rejected"
        await venue.wait_for(lambda: venue.broker.is_connected and venue.tws.connections == 2)
        status = await venue.broker.mass_status()
        # Assert: the venue's truth, attributed by orderRef
        assert reconnects == [1]
        assert [(f.client_order_id, f.last_qty, f.last_px) for f in status.fills] == [
            ("c-dc-1", Decimal(5), Decimal("184.5"))
        ]
        assert status.orders == ()
        assert [(p.symbol, p.qty) for p in status.positions] == [("AAPL", Decimal(5))]
        # the fill made while we were away is also reported live, once, with its fee
        [fill] = venue.fills("c-dc-1")
        assert (fill.trade_id, fill.fee) == (
            venue.tws.executions[0].exec_id,
            venue.tws.executions[0].commission,
        )
        assert venue.order("c-dc-1").status is OrderStatus.FILLED
        # ids were reseeded: a new order is accepted under a fresh id
        venue.submit(submit_cmd("c-dc-2", "1", OrderType.LIMIT, limit_px="180"))
        await venue.wait_for(lambda: bool(venue.of("c-dc-2")))
        assert isinstance(venue.of("c-dc-2")[0], OrderAccepted)
        assert venue.tws.find("c-dc-2", None).order_id > venue.tws.find("c-dc-1", None).order_id


@pytest.mark.asyncio
async def test_order_acked_while_disconnected_is_accepted_after_reconnect() -> None:
    async with open_venue(reconnect_delays=(0.2,)) as venue:
        venue.tws.script.disconnect_on_next_order = True

        venue.submit(submit_cmd("c-dc-3", "4", OrderType.LIMIT, limit_px="185"))
        await venue.wait_for(lambda: bool(venue.of("c-dc-3")))

        assert kinds(venue.of("c-dc-3")) == [OrderAccepted]
        assert venue.tws.connections == 2
        venue.cancel("c-dc-3")  # and it can still be managed
        await venue.wait_for(lambda: bool(venue.of("c-dc-3", OrderCanceled)))
        assert venue.order("c-dc-3").status is OrderStatus.CANCELED


@pytest.mark.asyncio
async def test_login_with_several_accounts_needs_an_explicit_account() -> None:
    async with FakeTWS(accounts=("DU1111111", "DU2222222")) as tws:
        broker = IbkrBroker(make_config(tws.port, account=None), instruments=[AAPL])
        with pytest.raises(ConfigError, match="manages 2 accounts"):
            await broker.connect()
        assert not broker.is_connected


@pytest.mark.asyncio
async def test_gateway_restart_with_lower_next_valid_id_never_reuses_an_order_id(
    venue: IbkrVenue,
) -> None:
    """A restarted gateway reports nextValidId=1; the adapter's high-water mark wins."""
    venue.submit(submit_cmd("c-gw-1", "2"))
    await venue.wait_for(lambda: bool(venue.fills("c-gw-1")))
    first_id = venue.tws.find("c-gw-1", None).order_id
    venue.tws.script.next_valid_id = 1

    venue.drop_connection()
    await venue.reconnected()
    venue.submit(submit_cmd("c-gw-2", "1", OrderType.LIMIT, limit_px="180"))
    await venue.wait_for(lambda: bool(venue.of("c-gw-2")))

    assert kinds(venue.of("c-gw-2")) == [OrderAccepted]  # not error 103
    assert venue.tws.find("c-gw-2", None).order_id > first_id
    assert venue.broker.order_id_high_water >= venue.tws.find("c-gw-2", None).order_id


@pytest.mark.asyncio
async def test_submit_while_disconnected_is_rejected_without_sending() -> None:
    async with open_venue(auto_reconnect=False) as venue:
        venue.tws.drop_connections()
        await venue.wait_for(lambda: not venue.broker.is_connected)
        places_before = [r for r in venue.tws.requests if r[0] == "3"]

        venue.submit(submit_cmd("c-off-1", "1"))
        await venue.wait_for(lambda: bool(venue.of("c-off-1")))

        [event] = venue.of("c-off-1")
        assert isinstance(event, OrderRejected)
        assert event.code == "NOT_CONNECTED"
        assert [r for r in venue.tws.requests if r[0] == "3"] == places_before
        assert venue.order("c-off-1").status is OrderStatus.REJECTED


@pytest.mark.asyncio
async def test_new_adapter_after_restart_cancels_order_of_previous_session() -> None:
    async with FakeTWS(prices={"AAPL": Decimal("190")}, clock=SimClock(START_NS)) as tws:
        first = IbkrBroker(make_config(tws.port), instruments=[AAPL])
        first.bind(lambda event: None, SimClock(START_NS))
        await first.connect()
        first.submit(submit_cmd("c-old-1", "3", OrderType.LIMIT, limit_px="180"))
        while not tws.orders or tws.find("c-old-1", None).status != "Submitted":
            await asyncio.sleep(0.005)
        await first.disconnect()  # the strategy process dies; the order keeps working

        second = IbkrBroker(make_config(tws.port), instruments=[AAPL])
        venue = IbkrVenue(broker=second, tws=tws, clock=SimClock(START_NS))
        second.bind(venue.record, venue.clock)
        await second.connect()
        try:
            second.cancel(CancelOrder(client_order_id="c-old-1", symbol="AAPL"))
            await venue.wait_for(lambda: bool(venue.of("c-old-1", OrderCanceled)))
            assert tws.find("c-old-1", None).status == "Cancelled"
        finally:
            await second.disconnect()


@pytest.mark.asyncio
async def test_cancel_and_amend_of_unknown_order_are_refused(venue: IbkrVenue) -> None:
    venue.cancel("c-nobody")
    venue.amend("c-nobody", qty=Decimal(1))
    await venue.wait_for(lambda: len(venue.of("c-nobody")) == 2)

    kinds: list[type[OrderEvent]] = [type(e) for e in venue.of("c-nobody")]
    assert kinds == [OrderCancelRejected, OrderReplaceRejected]
    assert not [r for r in venue.tws.requests if r[0] == "4"]


@pytest.mark.asyncio
async def test_paper_mode_refuses_a_live_account_without_logging_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeTWS(accounts=("U7654321",)) as tws:
        broker = IbkrBroker(make_config(tws.port, account=None), instruments=[AAPL])
        with pytest.raises(ConfigError, match="mode='paper'") as info:
            await broker.connect()
        assert not broker.is_connected
    assert "7654321" not in str(info.value)
    assert "7654321" not in caplog.text


@pytest.mark.asyncio
async def test_configured_account_must_be_managed_by_the_login() -> None:
    async with FakeTWS() as tws:
        broker = IbkrBroker(make_config(tws.port, account="DU0000001"), instruments=[AAPL])
        with pytest.raises(ConfigError, match="not managed") as info:
            await broker.connect()
    assert "DU0000001" not in str(info.value)
    assert ACCOUNT not in str(info.value)


@pytest.mark.asyncio
async def test_connect_refused_maps_to_broker_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free_port = sock.getsockname()[1]
    broker = IbkrBroker(make_config(free_port), instruments=[AAPL])

    with pytest.raises(BrokerUnavailable, match="refused") as info:
        await broker.connect()

    assert isinstance(info.value.__cause__, ConnectionRefusedError)


@pytest.mark.asyncio
async def test_unknown_symbol_fails_at_connect_not_at_first_order() -> None:
    async with FakeTWS() as tws:
        broker = IbkrBroker(make_config(tws.port), instruments=[Instrument(symbol="NOPE")])
        with pytest.raises(ConfigError, match="NOPE"):
            await broker.connect()
        assert not broker.is_connected


@pytest.mark.asyncio
async def test_account_id_never_in_logs_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with open_venue() as venue:
        venue.submit(submit_cmd("c-log-1", "2", side=Side.SELL))
        venue.submit(submit_cmd("c-log-2", "1", OrderType.LIMIT, limit_px="180"))
        await venue.wait_for(lambda: bool(venue.fills("c-log-1")))
        venue.cancel("c-log-2")
        await venue.wait_for(lambda: bool(venue.of("c-log-2", OrderCanceled)))
        await venue.broker.mass_status()
        texts = [repr(venue.broker), repr(venue.broker.config), str(venue.broker.config)]
    # the library did log (at DEBUG, whole messages), under ib_async or ib_insync
    assert any(f"{lib}.client" in caplog.text for lib in ("ib_async", "ib_insync"))
    assert ACCOUNT not in caplog.text
    assert all(ACCOUNT not in text for text in texts)


@pytest.mark.asyncio
@pytest.mark.parametrize("order_type", [OrderType.LIMIT, OrderType.MARKET])
async def test_resubmit_after_restart_reports_the_order_instead_of_sending_it_twice(
    order_type: OrderType,
) -> None:
    """The process died after sending; the OMS recovers and resubmits the same id."""
    command = submit_cmd(
        "c-crash-1", "3", order_type, limit_px="180" if order_type is OrderType.LIMIT else None
    )
    async with FakeTWS(prices={"AAPL": Decimal("190")}, clock=SimClock(START_NS)) as tws:
        first = IbkrBroker(make_config(tws.port), instruments=[AAPL])
        first.bind(lambda event: None, SimClock(START_NS))
        await first.connect()
        first.submit(command)
        while not tws.orders or tws.find("c-crash-1", None).status == "PreSubmitted":
            await asyncio.sleep(0.005)
        await first.disconnect()

        second = IbkrBroker(make_config(tws.port), instruments=[AAPL])
        venue = IbkrVenue(broker=second, tws=tws, clock=SimClock(START_NS))
        second.bind(venue.record, venue.clock)
        venue.submit(command, send=False)  # the OMS recovered it from its journal
        await second.connect()
        try:
            second.submit(command)  # ... and sends it again, not knowing whether it left
            await venue.wait_for(lambda: bool(venue.of("c-crash-1")))
            await venue.settle()
        finally:
            await second.disconnect()

    assert len([r for r in tws.requests if r[0] == "3"]) == 1
    assert len(tws.orders) == 1
    expected = OrderStatus.ACCEPTED if order_type is OrderType.LIMIT else OrderStatus.FILLED
    assert venue.order("c-crash-1").status is expected


@pytest.mark.asyncio
async def test_resubmit_after_restart_of_an_order_canceled_meanwhile_reports_the_cancel() -> None:
    command = submit_cmd("c-crash-2", "3", OrderType.LIMIT, limit_px="180")
    async with FakeTWS(prices={"AAPL": Decimal("190")}, clock=SimClock(START_NS)) as tws:
        first = IbkrBroker(make_config(tws.port), instruments=[AAPL])
        first.bind(lambda event: None, SimClock(START_NS))
        await first.connect()
        first.submit(command)
        while not tws.orders or tws.find("c-crash-2", None).status == "PreSubmitted":
            await asyncio.sleep(0.005)
        await first.disconnect()
        tws.cancel_by_venue("c-crash-2", "end of day")  # TWS cancels it while we are down

        second = IbkrBroker(make_config(tws.port), instruments=[AAPL])
        venue = IbkrVenue(broker=second, tws=tws, clock=SimClock(START_NS))
        second.bind(venue.record, venue.clock)
        venue.submit(command, send=False)
        await second.connect()  # completed orders come back in the start-up sync
        try:
            second.submit(command)
            await venue.wait_for(lambda: bool(venue.of("c-crash-2")))
            await venue.settle()
        finally:
            await second.disconnect()

    assert len([r for r in tws.requests if r[0] == "3"]) == 1
    assert kinds(venue.of("c-crash-2")) == [OrderCanceled]
    assert venue.order("c-crash-2").status is OrderStatus.CANCELED


@pytest.mark.asyncio
async def test_client_id_in_use_times_out_with_a_hint(venue: IbkrVenue) -> None:
    """TWS answers error 326 and hangs up; the library only times out."""
    twin = IbkrBroker(make_config(venue.tws.port, connect_timeout=0.5), instruments=[AAPL])

    with pytest.raises(BrokerTimeout, match="client_id") as info:
        await twin.connect()

    assert isinstance(info.value, TimeoutError)
    assert f"127.0.0.1:{venue.tws.port}" in str(info.value)
    assert venue.broker.is_connected  # the first session is unharmed


@pytest.mark.asyncio
async def test_other_clients_orders_with_the_same_order_id_are_not_ours(
    venue: IbkrVenue,
) -> None:
    """Order ids are per client id: client 8's order 4 is not client 7's order 4."""
    # Arrange: client 7 has a working order; client 8 places one under the same orderId
    venue.submit(submit_cmd("c-mine-1", "3", OrderType.LIMIT, limit_px="180"))
    await venue.wait_for(lambda: bool(venue.of("c-mine-1", OrderAccepted)))
    other = IbkrBroker(make_config(venue.tws.port, client_id=8), instruments=[AAPL])
    other_events: list[OrderEvent] = []
    other.bind(other_events.append, SimClock(START_NS))
    await other.connect()
    try:
        other.submit(submit_cmd("c-theirs-1", "3", OrderType.LIMIT, limit_px="181"))
        while not any(isinstance(e, OrderAccepted) for e in other_events):
            await asyncio.sleep(0.005)
        mine = venue.tws.find("c-mine-1", None)
        theirs = venue.tws.find("c-theirs-1", None)
        assert mine.order_id == theirs.order_id  # the clash this test is about
        # Act: their order part-fills and works on while we look at every client's orders
        venue.fill("c-theirs-1", Decimal(1), Decimal(181))
        while not any(isinstance(e, OrderFilled) for e in other_events):
            await asyncio.sleep(0.005)
        status = await venue.broker.mass_status()
        venue.amend("c-mine-1", limit_px=Decimal("180.5"))
        await venue.wait_for(lambda: bool(venue.of("c-mine-1", OrderReplaced)))
        await venue.settle()
    finally:
        await other.disconnect()
    # Assert: nothing about their order reached our sink; theirs is visible in mass status
    assert {e.client_order_id for e in venue.events} == {"c-mine-1"}
    assert kinds(venue.of("c-mine-1")) == [OrderAccepted, OrderReplaced]
    replaced = venue.of("c-mine-1", OrderReplaced)[0]
    assert isinstance(replaced, OrderReplaced)
    assert replaced.venue_order_id == str(mine.perm_id)
    assert {o.client_order_id for o in status.orders} == {"c-mine-1", "c-theirs-1"}
    assert {f.client_order_id for f in status.fills} == {"c-theirs-1"}


@pytest.mark.asyncio
async def test_persisted_order_id_watermark_survives_our_restart_and_the_gateways(
    tmp_path: Path,
) -> None:
    """Both processes restart; the gateway forgets its ids; no orderId is ever reused."""
    state = tmp_path / "ibkr-client-7.json"
    async with FakeTWS(prices={"AAPL": Decimal("190")}, clock=SimClock(START_NS)) as tws:
        first = IbkrBroker(make_config(tws.port, order_id_state_file=state), instruments=[AAPL])
        first.bind(lambda event: None, SimClock(START_NS))
        await first.connect()
        first.submit(submit_cmd("c-wm-1", "2"))  # fills at once: not open after restart
        while not tws.executions:
            await asyncio.sleep(0.005)
        await first.disconnect()
        used = tws.find("c-wm-1", None).order_id
        tws.script.next_valid_id = 1  # the gateway restarted and forgot

        second = IbkrBroker(make_config(tws.port, order_id_state_file=state), instruments=[AAPL])
        venue = IbkrVenue(broker=second, tws=tws, clock=SimClock(START_NS))
        second.bind(venue.record, venue.clock)
        await second.connect()
        try:
            venue.submit(submit_cmd("c-wm-2", "1", OrderType.LIMIT, limit_px="180"))
            await venue.wait_for(lambda: bool(venue.of("c-wm-2")))
        finally:
            await second.disconnect()

    assert kinds(venue.of("c-wm-2")) == [OrderAccepted]  # not error 103
    assert tws.find("c-wm-2", None).order_id > used
    assert json.loads(state.read_text())["high_water"] == tws.find("c-wm-2", None).order_id


def test_corrupt_watermark_file_is_a_config_error(tmp_path: Path) -> None:
    state = tmp_path / "ibkr.json"
    state.write_text("{not json")
    with pytest.raises(ConfigError, match="order_id_state_file"):
        IbkrBroker(make_config(7497, order_id_state_file=state), instruments=[AAPL])


@pytest.mark.asyncio
async def test_runtime_reconnect_and_auto_reconnect_do_not_open_two_sockets(
    venue: IbkrVenue,
) -> None:
    """The runtime's supervisor calls connect() while the adapter is reconnecting itself."""
    reconnects: list[int] = []
    venue.broker.add_reconnect_listener(lambda: reconnects.append(1))

    venue.drop_connection()
    await venue.wait_for(lambda: not venue.broker.is_connected)
    await asyncio.gather(venue.broker.connect(), venue.broker.connect())
    await venue.reconnected()
    await asyncio.sleep(0.2)  # the adapter's own reconnect timer fires meanwhile

    assert venue.broker.is_connected
    assert venue.tws.connections == 2
    assert reconnects == [1]


def test_from_settings_builds_the_broker_the_runtime_asks_for() -> None:
    from bolt_exec.adapters.registry import load_broker

    cls = load_broker("ibkr")
    broker = cls.from_settings(  # type: ignore[attr-defined]
        {
            "name": "ib-paper",
            "port": 4002,
            "client_id": 9,
            "instruments": ["AAPL", {"symbol": "ES", "venue": "CME"}],
        }
    )

    assert cls is IbkrBroker
    assert broker.name == "ib-paper"
    assert (broker.config.port, broker.config.client_id) == (4002, 9)
    assert [i.id for i in broker.instruments()] == ["AAPL.SMART", "ES.CME"]
    with pytest.raises(ConfigError, match="port"):
        IbkrBroker.from_settings({"port": 7496})  # a live port in paper mode

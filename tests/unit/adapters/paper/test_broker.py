"""PaperBroker matching, TIFs, fees, latency and venue truth (mass status)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bolt_exec.adapters.paper import FeeModel, PaperBroker
from bolt_exec.clock import SimClock
from bolt_exec.model.enums import LiquiditySide, OrderStatus
from bolt_exec.oms.manager import OrderManager
from bolt_exec.testing.builders import T0, make_instrument, make_oms

SEC = 1_000_000_000


def q(
    paper: PaperBroker,
    clock: SimClock,
    bid: str,
    ask: str,
    bid_size: int = 1000,
    ask_size: int = 1000,
) -> None:
    paper.on_quote("AAPL", bid, ask, bid_size, ask_size, clock.now_ns())


def test_market_order_larger_than_displayed_size_fills_across_quotes() -> None:
    oms, paper, clock = make_oms()
    q(paper, clock, "100.00", "100.02", ask_size=300)
    h = oms.submit("AAPL", "BUY", 500)
    assert h.status is OrderStatus.PARTIALLY_FILLED and h.filled_qty == 300
    clock.advance_by(SEC)
    q(paper, clock, "100.01", "100.03", ask_size=150)
    assert h.filled_qty == 450
    clock.advance_by(SEC)
    q(paper, clock, "100.01", "100.04", ask_size=1000)
    assert h.status is OrderStatus.FILLED
    assert [f.last_px for f in h.fills] == [Decimal("100.02"), Decimal("100.03"), Decimal("100.04")]


def test_two_orders_share_one_quotes_displayed_size() -> None:
    oms, paper, clock = make_oms()
    q(paper, clock, "100.00", "100.02", ask_size=300)
    a = oms.submit("AAPL", "BUY", 200)
    b = oms.submit("AAPL", "BUY", 200)
    assert (a.filled_qty, b.filled_qty) == (200, 100)


def test_resting_limit_fills_as_maker_at_its_price_when_crossed() -> None:
    oms, paper, clock = make_oms(fees=FeeModel(maker_bps=Decimal("-0.5"), taker_bps=Decimal(2)))
    q(paper, clock, "100.00", "100.02")
    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="99.50", tif="GTC")
    clock.advance_by(SEC)
    q(paper, clock, "99.40", "99.45")
    assert h.status is OrderStatus.FILLED and h.avg_px == Decimal("99.50")
    fill = h.fills[0]
    assert fill.liquidity is LiquiditySide.MAKER
    assert fill.fee == Decimal("99.50") * 100 * Decimal("-0.5") / 10000  # a rebate


def test_marketable_limit_takes_at_the_touch_with_price_improvement() -> None:
    oms, paper, clock = make_oms(fees=FeeModel(taker_bps=Decimal(2), per_order=Decimal(1)))
    q(paper, clock, "100.00", "100.02")
    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="100.10")
    assert h.avg_px == Decimal("100.02") and h.fills[0].liquidity is LiquiditySide.TAKER
    assert h.fills[0].fee == Decimal("100.02") * 100 * 2 / 10000 + 1


def test_trade_print_through_a_resting_limit_fills_it() -> None:
    oms, paper, clock = make_oms()
    q(paper, clock, "100.00", "100.02")
    h = oms.submit("AAPL", "SELL", 100, "LIMIT", limit_px="100.05", tif="GTC")
    paper.on_trade("AAPL", "100.05", 500, clock.now_ns())
    assert h.filled_qty == 0  # a print at our level: the queue ahead of us trades first
    paper.on_trade("AAPL", "100.06", 60, clock.now_ns())
    assert h.filled_qty == 60 and h.avg_px == Decimal("100.05")


def test_stop_triggers_then_fills_as_market() -> None:
    oms, paper, clock = make_oms()
    q(paper, clock, "100.00", "100.02")
    h = oms.submit("AAPL", "SELL", 100, "STOP", stop_px="99.50", tif="GTC")
    q(paper, clock, "99.60", "99.62")
    assert h.status is OrderStatus.ACCEPTED
    q(paper, clock, "99.48", "99.50")
    assert h.status is OrderStatus.FILLED and h.avg_px == Decimal("99.48")
    assert [type(e).__name__ for e in h.events][-2:] == ["OrderTriggered", "OrderFilled"]


def test_stop_limit_triggers_and_then_rests_as_a_limit() -> None:
    oms, paper, clock = make_oms()
    q(paper, clock, "100.00", "100.02")
    h = oms.submit("AAPL", "BUY", 100, "STOP_LIMIT", stop_px="100.50", limit_px="100.55", tif="GTC")
    q(paper, clock, "100.55", "100.60")
    assert h.status is OrderStatus.TRIGGERED and h.filled_qty == 0
    q(paper, clock, "100.50", "100.54")
    assert h.status is OrderStatus.FILLED and h.avg_px == Decimal("100.55")


def test_ioc_fills_what_is_displayed_and_cancels_the_rest_without_an_ack() -> None:
    oms, paper, clock = make_oms()
    q(paper, clock, "100.00", "100.02", ask_size=300)
    h = oms.submit("AAPL", "BUY", 500, "LIMIT", limit_px="100.02", tif="IOC")
    assert h.status is OrderStatus.CANCELED and h.filled_qty == 300
    assert "OrderAccepted" not in [type(e).__name__ for e in h.events]


def test_fok_that_cannot_fill_whole_is_canceled_untouched() -> None:
    oms, paper, clock = make_oms()
    q(paper, clock, "100.00", "100.02", ask_size=300)
    h = oms.submit("AAPL", "BUY", 500, "MARKET", tif="FOK")
    assert h.status is OrderStatus.CANCELED and h.filled_qty == 0
    h2 = oms.submit("AAPL", "BUY", 300, "MARKET", tif="FOK")
    assert h2.status is OrderStatus.FILLED


def test_gtd_expires_at_its_time() -> None:
    oms, paper, clock = make_oms()
    q(paper, clock, "100.00", "100.02")
    h = oms.submit(
        "AAPL", "BUY", 100, "LIMIT", limit_px="99.00", tif="GTD", expire_ts=clock.now_ns() + 5 * SEC
    )
    clock.advance_by(5 * SEC - 1)
    assert h.status is OrderStatus.ACCEPTED
    clock.advance_by(1)
    assert h.status is OrderStatus.EXPIRED


def test_day_order_expires_at_the_new_york_close() -> None:
    oms, paper, clock = make_oms()  # T0 is 09:30 New York on 2024-01-02
    q(paper, clock, "100.00", "100.02")
    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="99.00", tif="DAY")
    close = int(datetime(2024, 1, 2, 21, 0, tzinfo=UTC).timestamp()) * SEC  # 16:00 EST
    clock.advance_to(close - 1)
    assert h.status is OrderStatus.ACCEPTED
    clock.advance_to(close)
    assert h.status is OrderStatus.EXPIRED


def test_latency_delays_arrival_and_the_order_meets_the_later_market() -> None:
    oms, paper, clock = make_oms(latency_ns=5_000_000)
    q(paper, clock, "100.00", "100.02")
    h = oms.submit("AAPL", "BUY", 100)
    assert h.status is OrderStatus.SUBMITTED
    clock.advance_by(1_000_000)
    q(paper, clock, "100.10", "100.12")
    clock.advance_by(4_000_000)
    assert h.status is OrderStatus.FILLED and h.avg_px == Decimal("100.12")
    assert h.fills[0].ts_event == T0 + 5_000_000


def test_slippage_ticks_move_takers_but_never_past_a_limit() -> None:
    clock = SimClock(T0)
    paper = PaperBroker([make_instrument()], slippage_ticks=2)
    oms = OrderManager(paper, clock=clock, strict=True)
    q(paper, clock, "100.00", "100.02")
    assert oms.submit("AAPL", "BUY", 10).avg_px == Decimal("100.04")
    assert oms.submit("AAPL", "SELL", 10).avg_px == Decimal("99.98")
    assert oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="100.03").avg_px == Decimal("100.03")


def test_reduce_only_that_would_increase_the_position_is_rejected() -> None:
    oms, paper, clock = make_oms()
    q(paper, clock, "100.00", "100.02")
    oms.submit("AAPL", "BUY", 100)
    assert oms.submit("AAPL", "BUY", 10, reduce_only=True).status is OrderStatus.REJECTED
    assert oms.submit("AAPL", "SELL", 150, reduce_only=True).status is OrderStatus.REJECTED
    assert oms.submit("AAPL", "SELL", 100, reduce_only=True).status is OrderStatus.FILLED


def test_post_only_that_would_cross_is_rejected() -> None:
    oms, paper, clock = make_oms()
    q(paper, clock, "100.00", "100.02")
    h = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="100.02", post_only=True)
    assert h.status is OrderStatus.REJECTED and "post-only" in h.reason


def test_market_order_without_a_quote_is_rejected_with_a_reason() -> None:
    oms, _paper, _clock = make_oms()
    h = oms.submit("AAPL", "BUY", 10)
    assert h.status is OrderStatus.REJECTED and "no market" in h.reason


def test_cancel_of_a_filled_order_is_rejected_by_the_venue() -> None:
    oms, paper, clock = make_oms(latency_ns=10)
    q(paper, clock, "100.00", "100.02")
    h = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="99.00", tif="GTC")
    clock.advance_by(10)
    oms.cancel(h.client_order_id)  # in flight ...
    q(paper, clock, "98.90", "98.95")  # ... while the order fills
    clock.advance_by(10)
    assert h.status is OrderStatus.FILLED
    assert type(h.events[-1]).__name__ == "OrderCancelRejected"


def test_bars_fill_market_orders_at_the_close_and_limits_through_the_range() -> None:
    oms, paper, clock = make_oms()
    paper.on_bar("AAPL", "100.00", "100.50", "99.50", "100.20", 10_000, clock.now_ns())
    assert oms.submit("AAPL", "BUY", 100).avg_px == Decimal("100.20")
    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="99.80", tif="GTC")
    clock.advance_by(60 * SEC)
    paper.on_bar("AAPL", "100.20", "100.30", "99.70", "100.00", 10_000, clock.now_ns())
    assert h.status is OrderStatus.FILLED and h.avg_px == Decimal("99.80")


def test_disconnect_loses_messages_and_mass_status_tells_the_truth() -> None:
    oms, paper, clock = make_oms()
    q(paper, clock, "100.00", "100.02")
    h = oms.submit("AAPL", "BUY", 10, "LIMIT", limit_px="99.00", tif="GTC")
    asyncio.run(paper.disconnect())
    q(paper, clock, "98.90", "98.95")  # fills at the venue; the event is lost
    assert h.status is OrderStatus.ACCEPTED and paper.dropped
    asyncio.run(paper.connect())
    status = asyncio.run(paper.mass_status())
    assert status.orders == () and [f.client_order_id for f in status.fills] == [h.client_order_id]
    assert status.positions[0].qty == 10


def test_balances_move_by_notional_and_fees() -> None:
    clock = SimClock(T0)
    paper = PaperBroker(
        [make_instrument()], fees=FeeModel(taker_bps=Decimal(10)), initial_cash={"USD": 10_000}
    )
    oms = OrderManager(paper, clock=clock, strict=True)
    q(paper, clock, "100.00", "100.00")
    oms.submit("AAPL", "BUY", 10)
    assert paper.mass_status_now().balances["USD"] == Decimal(10_000) - 1000 - 1


def _session(seed: int) -> list[tuple[str, str, str]]:
    oms, paper, clock = make_oms(latency_ns=1_000)
    import random

    rng = random.Random(seed)
    for i in range(200):
        bid = 10_000 + rng.randint(-50, 50)
        q(
            paper,
            clock,
            str(Decimal(bid) / 100),
            str(Decimal(bid + 2) / 100),
            rng.randint(1, 5) * 100,
            rng.randint(1, 5) * 100,
        )
        if i % 7 == 0:
            oms.submit(
                "AAPL",
                rng.choice(["BUY", "SELL"]),
                rng.randint(1, 4) * 100,
                "LIMIT",
                limit_px=str(Decimal(bid + rng.randint(-3, 3)) / 100),
                tif="GTC",
            )
        clock.advance_by(SEC)
    return [(r.trade_id, str(r.last_qty), str(r.last_px)) for r in paper.mass_status_now().fills]


def test_same_seed_same_fills() -> None:
    first = _session(3)
    assert first and first == _session(3)


@pytest.mark.parametrize("bps", ["abc", float("nan")])
def test_fee_model_refuses_bad_rates(bps: object) -> None:
    with pytest.raises(ValueError, match="bps"):
        FeeModel(maker_bps=bps)  # type: ignore[arg-type]


def test_venue_state_survives_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "paper.json"
    clock = SimClock(T0)
    paper = PaperBroker([make_instrument()], state_path=path, initial_cash={"USD": 1000})
    oms = OrderManager(paper, clock=clock, strict=True)
    q(paper, clock, "100.00", "100.02")
    filled = oms.submit("AAPL", "BUY", 5)
    resting = oms.submit(
        "AAPL", "SELL", 3, "LIMIT", limit_px="101.00", tif="GTD", expire_ts=T0 + 10 * SEC
    )
    before = paper.mass_status_now()
    again = PaperBroker([make_instrument()], state_path=path)
    oms2 = OrderManager(again, clock=clock, store=oms.store, strict=True)
    after = again.mass_status_now()
    assert (after.orders, after.fills, after.positions, after.balances) == (
        before.orders,
        before.fills,
        before.positions,
        before.balances,
    )
    again.on_quote("AAPL", "101.00", "101.02", 100, 100, clock.now_ns())
    assert oms2.order(resting.client_order_id).status is OrderStatus.FILLED
    assert oms2.order(filled.client_order_id).status is OrderStatus.FILLED
    assert [f.trade_id for f in again.mass_status_now().fills] == ["paper-T1", "paper-T2"]


def test_restored_gtd_order_still_expires(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "paper.json"
    clock = SimClock(T0)
    paper = PaperBroker([make_instrument()], state_path=path)
    oms = OrderManager(paper, clock=clock, strict=True)
    q(paper, clock, "100.00", "100.02")
    h = oms.submit("AAPL", "BUY", 3, "LIMIT", limit_px="99.00", tif="GTD", expire_ts=T0 + 10 * SEC)
    again = PaperBroker([make_instrument()], state_path=path)
    oms2 = OrderManager(again, clock=clock, store=oms.store, strict=True)
    clock.advance_by(10 * SEC)
    assert oms2.order(h.client_order_id).status is OrderStatus.EXPIRED


def test_corrupt_or_foreign_state_file_is_refused_and_kept(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bolt_exec.errors import StoreError

    path = tmp_path / "paper.json"
    path.write_text("{not json")
    with pytest.raises(StoreError, match="unreadable"):
        PaperBroker([make_instrument()], state_path=path)
    assert path.read_text() == "{not json"
    clock = SimClock(T0)
    paper = PaperBroker([make_instrument()], name="acct-a", state_path=tmp_path / "a.json")
    OrderManager({"acct-a": paper}, clock=clock)
    paper.save()
    with pytest.raises(StoreError, match="belongs to broker 'acct-a'"):
        PaperBroker([make_instrument()], name="acct-b", state_path=tmp_path / "a.json")

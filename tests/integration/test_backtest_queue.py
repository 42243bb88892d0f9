"""The paper broker's queue-position model for resting limits (join, trades, cancels ahead)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.clock import SimClock
from bolt_exec.model.enums import LiquiditySide
from bolt_exec.model.instrument import Instrument
from bolt_exec.oms.manager import OrderManager

T0 = 1_704_205_800_000_000_000


@pytest.fixture
def venue():
    inst = Instrument("AAPL", "XNAS")
    clock = SimClock(T0)
    paper = PaperBroker([inst], session_close=None)
    oms = OrderManager({"paper": paper}, clock=clock)
    paper.on_quote("AAPL", "100.00", "100.02", 500, 400, T0)
    return oms, paper


def test_order_joins_behind_displayed_size_and_fills_after_queue_is_traded(venue):
    oms, paper = venue
    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="100.00")
    paper.on_trade("AAPL", "100.00", 300, T0 + 1)  # 300 of the 500 ahead
    assert h.order.filled_qty == 0
    paper.on_trade("AAPL", "100.00", 250, T0 + 2)  # 200 ahead left, 50 reach us
    assert h.order.filled_qty == 50
    assert h.fills[-1].liquidity is LiquiditySide.MAKER
    assert h.fills[-1].last_px == Decimal("100.00")
    paper.on_trade("AAPL", "100.00", 80, T0 + 3)
    assert h.order.filled_qty == 100


def test_cancels_ahead_advance_the_queue_pro_rata(venue):
    oms, paper = venue
    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="100.00")  # 500 ahead
    # the bid shrinks 500 -> 250 with no trades: half the queue ahead cancelled
    paper.on_quote("AAPL", "100.00", "100.02", 250, 400, T0 + 1)
    paper.on_trade("AAPL", "100.00", 260, T0 + 2)  # 250 ahead, so 10 reach us
    assert h.order.filled_qty == 10


def test_size_added_at_the_level_joins_behind(venue):
    oms, paper = venue
    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="100.00")
    paper.on_quote("AAPL", "100.00", "100.02", 5000, 400, T0 + 1)
    paper.on_trade("AAPL", "100.00", 550, T0 + 2)
    assert h.order.filled_qty == 50


def test_order_better_than_touch_is_first_in_queue(venue):
    oms, paper = venue
    h = oms.submit("AAPL", "SELL", 100, "LIMIT", limit_px="100.01")  # inside the spread
    paper.on_trade("AAPL", "100.01", 40, T0 + 1)
    assert h.order.filled_qty == 40


def test_level_cleared_when_touch_moves_through(venue):
    oms, paper = venue
    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="100.00")
    paper.on_quote("AAPL", "99.99", "100.02", 300, 400, T0 + 1)  # our level emptied
    paper.on_trade("AAPL", "100.00", 30, T0 + 2)
    assert h.order.filled_qty == 30


def test_crossing_quote_still_fills_resting_limit(venue):
    oms, paper = venue
    h = oms.submit("AAPL", "BUY", 100, "LIMIT", limit_px="100.00")
    paper.on_quote("AAPL", "99.98", "100.00", 300, 60, T0 + 1)
    assert h.order.filled_qty == 60  # limited by the displayed ask size

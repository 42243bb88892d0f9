"""Fixtures for integration tests: a FakeKite server on 127.0.0.1 (runtime tests); an
instrument, synthetic market data and small strategies (backtest tests)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from bolt_exec.backtest import Strategy
from bolt_exec.backtest.synthetic import synthetic_quotes, synthetic_trades
from bolt_exec.model.instrument import Instrument
from bolt_exec.testing.fakes.kite import FakeKite


@pytest.fixture
def fake() -> Iterator[FakeKite]:
    with FakeKite() as server:
        yield server


# -- backtest tests ------------------------------------------------------------------------------
@pytest.fixture
def inst() -> Instrument:
    return Instrument("AAPL", "XNAS", tick_size=Decimal("0.01"), lot_size=Decimal(1))


@pytest.fixture
def quotes():
    return synthetic_quotes(20_000, seed=11, step_ns=1_000_000_000, start_px=190.0)


@pytest.fixture
def trades(quotes):
    return synthetic_trades(quotes, seed=11, every=2)


class ExecOnStart(Strategy):
    """Hands one parent to an algorithm at the first event; optionally watches every quote."""

    def __init__(
        self,
        make_algo,
        side="BUY",
        qty=10_000,
        *,
        duration_ns=None,
        limit_px=None,
        parent_id="P1",
        **_kw,
    ):
        self.make_algo = make_algo
        self.side, self.qty, self.duration_ns, self.limit_px = side, qty, duration_ns, limit_px
        self.parent_id = parent_id
        self.ctx = None

    def on_start(self, ctx):
        self.ctx = ctx
        end = None if self.duration_ns is None else ctx.now_ns() + self.duration_ns
        ctx.execute(
            self.make_algo(),
            self.side,
            self.qty,
            end_ns=end,
            limit_px=self.limit_px,
            parent_id=self.parent_id,
        )


class WatchingExecOnStart(ExecOnStart):
    """The same, but with an on_quote handler, so the engine visits every tick."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.seen = 0

    def on_quote(self, view):
        self.seen += 1


@pytest.fixture
def exec_on_start():
    return ExecOnStart


@pytest.fixture
def watching_exec_on_start():
    return WatchingExecOnStart

"""The backtest engine drives the real OMS, safety gate and paper broker deterministically."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from bolt_exec.algos import POV, TWAP, VWAP
from bolt_exec.backtest import BacktestEngine, QuoteData, backtest
from bolt_exec.backtest.synthetic import synthetic_bars, synthetic_quotes
from bolt_exec.model.enums import LiquiditySide, OrderStatus
from bolt_exec.safety.gate import PassThroughSafety

MIN = 60 * 10**9


def _twap():
    return TWAP(slices=60, interval_ns=MIN)


def test_twap_parent_fills_exactly_through_oms_and_safety(inst, quotes, exec_on_start):
    # Arrange
    safety = PassThroughSafety()
    engine = BacktestEngine(inst, quotes=quotes, safety=safety, session_close=None)
    engine.add_strategy(exec_on_start(_twap, qty=10_000, duration_ns=60 * MIN))
    # Act
    res = engine.run()
    # Assert
    kids = res.runner.children("P1")
    assert kids == [f"P1-E{n}" for n in range(1, 61)]
    assert safety.submit_checks == 60  # every child passed the gate
    orders = res.orders().set_index("client_order_id")
    assert set(orders.loc[kids, "parent_id"]) == {"P1"}
    assert sum(res.fills()["last_qty"]) == 10_000
    status = res.runner.status("P1")
    assert status.is_done
    assert status.reason == "filled"
    journal = list(engine.oms.store.events())
    assert len(journal) == 60 * 4  # initialized, submitted, accepted, filled


def test_twap_child_fills_at_ask_of_latest_quote_at_or_before_due_time(inst, exec_on_start):
    q = synthetic_quotes(5000, seed=3, step_ns=7_000_000_001)  # never on a minute mark
    res = backtest(
        inst, exec_on_start(_twap, qty=6000, duration_ns=60 * MIN), quotes=q, session_close=None
    )
    f = res.fills()
    for k, (ts, px) in enumerate(zip(f["ts_event"], f["last_px"], strict=True)):
        due = int(q.ts[0]) + k * MIN
        i = int(np.searchsorted(q.ts, due, side="right")) - 1
        assert ts == due
        assert px == Decimal(repr(float(q.ask[i])))


def test_same_data_and_seed_give_identical_fills_byte_for_byte(inst, quotes, trades, exec_on_start):
    def run(seed):
        def algo():
            return TWAP(
                slices=30,
                interval_ns=MIN,
                size_jitter=0.3,
                time_jitter=0.5,
                seed=seed,
                style="passive",
            )

        return backtest(
            inst,
            exec_on_start(algo, qty=9_000, duration_ns=30 * MIN),
            quotes=quotes,
            trades=trades,
            session_close=None,
        ).fills_digest()

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_jumping_and_every_tick_runs_give_the_same_fills(
    inst, quotes, trades, exec_on_start, watching_exec_on_start
):
    """Skipping quiet ticks is an optimisation only: visiting every tick changes nothing."""
    algo = lambda: TWAP(slices=40, interval_ns=MIN, style="passive")  # noqa: E731
    kw = {"qty": 8_000, "duration_ns": 40 * MIN}
    jump = BacktestEngine(inst, quotes=quotes, trades=trades, session_close=None)
    jump.add_strategy(exec_on_start(algo, **kw))
    every = BacktestEngine(inst, quotes=quotes, trades=trades, session_close=None)
    watcher = watching_exec_on_start(algo, **kw)
    every.add_strategy(watcher)
    a, b = jump.run(), every.run()
    assert watcher.seen == len(quotes)
    assert a.fills_digest() == b.fills_digest()
    assert jump.wakeups < every.wakeups or jump.feeds <= every.feeds


def test_passive_children_rest_in_queue_and_fill_as_makers(inst, quotes, trades, exec_on_start):
    algo = lambda: TWAP(slices=20, interval_ns=MIN, style="passive")  # noqa: E731
    res = backtest(
        inst,
        exec_on_start(algo, qty=20_000, duration_ns=20 * MIN),
        quotes=quotes,
        trades=trades,
        session_close=None,
    )
    f = res.fills()
    assert sum(f["last_qty"]) == 20_000  # the end sweep completes it
    makers = f[f["liquidity"] == str(LiquiditySide.MAKER)]
    assert len(makers) > 0
    orders = res.orders()
    kids = orders[orders["parent_id"] == "P1"]
    assert (kids["filled_qty"] <= kids["qty"]).all()
    assert (kids["status"] == str(OrderStatus.CANCELED)).any()  # stale slices were re-priced


def test_pov_tracks_share_of_traded_volume(inst, quotes, trades, exec_on_start):
    algo = lambda: POV(rate=0.1, min_child=100, interval_ns=10**9)  # noqa: E731
    res = backtest(
        inst,
        exec_on_start(algo, qty=10**6, duration_ns=120 * MIN),
        quotes=quotes,
        trades=trades,
        session_close=None,
    )
    t = res.tca().loc["P1"]
    assert abs(t["participation"] - 0.1) < 0.005


def test_vwap_on_bars_follows_its_schedule(inst, exec_on_start):
    bars = synthetic_bars(390, seed=4)
    algo = lambda: VWAP(interval_ns=MIN)  # noqa: E731
    res = backtest(
        inst, exec_on_start(algo, qty=39_000, duration_ns=390 * MIN), bars=bars, session_close=None
    )
    t = res.tca().loc["P1"]
    assert t["filled_qty"] == 39_000
    assert abs(t["schedule_max_dev_pct"]) < 1.0  # within 1 % of the parent at every point


def test_latency_delays_fills_to_later_quotes(inst, quotes, exec_on_start):
    res = backtest(
        inst,
        exec_on_start(_twap, qty=6000, duration_ns=60 * MIN),
        quotes=quotes,
        latency_ns=1_500_000_000,
        session_close=None,
    )
    f = res.fills()
    orders = res.orders().set_index("client_order_id")
    sent = orders.loc[f["client_order_id"], "ts_init"].to_numpy()
    assert (f["ts_event"].to_numpy() - sent == 1_500_000_000).all()


def test_strategy_without_market_data_gets_a_clear_error(inst):

    from bolt_exec.errors import ValidationError

    with pytest.raises(ValidationError, match="no market data"):
        BacktestEngine(inst, quotes=QuoteData(ts=[], bid=[], ask=[], bid_size=[], ask_size=[]))


def test_progress_bar_is_off_by_default_and_on_when_asked(inst, quotes, capsys):
    BacktestEngine(inst, quotes=quotes).run()
    assert capsys.readouterr().err == ""
    BacktestEngine(inst, quotes=quotes, progress=True).run()
    assert "20,000/20,000" in capsys.readouterr().err


def test_an_engine_runs_once(inst, quotes):
    from bolt_exec.errors import UsageError

    engine = BacktestEngine(inst, quotes=quotes)
    engine.run()
    with pytest.raises(UsageError, match="already ran"):
        engine.run()


def test_results_frames_and_pnl_curve_agree_with_positions(inst, quotes, exec_on_start):
    res = backtest(
        inst,
        exec_on_start(_twap, qty=6000, duration_ns=60 * MIN),
        quotes=quotes,
        session_close=None,
    )
    curve = res.pnl(every_ns=5 * MIN)
    assert list(curve.columns) == ["ts", "position", "cash", "fees", "mark", "pnl"]
    assert curve["position"].iloc[-1] == 6000
    assert curve["position"].is_monotonic_increasing
    pos = res.positions().iloc[0]
    assert float(pos["qty"]) == 6000
    totals = res.pnl_totals()
    assert curve["pnl"].iloc[-1] == pytest.approx(totals["net"], abs=0.02 * 6000)
    assert len(res.orders()) == 60
    assert res.parents().loc[0, "is_done"]


def test_adaptive_vwap_and_iceberg_run_deterministically_on_sample_data(inst):
    from bolt_exec.algos import AdaptiveVWAP, Iceberg
    from bolt_exec.backtest import Strategy
    from bolt_exec.backtest.sample import sample_quotes, sample_trades
    from bolt_exec.model.instrument import Instrument

    class Two(Strategy):
        def on_start(self, ctx):
            end = ctx.now_ns() + 120 * MIN
            ctx.execute(AdaptiveVWAP(interval_ns=5 * MIN), "BUY", 12_000, end_ns=end, parent_id="A")
            ctx.execute(
                Iceberg(display_qty=200), "SELL", 1_000, limit_px="50.02", end_ns=end, parent_id="I"
            )

    demo = Instrument("DEMO", "XNAS")

    def run():
        return backtest(demo, Two(), quotes=sample_quotes(), trades=sample_trades())

    first, second = run(), run()
    assert first.fills_digest() == second.fills_digest()
    st = first.parents().set_index("parent_id")
    assert st.loc["A", "filled_qty"] == 12_000
    assert st.loc["I", "filled_qty"] <= 1_000
    orders = first.orders()
    ice = orders[orders["parent_id"] == "I"]
    assert (ice["qty"] <= 200).all()
    assert (ice["limit_px"] == Decimal("50.02")).all()


def test_data_for_another_symbol_is_refused(inst):
    from bolt_exec.backtest.sample import sample_quotes
    from bolt_exec.errors import ValidationError

    with pytest.raises(ValidationError, match="another symbol") as e:
        BacktestEngine(inst, quotes=sample_quotes())
    assert e.value.field == "quotes"


class _FreshMarkGate:
    """A fail-closed gate: deny unless the reference price is from the current instant."""

    def __init__(self, clock_now):
        self.now = clock_now
        self.denied = 0

    def check_submit(self, order, view):
        from bolt_exec.safety.decision import APPROVED, Decision

        if view.mark_px(order.symbol) is None or view.mark_ts(order.symbol) != self.now():
            self.denied += 1
            return Decision.deny("STALE_MARK", "reference price is stale")
        return APPROVED

    def check_amend(self, order, qty, limit_px, stop_px, view):
        from bolt_exec.safety.decision import APPROVED

        return APPROVED


def test_marks_are_fresh_for_a_fail_closed_safety_gate(inst, exec_on_start):
    # a flat market: the mid never changes, yet the mark must be as fresh as the book
    n = 4000
    flat = QuoteData(
        ts=1_704_205_800_000_000_000 + np.arange(n) * 10**9,
        bid=[50.0] * n,
        ask=[50.02] * n,
        bid_size=[500] * n,
        ask_size=[500] * n,
    )
    engine = BacktestEngine(inst, quotes=flat, session_close=None)
    gate = _FreshMarkGate(engine.clock.now_ns)
    engine.oms.safety = gate
    engine.add_strategy(exec_on_start(_twap, qty=6000, duration_ns=60 * MIN))
    res = engine.run()
    assert gate.denied == 0
    assert res.runner.status("P1").filled_qty == 6000

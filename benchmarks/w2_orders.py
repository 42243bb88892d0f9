"""W2 — order throughput: submit 100,000 resting limit orders, then cancel them one by one.

Every command takes the full path: SafetyGate -> OrderManager (journal, state
machine) -> paper venue -> events back on the bus, where the strategy counts
them. Three identical quotes (100.00 x 10,000 / 100.01 x 10,000) one second
apart: on quote 0 the strategy submits orders i = 0..99,999 (GTC limit, 100
shares; BUY at 99.00 - 0.01 L if i is even, SELL at 101.01 + 0.01 L if odd,
L = (i // 2) % 100); on quote 1 it cancels each in submission order; on quote 2
it checks 0 open, 100,000 canceled, 0 fills. Prints ``RESULT {json}``.

Pre-trade checks: the OMS's own validation runs on every order (known instrument,
side/type/TIF, quantity on the lot grid and at or above the minimum, price on the
tick grid, minimum notional, the venue's capabilities, a fresh client order id),
which is what NautilusTrader's RiskEngine checks by default. The gate is the
pass-through SafetyGate (``"safety"`` in the result): the demo policy's
SafetyManager would deny most of a 100,000-order burst on one symbol (open-order
and exposure caps), and its cost per order is what W5 measures, on top.

    PYTHONPATH=src:benchmarks python benchmarks/w2_orders.py [--profile] [--n N]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import time
from decimal import Decimal

import _datagen as g
import numpy as np

import bolt_exec
from bolt_exec.backtest import BacktestEngine, QuoteData, Strategy
from bolt_exec.model.instrument import Instrument

T0 = 1_704_292_200_000_000_000


def _pct(a: list[int], q: float) -> int:
    return int(np.percentile(np.array(a, dtype=np.int64), q)) if a else 0


class SubmitThenCancel(Strategy):
    """The W2 order flow, timing each synchronous call and each submit->accepted."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.ids: list[str] = []
        self.submit_ns: list[int] = []
        self.cancel_ns: list[int] = []
        self.sent_at: dict[str, int] = {}
        self.ack_ns: list[int] = []
        self.accepted = self.canceled = self.fills = 0
        self.quote = 0
        self.verified: dict[str, int] = {}

    def on_start(self, ctx):  # type: ignore[no-untyped-def]
        self.ctx = ctx
        ctx.oms.bus.subscribe("order.accepted", self._on_accepted, 40)
        ctx.oms.bus.subscribe("order.canceled", self._on_canceled, 40)
        ctx.oms.bus.subscribe("order.filled", self._on_filled, 40)

    def _on_accepted(self, _topic, event):  # type: ignore[no-untyped-def]
        self.accepted += 1
        self.ack_ns.append(time.perf_counter_ns() - self.sent_at[event.client_order_id])

    def _on_canceled(self, _topic, _event):  # type: ignore[no-untyped-def]
        self.canceled += 1

    def _on_filled(self, _topic, _event):  # type: ignore[no-untyped-def]
        self.fills += 1

    def on_quote(self, view):  # type: ignore[no-untyped-def]
        q, self.quote = self.quote, self.quote + 1
        oms = self.ctx.oms
        pc = time.perf_counter_ns
        if q == 0:
            buy_px = [f"{99.00 - 0.01 * lvl:.2f}" for lvl in range(100)]
            sell_px = [f"{101.01 + 0.01 * lvl:.2f}" for lvl in range(100)]
            for i in range(self.n):
                lvl = (i // 2) % 100
                coid = f"W2-{i}"
                t = pc()
                self.sent_at[coid] = t
                oms.submit(
                    "AAPL",
                    "BUY" if i % 2 == 0 else "SELL",
                    100,
                    "LIMIT",
                    limit_px=buy_px[lvl] if i % 2 == 0 else sell_px[lvl],
                    tif="GTC",
                    client_order_id=coid,
                )
                self.submit_ns.append(pc() - t)
                self.ids.append(coid)
        elif q == 1:
            for coid in self.ids:
                t = pc()
                oms.cancel(coid)
                self.cancel_ns.append(pc() - t)
        elif q == 2:
            orders = list(oms.orders())
            self.verified = {
                "open": sum(1 for o in orders if o.is_open),
                "canceled": sum(1 for o in orders if str(o.status) == "CANCELED"),
                "fills": sum(int(o.filled_qty > 0) for o in orders),
            }


class PingPong(Strategy):
    """W2-latency: one order in flight; accepted -> cancel it; canceled -> submit the next.

    Each next command is scheduled on the clock at the current time (not sent from inside
    the OMS's event delivery), as the algorithm runner does.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.i = 0
        self.t_submit = self.t_cancel = 0
        self.ack_ns: list[int] = []
        self.cxl_ns: list[int] = []
        self.round_ns: list[int] = []
        self.verified: dict[str, int] = {}

    def on_start(self, ctx):  # type: ignore[no-untyped-def]
        self.ctx = ctx
        ctx.oms.bus.subscribe("order.accepted", self._on_accepted, 40)
        ctx.oms.bus.subscribe("order.canceled", self._on_canceled, 40)

    def _submit(self, _ts=None):  # type: ignore[no-untyped-def]
        i = self.i
        lvl = (i // 2) % 100
        px = f"{99.00 - 0.01 * lvl:.2f}" if i % 2 == 0 else f"{101.01 + 0.01 * lvl:.2f}"
        self.t_submit = time.perf_counter_ns()
        self.ctx.oms.submit(
            "AAPL",
            "BUY" if i % 2 == 0 else "SELL",
            100,
            "LIMIT",
            limit_px=px,
            tif="GTC",
            client_order_id=f"W2-{i}",
        )

    def _on_accepted(self, _topic, event):  # type: ignore[no-untyped-def]
        self.ack_ns.append(time.perf_counter_ns() - self.t_submit)
        coid = event.client_order_id
        self.ctx.clock.set_timer(self.ctx.now_ns(), lambda _ts: self._cancel(coid))

    def _cancel(self, coid):  # type: ignore[no-untyped-def]
        self.t_cancel = time.perf_counter_ns()
        self.ctx.oms.cancel(coid)

    def _on_canceled(self, _topic, _event):  # type: ignore[no-untyped-def]
        now = time.perf_counter_ns()
        self.cxl_ns.append(now - self.t_cancel)
        self.round_ns.append(now - self.t_submit)
        self.i += 1
        if self.i < self.n:
            self.ctx.clock.set_timer(self.ctx.now_ns(), self._submit)

    def on_quote(self, view):  # type: ignore[no-untyped-def]
        if view.i == 0:
            self._submit()
        elif view.i == 2:
            orders = list(self.ctx.oms.orders())
            self.verified = {
                "open": sum(1 for o in orders if o.is_open),
                "canceled": sum(1 for o in orders if str(o.status) == "CANCELED"),
            }


def run_pingpong(n: int) -> None:
    ts = T0 + np.arange(3, dtype=np.int64) * 10**9
    quotes = QuoteData(
        ts=ts,
        bid=[100.00] * 3,
        ask=[100.01] * 3,
        bid_size=[10_000] * 3,
        ask_size=[10_000] * 3,
        symbol="AAPL",
    )
    inst = Instrument("AAPL", "XNAS", tick_size=Decimal("0.01"), lot_size=Decimal(1))
    engine = BacktestEngine(inst, quotes=quotes, session_close=None)
    strat = PingPong(n)
    engine.add_strategy(strat)
    t0 = time.perf_counter()
    engine.run()
    run_s = time.perf_counter() - t0
    out = {
        "workload": "W2-latency",
        "orders": n,
        "run_s": round(run_s, 4),
        "submit_to_accepted_ns_p50": _pct(strat.ack_ns, 50),
        "submit_to_accepted_ns_p99": _pct(strat.ack_ns, 99),
        "cancel_to_canceled_ns_p50": _pct(strat.cxl_ns, 50),
        "cancel_to_canceled_ns_p99": _pct(strat.cxl_ns, 99),
        "submit_to_canceled_ns_p50": _pct(strat.round_ns, 50),
        "submit_to_canceled_ns_p99": _pct(strat.round_ns, 99),
        "matches_reference": strat.verified == {"open": 0, "canceled": n},
    }
    print("RESULT " + json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--pingpong", action="store_true", help="the W2-latency variant")
    ap.add_argument("sort", nargs="?", default="tottime")
    args = ap.parse_args()
    if args.pingpong:
        run_pingpong(args.n)
        return
    logging.basicConfig(level=logging.ERROR)
    t0 = time.perf_counter()
    ts = T0 + np.arange(3, dtype=np.int64) * 10**9
    quotes = QuoteData(
        ts=ts,
        bid=[100.00] * 3,
        ask=[100.01] * 3,
        bid_size=[10_000] * 3,
        ask_size=[10_000] * 3,
        symbol="AAPL",
    )
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    inst = Instrument("AAPL", "XNAS", tick_size=Decimal("0.01"), lot_size=Decimal(1))
    engine = BacktestEngine(inst, quotes=quotes, session_close=None)
    strat = SubmitThenCancel(args.n)
    engine.add_strategy(strat)
    load_s = time.perf_counter() - t0
    prof = cProfile.Profile() if args.profile else None
    t0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    engine.run()
    if prof:
        prof.disable()
    run_s = time.perf_counter() - t0
    cpu_s = time.process_time() - c0
    n = args.n
    v = strat.verified
    out = {
        "workload": "W2",
        "orders": n,
        "run_s": round(run_s, 4),
        "orders_per_s": round(n / run_s),
        "commands_per_s": round(2 * n / run_s),
        "submit_call_ns_p50": _pct(strat.submit_ns, 50),
        "submit_call_ns_p99": _pct(strat.submit_ns, 99),
        "cancel_call_ns_p50": _pct(strat.cancel_ns, 50),
        "cancel_call_ns_p99": _pct(strat.cancel_ns, 99),
        "submit_to_accepted_ns_p50": _pct(strat.ack_ns, 50),
        "submit_to_accepted_ns_p99": _pct(strat.ack_ns, 99),
        "accepted_events": strat.accepted,
        "canceled_events": strat.canceled,
        "open_after": v.get("open"),
        "canceled_after": v.get("canceled"),
        "fills": strat.fills,
        "safety": type(engine.oms.safety).__name__,
        "throttles": "none configured",
        "peak_rss_mb": g.peak_rss_mb(),
        "datagen_s": round(gen_s, 4),
        "engine_load_s": round(load_s, 4),
    }
    out["matches_reference"] = (
        v == {"open": 0, "canceled": n, "fills": 0} and strat.accepted == n and strat.canceled == n
    )
    # on a shared machine CPU time is steadier than wall time (preemption is not counted)
    out["run_cpu_s"] = round(cpu_s, 4)
    out["orders_per_cpu_s"] = round(n / cpu_s)
    out["calib_ns_per_py_call"] = g.python_call_ns()
    out["compiled"] = bolt_exec.COMPILED  # the mypyc build (setup.py) or pure Python
    g.finish(out, prof, args.sort)


if __name__ == "__main__":
    main()

"""W1 — TWAP on 1,000,000 quote ticks (docs/benchmarks.md).

One parent BUY 100,000 AAPL handed to a TWAP (390 one-minute market
children) by a strategy whose trivial handler is called for every tick. Fill
rule: ``at_or_before`` (a child due at t_k fills at the ask of the latest quote
stamped <= t_k). Prints ``RESULT {json}``.

    PYTHONPATH=src:benchmarks python benchmarks/w1_twap.py [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import time
from decimal import Decimal

import _datagen as g

import bolt_exec
from bolt_exec.algos.twap import TWAP
from bolt_exec.backtest import BacktestEngine, QuoteData, Strategy
from bolt_exec.model.events import OrderFilled
from bolt_exec.model.instrument import Instrument

REFERENCE = {
    "fills": 390,
    "filled_qty": 100_000,
    "notional_cents": 1_904_856_330,
    "avg_px": "190.485633",
}


class TwapContainer(Strategy):
    """Submits the parent on the first quote; its per-tick handler is trivial."""

    def __init__(self) -> None:
        self.ticks = 0
        self.ctx = None

    def on_start(self, ctx):  # type: ignore[no-untyped-def]
        self.ctx = ctx

    def on_quote(self, view):  # type: ignore[no-untyped-def]
        self.ticks += 1
        if self.ticks == 1:
            self.ctx.execute(
                TWAP(slices=390, interval_ns=60 * 10**9), "BUY", 100_000, parent_id="W1"
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("sort", nargs="?", default="tottime")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    t0 = time.perf_counter()
    q = g.w1_quotes()
    gen_s = time.perf_counter() - t0
    sha = g.sha256_of(q["ts"], q["bid"], q["ask"], q["bid_size"], q["ask_size"])
    t0 = time.perf_counter()
    # convert one column at a time, dropping each integer column as it goes (peak RSS)
    cols = {"ts": q.pop("ts")}
    for name in ("bid", "ask"):
        cols[name] = q.pop(name) / 100
    for name in ("bid_size", "ask_size"):
        cols[name] = q.pop(name).astype(float)
    quotes = QuoteData(**cols, symbol="AAPL")
    del cols
    conv_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    inst = Instrument("AAPL", "XNAS", tick_size=Decimal("0.01"), lot_size=Decimal(1))
    engine = BacktestEngine(inst, quotes=quotes, session_close=None)
    strat = TwapContainer()
    engine.add_strategy(strat)
    load_s = time.perf_counter() - t0
    prof = cProfile.Profile() if args.profile else None
    t0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    result = engine.run()
    if prof:
        prof.disable()
    run_s = time.perf_counter() - t0
    cpu_s = time.process_time() - c0
    fills = [e for o in result.oms.orders() for e in o.events if isinstance(e, OrderFilled)]
    qty = sum(e.last_qty for e in fills)
    notional = sum(e.last_qty * e.last_px for e in fills)
    cents = int(notional * 100)
    avg = (notional / qty).quantize(Decimal("0.000001"))
    out = {
        "workload": "W1",
        "fill_rule": "at_or_before",
        "n_ticks": len(quotes),
        "ticks_handled": strat.ticks,
        "data_sha256_ok": sha == g.W1_SHA256,
        "run_s": round(run_s, 4),
        "ticks_per_s": round(len(quotes) / run_s),
        "fills": len(fills),
        "filled_qty": int(qty),
        "notional_cents": cents,
        "avg_px": str(avg),
        "peak_rss_mb": g.peak_rss_mb(),
        "datagen_s": round(gen_s, 4),
        "conversion_s": round(conv_s, 4),
        "engine_load_s": round(load_s, 4),
        "wakeups": engine.wakeups,
        "book_feeds": engine.feeds,
    }
    out["matches_reference"] = (
        out["data_sha256_ok"]
        and len(fills) == REFERENCE["fills"]
        and int(qty) == REFERENCE["filled_qty"]
        and cents == REFERENCE["notional_cents"]
        and str(avg) == REFERENCE["avg_px"]
    )
    # on a shared machine CPU time is steadier than wall time (preemption is not counted)
    out["run_cpu_s"] = round(cpu_s, 4)
    out["ticks_per_cpu_s"] = round(len(quotes) / cpu_s)
    out["calib_ns_per_py_call"] = g.python_call_ns()
    out["compiled"] = bolt_exec.COMPILED  # the mypyc build (setup.py) or pure Python
    g.finish(out, prof, args.sort)


if __name__ == "__main__":
    main()

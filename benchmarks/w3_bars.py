"""W3 — one-minute bars, a market order every 100 bars (docs/benchmarks.md).

491,400 bars; the strategy sees every bar and on bars j with j % 100 == 0 sends
market order m = j / 100 for 100 shares (BUY if m is even, else SELL) through
the OMS; the paper broker fills it at the bar's close. Prints ``RESULT {json}``.

    PYTHONPATH=src:benchmarks python benchmarks/w3_bars.py [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import time
from decimal import Decimal

import _datagen as g

import bolt_exec
from bolt_exec.backtest import BacktestEngine, BarData, Strategy
from bolt_exec.model.events import OrderFilled
from bolt_exec.model.instrument import Instrument

REFERENCE = {
    "fills": 4914,
    "filled_qty": 491_400,
    "notional_cents": 4_369_666_000,
    "avg_px": "88.922792",
    "net_position": 0,
}


class EveryHundredBars(Strategy):
    """Sees every bar; every 100th bar sends a 100-share market order, alternating sides."""

    def __init__(self) -> None:
        self.bars = 0
        self.oms = None

    def on_start(self, ctx):  # type: ignore[no-untyped-def]
        self.oms = ctx.oms

    def on_bar(self, view):  # type: ignore[no-untyped-def]
        j = self.bars
        self.bars = j + 1
        if j % 100 == 0:
            m = j // 100
            self.oms.submit("AAPL", "BUY" if m % 2 == 0 else "SELL", 100, "MARKET")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("sort", nargs="?", default="tottime")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    t0 = time.perf_counter()
    b = g.w3_bars()
    gen_s = time.perf_counter() - t0
    sha = g.sha256_of(*(b[k] for k in ("ts", "open", "high", "low", "close", "volume")))
    t0 = time.perf_counter()
    cols = {"ts": b.pop("ts")}
    for name in ("open", "high", "low", "close"):
        cols[name] = b.pop(name) / 100
    cols["volume"] = b.pop("volume").astype(float)
    bars = BarData(**cols, symbol="AAPL")
    del cols
    conv_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    inst = Instrument("AAPL", "XNAS", tick_size=Decimal("0.01"), lot_size=Decimal(1))
    engine = BacktestEngine(inst, bars=bars, session_close=None)
    strat = EveryHundredBars()
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
    pos = result.oms.position("AAPL")
    net = int(pos.qty) if pos is not None else 0
    out = {
        "workload": "W3",
        "n_bars": len(bars),
        "bars_handled": strat.bars,
        "data_sha256_ok": sha == g.W3_SHA256,
        "run_s": round(run_s, 4),
        "bars_per_s": round(len(bars) / run_s),
        "fills": len(fills),
        "filled_qty": int(qty),
        "notional_cents": cents,
        "avg_px": str(avg),
        "net_position": net,
        "peak_rss_mb": g.peak_rss_mb(),
        "datagen_s": round(gen_s, 4),
        "conversion_s": round(conv_s, 4),
        "engine_load_s": round(load_s, 4),
    }
    out["matches_reference"] = (
        out["data_sha256_ok"]
        and len(fills) == REFERENCE["fills"]
        and int(qty) == REFERENCE["filled_qty"]
        and cents == REFERENCE["notional_cents"]
        and str(avg) == REFERENCE["avg_px"]
        and net == 0
    )
    # on a shared machine CPU time is steadier than wall time (preemption is not counted)
    out["run_cpu_s"] = round(cpu_s, 4)
    out["bars_per_cpu_s"] = round(len(bars) / cpu_s)
    out["calib_ns_per_py_call"] = g.python_call_ns()
    out["compiled"] = bolt_exec.COMPILED  # the mypyc build (setup.py) or pure Python
    g.finish(out, prof, args.sort)


if __name__ == "__main__":
    main()

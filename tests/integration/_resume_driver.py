"""A backtest session in its own process, for the crash test (test_backtest_resume.py).

    python _resume_driver.py WORKDIR start    # runs a TWAP; after each fill prints FILLED <id>
                                              # and waits for a line on stdin (the test kills it)
    python _resume_driver.py WORKDIR resume   # recovers the journal + algo state, finishes

The journal is a JSON-lines file of order events, fsynced on every append; the
algorithm state is a JSON file replaced atomically. Both are what the real
stores promise (durable before anyone is told).
"""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal
from pathlib import Path

from bolt_exec.algos.twap import TWAP
from bolt_exec.backtest import BacktestEngine, Strategy
from bolt_exec.backtest.synthetic import synthetic_quotes
from bolt_exec.model.events import decode_event, encode_event
from bolt_exec.model.instrument import Instrument

MIN = 60 * 10**9


class JsonlStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._events = (
            [decode_event(line) for line in path.read_bytes().splitlines() if line.strip()]
            if path.exists()
            else []
        )
        self._f = open(path, "ab")  # noqa: SIM115 - held for the session

    def append(self, events):
        for e in events:
            self._f.write(encode_event(e) + b"\n")
        self._f.flush()
        os.fsync(self._f.fileno())
        self._events.extend(events)
        return len(events)

    def events(self):
        return iter(list(self._events))

    def close(self):
        self._f.close()


class FileStateStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def get_algo_state(self, algo_id):
        data = json.loads(self.path.read_text()) if self.path.exists() else {}
        return data.get(algo_id)

    def put_algo_state(self, algo_id, state):
        data = json.loads(self.path.read_text()) if self.path.exists() else {}
        data[algo_id] = state
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)


class Session(Strategy):
    def __init__(self, mode: str) -> None:
        self.mode = mode

    def on_start(self, ctx):
        if self.mode == "start":
            ctx.oms.bus.subscribe("order.filled", self._pause, 99)
            ctx.execute(
                TWAP(slices=10, interval_ns=MIN),
                "BUY",
                1000,
                parent_id="P1",
                end_ns=ctx.now_ns() + 10 * MIN,
            )
        else:
            ctx.runner.resume("P1")

    def _pause(self, _topic, event):
        print(f"FILLED {event.client_order_id}", flush=True)
        sys.stdin.readline()  # the test decides when (and whether) we go on


def main() -> None:
    work, mode = Path(sys.argv[1]), sys.argv[2]
    quotes = synthetic_quotes(2000, seed=5, step_ns=1_000_000_000)
    journal = JsonlStore(work / "journal.jsonl")
    start = None
    if mode == "resume":
        start = max(e.ts_event for e in journal.events()) + 1
    engine = BacktestEngine(
        Instrument("AAPL", "XNAS", lot_size=Decimal(1)),
        quotes=quotes,
        store=journal,
        state_store=FileStateStore(work / "algo.json"),
        session_close=None,
        start_ns=start,
    )
    engine.add_strategy(Session(mode))
    engine.run()
    kids = engine.runner.children("P1")
    filled = sum(engine.oms.order(c).filled_qty for c in kids)
    print(
        "RESULT "
        + json.dumps(
            {"children": kids, "filled": str(filled), "done": engine.runner.status("P1").is_done}
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()

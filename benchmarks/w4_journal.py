"""W4 — journal throughput (see docs/benchmarks.md).

Appends the order events of W2 to the order store: 100,000 GTC limit orders
(BUY/SELL alternating, prices as W2), each with its submit
(``OrderInitialized``, the journaled submit command), ``OrderAccepted``,
cancel request (``OrderPendingCancel``) and ``OrderCanceled`` = 400,000
events. Submits and accepts are journaled in W2's order (all submits on quote
0, then the acks), then cancel requests and cancels.

Group commit: the events go through ``store.append(batch)``, one transaction
and one fsync per batch; ``append`` returns only after the commit, so the
write-ahead guarantee holds for every event (nothing is published before it
is durable). Durability is ``"full"`` (SQLite WAL + synchronous=FULL;
PostgreSQL synchronous_commit=on): a crash at any instant, even a power cut,
loses nothing that append() returned for.

Usage::

    PYTHONPATH=src python benchmarks/w4_journal.py [--orders 100000] [--batch 1000] [--repeat 3]
    eval "$(scripts/ci-postgres.sh)"   # then the same command also measures PostgreSQL

Prints one ``RESULT {json}`` line per backend: ``memory`` (the in-memory
store), ``sqlite-memory`` (the SQL store on an in-memory SQLite: the same SQL and
Python work with no disk, the ceiling a faster disk could reach), ``sqlite-wal``
(the target) and ``postgresql``. Timed section: the append
calls only (event construction is timed and reported separately). Each backend
runs ``--repeat`` times on a fresh store; ``events_per_s`` is the median run and
``events_per_s_runs`` lists them all, next to ``calib_ns_per_py_call`` (the
machine's speed at the time: figures compare across runs divided by it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from _datagen import python_call_ns

import bolt_exec
from bolt_exec.model.enums import OrderStatus, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderInitialized,
    OrderPendingCancel,
)
from bolt_exec.store import MemoryOrderStore, OrderStore, SqlOrderStore

T0 = 1_704_292_200_000_000_000  # W2's quote 0 (2024-01-03 14:30 UTC)
CENT = Decimal("0.01")


def w2_events(n_orders: int, order: str = "venue") -> list[OrderEvent]:
    """Return W2's 4 x n_orders events in journal order.

    ``order="venue"``: as a zero-latency venue answers (submit i, accept i, ...,
    then cancel request i, cancel i, ...), which is what W2 on the paper broker
    journals. ``order="phased"``: all submits, all accepts, all cancel requests,
    all cancels (a slow venue: no two events of one order share a batch).
    """
    submits: list[OrderEvent] = []
    acks: list[OrderEvent] = []
    pending: list[OrderEvent] = []
    cancels: list[OrderEvent] = []
    t1 = T0 + 1_000_000_000
    for i in range(n_orders):
        coid = f"W2-{i}"
        level = (i // 2) % 100
        buy = i % 2 == 0
        px = (Decimal(9900) - level) * CENT if buy else (Decimal(10101) + level) * CENT
        submits.append(
            OrderInitialized(
                client_order_id=coid,
                ts_event=T0,
                ts_init=T0,
                event_id=f"{coid}-1",
                symbol="AAPL",
                side=Side.BUY if buy else Side.SELL,
                order_type=OrderType.LIMIT,
                qty=Decimal(100),
                limit_px=px,
                tif=TimeInForce.GTC,
                broker="paper",
                strategy_id="w2",
            )
        )
        acks.append(
            OrderAccepted(
                client_order_id=coid,
                ts_event=T0,
                ts_init=T0,
                event_id=f"{coid}-2",
                venue_order_id=f"P-{i}",
            )
        )
        pending.append(
            OrderPendingCancel(client_order_id=coid, ts_event=t1, ts_init=t1, event_id=f"{coid}-3")
        )
        cancels.append(
            OrderCanceled(client_order_id=coid, ts_event=t1, ts_init=t1, event_id=f"{coid}-4")
        )
    if order == "phased":
        return submits + acks + pending + cancels
    out: list[OrderEvent] = []
    for a, b in zip(submits, acks, strict=True):
        out += (a, b)
    for a, b in zip(pending, cancels, strict=True):
        out += (a, b)
    return out


def run(store: OrderStore, events: list[OrderEvent], batch: int) -> float:
    """Append ``events`` in batches; return the wall time of the append calls."""
    start = time.perf_counter()
    for i in range(0, len(events), batch):
        store.append(events[i : i + batch])
    return time.perf_counter() - start


def check(store: OrderStore, n_orders: int) -> bool:
    """Verify the journal and the projection: every order journaled and canceled once."""
    records = store.order_records()
    return (
        len(records) == n_orders
        and all(r.status is OrderStatus.CANCELED for r in records)
        and store.append(w2_events(1)[:1]) == 0  # a replayed event id is a no-op
    )


def measure(
    name: str, make: Any, events: list[OrderEvent], n: int, batch: int, repeat: int
) -> dict[str, Any]:
    """Run one backend ``repeat`` times, each on a fresh store; return its RESULT fields.

    ``events_per_s`` is the median run: on a shared machine one run can be slowed
    by a neighbour by a third, and the median of a few fresh runs is steadier.
    """
    rates: list[int] = []
    ok = True
    secs = 0.0
    for _ in range(repeat):
        store = make()
        try:
            secs = run(store, events, batch)
            ok = ok and check(store, n)
        finally:
            store.close()
        rates.append(round(len(events) / secs))
    return {
        "workload": "W4",
        "backend": name,
        "events": len(events),
        "batch": batch,
        "seconds_last": round(secs, 3),
        "events_per_s": round(statistics.median(rates)),
        "events_per_s_runs": rates,
        "checks_ok": ok,
    }


def main() -> None:
    """Run W4 on memory, SQLite (WAL, full durability) and PostgreSQL when configured."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument(
        "--batch", default="1000,10000", help="events per append (group commit); comma list"
    )
    parser.add_argument("--durability", choices=["full", "process"], default="full")
    parser.add_argument("--order", choices=["venue", "phased"], default="venue")
    parser.add_argument("--repeat", type=int, default=3, help="fresh runs per backend (median)")
    args = parser.parse_args()
    t = time.perf_counter()
    events = w2_events(args.orders, args.order)
    gen_s = time.perf_counter() - t
    tmp = Path(tempfile.mkdtemp(prefix="bolt-w4-"))
    common = {
        "durability": args.durability,
        "generate_s": round(gen_s, 3),
        "order": args.order,
        "calib_ns_per_py_call": python_call_ns(),
        "compiled": bolt_exec.COMPILED,  # the mypyc build (setup.py) or pure Python
    }
    pg = os.environ.get("BOLT_EXEC_TEST_PG_URL")
    results = []
    try:
        for batch in (int(b) for b in args.batch.split(",")):
            rep = args.repeat
            results.append(measure("memory", MemoryOrderStore, events, args.orders, batch, rep))
            # The same SQL store on an in-memory SQLite: no disk at all, so the gap to
            # "sqlite-wal" is what the file and its fsyncs cost; the rest is CPU.
            results.append(
                measure(
                    "sqlite-memory",
                    lambda: SqlOrderStore("sqlite://"),
                    events,
                    args.orders,
                    batch,
                    rep,
                )
            )
            results.append(
                measure(
                    "sqlite-wal",
                    lambda batch=batch: SqlOrderStore(
                        _fresh_file(tmp, batch), durability=args.durability
                    ),
                    events,
                    args.orders,
                    batch,
                    rep,
                )
            )
            if pg:
                results.append(
                    measure(
                        "postgresql",
                        lambda: _fresh_pg(pg, args.durability),
                        events,
                        args.orders,
                        batch,
                        rep,
                    )
                )
        if not pg:
            print('# PostgreSQL skipped: eval "$(scripts/ci-postgres.sh)" to include it')
        for r in results:
            print("RESULT " + json.dumps({**r, **common}, sort_keys=True))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _fresh_file(tmp: Path, batch: int) -> Path:
    # A new database file for every run: a run must not append to the previous one's.
    for n in itertools.count():
        path = tmp / f"w4-{batch}-{n}.db"
        if not path.exists():
            return path
    raise AssertionError("unreachable")


def _fresh_pg(url: str, durability: str) -> SqlOrderStore:
    # A clean schema each run: drop our tables (the server is the throw-away CI one).
    from sqlalchemy import create_engine, text

    from bolt_exec.store.schema import VERSION_TABLE
    from bolt_exec.store.tables import METADATA

    engine = create_engine(url)
    with engine.begin() as conn:
        METADATA.drop_all(conn)
        conn.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
    engine.dispose()
    return SqlOrderStore(url, durability="full" if durability == "full" else "process")


if __name__ == "__main__":
    main()

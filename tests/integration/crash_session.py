"""A paper trading session built to be SIGKILLed: the child process of the crash test.

Theory of operation
-------------------
The session is a numbered script of steps. Step ``s`` moves the quotes and does
one piece of work: a limit order, a market order, an amend, a cancel, or the
next child order of an algorithm-style parent (``P{k}-E{n}``). Everything a
step does is a function of ``(seed, s)`` and of the order state it finds, and
every order's client order id is derived from the step that creates it
(``L{s}``, ``M{s}``, ``P{k}-E{n}``), so a restarted session that redoes a step
never sends an order the journal already has: it skips it (idempotent identity).

Each run:

1. opens the venue (``PaperBroker(state_path=venue.json)``: the venue's truth,
   saved atomically before every event it emits) and the journal
   (``SqlOrderStore(oms.db)``); the OMS replays the journal on open;
2. reconciles with the venue (``ReconcileService.run_once``) BEFORE it sends
   anything, and refuses to go on (exit 3) if anything is left unresolved;
3. resumes at the step after the last one it finished (the progress marker is
   an algo state row in the same journal) and prints ``HB <step>`` before each
   step, so the test can aim its kills at work in progress.

Both the venue and the OMS live in this process, so both die at a kill; that is
the harshest case for write-ahead: the venue file may know of a fill the
journal never heard of, and the journal may hold an order the venue never got.

Durability is ``"process"`` (SQLite WAL, ``synchronous=NORMAL``): a SIGKILL kills
the process, not the OS, so committed pages in the OS cache survive, and that is
exactly the guarantee ``"process"`` makes; ``"full"`` adds an fsync per commit
that only matters for power cuts (pass ``--durability full`` to exercise it).

Clock: a SimClock. Ids, prices, sizes and the choice of work depend only on the
seed and the step; timestamps start, at every restart, after the newest one the
journal or the venue holds plus the reconciler's grace period (anything sent
before the crash is no longer in flight) and advance 1 ms per step.

Modes:
    ``run DIR SEED STEPS``: one run (recover, reconcile, work until done).
    ``zygote DIR SEED STEPS``: import once, then fork one run per ``go [n]`` line on
    stdin and report ``EXIT <pid> <status>`` when it ends (saves the interpreter
    start-up per restart; each run is still a fresh process).
    ``--die-after n`` (``go n``): the run SIGKILLs itself right after the venue's n-th
    save, i.e. when the venue knows something the journal does not yet.

Output lines: ``START <pid>``, ``RECON <n> <Kind>=<count>...`` (what was settled), ``HB <step>``,
``DONE <pid>``; failures go to stderr with exit code 3.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from bolt_exec.adapters.paper import FeeModel, PaperBroker
from bolt_exec.clock import SimClock
from bolt_exec.errors import BoltExecError, UnknownOrderError
from bolt_exec.model.enums import OrderStatus, OrderType
from bolt_exec.model.instrument import Instrument
from bolt_exec.oms.manager import OrderManager
from bolt_exec.reconcile.diff import DEFAULT_GRACE_NS
from bolt_exec.reconcile.service import ReconcileService
from bolt_exec.store.sql import SqlOrderStore

T0 = 1_704_205_800_000_000_000
STEP_NS = 1_000_000
PROGRESS = "crash-session"
SYMBOLS = ("AAA", "BBB")
PARENT_SPAN = 25  # steps per algorithm parent
TICK = Decimal("0.01")

Durability = Literal["full", "process"]


def instruments() -> list[Instrument]:
    """The two instruments the session trades (0.01 tick, lots of 10)."""
    return [
        Instrument(s, "XNAS", tick_size=TICK, lot_size=Decimal(10), min_qty=Decimal(10))
        for s in SYMBOLS
    ]


def mid_px(seed: int, step: int, symbol: str) -> Decimal:
    """The mid price at ``step``: a seeded walk, recomputable from the step alone."""
    rng = random.Random(f"{seed}:{symbol}:{step // 8}")
    base = Decimal(100 if symbol == "AAA" else 50)
    return base + TICK * rng.randint(-40, 40) + TICK * (step % 8 - 4)


class DyingPaperBroker(PaperBroker):
    """A paper venue that SIGKILLs its own process right after its ``die_after``-th save.

    The instant after a save and before the OMS journals the event is the one a crash
    hurts most (the venue knows, we do not); timed kills hit it only by luck.
    """

    def __init__(self, *args: Any, die_after: int = 0, **kwargs: Any) -> None:
        self.die_after = die_after
        self.saves = 0
        super().__init__(*args, **kwargs)

    def save(self, path: str | Path | None = None) -> None:
        super().save(path)
        self.saves += 1
        if self.saves == self.die_after:
            os.kill(os.getpid(), signal.SIGKILL)


class Session:
    """One run of the session over the files in ``where``."""

    def __init__(
        self, where: Path, seed: int, steps: int, durability: Durability, die_after: int = 0
    ) -> None:
        self.seed = seed
        self.steps = steps
        self.clock = SimClock(T0)
        self.paper = DyingPaperBroker(
            instruments(),
            die_after=die_after,
            fees=FeeModel(maker_bps=Decimal("0.5"), taker_bps=Decimal("1")),
            session_close=None,
            state_path=where / "venue.json",
            initial_cash={"USD": Decimal(10_000_000)},
        )
        self.store = SqlOrderStore(where / "oms.db", durability=durability)
        # Start after everything already recorded, and past the reconciler's grace period:
        # whatever was sent before the crash is no longer in flight.
        newest = max(
            [T0]
            + [r.ts_last for r in self.store.order_records()]
            + [f.ts_event for f in self.paper.account.fills]
        )
        self.clock.advance_to(newest + DEFAULT_GRACE_NS + 1_000_000_000)
        self.oms = OrderManager(self.paper, clock=self.clock, store=self.store, strict=False)

    # ------------------------------------------------------------------ recovery
    def reconcile(self) -> str:
        """Reconcile with the venue; return what it settled (``<n> <Kind>=<count> ...``)."""
        service = ReconcileService(self.oms, instruments={i.symbol: i for i in instruments()})
        outcome = asyncio.run(service.run_once())
        if not outcome.is_ok or self.oms.anomalies:
            fail(f"reconcile left work: {outcome.summary()}; anomalies {self.oms.anomalies}")
        assert outcome.resolution is not None
        kinds = Counter(type(a.discrepancy).__name__ for a in outcome.resolution.actions)
        return " ".join(
            [str(len(outcome.resolution.actions))] + [f"{k}={n}" for k, n in kinds.items()]
        )

    def next_step(self) -> int:
        saved = self.store.get_algo_state(PROGRESS)
        return 0 if saved is None else int(saved.state["next_step"])

    # ------------------------------------------------------------------ the work
    def run(self) -> None:
        """Recover, reconcile, then work through the remaining steps."""
        say(f"RECON {self.reconcile()}")
        for step in range(self.next_step(), self.steps):
            say(f"HB {step}")
            self.clock.advance_to(self.clock.now_ns() + STEP_NS)
            self.step(step)
            if self.oms.anomalies:
                fail(f"step {step}: OMS anomalies {self.oms.anomalies}")
            self.store.put_algo_state(PROGRESS, {"next_step": step + 1}, ts_ns=self.clock.now_ns())
        say(f"DONE {os.getpid()}")

    def step(self, step: int) -> None:
        """Do step ``step``: quotes, then one piece of work chosen by the seed."""
        rng = random.Random(f"{self.seed}:{step}")
        now = self.clock.now_ns()
        for symbol in SYMBOLS:
            mid = mid_px(self.seed, step, symbol)
            spread = TICK * rng.randint(1, 3)
            bid_size, ask_size = Decimal(10 * rng.randint(1, 6)), Decimal(10 * rng.randint(1, 6))
            self.oms.update_mark(symbol, mid, now)
            self.paper.on_quote(symbol, mid - spread, mid + spread, bid_size, ask_size, now)
        symbol = rng.choice(SYMBOLS)
        side = rng.choice(("BUY", "SELL"))
        qty = Decimal(10 * rng.randint(1, 8))
        mid = mid_px(self.seed, step, symbol)
        roll = rng.random()
        if roll < 0.25:  # a limit order: passive, at the touch or marketable
            px = mid + TICK * rng.randint(-6, 6)
            self.submit(f"L{step}", symbol, side, qty, "LIMIT", px)
        elif roll < 0.35:  # a market order; what the touch cannot fill waits for the next quote
            self.submit(f"M{step}", symbol, side, qty, "MARKET", None)
        elif roll < 0.55:
            self.amend_one(rng, step)
        elif roll < 0.70:
            self.cancel_one(rng)
        else:
            self.algo_child(step)

    def submit(
        self,
        coid: str,
        symbol: str,
        side: str,
        qty: Decimal,
        order_type: str,
        px: Decimal | None,
        parent_id: str | None = None,
    ) -> None:
        try:
            self.oms.order(coid)
            return  # journaled before the crash: never send it twice
        except UnknownOrderError:
            pass
        self.oms.submit(
            symbol,
            side,
            qty,
            order_type,
            limit_px=px,
            client_order_id=coid,
            parent_id=parent_id,
            strategy_id="crash",
        )

    def _workable(self) -> list[Any]:
        return sorted(
            (
                o
                for o in self.oms.open_orders()
                if o.status not in (OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE)
                and o.status is not OrderStatus.SUBMITTED
            ),
            key=lambda o: o.client_order_id,
        )

    def amend_one(self, rng: random.Random, step: int) -> None:
        limits = [o for o in self._workable() if o.order_type is OrderType.LIMIT]
        if not limits:
            return
        order = rng.choice(limits)
        px = mid_px(self.seed, step, order.symbol) + TICK * rng.randint(-5, 5)
        qty = order.qty + Decimal(10) * rng.randint(0, 2) if rng.random() < 0.5 else None
        self.oms.amend(order.client_order_id, limit_px=px, qty=qty)

    def cancel_one(self, rng: random.Random) -> None:
        orders = self._workable()
        if orders:
            self.oms.cancel(rng.choice(orders).client_order_id)

    def algo_child(self, step: int) -> None:
        """The next slice of the current parent: cancel the last slice if it still works,
        then place a new one at the near touch (a passive TWAP-like stream)."""
        parent = f"P{step // PARENT_SPAN}"
        prng = random.Random(f"{self.seed}:{parent}")
        symbol, side = prng.choice(SYMBOLS), prng.choice(("BUY", "SELL"))
        for order in self._workable():
            if order.parent_id == parent:
                self.oms.cancel(order.client_order_id)
        mid = mid_px(self.seed, step, symbol)
        px = mid - TICK if side == "BUY" else mid + TICK
        child = f"{parent}-E{step % PARENT_SPAN + 1}"
        self.submit(child, symbol, side, Decimal(10 * prng.randint(1, 4)), "LIMIT", px, parent)


def fail(message: str) -> None:
    """Report a broken invariant and stop with exit code 3 (the test shows stderr)."""
    print(f"FAIL {message}", file=sys.stderr, flush=True)
    os._exit(3)


def say(line: str) -> None:
    """Write one protocol line to stdout in one write() (atomic on a pipe).

    ``print`` writes the text and the newline separately when stdout writes through
    (PYTHONUNBUFFERED, as CI sets): a run SIGKILLed between the two left a line
    without its newline, the zygote's ``EXIT`` then joined it, and the test never saw
    the EXIT. One write per line cannot be split by a kill.
    """
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run_once(
    where: Path, seed: int, steps: int, durability: Durability, die_after: int = 0
) -> None:
    """One run of the session in this process (killing itself after ``die_after`` venue
    saves when that is not 0)."""
    say(f"START {os.getpid()}")
    try:
        Session(where, seed, steps, durability, die_after).run()
    except BoltExecError as exc:
        fail(f"{type(exc).__name__}: {exc}")


def zygote(where: Path, seed: int, steps: int, durability: Durability) -> None:
    """Fork one run per ``go [die_after]`` line on stdin; report each run's end."""
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] != "go":
            break
        die_after = int(words[1]) if len(words) > 1 else 0
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                run_once(where, seed, steps, durability, die_after)
            except BaseException as exc:
                print(f"FAIL {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                code = 3
            finally:
                sys.stdout.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        say(f"EXIT {pid} {status}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("mode", choices=("run", "zygote"))
    parser.add_argument("dir", type=Path)
    parser.add_argument("seed", type=int)
    parser.add_argument("steps", type=int)
    parser.add_argument("--durability", choices=("full", "process"), default="process")
    parser.add_argument("--die-after", type=int, default=0, help="SIGKILL after n venue saves")
    args = parser.parse_args(argv)
    if args.mode == "zygote":
        zygote(args.dir, args.seed, args.steps, args.durability)
    else:
        run_once(args.dir, args.seed, args.steps, args.durability, args.die_after)


if __name__ == "__main__":
    main()

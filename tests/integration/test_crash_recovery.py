"""Crash test: SIGKILL a live paper session at random instants, restart, recover, reconcile.

A child process (``crash_session.py``) runs a scripted paper session against a
persistent paper venue: limit and market orders with partial fills against the
displayed size, amends, cancels and a stream of algorithm child orders. The test
kills it at seeded random instants (during recovery and reconciliation as well as
mid-step), at least ``MIN_KILLS`` times, each restart continuing the same files,
then lets one last run finish the script and checks, by opening the journal and
the venue's state file directly:

* no fill lost: every venue fill is in the journal exactly once (and no other);
* no order duplicated: no client order id twice at the venue, none the venue
  refused as a duplicate, and every venue order is one of ours;
* every order's status and filled quantity equal the venue's, and so do the
  quantity and limit price of every order the venue still works (an order the
  venue never received is REJECTED and unfilled);
* positions equal the venue's.

Seed: ``BOLT_EXEC_CRASH_SEED`` or a random one, printed and recorded as a test
property and in every failure message. Reproduce with
``BOLT_EXEC_CRASH_SEED=<seed> pytest tests/integration/test_crash_recovery.py``.
``BOLT_EXEC_CRASH_ATTEMPTS=500`` makes a soak run of it;
``BOLT_EXEC_CRASH_DURABILITY=full`` runs the journal with an fsync per commit
(default ``process``; see ``crash_session.py`` for why that is the one a SIGKILL tests).

Restarts fork from a pre-imported zygote process (each run is still a fresh
process with fresh connections; only the interpreter start-up is saved), except
every ``SPAWN_EVERY``-th restart and the final run, which start a new interpreter.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import IO

from bolt_exec.adapters.paper.state import VenueState, read_state
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderRejected
from bolt_exec.store.sql import SqlOrderStore

SESSION = Path(__file__).with_name("crash_session.py")
SRC = Path(__file__).parents[2] / "src"
MIN_KILLS = 50
# Kill attempts (a few may land after a run has finished its script); raise it for a soak run.
ATTEMPTS = max(MIN_KILLS + 10, int(os.environ.get("BOLT_EXEC_CRASH_ATTEMPTS", "60")))
# Steps of the script: a run goes on for up to MAX_DELAY_S (~10 steps here) after the step a
# kill is aimed at, so kills aimed ~7 steps apart keep landing until the script's end.
STEPS = max(400, ATTEMPTS * 20 // 3)
SPAWN_EVERY = 10
MAX_DELAY_S = 0.05


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC)}


def _command(mode: str, where: Path, seed: int) -> list[str]:
    durability = os.environ.get("BOLT_EXEC_CRASH_DURABILITY", "process")
    return [
        sys.executable,
        str(SESSION),
        mode,
        str(where),
        str(seed),
        str(STEPS),
        f"--durability={durability}",
    ]


class Crasher:
    """Starts session runs (forked from a zygote, or spawned) and kills them."""

    def __init__(self, where: Path, seed: int, stderr: IO[str]) -> None:
        self.where = where
        self.seed = seed
        self.stderr = stderr
        self.kill_steps: list[int] = []  # the step each kill was aimed at (-1: recovery)
        self.settled: Counter[str] = Counter()  # discrepancies the restarts reconciled, by kind
        self.zygote = subprocess.Popen(
            _command("zygote", where, seed),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=_env(),
        )

    def close(self) -> None:
        assert self.zygote.stdin is not None and self.zygote.stdout is not None
        self.zygote.stdin.close()
        try:
            self.zygote.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a failed attempt left a run going: stop it
            self.zygote.kill()
            self.zygote.wait(timeout=30)
        self.zygote.stdout.close()

    def attempt(
        self, rng: random.Random, at_step: int, spawn: bool, fail: Callable[[str], None]
    ) -> bool:
        """Start one run and kill it at a random instant after it reaches step ``at_step``
        (or, a quarter of the time, during recovery); return True if the kill landed."""
        if spawn:
            child = subprocess.Popen(
                _command("run", self.where, self.seed),
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                text=True,
                env=_env(),
            )
            assert child.stdout is not None
            out = child.stdout
        else:
            assert self.zygote.stdin is not None and self.zygote.stdout is not None
            self.zygote.stdin.write("go\n")
            self.zygote.stdin.flush()
            out = self.zygote.stdout
        first = out.readline().split()
        if not first or first[0] != "START":
            fail(f"the session did not start: {first}")
        pid = int(first[1])
        # Aim at recovery/reconciliation a quarter of the time, at work in progress otherwise.
        target = "START" if rng.random() < 0.25 else "HB"
        ended = False
        step = -1  # -1: aimed at recovery and reconciliation
        while target == "HB":
            words = out.readline().split()
            if not words or words[0] in ("DONE", "EXIT"):
                ended = True
                break
            if words[0] == "RECON":
                for kind, n in (w.split("=") for w in words[2:]):
                    self.settled[kind] += int(n)
            if words[0] == "HB" and int(words[1]) >= at_step:
                step = int(words[1])
                break
        killed = False
        if not ended:
            time.sleep(rng.uniform(0, MAX_DELAY_S))
            try:
                os.kill(pid, signal.SIGKILL)
                killed = True
            except ProcessLookupError:
                pass
        if spawn:
            code = child.wait(timeout=60)
            out.close()
            status = -code if code < 0 else code << 8
        else:
            status = self._exit_status(pid)
        if status not in (0, signal.SIGKILL):
            fail(f"run {pid} failed with wait status {status}")
        landed = killed and status == signal.SIGKILL
        if landed:
            self.kill_steps.append(step)
        return landed

    def _exit_status(self, pid: int) -> int:
        assert self.zygote.stdout is not None
        while True:
            words = self.zygote.stdout.readline().split()
            if not words:
                raise AssertionError("the zygote died")
            if words[0] == "EXIT" and int(words[1]) == pid:
                return int(words[2])


def check_against_venue(store: SqlOrderStore, venue: VenueState) -> list[str]:
    """Every way the journal disagrees with the venue (empty when they agree)."""
    problems: list[str] = []
    # No fill lost, none invented, none twice.
    ours = Counter(
        (f.client_order_id, f.trade_id, f.last_qty, f.last_px)
        for f in store.fills()
        if not f.trade_id.startswith("RECON-")
    )
    theirs = Counter((f.client_order_id, f.trade_id, f.last_qty, f.last_px) for f in venue.fills)
    inferred = [f.trade_id for f in store.fills() if f.trade_id.startswith("RECON-")]
    if inferred:
        problems.append(f"inferred fills where the venue has real ones: {inferred}")
    if twice := [k for k, n in ours.items() if n > 1]:
        problems.append(f"fills journaled twice: {twice}")
    if lost := sorted(set(theirs) - set(ours)):
        problems.append(f"venue fills missing from the journal: {lost}")
    if extra := sorted(set(ours) - set(theirs)):
        problems.append(f"journal fills the venue never made: {extra}")
    # No order duplicated, none unknown.
    venue_ids = Counter(o.cmd.client_order_id for o in venue.orders)
    if dup := [c for c, n in venue_ids.items() if n > 1]:
        problems.append(f"orders twice at the venue: {dup}")
    records = {r.client_order_id: r for r in store.order_records()}
    refused = [
        e.client_order_id
        for e in store.events()
        if isinstance(e, OrderRejected) and "duplicate" in e.reason
    ]
    if refused:
        problems.append(f"orders the venue refused as duplicates: {refused}")
    if strangers := sorted(set(venue_ids) - set(records)):
        problems.append(f"venue orders the OMS does not have: {strangers}")
    # Every order's state equals the venue's.
    at_venue = {o.cmd.client_order_id: o for o in venue.orders}
    for coid, rec in sorted(records.items()):
        vo = at_venue.get(coid)
        if vo is None:
            if rec.status is not OrderStatus.REJECTED or rec.filled_qty != 0:
                problems.append(f"{coid}: never reached the venue but is {rec.status}")
            continue
        mine: tuple[object, ...] = (rec.status, rec.filled_qty)
        venue_view: tuple[object, ...] = (vo.status, vo.filled)
        if vo.status.is_open:  # the venue reports the working qty and price of open orders
            mine += (rec.qty, rec.limit_px)
            venue_view += (vo.qty, vo.limit_px)
        if mine != venue_view:
            problems.append(f"{coid}: OMS {mine} != venue {venue_view}")
    # Positions equal the venue's.
    positions = {sym: p.qty for (_b, sym), p in store.load_positions().items() if p.qty != 0}
    venue_positions = {s: q for s, q in venue.positions.items() if q != 0}
    if positions != venue_positions:
        problems.append(f"positions: OMS {positions} != venue {venue_positions}")
    return problems


def test_sigkilled_session_recovers_without_loss_or_duplicates(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    # Arrange
    seed = int(os.environ.get("BOLT_EXEC_CRASH_SEED") or random.SystemRandom().randrange(10**9))
    print(f"\ncrash test seed {seed} (BOLT_EXEC_CRASH_SEED={seed} to reproduce)")
    record_property("crash_seed", seed)
    rng = random.Random(seed)
    stderr_path = tmp_path / "child.stderr"
    started = time.monotonic()

    def fail(message: str) -> None:
        raise AssertionError(
            f"seed {seed}: {message}\nchild stderr:\n{stderr_path.read_text()[-4000:]}"
        )

    # Act: kill it again and again, then let one run finish the script.
    with open(stderr_path, "w") as stderr:
        crasher = Crasher(tmp_path, seed, stderr)
        try:
            # Aim the kills at steps spread over the whole script, whatever the machine's speed
            # (stopping short of its end, so no run finishes the script before its kill).
            kills = sum(
                crasher.attempt(
                    rng,
                    at_step=int((i + rng.random()) * (STEPS - 20) / ATTEMPTS),
                    spawn=i % SPAWN_EVERY == SPAWN_EVERY - 1,
                    fail=fail,
                )
                for i in range(ATTEMPTS)
            )
        finally:
            crasher.close()
        final = subprocess.run(
            _command("run", tmp_path, seed),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=_env(),
            timeout=120,
        )
    elapsed = time.monotonic() - started
    mid_step = [s for s in crasher.kill_steps if s >= 0]
    print(
        f"crash test: {kills} kills ({kills - len(mid_step)} aimed at recovery, the rest at "
        f"steps {min(mid_step, default=-1)}..{max(mid_step, default=-1)} of {STEPS}), "
        f"{elapsed:.1f} s; reconciled after restarts: {dict(crasher.settled)}"
    )
    record_property("crash_reconciled", dict(crasher.settled))
    record_property("crash_kills", kills)

    # Assert
    if final.returncode != 0 or "DONE" not in final.stdout:
        fail(f"the final run failed ({final.returncode}): {final.stdout[-2000:]}")
    if kills < MIN_KILLS:
        fail(f"only {kills} kills landed (need {MIN_KILLS})")
    if not crasher.settled:
        fail("no restart had anything to reconcile: the kills never split venue and journal")
    if len(mid_step) < MIN_KILLS // 2 or max(mid_step) < STEPS * 3 // 4:
        fail(f"too few kills landed in the middle of work: {crasher.kill_steps}")
    venue = read_state(tmp_path / "venue.json", "paper")
    assert venue is not None
    with SqlOrderStore(tmp_path / "oms.db", read_only=True) as store:
        saved = store.get_algo_state("crash-session")
        assert saved is not None and saved.state["next_step"] == STEPS, f"seed {seed}"
        problems = check_against_venue(store, venue)
        assert len(store.order_records()) > STEPS // 5, f"seed {seed}: too little work done"
    assert sum(f.last_qty for f in venue.fills) > Decimal(0), f"seed {seed}: nothing traded"
    assert not problems, f"seed {seed}:\n" + "\n".join(problems)

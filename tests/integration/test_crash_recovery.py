"""Crash test: SIGKILL a live paper session at random instants, restart, recover, reconcile.

A child process (``crash_session.py``) runs a scripted paper session against a
persistent paper venue: limit and market orders with partial fills against the
displayed size, amends, cancels and a stream of algorithm child orders. The test
SIGKILLs it at seeded random instants, ``KILLS`` (>= ``MIN_KILLS``) times: a random
0-50 ms after it starts (recovery and reconciliation) or after it reaches a seeded
step spread over the script. After every other timed kill, one run SIGKILLs itself
right after a seeded number of venue saves, the instant the venue knows something
the journal does not yet (timed kills hit that window only by luck). Each restart
continues the same files. One last run finishes the script; then the test checks,
by opening the journal and the venue's state file directly:

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
``BOLT_EXEC_CRASH_KILLS=300`` makes a soak run of it;
``BOLT_EXEC_CRASH_DURABILITY=full`` runs the journal with an fsync per commit
(default ``process``; see ``crash_session.py`` for why that is the one a SIGKILL tests).

Restarts fork from a pre-imported zygote process (each run is still a fresh
process with fresh connections; only the ~1.5 s interpreter start-up is saved, a
fork reaches its first step in ~45 ms), except every ``SPAWN_EVERY``-th restart
and the final run, which start a new interpreter.

Every run also refuses to work (exit 3, failing the test) if the start-up
reconciliation leaves anything unresolved or the OMS logs an anomaly.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
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
from tests.child_env import child_env

SESSION = Path(__file__).with_name("crash_session.py")
MIN_KILLS = 50
# A killed run is reaped within milliseconds; after this long, say what it is stuck in.
EXIT_WAIT_S = 60.0
# Timed kills to land (raise it for a soak run); a run killing itself follows every other one.
KILLS = max(MIN_KILLS + 10, int(os.environ.get("BOLT_EXEC_CRASH_KILLS", "60")))
# Steps of the script: each run goes on for up to MAX_DELAY_S (5-10 steps here) past the step
# its kill is aimed at, and self-killing runs add a few, so the script is long enough that no
# run reaches its end before the last kill.
STEPS = 14 * KILLS
SPAWN_EVERY = 10
MAX_DELAY_S = 0.05


def _env() -> dict[str, str]:
    return child_env()


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
        self.kill_steps: list[int] = []  # the step each timed kill was aimed at (-1: recovery)
        self.self_kill_steps: list[int] = []  # the step each self-kill landed in
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
        self,
        rng: random.Random,
        at_step: int,
        spawn: bool,
        fail: Callable[[str], None],
        die_after: int = 0,
    ) -> bool:
        """Start one run and kill it; return True if the kill landed.

        With ``die_after``, the run kills itself right after the venue's ``die_after``-th
        save. Otherwise the test kills it a random 0-50 ms after it reaches step
        ``at_step`` or, a quarter of the time, after it starts (recovery, reconciliation).
        """
        if spawn:
            child = subprocess.Popen(
                [*_command("run", self.where, self.seed), f"--die-after={die_after}"],
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                text=True,
                env=_env(),
            )
            assert child.stdout is not None
            out = child.stdout
        else:
            assert self.zygote.stdin is not None and self.zygote.stdout is not None
            self.zygote.stdin.write(f"go {die_after}\n")
            self.zygote.stdin.flush()
            out = self.zygote.stdout
        first = out.readline().split()
        if not first or first[0] != "START":
            fail(f"the session did not start: {first}")
        pid = int(first[1])
        target = "SELF" if die_after else "START" if rng.random() < 0.25 else "HB"
        step = -1  # the last step it started (-1: none, recovery and reconciliation)
        status: int | None = None
        while target != "START":
            words = out.readline().split()
            if not words or words[0] == "DONE":
                break
            if words[0] == "EXIT":
                status = int(words[2])
                break
            if words[0] == "RECON":
                for kind, n in (w.split("=") for w in words[2:]):
                    self.settled[kind] += int(n)
            if words[0] == "HB":
                step = int(words[1])
                if target == "HB" and step >= at_step:
                    break
        killed = die_after > 0
        if target != "SELF" and status is None:
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
        elif status is None:
            status = self._exit_status(pid)
        if status not in (0, signal.SIGKILL):
            fail(f"run {pid} failed with wait status {status}")
        landed = killed and status == signal.SIGKILL
        if landed:
            (self.self_kill_steps if die_after else self.kill_steps).append(step)
        return landed

    def _exit_status(self, pid: int) -> int:
        assert self.zygote.stdout is not None
        # Never wait for ever: if the run is not reaped in time, record what it and the
        # zygote are blocked in (kernel state and wait channel), then stop the zygote so
        # the read below ends and the failure says why instead of a bare timeout.
        stuck: list[str] = []

        def give_up() -> None:
            stuck.append(f"run {pid}: {_proc_state(pid)}; zygote: {_proc_state(self.zygote.pid)}")
            self.zygote.kill()

        timer = threading.Timer(EXIT_WAIT_S, give_up)
        timer.start()
        try:
            while True:
                words = self.zygote.stdout.readline().split()
                if not words:
                    why = f"; no EXIT within {EXIT_WAIT_S:.0f} s: {stuck[0]}" if stuck else ""
                    raise AssertionError(f"the zygote died{why}")
                if words[0] == "EXIT" and int(words[1]) == pid:
                    return int(words[2])
        finally:
            timer.cancel()


def _proc_state(pid: int) -> str:
    """A process's scheduler state and kernel wait channel, from /proc (Linux)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        state = next((line for line in status if line.startswith("State:")), "State: ?")
        wchan = Path(f"/proc/{pid}/wchan").read_text().strip() or "-"
    except OSError as exc:
        return f"gone ({type(exc).__name__})"
    return f"{state}, wchan {wchan}"


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
            # Every other timed kill is followed by a run that kills itself right after a
            # seeded number of venue saves (the venue knows, the journal does not yet).
            kills = self_kills = attempts = 0
            while kills < KILLS and attempts < 2 * KILLS:
                kills += crasher.attempt(
                    rng,
                    at_step=int((kills + rng.random()) * STEPS * 0.7 / KILLS),
                    spawn=attempts % SPAWN_EVERY == SPAWN_EVERY - 1,
                    fail=fail,
                )
                attempts += 1
                if attempts % 2:
                    self_kills += crasher.attempt(
                        rng, 0, spawn=False, fail=fail, die_after=rng.randint(1, 12)
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
        f"crash test: {kills} timed kills ({kills - len(mid_step)} aimed at recovery, the "
        f"rest at steps {min(mid_step, default=-1)}..{max(mid_step, default=-1)} of {STEPS}) "
        f"and {self_kills} self-kills after a venue save, {elapsed:.1f} s; "
        f"reconciled after restarts: {dict(crasher.settled)}"
    )
    record_property("crash_reconciled", dict(crasher.settled))
    record_property("crash_kills", kills)
    record_property("crash_self_kills", self_kills)

    # Assert
    if final.returncode != 0 or "DONE" not in final.stdout:
        fail(f"the final run failed ({final.returncode}): {final.stdout[-2000:]}")
    if kills < MIN_KILLS:
        fail(f"only {kills} kills landed (need {MIN_KILLS})")
    if not crasher.settled:
        fail("no restart had anything to reconcile: the kills never split venue and journal")
    if self_kills < KILLS // 4:
        fail(f"only {self_kills} runs killed themselves after a venue save")
    if len(mid_step) < MIN_KILLS // 2 or max(mid_step) < STEPS // 2:
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

"""The kill switch: halt, cancel, flatten through the gate, latch across restarts, audit."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bolt_exec.bus import MessageBus
from bolt_exec.clock import SimClock
from bolt_exec.errors import KillSwitchActive, UsageError
from bolt_exec.model.enums import Side
from bolt_exec.model.order import Order
from bolt_exec.model.position import Position
from bolt_exec.safety.cli import add_kill_arguments, kill_command
from bolt_exec.safety.codes import ReasonCode as R
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.events import KillSwitchTripped, TradingStateChanged
from bolt_exec.safety.latch import JsonFileLatchStore, LatchState, MemoryLatchStore
from bolt_exec.safety.manager import SafetyManager
from tests.child_env import child_env

from .conftest import Book, base_policy, make_order, manager_for

S = 1_000_000_000


class MiniOms:
    """The kill switch's target: submits through the SafetyManager like the OrderManager."""

    def __init__(self, book: Book, manager: SafetyManager) -> None:
        self.book = book
        self.manager = manager
        self.cancel_all_calls = 0
        self.sent: list[Order] = []
        self.denied: list[tuple[Order, str]] = []

    def cancel_all(self) -> None:
        self.cancel_all_calls += 1
        self.book.orders.clear()

    def positions(self) -> Iterable[Position]:
        return self.book.positions()

    def submit(
        self,
        symbol: str,
        side: Any,
        qty: Any,
        order_type: str = "LIMIT",
        *,
        broker: str | None = None,
        strategy_id: str = "",
        reduce_only: bool = False,
        tags: dict[str, str] | None = None,
    ) -> Order:
        order = make_order(
            symbol,
            side,
            qty,
            None,
            broker=broker or "paper",
            strategy_id=strategy_id,
            reduce_only=reduce_only,
            tags=tags,
        )
        decision = self.manager.check_submit(order, self.book)
        (
            self.sent.append(order)
            if decision.approved
            else self.denied.append((order, decision.code))
        )
        return order


def test_trip_halts_cancels_flattens_and_announces(clock: SimClock, book: Book) -> None:
    # Arrange
    bus = MessageBus(strict=True)
    seen: list[tuple[str, object]] = []
    bus.subscribe("safety.*", lambda t, m: seen.append((t, m)))
    manager = manager_for(base_policy(kill_switch={"flatten_on_trip": True}), clock, publisher=bus)
    oms = MiniOms(book, manager)
    manager.bind(oms)
    book.set_position("AAPL", "10")
    book.set_position("MSFT", "-3")
    # Act
    assert manager.kill_switch.trip("runaway algo", actor="alice") is True
    # Assert
    assert manager.trading_state is TradingState.HALTED
    assert oms.cancel_all_calls == 1
    assert [(o.symbol, o.side, o.qty, o.reduce_only) for o in oms.sent] == [
        ("AAPL", Side.SELL, Decimal(10), True),
        ("MSFT", Side.BUY, Decimal(3), True),
    ]
    assert manager.check_counts["flatten"] == 2
    tripped = [m for t, m in seen if t == "safety.kill_switch"]
    assert tripped == [KillSwitchTripped(reason="runaway algo", actor="alice", ts=clock.now_ns())]
    topics = [t for t, _ in seen]
    assert topics.index("safety.state") < topics.index("safety.kill_switch")
    assert any(isinstance(m, TradingStateChanged) and m.new == "HALTED" for _, m in seen)
    actions = [r.action for r in manager.audit]
    assert actions[:2] == ["kill_switch.trip", "trading_state"]
    assert "kill_switch.cancel_all" in actions
    assert actions.count("kill_switch.flatten") == 2
    # nothing else gets through, not even a reduce-only order the kill switch did not send
    assert manager.check_submit(make_order(qty=1), book).code == R.KILL_SWITCH
    sneaky = make_order(qty=10, side="SELL", reduce_only=True, limit_px=None)
    assert manager.check_submit(sneaky, book).code == R.KILL_SWITCH
    order = make_order(qty=1)
    assert manager.check_amend(order, Decimal(2), None, None, book).code == R.KILL_SWITCH
    assert manager.check_cancel(order).approved


def test_latch_survives_restart_until_reset_with_operator_and_reason(
    clock: SimClock, book: Book, tmp_path: Path
) -> None:
    store = JsonFileLatchStore(tmp_path / "latch.json")
    first = manager_for(base_policy(), clock, latch_store=store)
    first.kill_switch.trip("drawdown", actor="monitor:pnl")
    # a new session on the same latch comes up HALTED
    second = manager_for(
        base_policy(), clock, latch_store=JsonFileLatchStore(tmp_path / "latch.json")
    )
    assert second.trading_state is TradingState.HALTED
    assert second.check_submit(make_order(qty=1), book).code == R.KILL_SWITCH
    with pytest.raises(KillSwitchActive):
        second.set_trading_state("ACTIVE", "alice", "back to work")
    with pytest.raises(UsageError):
        second.kill_switch.reset("", "because")
    with pytest.raises(UsageError):
        second.kill_switch.reset("alice", " ")
    second.kill_switch.reset("alice", "drawdown reviewed with risk")
    assert second.check_submit(make_order(qty=1), book).code == R.HALTED
    second.set_trading_state(TradingState.ACTIVE, "alice", "drawdown reviewed")
    assert second.check_submit(make_order(qty=1), book).approved
    saved = json.loads((tmp_path / "latch.json").read_text())
    assert saved["tripped"] is False
    assert saved["reset_by"] == "alice"
    actions = [r.action for r in second.audit]
    assert actions.index("kill_switch.reset") < len(actions) - 1 - actions[::-1].index(
        "trading_state"
    )


def test_corrupt_latch_file_fails_closed(tmp_path: Path) -> None:
    path = tmp_path / "latch.json"
    path.write_text("{not json")
    assert JsonFileLatchStore(path).load().tripped is True
    assert JsonFileLatchStore(tmp_path / "absent.json").load().tripped is False


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_kill_arguments(parser)
    return parser.parse_args(argv)


def test_kill_command_from_another_process_trips_a_running_session(
    clock: SimClock, book: Book, tmp_path: Path
) -> None:
    # Arrange: a session polling the latch on its clock timer
    latch = tmp_path / "kill.json"
    policy = base_policy(kill_switch={"latch_path": str(latch), "poll_interval_s": 1})
    manager = manager_for(policy, clock, latch_store=JsonFileLatchStore(latch))
    oms = MiniOms(book, manager)
    manager.bind(oms)
    manager.start()
    assert manager.check_submit(make_order(qty=1), book).approved
    # Act: `bolt-exec kill` in another process
    code = (
        "import argparse, sys; from bolt_exec.safety.cli import add_kill_arguments, kill_command;"
        "p = argparse.ArgumentParser(); add_kill_arguments(p);"
        "sys.exit(kill_command(p.parse_args(sys.argv[1:])))"
    )
    env = child_env()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "--latch",
            str(latch),
            "--reason",
            "fat finger",
            "--actor",
            "bob",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "TRIPPED" in proc.stdout
    assert manager.trading_state is TradingState.ACTIVE  # not yet polled
    clock.advance_by(S)
    # Assert
    assert manager.trading_state is TradingState.HALTED
    assert manager.kill_switch.latch.actor == "bob"
    assert oms.cancel_all_calls == 1
    assert manager.check_submit(make_order(qty=1), book).code == R.KILL_SWITCH


def test_kill_command_validates_and_reports(tmp_path: Path) -> None:
    latch = str(tmp_path / "k.json")
    out = io.StringIO()
    assert kill_command(_args("--latch", latch), out) == 2  # no reason
    assert kill_command(_args("--latch", latch, "--reason", "x"), out) == 0
    assert kill_command(_args("--latch", latch, "--status"), out) == 0
    assert "TRIPPED by 'operator'" in out.getvalue()
    assert kill_command(_args("--latch", latch, "--reset", "--reason", "ok"), out) == 2
    assert (
        kill_command(_args("--latch", latch, "--reset", "--operator", "al", "--reason", "ok"), out)
        == 0
    )
    assert JsonFileLatchStore(latch).load() == LatchState(
        False,
        "x",
        "operator",
        JsonFileLatchStore(latch).load().ts_ns,
        "al",
        "ok",
        JsonFileLatchStore(latch).load().reset_ts_ns,
    )
    policy = tmp_path / "p.yaml"
    policy.write_text(f"version: 1\nkill_switch: {{latch_path: {latch}}}\n")
    assert kill_command(_args("--policy", str(policy), "--reason", "again"), out) == 0
    assert JsonFileLatchStore(latch).load().reason == "again"


def test_external_reset_is_noticed_but_state_stays_halted(
    clock: SimClock, book: Book, tmp_path: Path
) -> None:
    latch = tmp_path / "k.json"
    manager = manager_for(base_policy(), clock, latch_store=JsonFileLatchStore(latch))
    manager.kill_switch.trip("test", "alice")
    clock.advance_by(S)
    assert (
        kill_command(
            _args("--latch", str(latch), "--reset", "--operator", "bob", "--reason", "checked"),
            io.StringIO(),
        )
        == 0
    )
    clock.advance_by(S)
    manager.on_timer(clock.now_ns())
    assert not manager.kill_switch.is_tripped
    assert manager.trading_state is TradingState.HALTED


def test_monitor_trips_on_portfolio_loss(clock: SimClock, book: Book) -> None:
    manager = manager_for(
        base_policy(kill_switch={"loss_pct": 2}),
        clock,
        cash="10000",
        latch_store=MemoryLatchStore(),
    )
    manager.on_timer(clock.now_ns())
    manager.set_cash(Decimal("9801"))
    assert not manager.kill_switch.is_tripped
    manager.set_cash(Decimal("9800"))
    assert manager.kill_switch.is_tripped
    assert manager.kill_switch.latch.actor == "monitor:pnl"


def test_monitor_trips_on_daily_loss_and_reject_spike(clock: SimClock, book: Book) -> None:
    from bolt_exec.model.events import OrderRejected

    manager = manager_for(base_policy(portfolio={"daily_loss_limit": 50}), clock, cash="1000")
    manager.on_timer(clock.now_ns())
    manager.set_cash(Decimal("950"))
    assert manager.kill_switch.latch.actor == "monitor:daily_loss"
    policy = base_policy(
        kill_switch={"reject_rate": {"window_s": 10, "min_orders": 4, "max_reject_pct": 50}}
    )
    manager = manager_for(policy, clock)
    orders = [make_order(qty=1) for _ in range(4)]
    for o in orders:
        assert manager.check_submit(o, book).approved
    for i, o in enumerate(orders[:3]):
        manager.on_event(
            "order.rejected",
            OrderRejected(
                client_order_id=o.client_order_id, ts_event=clock.now_ns(), ts_init=0, reason="r"
            ),
        )
        # from a bus handler: HALTED at once, the trip itself on the next clock tick
        assert (manager.trading_state is TradingState.HALTED) is (i == 2)
        assert not manager.kill_switch.is_tripped
    clock.advance_by(0)
    assert manager.kill_switch.is_tripped
    assert manager.kill_switch.latch.actor == "monitor:reject_rate"


def test_monitor_trips_on_broker_disconnect_via_timer(clock: SimClock, book: Book) -> None:
    manager = manager_for(base_policy(kill_switch={"broker_disconnect_s": 30}), clock)
    manager.start()
    manager.on_broker_status("kite", False, clock.now_ns())
    clock.advance_by(29 * S)
    assert not manager.kill_switch.is_tripped
    clock.advance_by(S)
    assert manager.kill_switch.is_tripped
    assert "kite" in manager.kill_switch.latch.reason


def test_monitor_trips_on_margin_spiral(clock: SimClock) -> None:
    manager = manager_for(
        base_policy(
            kill_switch={
                "margin_spiral": {
                    "level_pct": 80,
                    "window_s": 300,
                    "min_rise_pct": 5,
                    "min_samples": 3,
                }
            }
        ),
        clock,
    )
    for i, util in enumerate(["0.81", "0.84", "0.83", "0.85"]):  # dipped: not a spiral yet
        manager.on_margin(Decimal(util), clock.now_ns() + i * S)
    assert not manager.kill_switch.is_tripped
    for i, util in enumerate(["0.86", "0.88"]):  # rising again, but the dip is still in the window
        manager.on_margin(Decimal(util), clock.now_ns() + (200 + i) * S)
    assert not manager.kill_switch.is_tripped  # 0.81 and 0.84 still in the window
    manager.on_margin(Decimal("0.90"), clock.now_ns() + 303 * S)  # window: 0.85 .. 0.90
    assert manager.kill_switch.is_tripped
    assert manager.kill_switch.latch.actor == "monitor:margin_spiral"


def test_internal_error_fails_closed(clock: SimClock, book: Book) -> None:
    class BrokenView(Book):
        def mark_px(self, symbol: str) -> Decimal | None:
            raise RuntimeError("feed exploded")

    broken = BrokenView(clock)
    broken.instruments = book.instruments
    manager = manager_for(base_policy(), clock)
    decision = manager.check_submit(make_order(qty=1), broken)
    assert not decision.approved
    assert decision.code == R.INTERNAL_ERROR


def test_check_counts_by_path_and_strategy(clock: SimClock, book: Book) -> None:
    manager = manager_for(base_policy(plans={"min_confidence": 0.5}), clock)
    manager.check_submit(make_order(qty=1), book)
    manager.check_submit(make_order(qty=1, parent_id="P-1", strategy_id="twap"), book)
    manager.check_submit(make_order(qty=1, tags={"confidence": "0.7"}), book)
    manager.check_submit(make_order(qty=1, tags={"path": "reconcile"}), book)
    assert dict(manager.check_counts) == {"direct": 1, "algo": 1, "plan": 1, "reconcile": 1}
    assert manager.strategy_counts["twap"] == 1
    assert manager.check_count == 4


def test_a_feed_it_cannot_apply_moves_trading_to_reducing(
    clock: SimClock, book: Book, caplog: pytest.LogCaptureFixture
) -> None:
    manager = manager_for(base_policy(), clock)
    manager.on_event("order.canceled", object())  # not an order event: the book may be off
    assert manager.trading_state is TradingState.REDUCING
    assert "could not apply order.canceled" in caplog.text
    assert manager.check_submit(make_order(qty=1), book).code == R.REDUCING_ONLY

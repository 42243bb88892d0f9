"""SimClock timers and the message bus."""

from __future__ import annotations

import pytest

from bolt_exec.bus import MessageBus
from bolt_exec.clock import SimClock


def test_sim_clock_fires_timers_in_time_then_insertion_order() -> None:
    clock = SimClock(100)
    fired: list[tuple[str, int, int]] = []
    clock.set_timer(300, lambda ts: fired.append(("b", ts, clock.now_ns())))
    clock.set_timer(200, lambda ts: fired.append(("a", ts, clock.now_ns())))
    clock.set_timer(300, lambda ts: fired.append(("c", ts, clock.now_ns())))
    cancelled = clock.set_timer(250, lambda ts: fired.append(("x", ts, ts)))
    cancelled.cancel()
    assert clock.next_timer_ns() == 200
    assert clock.advance_to(1000) == 3
    assert fired == [("a", 200, 200), ("b", 300, 300), ("c", 300, 300)]
    assert clock.now_ns() == 1000


def test_sim_clock_timer_set_by_a_timer_fires_in_the_same_advance() -> None:
    clock = SimClock(0)
    fired: list[int] = []
    clock.set_timer(10, lambda ts: clock.set_timer(ts + 5, fired.append))
    clock.advance_to(20)
    assert fired == [15]


def test_sim_clock_refuses_to_go_back() -> None:
    clock = SimClock(10)
    with pytest.raises(ValueError, match="back in time"):
        clock.advance_to(5)


def test_bus_matches_prefix_patterns_in_priority_order() -> None:
    bus = MessageBus(strict=True)
    seen: list[str] = []
    bus.subscribe("order.*", lambda t, m: seen.append(f"late:{t}"), priority=50)
    bus.subscribe("order.filled", lambda t, m: seen.append(f"early:{t}"), priority=10)
    bus.subscribe("*", lambda t, m: seen.append(f"all:{t}"), priority=90)
    bus.publish("order.filled", 1)
    bus.publish("execution.AAPL", 2)
    assert seen == [
        "early:order.filled",
        "late:order.filled",
        "all:order.filled",
        "all:execution.AAPL",
    ]


def test_bus_strict_reraises_and_lenient_records() -> None:
    def boom(_t: str, _m: object) -> None:
        raise RuntimeError("handler bug")

    strict = MessageBus(strict=True)
    strict.subscribe("x", boom)
    with pytest.raises(RuntimeError):
        strict.publish("x", None)
    lenient = MessageBus()
    sub = lenient.subscribe("x", boom)
    lenient.publish("x", None)
    assert len(lenient.errors) == 1
    lenient.unsubscribe(sub)
    assert not lenient.has_subscribers("x")

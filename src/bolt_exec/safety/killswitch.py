"""KillSwitch: a latched, persisted, audited emergency stop.

Theory of operation
-------------------
``trip(reason, actor)`` does, in this order:

1. sets the trading state to HALTED (no new orders or amends pass);
2. persists the latch (so a restart comes back HALTED);
3. cancels every open order on every broker (``KillTarget.cancel_all``);
4. if the policy says ``flatten_on_trip``, sends one reduce-only market order
   per non-flat position through the OMS, so the SafetyManager still checks
   them (it lets through, while HALTED, only the exact orders the kill switch
   announced, and only if they reduce);
5. publishes :class:`~bolt_exec.safety.events.KillSwitchTripped` on
   ``safety.kill_switch``.

Another process trips it by writing the latch (``bolt-exec kill``); the
running session notices on :meth:`KillSwitch.poll`, which the SafetyManager
calls from its clock timer. Only :meth:`reset`, naming an operator and a
reason, releases the latch; trading then stays HALTED until an operator sets
it ACTIVE. Every step is appended to the shared audit list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Protocol

from bolt_exec.errors import UsageError
from bolt_exec.model.enums import Side
from bolt_exec.model.position import Position
from bolt_exec.safety.events import (
    TOPIC_AUDIT,
    TOPIC_KILL_SWITCH,
    AuditRecord,
    KillSwitchReset,
    KillSwitchTripped,
)
from bolt_exec.safety.latch import LatchState, LatchStore

__all__ = ["KillSwitch", "KillTarget", "Publisher"]

log = logging.getLogger(__name__)


class Publisher(Protocol):
    """Anything with the bus's ``publish(topic, message)`` (``bolt_exec.bus.MessageBus``)."""

    def publish(self, topic: str, message: Any) -> None:
        """Deliver ``message`` on ``topic``."""
        ...


class KillTarget(Protocol):
    """What the kill switch needs from the OMS (the OrderManager satisfies it)."""

    def cancel_all(self) -> Any:
        """Cancel every open order on every broker."""
        ...

    def positions(self) -> Iterable[Position]:
        """Every position."""
        ...

    def submit(
        self,
        symbol: str,
        side: Any,
        qty: Any,
        order_type: str = ...,
        *,
        broker: str | None = ...,
        strategy_id: str = ...,
        reduce_only: bool = ...,
        tags: dict[str, str] | None = ...,
    ) -> Any:
        """Submit an order through the OMS (and so through the SafetyManager)."""
        ...


class _Halter(Protocol):
    def halt(self, actor: str, reason: str) -> None: ...

    def expect_flatten(self, symbol: str, side: Side, qty: Decimal) -> None: ...


class KillSwitch:
    """The latched kill switch.

    Emits: ``KillSwitchTripped`` and ``KillSwitchReset`` on ``safety.kill_switch``,
    ``AuditRecord`` on ``safety.audit``.
    """

    def __init__(
        self,
        store: LatchStore,
        now_ns: Callable[[], int],
        *,
        flatten_on_trip: bool = False,
        publisher: Publisher | None = None,
        audit: list[AuditRecord] | None = None,
    ) -> None:
        self.store = store
        self._now = now_ns
        self.flatten_on_trip = flatten_on_trip
        self.publisher = publisher
        self.audit: list[AuditRecord] = audit if audit is not None else []
        self.target: KillTarget | None = None
        self._halter: _Halter | None = None
        self.latch = store.load()

    def bind(self, halter: _Halter, target: KillTarget | None = None) -> None:
        """Attach the SafetyManager (halt, flatten tickets) and the OMS (cancel, flatten)."""
        self._halter = halter
        if target is not None:
            self.target = target

    @property
    def is_tripped(self) -> bool:
        """True while the latch is set."""
        return self.latch.tripped

    def trip(self, reason: str, actor: str = "operator") -> bool:
        """Latch, halt, cancel everything, maybe flatten, and announce.

        Returns:
            True if this call latched it; False if it was already latched (the
            state is still forced to HALTED and open orders are cancelled again).
        """
        first = not self.latch.tripped
        ts = self._now()
        if first:
            self.latch = LatchState(True, reason, actor, ts)
        self._engage(reason, actor, ts, persist=first, flatten=first)
        return first

    def _engage(self, reason: str, actor: str, ts: int, *, persist: bool, flatten: bool) -> None:
        self._record(ts, actor, "kill_switch.trip" if flatten else "kill_switch.trip_again", reason)
        if self._halter is not None:
            self._halter.halt(actor, f"kill switch: {reason}")
        if persist:
            self.store.save(self.latch)
        target = self.target
        if target is None:
            self._record(ts, actor, "kill_switch.no_target", "no OMS bound: nothing cancelled")
        else:
            try:
                target.cancel_all()
                self._record(ts, actor, "kill_switch.cancel_all")
            except Exception as exc:  # the flatten must still run; the failure is audited
                log.exception("kill switch: cancel_all failed")
                self._record(ts, actor, "kill_switch.cancel_all_failed", repr(exc))
            if flatten and self.flatten_on_trip:
                self.flatten(actor)
        self._publish(TOPIC_KILL_SWITCH, KillSwitchTripped(reason=reason, actor=actor, ts=ts))

    def flatten(self, actor: str = "kill_switch") -> int:
        """Send one reduce-only market order per open position; return how many were sent."""
        target = self.target
        if target is None:
            return 0
        sent = 0
        for pos in list(target.positions()):
            if pos.qty == 0:
                continue
            side = Side.SELL if pos.qty > 0 else Side.BUY
            qty = abs(pos.qty)
            if self._halter is not None:
                self._halter.expect_flatten(pos.symbol, side, qty)
            ts = self._now()
            try:
                target.submit(
                    pos.symbol,
                    side,
                    qty,
                    "MARKET",
                    broker=pos.broker or None,
                    strategy_id="kill_switch",
                    reduce_only=True,
                    tags={"path": "flatten"},
                )
                sent += 1
                self._record(ts, actor, "kill_switch.flatten", f"{side} {qty} {pos.symbol}")
            except Exception as exc:
                log.exception("kill switch: flatten of %s failed", pos.symbol)
                self._record(ts, actor, "kill_switch.flatten_failed", f"{pos.symbol}: {exc!r}")
        return sent

    def reset(self, operator: str, reason: str) -> None:
        """Release the latch. Trading stays HALTED until an operator sets it ACTIVE.

        Raises:
            UsageError: if ``operator`` or ``reason`` is blank.
        """
        if not operator.strip() or not reason.strip():
            raise UsageError(
                f"kill switch reset needs an operator and a reason (got operator={operator!r}, "
                f"reason={reason!r}); name who resets it and why"
            )
        ts = self._now()
        self.latch = LatchState(
            False, self.latch.reason, self.latch.actor, self.latch.ts_ns, operator, reason, ts
        )
        self.store.save(self.latch)
        self._record(ts, operator, "kill_switch.reset", reason)
        self._publish(TOPIC_KILL_SWITCH, KillSwitchReset(operator=operator, reason=reason, ts=ts))

    def poll(self) -> bool:
        """Re-read the store; trip here if another process latched it. True if it tripped."""
        stored = self.store.load()
        if stored.tripped and not self.latch.tripped:
            self.latch = stored
            actor = stored.actor or "external"
            self._engage(stored.reason, actor, self._now(), persist=False, flatten=True)
            return True
        if not stored.tripped and self.latch.tripped and stored.reset_ts_ns > self.latch.ts_ns:
            # released by `bolt-exec kill --reset` elsewhere; trading stays HALTED here
            self.latch = stored
            self._record(self._now(), stored.reset_by, "kill_switch.reset", stored.reset_reason)
        return False

    def _record(self, ts: int, actor: str, action: str, detail: str = "") -> None:
        record = AuditRecord(ts=ts, actor=actor, action=action, detail=detail)
        self.audit.append(record)
        self._publish(TOPIC_AUDIT, record)

    def _publish(self, topic: str, message: object) -> None:
        if self.publisher is not None:
            self.publisher.publish(topic, message)

"""The audit trail: append-only, hash-chained, separate from application logs.

Every command, decision, event and operator action is appended as an
:class:`~bolt_exec.compliance.audit_record.AuditRecord` carrying the actor,
the time and the SHA-256 of the record before it. Two stores:

* :class:`MemoryAuditTrail` -- tests, notebooks, backtests;
* :class:`~bolt_exec.compliance.audit_file.FileAuditTrail` -- one canonical
  JSON line per record, ``fsync``-ed before :meth:`~AuditTrail.append`
  returns, locked against a second writer, verified on open.

:meth:`AuditTrail.subscribe` records every ``order.*`` and ``safety.*`` bus
message at priority 1, before safety (10) and the OMS (20) react to it, so
the trail shows cause before consequence.

Emits: nothing; it only records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from bolt_exec.clock import Clock
from bolt_exec.compliance.audit_record import (
    GENESIS_HASH,
    AuditKind,
    AuditRecord,
    VerifyResult,
    verify_chain,
)
from bolt_exec.compliance.canonical import to_plain
from bolt_exec.errors import ValidationError

__all__ = [
    "AuditKind",
    "AuditRecord",
    "AuditTrail",
    "MemoryAuditTrail",
]


class _Bus(Protocol):
    def subscribe(
        self, pattern: str, handler: Callable[[str, Any], None], priority: int = ...
    ) -> Any: ...


def _payload_of(message: Any) -> dict[str, Any]:
    try:
        plain = to_plain(message)
    except TypeError:
        # An unknown object still leaves a trace rather than vanishing.
        return {"type": type(message).__name__, "repr": repr(message)}
    if isinstance(plain, dict):
        return plain
    return {"value": plain}


class AuditTrail:
    """Base of the audit stores: build, chain and append records.

    Args:
        clock: where times come from when the caller gives none (and for bus
            messages without a timestamp).
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock
        self._next_seq = 0
        self._head = GENESIS_HASH

    # -- storage hooks ---------------------------------------------------
    def _write(self, record: AuditRecord) -> None:
        raise NotImplementedError("AuditTrail._write must be implemented by a store")

    def records(self) -> Iterator[AuditRecord]:
        """Iterate over the stored records, oldest first."""
        raise NotImplementedError("AuditTrail.records must be implemented by a store")

    # -- API ---------------------------------------------------------------
    @property
    def head(self) -> tuple[int, str]:
        """``(record count, last hash)``: keep it elsewhere to detect a cut-off tail."""
        return self._next_seq, self._head

    def append(
        self,
        kind: AuditKind | str,
        action: str,
        *,
        actor: str,
        subject: str = "",
        payload: Mapping[str, Any] | None = None,
        ts_ns: int | None = None,
    ) -> AuditRecord:
        """Append one record and return it (durable when this returns, for file stores).

        Args:
            kind: command, decision, event or operator.
            action: what was done (``submit``, ``order.filled``, ``kill_switch.trip``).
            actor: who did it (a strategy id, ``oms``, ``safety``, an operator's name).
            subject: what it was done to (a client order id, a symbol), if anything.
            payload: the details, JSON-ready (Decimals are kept exact as strings).
            ts_ns: when; the trail's clock when omitted.

        Raises:
            ValidationError: on an empty actor or action, or no time available.
        """
        if not actor:
            raise ValidationError("actor", actor, "must name who acted", "pass actor='oms'")
        if not action:
            raise ValidationError("action", action, "must say what was done")
        if ts_ns is None:
            if self._clock is None:
                raise ValidationError(
                    "ts_ns",
                    None,
                    "no time given and the trail has no clock",
                    "pass ts_ns= or build the trail with clock=",
                )
            ts_ns = self._clock.now_ns()
        try:
            kind = AuditKind(kind)
        except ValueError:
            raise ValidationError(
                "kind", kind, "is not an audit kind", "use command, decision, event or operator"
            ) from None
        record = AuditRecord.build(
            self._next_seq,
            ts_ns,
            actor,
            str(kind),
            action,
            subject,
            to_plain(dict(payload or {})),
            self._head,
        )
        self._write(record)
        self._next_seq, self._head = record.seq + 1, record.hash
        return record

    def record_command(
        self,
        action: str,
        *,
        actor: str,
        subject: str = "",
        payload: Mapping[str, Any] | None = None,
        ts_ns: int | None = None,
    ) -> AuditRecord:
        """Append a command (a request: submit, amend, cancel, cancel_all...)."""
        return self.append(
            AuditKind.COMMAND, action, actor=actor, subject=subject, payload=payload, ts_ns=ts_ns
        )

    def record_decision(
        self,
        action: str,
        *,
        actor: str,
        approved: bool,
        reason: str = "",
        code: str = "",
        subject: str = "",
        ts_ns: int | None = None,
    ) -> AuditRecord:
        """Append a decision (a safety verdict, an approval gate's answer)."""
        payload = {"approved": approved, "code": code, "reason": reason}
        return self.append(
            AuditKind.DECISION, action, actor=actor, subject=subject, payload=payload, ts_ns=ts_ns
        )

    def record_operator(
        self,
        action: str,
        *,
        actor: str,
        reason: str,
        payload: Mapping[str, Any] | None = None,
        ts_ns: int | None = None,
    ) -> AuditRecord:
        """Append an operator action; a reason is required (kill switch, re-arm, override)."""
        if not reason:
            raise ValidationError("reason", reason, "operator actions need a reason")
        body = {"reason": reason, **(payload or {})}
        return self.append(AuditKind.OPERATOR, action, actor=actor, payload=body, ts_ns=ts_ns)

    def record_message(self, topic: str, message: Any) -> AuditRecord:
        """Append a bus message (what :meth:`subscribe` does for each one).

        The record's time is when it was recorded (the trail's clock); the
        message's own times (``ts_event``, ``ts_init``) stay in the payload.
        Without a clock, the message's ``ts_event`` or ``ts_ns`` is used.
        """
        ts = None
        if self._clock is None:
            ts = getattr(message, "ts_event", None) or getattr(message, "ts_ns", None)
        actor = getattr(message, "actor", None) or (
            "oms" if topic.startswith("order.") else topic.split(".", 1)[0]
        )
        kind = AuditKind.DECISION if hasattr(message, "approved") else AuditKind.EVENT
        subject = getattr(message, "client_order_id", "") or getattr(message, "symbol", "") or ""
        return self.append(
            kind,
            topic,
            actor=str(actor),
            subject=str(subject),
            payload=_payload_of(message),
            ts_ns=ts if isinstance(ts, int) else None,
        )

    def subscribe(
        self, bus: _Bus, patterns: tuple[str, ...] = ("order.*", "safety.*"), priority: int = 1
    ) -> list[Any]:
        """Record every bus message on ``patterns``; return the subscriptions.

        Raises:
            ValidationError: when the trail has no clock (some messages carry no time).
        """
        if self._clock is None:
            raise ValidationError(
                "clock", None, "subscribe needs a trail with a clock", "build the trail with clock="
            )
        return [bus.subscribe(p, self._on_message, priority) for p in patterns]

    def _on_message(self, topic: str, message: Any) -> None:
        self.record_message(topic, message)

    def verify(self) -> VerifyResult:
        """Verify the stored chain against this trail's own head (catches a cut-off tail)."""
        count, head = self.head
        return verify_chain(self.records(), expected_count=count, expected_head=head)


class MemoryAuditTrail(AuditTrail):
    """An audit trail held in memory."""

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self._records: list[AuditRecord] = []

    def _write(self, record: AuditRecord) -> None:
        self._records.append(record)

    def records(self) -> Iterator[AuditRecord]:
        """Iterate over the records, oldest first."""
        return iter(list(self._records))

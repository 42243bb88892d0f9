"""Audit records and chain verification (no I/O).

Theory of operation
-------------------
An audit record is ``{seq, ts_ns, actor, kind, action, subject, payload,
prev_hash, hash}``. ``hash`` is the SHA-256 (hex) of the canonical JSON of
every other field (see :mod:`bolt_exec.compliance.canonical`); ``prev_hash``
is the previous record's ``hash`` (64 zeros for the first). ``seq`` starts at
0 and rises by one.

So an edit changes a record's hash (caught by recomputing it); an insertion,
deletion or reordering breaks ``seq`` and ``prev_hash`` at the seam. The
one thing a chain cannot show by itself is records cut off *at the end*:
for that, keep the head ``(count, hash)`` somewhere else (the daily report,
an operator's log) and pass it to :func:`verify_chain`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from bolt_exec.compliance.canonical import canonical_json

__all__ = [
    "GENESIS_HASH",
    "AuditKind",
    "AuditProblem",
    "AuditRecord",
    "VerifyResult",
    "record_hash",
    "verify_chain",
]

GENESIS_HASH: Final = "0" * 64
_FIELDS: Final = ("seq", "ts_ns", "actor", "kind", "action", "subject", "payload", "prev_hash")


class AuditKind(StrEnum):
    """What an audit record is about."""

    COMMAND = "command"  # someone asked for something (submit, cancel, amend)
    DECISION = "decision"  # a check approved or denied it
    EVENT = "event"  # something happened (order events, safety events)
    OPERATOR = "operator"  # a human acted (kill switch, re-arm, policy change)


def record_hash(body: Mapping[str, Any]) -> str:
    """Return the SHA-256 hex of the canonical JSON of a record's fields (minus ``hash``)."""
    return hashlib.sha256(canonical_json({k: body[k] for k in _FIELDS})).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One link of the audit chain (see the module docstring)."""

    seq: int
    ts_ns: int
    actor: str
    kind: str
    action: str
    subject: str
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a plain mapping (the JSON Lines form)."""
        return {
            "seq": self.seq,
            "ts_ns": self.ts_ns,
            "actor": self.actor,
            "kind": self.kind,
            "action": self.action,
            "subject": self.subject,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    def to_json(self) -> bytes:
        """Return the canonical JSON line (no newline)."""
        return canonical_json(self.as_dict())

    @staticmethod
    def build(
        seq: int,
        ts_ns: int,
        actor: str,
        kind: str,
        action: str,
        subject: str,
        payload: Mapping[str, Any],
        prev_hash: str,
    ) -> AuditRecord:
        """Return a record with its hash computed."""
        body = {
            "seq": seq,
            "ts_ns": ts_ns,
            "actor": actor,
            "kind": kind,
            "action": action,
            "subject": subject,
            "payload": payload,
            "prev_hash": prev_hash,
        }
        return AuditRecord(**body, hash=record_hash(body))  # type: ignore[arg-type]

    @staticmethod
    def from_mapping(raw: Mapping[str, Any]) -> AuditRecord:
        """Parse a stored record, checking only its shape (hashes are :func:`verify_chain`'s job).

        Raises:
            ValueError: naming the missing or mistyped field.
        """
        expect = {
            "seq": int,
            "ts_ns": int,
            "actor": str,
            "kind": str,
            "action": str,
            "subject": str,
            "payload": Mapping,
            "prev_hash": str,
            "hash": str,
        }
        for name, typ in expect.items():
            value = raw.get(name)
            if isinstance(value, bool) or not isinstance(value, typ):
                raise ValueError(f"field {name!r} is {value!r}, expected {typ.__name__}")
        extra = set(raw) - set(expect)
        if extra:
            raise ValueError(f"unexpected field(s) {sorted(extra)}")
        return AuditRecord(**{k: raw[k] for k in expect})


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """Where the chain is broken and how.

    Attributes:
        index: position in the stored sequence (0-based line/record number).
        seq: the record's own ``seq`` (None when the record could not be read).
        problem: what is wrong, in words an auditor can act on.
    """

    index: int
    seq: int | None
    problem: str

    def __str__(self) -> str:
        return f"record #{self.index} (seq {self.seq}): {self.problem}"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of :func:`verify_chain`; truthy when the chain is intact."""

    count: int
    head_hash: str
    problems: tuple[AuditProblem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def __bool__(self) -> bool:
        return self.ok

    def summary(self) -> str:
        """One line for OK, or one line per problem."""
        if self.ok:
            return f"OK: {self.count} records, head {self.head_hash}"
        return "\n".join(
            ["BROKEN: " + str(self.problems[0])] + ["        " + str(p) for p in self.problems[1:]]
        )


def verify_chain(
    records: Iterable[AuditRecord | Exception],
    *,
    expected_count: int | None = None,
    expected_head: str | None = None,
) -> VerifyResult:
    """Check every link of an audit chain and report each break.

    Args:
        records: the stored records in stored order; an ``Exception`` in
            place of a record means that line could not be parsed.
        expected_count: the record count kept elsewhere (detects a cut-off tail).
        expected_head: the last hash kept elsewhere (detects a cut-off or rewritten tail).

    Returns:
        A :class:`VerifyResult` listing every problem with its index and seq.
        After a break, checking resumes from the stored values, so one edit
        reports one problem and not a cascade.
    """
    problems: list[AuditProblem] = []
    prev_hash, next_seq, count = GENESIS_HASH, 0, 0
    for index, rec in enumerate(records):
        count += 1
        if isinstance(rec, Exception):
            problems.append(AuditProblem(index, None, f"unreadable record: {rec}"))
            next_seq += 1
            continue
        computed = record_hash(rec.as_dict())
        if computed != rec.hash:
            problems.append(
                AuditProblem(
                    index,
                    rec.seq,
                    f"content edited: stored hash {rec.hash[:16]}... but the fields hash to "
                    f"{computed[:16]}...",
                )
            )
        if rec.seq > next_seq:
            problems.append(
                AuditProblem(
                    index,
                    rec.seq,
                    f"sequence gap: expected seq {next_seq}, found {rec.seq} "
                    f"({rec.seq - next_seq} record(s) deleted before this one)",
                )
            )
        elif rec.seq < next_seq:
            problems.append(
                AuditProblem(
                    index,
                    rec.seq,
                    f"sequence out of order: expected seq {next_seq}, found {rec.seq} "
                    "(a record was inserted or moved here)",
                )
            )
        if rec.prev_hash != prev_hash:
            problems.append(
                AuditProblem(
                    index,
                    rec.seq,
                    "chain broken: prev_hash does not match the hash of the record before "
                    "(a record was inserted, deleted, moved or rewritten just before this one)",
                )
            )
        prev_hash, next_seq = rec.hash, rec.seq + 1
    if expected_count is not None and count != expected_count:
        problems.append(
            AuditProblem(
                count,
                None,
                f"record count {count} differs from the expected {expected_count} "
                "(records cut off or appended at the end)",
            )
        )
    if expected_head is not None and prev_hash != expected_head:
        problems.append(
            AuditProblem(
                count,
                None,
                f"head hash {prev_hash[:16]}... differs from the expected {expected_head[:16]}... "
                "(the end of the trail was cut off or rewritten)",
            )
        )
    return VerifyResult(count, prev_hash, tuple(problems))

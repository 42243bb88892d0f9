"""Safety events and audit records published on the bus.

Topics: ``safety.kill_switch`` (:class:`KillSwitchTripped`, :class:`KillSwitchReset`),
``safety.state`` (:class:`TradingStateChanged`), ``safety.audit``
(:class:`AuditRecord`, every action with its actor; the compliance audit
trail subscribes) and ``safety.warning`` (approved-with-warning decisions).
"""

from __future__ import annotations

from typing import Final

import msgspec

__all__ = [
    "TOPIC_AUDIT",
    "TOPIC_KILL_SWITCH",
    "TOPIC_STATE",
    "TOPIC_WARNING",
    "AuditRecord",
    "KillSwitchReset",
    "KillSwitchTripped",
    "TradingStateChanged",
]

TOPIC_KILL_SWITCH: Final = "safety.kill_switch"
TOPIC_STATE: Final = "safety.state"
TOPIC_AUDIT: Final = "safety.audit"
TOPIC_WARNING: Final = "safety.warning"


class KillSwitchTripped(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """The kill switch latched: trading is HALTED until an operator resets it."""

    reason: str
    actor: str
    ts: int


class KillSwitchReset(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """An operator released the latch (trading stays HALTED until set ACTIVE)."""

    operator: str
    reason: str
    ts: int


class TradingStateChanged(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """The trading state moved (ACTIVE, REDUCING, HALTED)."""

    old: str
    new: str
    actor: str
    reason: str
    ts: int


class AuditRecord(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """One safety action: who did what, when, and the details."""

    ts: int
    actor: str
    action: str
    detail: str = ""
    code: str = ""
    client_order_id: str = ""

"""Part 43 follow-ups: the records that modify, correct or cancel a disseminated swap.

The public tape is append-only: a correction or cancellation is a *new*
record pointing back at the original's dissemination id [S70]. An update to
an elected (block / large-notional) swap never goes out before the original
does: it is released after the original's dissemination or after its own
delay, whichever is later [S64]. A post-priced swap still unpriced at
11:59:59 p.m. ET is reported without its price by then, and the price
follows as a modification (the action code for that follow-up is
UNVERIFIED).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from bolt_exec.compliance.cftc_part43_rules import Part43Rules
from bolt_exec.compliance.cftc_part43_time import post_priced_deadline_ns
from bolt_exec.errors import ValidationError

__all__ = ["follow_up", "partial_report_due", "price_update", "update_release_ns"]

_NS: Final = 1_000_000_000
_NO_EVENT_TYPE: Final = ("CORR", "EROR", "REVI")


def _iso(ts_ns: int) -> str:
    return datetime.fromtimestamp(ts_ns // _NS, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def update_release_ns(original_release_ns: int, update_ts_ns: int, update_delay_ns: int = 0) -> int:
    """Return when an update may be disseminated: never before the original."""
    return max(original_release_ns, update_ts_ns + update_delay_ns)


def partial_report_due(execution_ns: int, now_ns: int, price_known: bool) -> bool:
    """Return True when a post-priced swap must be reported without its price now."""
    return not price_known and now_ns >= post_priced_deadline_ns(execution_ns)


def follow_up(
    original: Mapping[str, Any],
    *,
    action: str,
    ts_ns: int,
    original_release_ns: int,
    dissemination_id: str,
    rules: Part43Rules,
    changes: Mapping[str, Any] | None = None,
    update_delay_ns: int = 0,
) -> dict[str, Any]:
    """Return a new public record that modifies, corrects or cancels ``original``.

    Args:
        original: the public record being followed up.
        action: ``MODI``, ``TERM``, ``CORR``, ``EROR`` or ``REVI``.
        ts_ns: when the follow-up happened.
        original_release_ns: when the original was (or will be) disseminated.
        dissemination_id: the new record's own id.
        rules: the Part 43 rules of the swap's execution date.
        changes: the public fields that change (identity fields are refused).
        update_delay_ns: the follow-up's own delay, if any.

    Raises:
        ValidationError: a disallowed action/event pair, or a change to a field
            that identifies the record rather than describing the swap.
    """
    event = None if action in _NO_EVENT_TYPE else rules.event_type_new
    rules.check_action_event(action, event)
    changes = dict(changes or {})
    for name in ("dissemination_id", "original_dissemination_id", "action_type", "event_type"):
        if name in changes:
            raise ValidationError(f"changes[{name!r}]", changes[name], "is set by follow_up")
    unknown = sorted(set(changes) - set(original))
    if unknown:
        raise ValidationError("changes", unknown, "are not public record fields")
    record = {**original, **changes}
    record.update(
        dissemination_id=dissemination_id,
        original_dissemination_id=original["dissemination_id"],
        action_type=action,
        event_type=event,
        event_timestamp=_iso(ts_ns),
        dissemination_not_before=_iso(
            update_release_ns(original_release_ns, ts_ns, update_delay_ns)
        ),
    )
    return record


def price_update(
    original: Mapping[str, Any],
    *,
    price: Decimal,
    ts_ns: int,
    original_release_ns: int,
    dissemination_id: str,
    rules: Part43Rules,
) -> dict[str, Any]:
    """Return the follow-up that adds the price to a post-priced swap reported without it.

    Raises:
        ValidationError: when the original already carries a price.
    """
    if original.get("price") is not None:
        raise ValidationError(
            "price",
            original["price"],
            "the original already has a price",
            "send a correction (CORR) instead",
        )
    return follow_up(
        original,
        action="MODI",
        ts_ns=ts_ns,
        original_release_ns=original_release_ns,
        dissemination_id=dissemination_id,
        rules=rules,
        changes={"price": price},
    )

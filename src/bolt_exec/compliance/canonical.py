"""Canonical JSON: one byte sequence per value, for hashes and diffable reports.

Rules (the same for audit hashes and report files, so both are reproducible):

* object keys sorted; UTF-8; no NaN or infinity (refused);
* ``Decimal`` written as a string in its exact form (``"189.50"`` stays
  ``"189.50"``), never as a float;
* ``date``/``datetime`` as ISO 8601 strings, enums as their values,
  dataclasses and ``msgspec`` structs as their fields, tuples as lists;
* :func:`canonical_json` is compact (the hash input), :func:`pretty_json`
  is indented with a final newline (the file format humans diff).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

import msgspec

from bolt_exec.model.events import OrderEvent, encode_event_full

__all__ = ["canonical_json", "journal_sha256", "pretty_json", "to_plain"]


def to_plain(value: Any) -> Any:
    """Return ``value`` as JSON-ready builtins (see the module rules).

    Raises:
        TypeError: for a value with no canonical form (a set, an arbitrary object).
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise TypeError(f"{value!r} has no JSON form; use a Decimal or None")
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"{value!r} has no JSON form; use None")
        return str(value)
    if isinstance(value, Enum):
        return to_plain(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, msgspec.Struct):
        out = {f: to_plain(getattr(value, f)) for f in value.__struct_fields__}
        tag = type(value).__struct_config__.tag
        if tag is not None and tag is not False:
            out["type"] = type(value).__name__
        return out
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    raise TypeError(f"{type(value).__name__} has no canonical JSON form: {value!r}")


def canonical_json(value: Any) -> bytes:
    """Return the compact canonical JSON bytes of ``value`` (the hash input)."""
    return json.dumps(
        to_plain(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def pretty_json(value: Any) -> bytes:
    """Return indented canonical JSON with a final newline (for report files)."""
    text = json.dumps(
        to_plain(value), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False
    )
    return (text + "\n").encode("utf-8")


def journal_sha256(events: Iterable[OrderEvent]) -> str:
    """Return the SHA-256 of the journal as encoded events, one per line (ties a report to it).

    Over the every-field encoding, so the digest of a journal does not depend on how
    the store happens to encode events.
    """
    h = hashlib.sha256()
    for ev in events:
        h.update(encode_event_full(ev) + b"\n")
    return h.hexdigest()

"""Decoded venue payloads as plain JSON, for the codecs' golden files.

Events are written in their every-field form (:func:`encode_event_full`): the
journal's compact encoding leaves defaults out, but a golden must show every
field the codec produced, defaults included.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import msgspec

from bolt_exec.model.events import OrderEvent, encode_event_full

_ENCODER = msgspec.json.Encoder(decimal_format="string")


def as_plain(value: Any) -> Any:
    """Return ``value`` as JSON builtins, events with every field."""
    if isinstance(value, OrderEvent):
        return json.loads(encode_event_full(value))
    if isinstance(value, list | tuple):
        return [as_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: as_plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return json.loads(_ENCODER.encode(value))

"""The journal's batch encoding is exactly the per-event one, for any text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    decode_event,
    encode_event,
    encode_event_full,
    encode_events,
)

_text = st.text(max_size=20)  # any code point: newlines, U+2028, quotes, NUL


@st.composite
def _event(draw: st.DrawFn) -> OrderEvent:
    common = {
        "client_order_id": draw(_text),
        "ts_event": draw(st.integers(0, 2**62)),
        "ts_init": draw(st.integers(0, 2**62)),
        "event_id": draw(_text),
        "reconciliation": draw(st.booleans()),
    }
    if draw(st.booleans()):
        return OrderAccepted(**common, venue_order_id=draw(_text))
    return OrderCanceled(**common, reason=draw(_text))


@given(st.lists(_event(), max_size=8))
def test_batch_encoding_equals_one_by_one_and_round_trips(events: list[OrderEvent]) -> None:
    payloads = encode_events(events)
    assert payloads == [encode_event(e).decode() for e in events]
    assert [decode_event(p) for p in payloads] == events


@given(_event())
def test_full_and_compact_encodings_decode_to_the_same_event(event: OrderEvent) -> None:
    assert decode_event(encode_event_full(event)) == decode_event(encode_event(event)) == event

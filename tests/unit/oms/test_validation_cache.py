"""The per-instrument memory of validated prices and sizes keeps validation exact."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bolt_exec.errors import ValidationError
from bolt_exec.model.instrument import Instrument
from bolt_exec.oms.validation import validate_order
from bolt_exec.testing.builders import make_instrument


def _limit(inst: Instrument, qty: object, px: object) -> tuple[Decimal, Decimal | None]:
    spec = validate_order(
        inst,
        side="BUY",
        qty=qty,
        order_type="LIMIT",
        limit_px=px,
        stop_px=None,
        tif="GTC",
        expire_ts=None,
        now_ns=0,
        ref_px=None,
    )
    return spec.qty, spec.limit_px


def test_equal_inputs_of_different_types_keep_their_own_exponent() -> None:
    inst = make_instrument()

    by_str = _limit(inst, "100", "99.00")
    by_float = _limit(inst, 100.0, 99.0)
    by_int = _limit(inst, 100, 99)

    assert [str(q) for q, _ in (by_str, by_float, by_int)] == ["100", "100.0", "100"]
    assert [str(p) for _, p in (by_str, by_float, by_int)] == ["99.00", "99.0", "99"]
    assert _limit(inst, "100", "99.00") == by_str  # the remembered answer is the same


def test_a_bad_value_is_refused_every_time_and_never_remembered() -> None:
    inst = make_instrument()  # tick 0.01
    _limit(inst, "100", "99.00")

    for _ in range(2):
        with pytest.raises(ValidationError, match="limit_px") as err:
            _limit(inst, "100", "99.005")
        assert "99.005" in str(err.value)


def test_another_instrument_object_gets_its_own_grid() -> None:
    cents = make_instrument(tick_size=Decimal("0.01"))
    dimes = make_instrument(tick_size=Decimal("0.10"))

    assert _limit(cents, "1", "99.01")[1] == Decimal("99.01")
    with pytest.raises(ValidationError, match="tick size"):
        _limit(dimes, "1", "99.01")

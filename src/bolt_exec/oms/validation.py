"""Turn what a caller typed into a well-formed order spec, or say exactly what is wrong.

Pure: the instrument and a reference price come in, a :class:`OrderSpec` or
a :class:`~bolt_exec.errors.ValidationError` (naming the field, the value
and the fix) comes out. Nothing here touches the broker.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from typing import Final, NamedTuple, TypeVar

from bolt_exec.adapters.base import Capabilities
from bolt_exec.errors import UnsupportedError, ValidationError
from bolt_exec.model.enums import OrderType, Side, TimeInForce
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.numbers import to_decimal

__all__ = [
    "OrderSpec",
    "check_capabilities",
    "parse_enum",
    "validate_amend",
    "validate_order",
]

# Enum members and status sets as module constants: the compiled build (setup.py) reads
# these as C statics, where ``Side.BUY`` is a lookup through the enum's metaclass.
_GTD: Final = TimeInForce.GTD
_LIMIT: Final = OrderType.LIMIT
_STOP: Final = OrderType.STOP
_STOP_LIMIT: Final = OrderType.STOP_LIMIT

E = TypeVar("E", bound=StrEnum)

# Per enum: every spelling seen so far -> its member (members map to themselves). Bounded,
# because a caller could feed it endless distinct bad strings.
_ENUM_CACHE: dict[type[StrEnum], dict[object, StrEnum]] = {}
_ENUM_CACHE_MAX = 256


class OrderSpec(NamedTuple):
    """A validated new order."""

    side: Side
    order_type: OrderType
    qty: Decimal
    limit_px: Decimal | None
    stop_px: Decimal | None
    tif: TimeInForce
    expire_ts: int | None


def parse_enum(enum: type[E], value: object, field: str) -> E:
    """Return ``value`` as a member of ``enum`` (case-insensitive for strings)."""
    known = _ENUM_CACHE.get(enum)
    if known is None:
        known = _ENUM_CACHE[enum] = {m: m for m in enum}
    try:
        member = known.get(value)
    except TypeError:  # unhashable: certainly not a member
        member = None
    if member is not None:
        return member  # type: ignore[return-value]
    if isinstance(value, str):
        try:
            member = enum(value.upper())
        except ValueError:
            pass
        else:
            if len(known) < _ENUM_CACHE_MAX:
                known[value] = member
            return member
    allowed = ", ".join(m.value for m in enum)
    raise ValidationError(field, value, f"is not one of {allowed}", f"use one of {allowed}")


def _px(value: object, field: str, inst: Instrument) -> Decimal:
    px = to_decimal(value, field)
    inst.check_px(px, field)
    return px


class _GridCache:
    """One instrument's prices and quantities already parsed and found on its grid.

    Strategies send the same few hundred price strings and sizes over and over, and
    parsing one plus its grid check (a Decimal division) cost more than the rest of
    an order's validation. Only str, float and int inputs are remembered, each type
    in its own map (``1 == 1.0`` must not share an entry: ``Decimal("1")`` and
    ``Decimal("1.0")`` are journaled differently); Decimals are checked every time,
    and errors are never cached, so a bad value always gets its full error.
    """

    def __init__(self, inst: Instrument) -> None:
        self.inst = inst
        self.px: dict[type, dict[object, Decimal]] = {str: {}, float: {}, int: {}}
        self.qty: dict[type, dict[object, Decimal]] = {str: {}, float: {}, int: {}}

    def parse_px(self, value: object, field: str) -> Decimal:
        return self._parse(self.px, value, field, _px)

    def parse_qty(self, value: object, field: str) -> Decimal:
        return self._parse(self.qty, value, field, _qty)

    def _parse(
        self,
        known_by_type: dict[type, dict[object, Decimal]],
        value: object,
        field: str,
        parse: Callable[[object, str, Instrument], Decimal],
    ) -> Decimal:
        known = known_by_type.get(type(value))
        if known is None:
            return parse(value, field, self.inst)
        number = known.get(value)
        if number is None:
            number = parse(value, field, self.inst)
            if len(known) < _GRID_CACHE_MAX:
                known[value] = number
        return number


def _qty(value: object, field: str, inst: Instrument) -> Decimal:
    qty = to_decimal(value, field)
    inst.check_qty(qty, field)
    return qty


# Per instrument object (by identity; the entry keeps it alive, so its id is not reused).
_GRID_CACHES: dict[int, _GridCache] = {}
_GRID_CACHE_MAX = 4096
_GRID_INSTRUMENTS_MAX = 1024


def _grid(inst: Instrument) -> _GridCache:
    cache = _GRID_CACHES.get(id(inst))
    if cache is None or cache.inst is not inst:
        if len(_GRID_CACHES) >= _GRID_INSTRUMENTS_MAX:
            _GRID_CACHES.clear()
        cache = _GRID_CACHES[id(inst)] = _GridCache(inst)
    return cache


def validate_order(
    inst: Instrument,
    *,
    side: object,
    qty: object,
    order_type: object,
    limit_px: object,
    stop_px: object,
    tif: object,
    expire_ts: object,
    now_ns: int,
    ref_px: Decimal | None,
) -> OrderSpec:
    """Validate a new order against ``inst``; see the module docstring."""
    side_ = parse_enum(Side, side, "side")
    type_ = parse_enum(OrderType, order_type, "order_type")
    tif_ = parse_enum(TimeInForce, tif, "tif")
    grid = _grid(inst)
    qty_ = grid.parse_qty(qty, "qty")
    needs_limit = type_ in (_LIMIT, _STOP_LIMIT)
    needs_stop = type_ in (_STOP, _STOP_LIMIT)
    if needs_limit and limit_px is None:
        raise ValidationError("limit_px", None, f"is required for {type_} orders", "pass limit_px")
    if not needs_limit and limit_px is not None:
        raise ValidationError(
            "limit_px",
            limit_px,
            f"must not be set on a {type_} order",
            "use order_type='LIMIT' or 'STOP_LIMIT', or drop limit_px",
        )
    if needs_stop and stop_px is None:
        raise ValidationError("stop_px", None, f"is required for {type_} orders", "pass stop_px")
    if not needs_stop and stop_px is not None:
        raise ValidationError(
            "stop_px",
            stop_px,
            f"must not be set on a {type_} order",
            "use order_type='STOP' or 'STOP_LIMIT', or drop stop_px",
        )
    limit_ = grid.parse_px(limit_px, "limit_px") if limit_px is not None else None
    stop_ = grid.parse_px(stop_px, "stop_px") if stop_px is not None else None
    expire_ = _expire(tif_, expire_ts, now_ns)
    px_for_notional = limit_ or stop_ or ref_px
    if px_for_notional is not None and inst.min_notional > 0:
        notional = inst.notional(qty_, px_for_notional)
        if notional < inst.min_notional:
            raise ValidationError(
                "qty",
                str(qty_),
                f"notional {notional} is below {inst.symbol}'s minimum "
                f"notional {inst.min_notional}",
                "increase qty",
            )
    return OrderSpec(side_, type_, qty_, limit_, stop_, tif_, expire_)


def _expire(tif: TimeInForce, expire_ts: object, now_ns: int) -> int | None:
    if tif is not _GTD:
        if expire_ts is not None:
            raise ValidationError(
                "expire_ts",
                expire_ts,
                f"is only used with tif=GTD, not {tif}",
                "use tif='GTD' or drop expire_ts",
            )
        return None
    if isinstance(expire_ts, bool) or not isinstance(expire_ts, int):
        raise ValidationError(
            "expire_ts",
            expire_ts,
            "must be an int of UNIX nanoseconds for tif=GTD",
            "pass expire_ts=clock.now_ns() + duration_ns",
        )
    if expire_ts <= now_ns:
        raise ValidationError(
            "expire_ts",
            expire_ts,
            f"is not in the future (now is {now_ns})",
            "pass a later time",
        )
    return expire_ts


def validate_amend(
    inst: Instrument,
    *,
    order_type: OrderType,
    filled_qty: Decimal,
    qty: object,
    limit_px: object,
    stop_px: object,
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Validate an amend; return the new (qty, limit_px, stop_px), None where unchanged."""
    if qty is None and limit_px is None and stop_px is None:
        raise ValidationError(
            "qty", None, "an amend needs at least one of qty, limit_px, stop_px", "pass one"
        )
    qty_ = None
    if qty is not None:
        qty_ = to_decimal(qty, "qty")
        inst.check_qty(qty_, "qty")
        if qty_ <= filled_qty:
            raise ValidationError(
                "qty",
                str(qty_),
                f"must exceed the filled quantity {filled_qty}",
                "cancel the order instead to stop it",
            )
    if limit_px is not None and order_type not in (_LIMIT, _STOP_LIMIT):
        raise ValidationError("limit_px", limit_px, f"cannot be set on a {order_type} order")
    if stop_px is not None and order_type not in (_STOP, _STOP_LIMIT):
        raise ValidationError("stop_px", stop_px, f"cannot be set on a {order_type} order")
    limit_ = _px(limit_px, "limit_px", inst) if limit_px is not None else None
    stop_ = _px(stop_px, "stop_px", inst) if stop_px is not None else None
    return qty_, limit_, stop_


def check_capabilities(caps: Capabilities, spec: OrderSpec, broker: str) -> None:
    """Raise UnsupportedError if the broker cannot take this order type or time in force."""
    if spec.order_type not in caps.order_types:
        raise UnsupportedError(
            f"order_type={spec.order_type}: broker {broker!r} does not support it; "
            f"supported: {sorted(caps.order_types)}"
        )
    if spec.tif not in caps.tifs:
        raise UnsupportedError(
            f"tif={spec.tif}: broker {broker!r} does not support it; supported: {sorted(caps.tifs)}"
        )

"""The ExecAlgorithm port: a pure scheduler from (parent, now, market, progress) to children.

Theory of operation
-------------------
An algorithm never talks to a broker (design invariant 7). The runner calls
:meth:`ExecAlgorithm.step` at every wake-up (a timer the algorithm asked for,
a child order finishing, a parent cancel) with:

* the :class:`ParentOrder` (what to do, by when, at what price at worst);
* ``now_ns`` from the clock;
* a :class:`MarketView` snapshot (top of book, last trade, cumulative volume),
  or None when there is no market data yet;
* the :class:`Progress` so far: filled quantity, quantity in flight (the leaves
  of every child the venue has not confirmed done, including those with a
  cancel pending), and the open children.

It returns an :class:`AlgoStep`: child intents to send, children to cancel,
the next wake-up time, and whether it is finished. Child quantities are
clamped with :func:`~bolt_exec.algos.slicing.clamp_child`, so
``filled + in_flight + new children <= parent qty`` always holds, and a child
whose cancel is pending still counts as in flight: nothing is re-sent before
the venue confirms the cancel.

An algorithm's whole state is JSON (:meth:`~ExecAlgorithm.state`), so a
running algorithm resumes after a crash from its last saved state
(:func:`algo_from_state`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import OrderType, Side, TimeInForce
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.numbers import ZERO, to_decimal

__all__ = [
    "ALGORITHMS",
    "AlgoStep",
    "ChildIntent",
    "ChildView",
    "ExecAlgorithm",
    "MarketView",
    "ParentOrder",
    "Progress",
    "algo_from_state",
    "register",
]

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ParentOrder:
    """The parent order an algorithm works.

    Attributes:
        parent_id: the parent's client order id; children are ``{parent_id}-E{n}``.
        instrument: the instrument (its lot, tick and minimum quantity apply to children).
        side: BUY or SELL.
        qty: the total quantity, on the lot grid.
        start_ns: when to start working.
        end_ns: when to have finished (None: no horizon, e.g. POV until done).
        limit_px: the worst price any child may trade at (None: no cap).
        broker: the broker children go to ("" for the OMS default).
        strategy_id: copied to every child.
    """

    parent_id: str
    instrument: Instrument
    side: Side
    qty: Decimal
    start_ns: int
    end_ns: int | None = None
    limit_px: Decimal | None = None
    broker: str = ""
    strategy_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "qty", to_decimal(self.qty, "qty"))
        object.__setattr__(self, "side", Side(self.side))
        self.instrument.check_qty(self.qty, "qty")
        if self.limit_px is not None:
            px = to_decimal(self.limit_px, "limit_px")
            self.instrument.check_px(px, "limit_px")
            object.__setattr__(self, "limit_px", px)
        if self.end_ns is not None and self.end_ns <= self.start_ns:
            raise ValidationError(
                "end_ns",
                self.end_ns,
                f"must be after start_ns={self.start_ns}",
                "give an end time later than the start, or a duration",
            )

    def to_json(self) -> JSON:
        """Return the parent as JSON-safe data."""
        i = self.instrument
        return {
            "parent_id": self.parent_id,
            "side": self.side.value,
            "qty": str(self.qty),
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "limit_px": None if self.limit_px is None else str(self.limit_px),
            "broker": self.broker,
            "strategy_id": self.strategy_id,
            "instrument": {
                "symbol": i.symbol,
                "venue": i.venue,
                "currency": i.currency,
                "tick_size": str(i.tick_size),
                "lot_size": str(i.lot_size),
                "min_qty": str(i.min_qty),
            },
        }

    @classmethod
    def from_json(cls, data: JSON) -> ParentOrder:
        """Rebuild what :meth:`to_json` returned."""
        i = data["instrument"]
        inst = Instrument(
            symbol=i["symbol"],
            venue=i["venue"],
            currency=i["currency"],
            tick_size=Decimal(i["tick_size"]),
            lot_size=Decimal(i["lot_size"]),
            min_qty=Decimal(i["min_qty"]),
        )
        return cls(
            parent_id=data["parent_id"],
            instrument=inst,
            side=Side(data["side"]),
            qty=Decimal(data["qty"]),
            start_ns=data["start_ns"],
            end_ns=data["end_ns"],
            limit_px=None if data["limit_px"] is None else Decimal(data["limit_px"]),
            broker=data["broker"],
            strategy_id=data["strategy_id"],
        )


@dataclass(frozen=True, slots=True)
class MarketView:
    """A snapshot of one instrument's market at ``ts`` (floats: model inputs only).

    ``volume`` is the cumulative traded volume seen since the data began (the
    algorithm takes differences); ``last_px`` the latest trade or bar close.
    """

    ts: int
    bid: float | None = None
    ask: float | None = None
    bid_size: float | None = None
    ask_size: float | None = None
    last_px: float | None = None
    volume: float = 0.0

    @property
    def mid(self) -> float | None:
        """The mid price, or the last price when one side is missing."""
        if self.bid is not None and self.ask is not None:
            return (self.bid + self.ask) / 2
        return self.last_px

    @property
    def spread(self) -> float | None:
        """``ask - bid``, or None."""
        if self.bid is not None and self.ask is not None:
            return self.ask - self.bid
        return None


@dataclass(frozen=True, slots=True)
class ChildView:
    """What an algorithm may know about one of its open children."""

    client_order_id: str
    qty: Decimal
    filled_qty: Decimal
    limit_px: Decimal | None
    ts_sent: int
    is_pending_cancel: bool = False

    @property
    def leaves_qty(self) -> Decimal:
        """``qty - filled_qty``."""
        return self.qty - self.filled_qty


@dataclass(frozen=True, slots=True)
class Progress:
    """The parent's progress: filled, in flight, open children."""

    filled_qty: Decimal = ZERO
    in_flight_qty: Decimal = ZERO
    open_children: tuple[ChildView, ...] = ()
    children_sent: int = 0


@dataclass(frozen=True, slots=True)
class ChildIntent:
    """A child order to send (the runner names it ``{parent}-E{n}`` and submits it)."""

    qty: Decimal
    order_type: OrderType = OrderType.MARKET
    limit_px: Decimal | None = None
    tif: TimeInForce = TimeInForce.DAY
    tag: str = ""


@dataclass(frozen=True, slots=True)
class AlgoStep:
    """What the algorithm wants now."""

    children: tuple[ChildIntent, ...] = ()
    cancel: tuple[str, ...] = ()
    next_wake_ns: int | None = None
    is_done: bool = False
    reason: str = ""


ALGORITHMS: dict[str, type[ExecAlgorithm]] = {}


def register(cls: type[ExecAlgorithm]) -> type[ExecAlgorithm]:
    """Class decorator: make ``cls`` restorable by its ``name`` (see :func:`algo_from_state`)."""
    ALGORITHMS[cls.name] = cls
    return cls


class ExecAlgorithm(ABC):
    """Base of every execution algorithm (a pure scheduler; see the module docstring).

    Subclasses set ``name``, keep their parameters in ``self.params`` (JSON-safe)
    and their evolving variables in ``self.vars`` (JSON-safe), build their
    schedule in :meth:`on_start` and decide in :meth:`step`.
    """

    name: ClassVar[str] = "base"

    def __init__(self, **params: Any) -> None:
        self.params: JSON = params
        self.vars: JSON = {}
        self.parent: ParentOrder | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, parent: ParentOrder, now_ns: int) -> None:
        """Bind the parent and build the schedule (once, at the parent's start)."""
        self.parent = parent
        self.vars = {"started_ns": now_ns}
        self.on_start(parent, now_ns)

    def on_start(self, parent: ParentOrder, now_ns: int) -> None:  # noqa: B027 - optional hook
        """Build the schedule; the default has none."""

    @abstractmethod
    def step(self, now_ns: int, market: MarketView | None, progress: Progress) -> AlgoStep:
        """Return the children to send now, the children to cancel and the next wake-up."""

    def schedule(self) -> list[tuple[int, Decimal]]:
        """Return the planned cumulative quantity as ``(ts_ns, cum_qty)`` points (may be [])."""
        return []

    # -- persistence -------------------------------------------------------------------------
    def state(self) -> JSON:
        """Return the whole state as JSON-safe data (parameters, parent, variables)."""
        if self.parent is None:
            raise ValidationError(
                "parent",
                None,
                "the algorithm was never started",
                "call start() (the runner does) before state()",
            )
        return {
            "algo": self.name,
            "params": dict(self.params),
            "parent": self.parent.to_json(),
            "vars": dict(self.vars),
        }

    def restore(self, state: JSON) -> None:
        """Load what :meth:`state` returned (the parameters must match)."""
        if state.get("algo") != self.name:
            raise ValidationError(
                "algo",
                state.get("algo"),
                f"is not {self.name!r}",
                "restore with algo_from_state(), which picks the class",
            )
        self.params = dict(state["params"])
        self.parent = ParentOrder.from_json(state["parent"])
        self.vars = dict(state["vars"])

    # -- helpers for subclasses --------------------------------------------------------------
    @property
    def p(self) -> ParentOrder:
        """The bound parent (raises if not started)."""
        if self.parent is None:
            raise ValidationError("parent", None, "the algorithm was never started")
        return self.parent

    def remaining(self, progress: Progress) -> Decimal:
        """``parent qty - filled - in flight``."""
        return self.p.qty - progress.filled_qty - progress.in_flight_qty

    def is_finished(self, progress: Progress) -> bool:
        """True once the parent is completely filled."""
        return progress.filled_qty >= self.p.qty

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params})"


def algo_from_state(state: JSON) -> ExecAlgorithm:
    """Rebuild a running algorithm from :meth:`ExecAlgorithm.state` output.

    Raises:
        ValidationError: if the state names an unknown algorithm.
    """
    name = state.get("algo")
    cls = ALGORITHMS.get(str(name))
    if cls is None:
        raise ValidationError(
            "algo", name, "is not a registered algorithm", f"use one of {sorted(ALGORITHMS)}"
        )
    algo = cls(**state["params"])
    algo.restore(state)
    return algo

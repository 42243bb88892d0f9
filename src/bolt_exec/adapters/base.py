"""BrokerBase: the port every venue adapter implements, with its capabilities and limits.

Theory of operation
-------------------
The OMS is synchronous and deterministic; venues are not. So commands are
*fire and report*: :meth:`BrokerBase.submit`, :meth:`~BrokerBase.cancel` and
:meth:`~BrokerBase.amend` return at once, and everything the venue says comes
back later as order events pushed into the sink the OMS bound with
:meth:`~BrokerBase.bind`. A live adapter schedules its I/O on the asyncio loop;
the paper broker answers through the clock (after its simulated latency).

An adapter translates, nothing more (design invariant 8): no risk, sizing or
order-state logic lives here. Ambiguous outcomes (a timeout, a dropped socket)
are never reported as rejections: the adapter reports nothing and the
reconciler asks the venue.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from mypy_extensions import mypyc_attr

from bolt_exec.clock import Clock
from bolt_exec.model.commands import AmendOrder, CancelOrder, SubmitOrder
from bolt_exec.model.enums import OrderType, TimeInForce
from bolt_exec.model.events import OrderEvent
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.reports import MassStatus

__all__ = ["BrokerBase", "BrokerLimits", "Capabilities", "EventSink", "RateLimit"]

EventSink = Callable[[OrderEvent], None]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a venue supports. The OMS refuses unsupported commands before the adapter."""

    order_types: frozenset[OrderType] = frozenset(OrderType)
    tifs: frozenset[TimeInForce] = frozenset(TimeInForce)
    supports_amend: bool = True
    amend_is_cancel_replace: bool = False
    supports_mass_status: bool = True
    supports_reduce_only: bool = True
    supports_post_only: bool = True


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``count`` requests per ``per_seconds`` (a token bucket's capacity and period)."""

    count: int
    per_seconds: float
    scope: str = "orders"


@dataclass(frozen=True, slots=True)
class BrokerLimits:
    """A venue's published limits, as data (safety throttles and the runtime read them)."""

    rates: tuple[RateLimit, ...] = ()
    max_modifications_per_order: int | None = None
    max_open_orders: int | None = None
    extra: dict[str, Decimal] = field(default_factory=dict)


# Subclassed by adapters, tests and users: keep that possible in the compiled build.
@mypyc_attr(allow_interpreted_subclasses=True)
class BrokerBase(ABC):
    """A venue adapter.

    Emits (through the bound sink): OrderAccepted, OrderRejected, OrderFilled,
    OrderCanceled, OrderCancelRejected, OrderReplaced, OrderReplaceRejected,
    OrderTriggered, OrderExpired — exactly what the venue said, once per venue
    message (the OMS dedupes repeats).
    """

    name: str = "broker"
    capabilities: Capabilities = Capabilities()
    limits: BrokerLimits = BrokerLimits()

    def __init__(self) -> None:
        self._sink: EventSink | None = None
        self._clock: Clock | None = None

    def bind(self, sink: EventSink, clock: Clock) -> None:
        """Attach the OMS's event sink and clock (called once by the OMS)."""
        self._sink = sink
        self._clock = clock

    @property
    def is_live(self) -> bool:
        """True only when this adapter would move real money."""
        return False

    @property
    @abstractmethod
    def is_connected(self) -> bool:
        """True while commands can reach the venue."""

    @abstractmethod
    async def connect(self) -> None:
        """Open the session (idempotent)."""

    @abstractmethod
    async def disconnect(self) -> None:
        """Close the session (idempotent)."""

    @abstractmethod
    def instruments(self) -> Sequence[Instrument]:
        """Return the instruments this broker knows (after connect, for live venues)."""

    @abstractmethod
    def submit(self, command: SubmitOrder) -> None:
        """Send a new order; the outcome arrives as events."""

    @abstractmethod
    def cancel(self, command: CancelOrder) -> None:
        """Request a cancel; the outcome arrives as events."""

    @abstractmethod
    def amend(self, command: AmendOrder) -> None:
        """Request an amend; the outcome arrives as events."""

    @abstractmethod
    async def mass_status(self, since_ns: int | None = None) -> MassStatus:
        """Return open orders, fills since ``since_ns`` and positions, as the venue says."""

    def _emit(self, event: OrderEvent) -> None:
        if self._sink is None:
            raise RuntimeError(f"broker {self.name!r} is not bound to an OMS; call bind() first")
        self._sink(event)

    def __repr__(self) -> str:  # never show configuration (it may hold secrets)
        return f"{type(self).__name__}(name={self.name!r})"

"""OrderManager: the one writer of order state (design invariant 1).

Commands (:meth:`OrderManager.submit`, :meth:`~OrderManager.cancel`,
:meth:`~OrderManager.amend`, :meth:`~OrderManager.cancel_all`) validate their
input, pass the SafetyGate, and turn into events; broker events arrive through
:meth:`~OrderManager.on_event`. Both take the one write path of
:class:`~bolt_exec.oms.writer.OrderWriter` (check, apply, group-commit to the
journal, then publish), and commands reach a broker only after their events are
durable. The read side (orders, handles, positions, marks, frames) is
:class:`~bolt_exec.oms.book.OrderBook`.

Every new order and amend passes the SafetyGate first (invariant 3); cancels
always pass. A denial is an ``OrderDenied`` event, journaled like any other.

Emits:
    every OrderEvent on ``order.<kind>`` (``order.filled``, ``order.denied`` ...),
    every OrderFilled also on ``execution.<symbol>``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Final

from mypy_extensions import mypyc_attr

from bolt_exec.adapters.base import BrokerBase
from bolt_exec.bus import MessageBus
from bolt_exec.clock import Clock, LiveClock
from bolt_exec.errors import (
    DuplicateOrderIdError,
    UnsupportedError,
    ValidationError,
)
from bolt_exec.model.commands import AmendOrder, CancelOrder, submit_command
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import (
    OrderDenied,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderReplaceRejected,
    OrderSubmitted,
)
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.order import Order
from bolt_exec.oms.handles import OrderHandle
from bolt_exec.oms.ids import ClientOrderIdFactory, validate_client_order_id
from bolt_exec.oms.safety_wiring import connect_safety, paper_cash, safety_from_policy
from bolt_exec.oms.validation import check_capabilities, validate_amend, validate_order
from bolt_exec.oms.writer import OrderWriter
from bolt_exec.safety.gate import PassThroughSafety, SafetyGate
from bolt_exec.store.base import OrderStore
from bolt_exec.store.factory import open_store

if TYPE_CHECKING:
    from bolt_exec.safety.policy import Policy

__all__ = ["OrderManager"]

# Enum members and status sets as module constants: the compiled build (setup.py) reads
# these as C statics, where ``Side.BUY`` is a lookup through the enum's metaclass.
_PENDING_CANCEL: Final = OrderStatus.PENDING_CANCEL
_PENDING_REPLACE: Final = OrderStatus.PENDING_REPLACE

log = logging.getLogger(__name__)


# Users extend the OMS (hooks, bookkeeping): keep that possible in the compiled build.
@mypyc_attr(allow_interpreted_subclasses=True)
class OrderManager(OrderWriter):
    """The OMS: validates, gates, journals, routes and tracks every order.

    Args:
        brokers: one broker, or a mapping of names to brokers. The first is the
            default route.
        clock: where time comes from (a SimClock in backtests).
        safety: the pre-trade gate; a counting pass-through when omitted.
        store: the journal: an OrderStore, a SQLite path (``"bolt.db"``) or any
            SQLAlchemy URL; in memory when omitted. Events already in it are replayed
            on start-up (recovery), and every batch of events is durable before it is
            published or anything is sent (write-ahead, one transaction per batch).
        bus: the message bus; a new one when omitted.
        instruments: instruments to add to those the brokers know.
        id_prefix: up to 8 letters or digits that start every client order id.
        strict: raise on an illegal broker event instead of logging it (tests).
        policy: a ``Policy`` or the path of a policy.yaml; builds and connects a
            SafetyManager (ignored when ``safety`` is given).
        cash: the account's cash for the portfolio limits (default: the paper brokers').
        latch_path: where the kill-switch latch lives (default: the policy's latch_path).

    Emits:
        ``order.<kind>`` for every order event, ``execution.<symbol>`` for fills.
    """

    def __init__(
        self,
        brokers: Mapping[str, BrokerBase] | BrokerBase,
        *,
        clock: Clock | None = None,
        safety: SafetyGate | None = None,
        store: OrderStore | str | Path | None = None,
        bus: MessageBus | None = None,
        instruments: Iterable[Instrument] = (),
        id_prefix: str = "O",
        strict: bool = False,
        policy: Policy | str | Path | None = None,
        cash: object = None,
        latch_path: str | Path | None = None,
    ) -> None:
        if isinstance(brokers, BrokerBase):
            brokers = {brokers.name: brokers}
        if not brokers:
            raise ValidationError("brokers", brokers, "is empty", "pass at least one broker")
        super().__init__(
            clock or LiveClock(),
            open_store(store),
            bus or MessageBus(strict=strict),
            strict=strict,
        )
        if policy is not None and safety is None:
            if cash is None:
                cash = paper_cash(brokers.values())
            safety = safety_from_policy(policy, self.clock, cash=cash, latch_path=latch_path)
        self.safety: SafetyGate = safety or PassThroughSafety()
        self._brokers: dict[str, BrokerBase] = dict(brokers)
        self._default_broker = next(iter(self._brokers))
        self._ids = ClientOrderIdFactory(id_prefix, self.clock.now_ns())
        for name, broker in self._brokers.items():
            broker.name = name
            for inst in broker.instruments():
                self._instruments.setdefault(inst.symbol, inst)
        for inst in instruments:
            self._instruments[inst.symbol] = inst
        self._ids.skip_to(self._replay(self.store.events()))
        for broker in self._brokers.values():
            broker.bind(self.on_event, self.clock)
        if policy is not None:
            connect_safety(self, self.safety)
        # A SafetyManager also watches marks (stale reference data, loss monitors).
        self._mark_sink = getattr(self.safety, "on_mark", None)

    # ------------------------------------------------------------------ reading
    @property
    def brokers(self) -> Mapping[str, BrokerBase]:
        """The brokers by name."""
        return self._brokers

    def update_mark(
        self, symbol: str, px: Decimal | float | int | str, ts: int | None = None
    ) -> None:
        """Record a reference price for PnL and pass it to the safety gate."""
        super().update_mark(symbol, px, ts)
        if self._mark_sink is not None:
            mark = self.portfolio.mark_px(symbol)
            self._mark_sink(symbol, mark, self.portfolio.mark_ts(symbol))

    # ------------------------------------------------------------------ commands
    def submit(
        self,
        symbol: str,
        side: object,
        qty: object,
        order_type: object = "MARKET",
        *,
        limit_px: object = None,
        stop_px: object = None,
        tif: object = "DAY",
        expire_ts: object = None,
        broker: str | None = None,
        strategy_id: str = "",
        parent_id: str | None = None,
        client_order_id: str | None = None,
        reduce_only: bool = False,
        post_only: bool = False,
        tags: Mapping[str, str] | None = None,
    ) -> OrderHandle:
        """Validate, risk-check, journal and send a new order.

        Returns:
            The order's live handle. A risk denial is not an exception: the
            handle's status is DENIED and ``handle.reason`` says why.

        Raises:
            ValidationError: malformed input (names the field, the value and the
                fix); nothing was recorded or sent.
            UnsupportedError: the broker cannot take this order type or TIF.
            DuplicateOrderIdError: ``client_order_id`` was used before.
        """
        inst = self.instrument(symbol)
        broker_name = broker or self._default_broker
        venue = self._brokers.get(broker_name)
        if venue is None:
            raise ValidationError(
                "broker", broker, "is not a configured broker", f"use one of {list(self._brokers)}"
            )
        now = self.clock.now_ns()
        spec = validate_order(
            inst,
            side=side,
            qty=qty,
            order_type=order_type,
            limit_px=limit_px,
            stop_px=stop_px,
            tif=tif,
            expire_ts=expire_ts,
            now_ns=now,
            ref_px=self.portfolio.mark_px(symbol),
        )
        check_capabilities(venue.capabilities, spec, broker_name)
        if parent_id is not None and (not isinstance(parent_id, str) or not parent_id):
            raise ValidationError(
                "parent_id",
                parent_id,
                "must be the client order id of the parent order",
                "omit it (None) for an order without a parent",
            )
        if client_order_id is None:
            coid = self._next_id(parent_id)
        else:
            coid = validate_client_order_id(client_order_id)
            if coid in self._orders:
                raise DuplicateOrderIdError(coid)
        init = OrderInitialized(
            client_order_id=coid,
            ts_event=now,
            ts_init=now,
            event_id=f"{coid}-1",
            symbol=symbol,
            side=spec.side,
            order_type=spec.order_type,
            qty=spec.qty,
            limit_px=spec.limit_px,
            stop_px=spec.stop_px,
            tif=spec.tif,
            expire_ts=spec.expire_ts,
            broker=broker_name,
            strategy_id=strategy_id,
            parent_id=parent_id,
            reduce_only=reduce_only,
            post_only=post_only,
            tags=dict(tags or {}),
        )
        order = Order(init)
        decision = self.safety.check_submit(order, self)
        with self._command:
            self._store_new(order, init)
            if not decision.approved:
                self._local(order, OrderDenied, code=decision.code, reason=decision.reason)
            else:
                submitted = OrderSubmitted(
                    client_order_id=coid, ts_event=now, ts_init=now, broker=broker_name
                )
                self._commit(order, submitted)  # stamps the event id
                self._flush()  # persist, then transmit
                venue.submit(submit_command(init))
        return self.handle(coid)

    def cancel(self, client_order_id: str) -> bool:
        """Request a cancel; return False if the order is already done or being canceled.

        Raises:
            UnknownOrderError: no such order.
        """
        order = self.order(client_order_id)
        if order.is_terminal or order.status is _PENDING_CANCEL:
            return False
        now = self.clock.now_ns()
        coid = order.client_order_id
        with self._command:
            self._commit(order, OrderPendingCancel(client_order_id=coid, ts_event=now, ts_init=now))
            self._flush()
            self._brokers[order.broker].cancel(
                CancelOrder(
                    client_order_id=coid,
                    symbol=order.symbol,
                    venue_order_id=order.venue_order_id,
                    ts_init=now,
                )
            )
        return True

    def amend(
        self,
        client_order_id: str,
        *,
        qty: object = None,
        limit_px: object = None,
        stop_px: object = None,
    ) -> bool:
        """Request a change of quantity and/or prices; return False if not sent.

        An amend the SafetyGate denies is journaled as a pending replace answered
        by ``OrderReplaceRejected`` (reason starting ``DENIED``); the order works on.

        Raises:
            UnknownOrderError: no such order.
            ValidationError: bad values, or the order is not working.
            UnsupportedError: the broker cannot amend.
        """
        order = self.order(client_order_id)
        if not order.is_open or order.status in (
            _PENDING_CANCEL,
            _PENDING_REPLACE,
        ):
            raise ValidationError(
                "client_order_id",
                client_order_id,
                f"cannot be amended in status {order.status}",
                "wait for the pending request to be answered"
                if order.is_open
                else "submit a new order",
            )
        broker = self._brokers[order.broker]
        if not broker.capabilities.supports_amend:
            raise UnsupportedError(
                f"broker {order.broker!r} cannot amend orders; cancel and submit a new one"
            )
        inst = self.instrument(order.symbol)
        new_qty, new_limit, new_stop = validate_amend(
            inst,
            order_type=order.order_type,
            filled_qty=order.filled_qty,
            qty=qty,
            limit_px=limit_px,
            stop_px=stop_px,
        )
        now = self.clock.now_ns()
        coid = order.client_order_id
        decision = self.safety.check_amend(order, new_qty, new_limit, new_stop, self)
        with self._command:
            self._local(
                order, OrderPendingReplace, qty=new_qty, limit_px=new_limit, stop_px=new_stop
            )
            if not decision.approved:
                reason = f"DENIED {decision.code}: {decision.reason}"
                self._local(order, OrderReplaceRejected, reason=reason)
            else:
                self._flush()
                broker.amend(
                    AmendOrder(
                        client_order_id=coid,
                        symbol=order.symbol,
                        venue_order_id=order.venue_order_id,
                        qty=new_qty,
                        limit_px=new_limit,
                        stop_px=new_stop,
                        ts_init=now,
                    )
                )
        return decision.approved

    def cancel_all(
        self,
        *,
        symbol: str | None = None,
        side: object = None,
        broker: str | None = None,
        strategy_id: str | None = None,
        parent_id: str | None = None,
        where: Callable[[Order], bool] | None = None,
    ) -> list[str]:
        """Cancel every open order matching all the given filters; return their ids."""
        sent = []
        for order in list(self._open.values()):
            if (
                (symbol is None or order.symbol == symbol)
                and (side is None or str(order.side) == str(side).upper())
                and (broker is None or order.broker == broker)
                and (strategy_id is None or order.strategy_id == strategy_id)
                and (parent_id is None or order.parent_id == parent_id)
                and (where is None or where(order))
                and self.cancel(order.client_order_id)
            ):
                sent.append(order.client_order_id)
        return sent

    # ------------------------------------------------------------------ ids and recovery
    def _next_id(self, parent_id: str | None) -> str:
        if parent_id is None:
            return self._ids.next()
        n = self._children.get(parent_id, 0) + 1
        self._children[parent_id] = n
        return f"{parent_id}-E{n}"

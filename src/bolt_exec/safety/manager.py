"""SafetyManager: the one pre-trade gate, the trading state and the kill switch's owner.

Theory of operation
-------------------
The OrderManager calls :meth:`SafetyManager.check_submit` for every new order
(direct, algorithm child, plan-driven, reconciler corrective, kill-switch
flattening) and :meth:`~SafetyManager.check_amend` for every amend, before
anything is journaled as submitted. The manager builds a
:class:`~bolt_exec.safety.context.CheckContext` and runs the ordered chain
of pure checks; the first denial wins. Only when the whole chain approves
does it spend budgets (throttles, caps, counters). Submits first try
:class:`~bolt_exec.safety.fused.FusedSubmit`, the same chain in one pass,
which only approves; any order it does not approve goes through the chain. It never raises on the
live path: a check that raises is a bug, logged, and the order is denied
(``INTERNAL_ERROR``), failing closed.

The kill switch is checked first. While it is latched only the flattening
orders the kill switch itself announced (exact symbol, side, quantity, and
reducing) pass.

State comes from three feeds: :meth:`on_event` (subscribe it on the bus at
priority 10 with :meth:`attach`: fills, rejects, terminal events),
:meth:`on_mark` / :meth:`set_cash` / :meth:`on_margin` /
:meth:`on_broker_status` (the runtime), and :meth:`on_timer` (the clock
timer :meth:`start` arms: latch polling and the monitors).
"""

from __future__ import annotations

import logging
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from bolt_exec.clock import Clock
from bolt_exec.model.numbers import ZERO
from bolt_exec.model.order import Order
from bolt_exec.safety import flow_checks as f
from bolt_exec.safety.chain import compile_chain
from bolt_exec.safety.codes import ReasonCode, TradingState
from bolt_exec.safety.config import RiskConfig
from bolt_exec.safety.context import CheckContext, order_path
from bolt_exec.safety.controls import TradingControls
from bolt_exec.safety.decision import APPROVED, Decision
from bolt_exec.safety.events import TOPIC_WARNING, AuditRecord
from bolt_exec.safety.feeds import apply_order_event, sync_positions
from bolt_exec.safety.fused import FusedSubmit
from bolt_exec.safety.gate import PortfolioView
from bolt_exec.safety.killswitch import KillSwitch, KillTarget, Publisher
from bolt_exec.safety.latch import LatchStore, MemoryLatchStore
from bolt_exec.safety.scope import ScopeCache
from bolt_exec.safety.state import DAY_NS, RiskState
from bolt_exec.safety.watchdog import Trip, Watchdog

if TYPE_CHECKING:
    from bolt_exec.safety.policy import Policy

__all__ = ["SafetyManager"]

# enum members as module constants: attribute access on an Enum class is slow (3.11)
_HALTED: Final = TradingState.HALTED

log = logging.getLogger(__name__)


class SafetyManager(TradingControls):
    """The SafetyGate with real limits, the trading state and the kill switch.

    Emits: ``TradingStateChanged`` on ``safety.state``; ``AuditRecord`` on
    ``safety.audit`` (state changes, denials, warnings, kill-switch steps);
    approved-with-warning ``Decision`` s on ``safety.warning``; and, through
    :attr:`kill_switch`, ``KillSwitchTripped`` / ``KillSwitchReset`` on
    ``safety.kill_switch``.

    Attributes:
        check_count: every submit and amend checked.
        check_counts: checks by path (``direct``, ``algo``, ``plan``, ``reconcile``,
            ``flatten``...), so an integration test can prove each path is gated.
        cancel_counts: cancels seen by :meth:`check_cancel`, by path (the reconciler's
            corrective cancels arrive as ``reconcile``).
        strategy_counts: checks by strategy id.
        audit: every safety action, in order (shared with the kill switch).
    """

    def __init__(
        self,
        config: RiskConfig,
        clock: Clock,
        *,
        latch_store: LatchStore | None = None,
        publisher: Publisher | None = None,
        cash: Decimal | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.publisher = publisher
        self.state = RiskState(config, cash)
        self.audit: list[AuditRecord] = []
        self.check_count = 0
        self.amend_count = 0
        self.cancel_count = 0
        self._check_counts: Counter[str] = Counter()
        self.cancel_counts: Counter[str] = Counter()
        self._strategy_counts: Counter[str] = Counter()
        self.warnings: list[Decision] = []
        ks = config.kill_switch
        self.kill_switch = KillSwitch(
            latch_store if latch_store is not None else MemoryLatchStore(),
            clock.now_ns,
            flatten_on_trip=ks.flatten_on_trip,
            publisher=publisher,
            audit=self.audit,
        )
        self.kill_switch.bind(self)
        self._flatten_tickets: list[tuple[str, Any, Decimal]] = []
        self.watchdog = Watchdog(config)
        self._submit_chain = compile_chain(config)
        self._amend_chain = compile_chain(config, amend=True)
        self._flatten_chain = compile_chain(config, flatten=True)
        # the submit chain in one pass for orders it approves; the chain decides the rest
        self._fused = FusedSubmit.build(self, self._submit_chain)
        self._timer_running = False
        self._view: PortfolioView | None = None
        self._scopes = ScopeCache()
        self._attached = False
        self.trading_state = (
            TradingState.HALTED if self.kill_switch.is_tripped else config.initial_state
        )

    @classmethod
    def from_policy(cls, policy: Policy, clock: Clock, **kwargs: Any) -> SafetyManager:
        """Build from a validated :class:`~bolt_exec.safety.policy.Policy`."""
        return cls(policy.compile(), clock, **kwargs)

    @property
    def check_counts(self) -> Counter[str]:
        """Checks by path (a live Counter; the fused pass's counts are folded in on read)."""
        return self._folded(self._check_counts)

    @property
    def strategy_counts(self) -> Counter[str]:
        """Checks by strategy id (a live Counter, like :attr:`check_counts`)."""
        return self._folded(self._strategy_counts)

    def _folded(self, counts: Counter[str]) -> Counter[str]:
        if self._fused is not None:
            self._fused.fold_counts()
        return counts

    # -- wiring --------------------------------------------------------------------------------
    @property
    def is_attached(self) -> bool:
        """True once :meth:`attach` subscribed it to a bus (attach only once)."""
        return self._attached

    def attach(self, bus: Any, priority: int = 10) -> None:
        """Subscribe :meth:`on_event` to ``order.*`` on a ``MessageBus`` (before the OMS)."""
        bus.subscribe("order.*", self.on_event, priority)
        self._attached = True
        if self.publisher is None:
            self.publisher = bus
            self.kill_switch.publisher = bus

    def bind(self, target: KillTarget) -> None:
        """Give the kill switch the OMS to cancel and flatten through."""
        self.kill_switch.bind(self, target)

    def sync(self, view: PortfolioView) -> None:
        """Seed positions, marks and working orders from the OMS (start-up, after recovery)."""
        self._view = view
        sync_positions(self.state.book, view)
        for order in view.open_orders():
            if order.client_order_id not in self.state.orders:
                self.state.orders.add(order)

    def start(self) -> None:
        """Arm the clock timer that polls the latch and runs the monitors."""
        if self._timer_running:
            return
        self._timer_running = True
        period = self.config.kill_switch.poll_interval_ns

        def tick(ts: int) -> None:
            self.on_timer(ts)
            if self._timer_running:
                self.clock.set_timer(ts + period, tick, "safety.poll")

        self.clock.set_timer(self.clock.now_ns() + period, tick, "safety.poll")

    def stop(self) -> None:
        """Stop re-arming the timer."""
        self._timer_running = False

    # -- the gate ------------------------------------------------------------------------------
    def check_submit(self, order: Order, view: PortfolioView) -> Decision:
        """Decide on a new order (never raises)."""
        self.check_count += 1
        fused = self._fused
        if fused is not None and fused.chain is self._submit_chain:
            try:
                decision = fused.submit(order, view)
            except Exception:  # a bug in the fused pass: the reference chain decides
                log.exception("fused safety pass raised on %r", order)
                decision = None
            if decision is not None:
                return decision
        return self._decide(order, view, None, None, None, amend=False)

    def check_amend(
        self,
        order: Order,
        qty: Decimal | None,
        limit_px: Decimal | None,
        stop_px: Decimal | None,
        view: PortfolioView,
    ) -> Decision:
        """Decide on an amend of a working order (never raises)."""
        self.amend_count += 1
        return self._decide(order, view, qty, limit_px, stop_px, amend=True)

    def check_cancel(self, order: Order, path: str = "") -> Decision:
        """Cancels always pass, in every state (counted, by ``path`` or the order's own path;
        the OTR counts them from ``order.pending_cancel``)."""
        self.cancel_count += 1
        key = path or order_path(order)
        self.cancel_counts[key] = self.cancel_counts.get(key, 0) + 1
        return APPROVED

    def _decide(
        self,
        order: Order,
        view: PortfolioView,
        qty: Decimal | None,
        limit_px: Decimal | None,
        stop_px: Decimal | None,
        *,
        amend: bool,
    ) -> Decision:
        try:
            ctx = self._context(order, view, qty, limit_px, stop_px, amend)
            counts = self._check_counts
            counts[ctx.path] = counts.get(ctx.path, 0) + 1
            counts = self._strategy_counts
            counts[order.strategy_id] = counts.get(order.strategy_id, 0) + 1
            flatten = ctx.trading_state is _HALTED and self._flatten_ticket(ctx)
            if self.kill_switch.latch.tripped and not flatten:  # is_tripped, without a call
                latch = self.kill_switch.latch
                return self._denied(
                    ctx,
                    Decision.deny(
                        ReasonCode.KILL_SWITCH.value,
                        f"kill switch latched by {latch.actor!r}: {latch.reason}; only cancels "
                        "pass until an operator resets it (bolt-exec kill --reset "
                        "--operator ... --reason ...)",
                        "kill_switch",
                    ),
                )
            warning = None
            if flatten:
                chain = self._flatten_chain
            else:
                chain = self._amend_chain if amend else self._submit_chain
            for check in chain:
                decision = check(ctx)
                if decision is not APPROVED:  # one identity test on the common path
                    if not decision.approved:
                        return self._denied(ctx, decision)
                    if decision.code:
                        warning = decision
            if amend:
                f.commit_amend(ctx)
            else:
                f.commit_submit(ctx)
                self.watchdog.on_order(ctx.now)
            if warning is not None:
                self._warn(ctx, warning)
                return warning
            return APPROVED
        except Exception as exc:  # fail closed: a bug in a check must not let an order out
            log.exception("safety check raised on %r", order)
            return Decision.deny(
                ReasonCode.INTERNAL_ERROR.value,
                f"a safety check raised {type(exc).__name__}: {exc}; the order was denied "
                "(fail closed). Report this bug with the log",
                "internal",
            )

    def _context(
        self,
        order: Order,
        view: PortfolioView,
        qty: Decimal | None,
        limit_px: Decimal | None,
        stop_px: Decimal | None,
        amend: bool,
    ) -> CheckContext:
        now = self.clock.now_ns()
        state = self.state
        config = self.config
        self._view = view
        if state.day != (now - config.portfolio.day_start_ns) // DAY_NS:
            state.roll(now)
        symbol = order.symbol
        scope = self._scopes.lookup(config, order.broker, order.strategy_id, symbol)
        if scope is None:
            scope = self._scopes.resolve(
                config,
                state,
                order.broker,
                order.strategy_id,
                symbol,
                self._scopes.instrument(symbol, view),
                now,
            )
        ref_px = view.mark_px(symbol)
        book = state.book
        line = book.line(symbol)
        held = ZERO if line is None else line.qty
        if self._attached:
            qty_now = held  # fills reach the book from the bus; the timer re-syncs from the OMS
        else:
            pos = view.position(symbol)
            qty_now = pos.qty if pos is not None else ZERO
        if (held is not qty_now and held != qty_now) or (
            ref_px is not None and (line is None or line.mark is not ref_px)
        ):
            book.set_line(symbol, qty_now, ref_px, scope.mult)
        return CheckContext(
            order,
            config,
            state,
            self.trading_state,
            scope.instrument,
            now,
            qty_now,
            ref_px,
            view.mark_ts(symbol),
            qty,
            limit_px,
            stop_px,
            amend,
            scope,
        )

    def _flatten_ticket(self, ctx: CheckContext) -> bool:
        order = ctx.order
        if not order.reduce_only or not ctx.is_reducing or ctx.is_amend:
            return False
        key = (ctx.symbol, ctx.side, ctx.qty)
        if key in self._flatten_tickets:
            self._flatten_tickets.remove(key)
            return True
        return False

    def _audit(self, ctx: CheckContext, action: str, decision: Decision) -> None:
        actor = ctx.order.strategy_id or "strategy"
        coid = ctx.order.client_order_id
        self._record(ctx.now, actor, action, decision.reason, decision.code, coid)

    def _denied(self, ctx: CheckContext, decision: Decision) -> Decision:
        self._audit(ctx, "deny", decision)
        return decision

    def _warn(self, ctx: CheckContext, decision: Decision) -> None:
        self.warnings.append(decision)
        self._audit(ctx, "warn", decision)
        self._publish(TOPIC_WARNING, decision)

    def expect_flatten(self, symbol: str, side: Any, qty: Decimal) -> None:
        """Let one kill-switch flattening order through while HALTED."""
        self._flatten_tickets.append((symbol, side, qty))

    # -- feeds ---------------------------------------------------------------------------------
    def on_event(self, topic: str, event: Any) -> None:
        """Bus handler for ``order.*``: fills, rejects, cancel requests, terminal orders."""
        now = self.clock.now_ns()
        try:
            kind = apply_order_event(self.state, topic, event, now)
        except Exception:  # the risk view may now be wrong: fail closed, allow only exits
            log.exception("safety could not apply %s %r", topic, event)
            if self.trading_state is TradingState.ACTIVE:
                self._set_state(TradingState.REDUCING, "safety", f"could not apply {topic}")
            return
        trip = None
        if kind == "fill":
            trip = self.watchdog.value_changed(self.state.book, self.state.day_start_equity, now)
        elif kind == "reject":
            trip = self.watchdog.on_reject(now)
        if trip is not None:
            self.request_trip(trip[1], trip[0])

    def on_mark(self, symbol: str, px: Decimal, ts_ns: int) -> None:
        """Feed a reference price (last or mid, per ``reference.source``)."""
        self.state.book.set_mark(symbol, px)
        self.watchdog.on_data(ts_ns)

    def set_cash(self, cash: Decimal, ts_ns: int | None = None) -> None:
        """Set the account cash (equity = cash + net marked positions); audited."""
        self.state.book.cash = cash
        ts = ts_ns if ts_ns is not None else self.clock.now_ns()
        self._record(ts, "runtime", "set_cash", str(cash))
        self._trip(self.watchdog.value_changed(self.state.book, self.state.day_start_equity, ts))

    def on_margin(self, utilisation: Decimal, ts_ns: int) -> None:
        """Feed margin utilisation (used / available, 0..1+)."""
        self._trip(self.watchdog.on_margin(utilisation, ts_ns))

    def on_broker_status(self, broker: str, connected: bool, ts_ns: int) -> None:
        """Feed a broker's connection state."""
        self.watchdog.on_broker(broker, connected, ts_ns)

    def on_timer(self, now_ns: int) -> None:
        """Poll the latch, re-sync from the OMS and run every monitor (the clock timer)."""
        self.kill_switch.poll()
        if self._view is not None:
            self.sync(self._view)  # orders the reconciler adopted, positions it corrected
        self.state.roll(now_ns)
        state = self.state
        self._trip(self.watchdog.value_changed(state.book, state.day_start_equity, now_ns))
        self._trip(self.watchdog.check(now_ns))

    def request_trip(self, reason: str, actor: str = "operator") -> None:
        """Trip from inside a bus handler: HALTED now, the rest on the next clock tick.

        The kill switch cancels and flattens through the OMS, which must not be
        re-entered from one of its own event handlers (it runs commands to
        completion). So this halts at once (no new order passes) and schedules
        :meth:`KillSwitch.trip` on the clock at the current time; without a running
        event loop (a LiveClock outside the runtime) it trips synchronously.
        """
        if self.kill_switch.is_tripped:
            return
        self.halt(actor, f"kill switch pending: {reason}")

        def fire(_ts: int) -> None:
            if not self.kill_switch.is_tripped:
                self.kill_switch.trip(reason, actor)

        try:
            self.clock.set_timer(self.clock.now_ns(), fire, "safety.kill_switch")
        except RuntimeError:
            fire(self.clock.now_ns())

    def _trip(self, trip: Trip | None) -> None:
        if trip is not None and not self.kill_switch.is_tripped:
            actor, reason = trip
            self.kill_switch.trip(reason, actor)

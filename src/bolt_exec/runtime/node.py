"""LiveNode: the asyncio runtime that connects brokers, reconciles, and keeps them connected.

Theory of operation
-------------------
``await node.start()``:

1. refuses an unsafe configuration before touching any venue: live mode needs
   the policy's ``enable_trading`` *and* a broker configured live, a live broker
   in paper mode is refused, and any backtest-only bypass is refused (design
   invariant 10);
2. builds the OrderManager (which recovers from its journal and binds every
   broker's sink to ``oms.on_event``), teaches each adapter the journal's client
   order ids, and gives each adapter a token-bucket rate budget built from its
   ``BrokerLimits.rates``;
3. connects every broker (exponential backoff with seeded jitter; an expired
   credential is not retried);
4. reconciles: runs a :class:`~bolt_exec.reconcile.service.ReconcileService`
   once per broker (``run_once``: mass status, diff, resolve; corrective events
   through ``oms.on_event``, corrective commands through the OMS and the safety
   gate, see :mod:`bolt_exec.runtime.reconcile_wiring`), retrying while adapters
   catch up, until the OMS and the venue agree. Only then does it return the OMS,
   so no order can be sent before reconciliation. What stays unresolved refuses
   the start (``on_discrepancy='halt'``) or is escalated to the SafetyManager's
   ``on_reconciliation`` (``'warn'``), which tightens the trading state by policy;
5. supervises: a broker that drops is reconnected with backoff and reconciled
   again, and each connected broker is reconciled on a timer
   (``reconcile_every_s``, never faster than ``reconcile_budget_share`` of its
   published request limits); unresolved discrepancies found while running are
   escalated to the SafetyManager.

A SafetyManager handed in as ``safety`` is connected to the OMS (bus, kill
switch target, recovered book) and its timer (latch polling, monitors) started
on the node's loop. A custom ``reconcile`` hook replaces the services: it only
reports (the node refuses or warns on what it reports), as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from bolt_exec.adapters.base import BrokerBase
from bolt_exec.bus import MessageBus
from bolt_exec.clock import Clock, LiveClock
from bolt_exec.errors import AuthenticationError, BrokerError, ConfigError, ReconciliationError
from bolt_exec.oms.manager import OrderManager
from bolt_exec.oms.safety_wiring import safety_from_policy
from bolt_exec.reconcile.resolve import Outcome, ReconcilePolicy
from bolt_exec.reconcile.service import ReconcileOutcome, ReconcileService
from bolt_exec.runtime.backoff import Backoff
from bolt_exec.runtime.config import NodeConfig, _as_config, build_broker
from bolt_exec.runtime.ratelimit import RateBudget
from bolt_exec.runtime.reconcile_wiring import describe, reconcile_service, unresolved_count
from bolt_exec.runtime.startup import ReconcileHook, StartupReport
from bolt_exec.safety.gate import SafetyGate
from bolt_exec.safety.manager import SafetyManager
from bolt_exec.safety.policy import Policy
from bolt_exec.store.base import OrderStore

__all__ = ["LiveNode", "TradingPolicy"]

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]


class TradingPolicy(Protocol):
    """What the node reads of the policy: whether real orders may be sent at all."""

    @property
    def enable_trading(self) -> bool:
        """True only when the operator allowed sending orders."""
        ...


@runtime_checkable
class _Throttled(Protocol):
    def use_throttle(self, throttle: Callable[[str], Awaitable[None]]) -> None: ...


@runtime_checkable
class _Adopting(Protocol):
    def adopt_client_order_ids(self, client_order_ids: list[str]) -> None: ...


class LiveNode:
    """The live runtime: one asyncio loop, the OMS, and the brokers' connections.

    **The One Rule: user callbacks must not block.** Bus handlers, order-handle
    callbacks and strategy code run on the node's event loop, the same loop that
    receives broker events and keeps connections alive. A callback that blocks
    (``time.sleep``, a blocking HTTP call, a long computation) stalls every fill,
    heartbeat and reconnect. Do long work in an executor
    (``await loop.run_in_executor(None, fn)``) and return quickly.

    Args:
        brokers: the brokers by name (the first is the default route).
        policy: the trading policy; required (with ``enable_trading``) in live mode.
        mode: ``"paper"`` (default) or ``"live"``.
        clock: time source (a LiveClock by default).
        safety: the pre-trade gate handed to the OMS.
        store: the journal handed to the OMS (recovery happens on start).
        bus: the message bus handed to the OMS.
        reconcile: a report-only start-up/reconnect hook (e.g.
            :func:`~bolt_exec.runtime.startup.check_mass_status`) instead of the
            default ReconcileService per broker.
        config: timing and failure-handling settings (``brokers`` in it is ignored here).
        sleep: how to wait (tests inject a fast one).

    Raises:
        ConfigError: at construction, for any configuration refused above.
    """

    def __init__(
        self,
        brokers: Mapping[str, BrokerBase],
        *,
        policy: TradingPolicy | None = None,
        mode: str = "paper",
        clock: Clock | None = None,
        safety: SafetyGate | None = None,
        store: OrderStore | None = None,
        bus: MessageBus | None = None,
        reconcile: ReconcileHook | None = None,
        config: NodeConfig | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._brokers = dict(brokers)
        self._policy = policy
        self._mode = mode
        self._clock: Clock = clock or LiveClock()
        self._safety = safety
        self._store = store
        self._bus = bus
        self._hook: ReconcileHook | None = reconcile
        self._cfg = config or NodeConfig(brokers={})
        self._sleep = sleep
        self._oms: OrderManager | None = None
        self._supervisors: list[asyncio.Task[None]] = []
        self.budgets: dict[str, RateBudget] = {}
        self.reports: dict[str, StartupReport] = {}
        self.services: dict[str, ReconcileService] = {}
        self.outcomes: dict[str, ReconcileOutcome] = {}
        self.failed: dict[str, BrokerError] = {}
        self._starting = False
        self._check_safe_to_run()

    @classmethod
    def from_config(cls, config: NodeConfig | Mapping[str, Any], **kwargs: Any) -> LiveNode:
        """Build the brokers named in ``config`` (through the entry-point registry) and a node.

        Raises:
            ConfigError: invalid configuration, unknown broker kind, or an unsafe mode.
        """
        cfg = _as_config(config)
        if not cfg.brokers:
            raise ConfigError("brokers: empty; configure at least one broker (e.g. paper)")
        brokers = {name: build_broker(name, spec) for name, spec in cfg.brokers.items()}
        return cls(brokers, mode=cfg.mode, config=cfg, **kwargs)

    # --- refusals ---------------------------------------------------------------------------
    def _check_safe_to_run(self) -> None:
        for owner, obj in (("policy", self._policy), ("safety", self._safety)):
            for attr in dir(obj) if obj is not None else ():
                if "bypass" not in attr.lower() or attr.startswith("__"):
                    continue
                value = getattr(obj, attr, None)
                if value and not callable(value):
                    raise ConfigError(
                        f"{owner}.{attr}={value!r}: a backtest-only bypass is refused by the "
                        "live runtime; remove it (risk checks always run live)"
                    )
        live = sorted(name for name, b in self._brokers.items() if b.is_live)
        if self._mode == "paper":
            if live:
                raise ConfigError(
                    f"mode='paper' but broker(s) {', '.join(live)} are configured live; run "
                    "with mode='live' (and enable_trading in the policy) or configure them demo"
                )
            return
        if self._mode != "live":
            raise ConfigError(f"mode={self._mode!r}: use 'paper' or 'live'")
        if self._policy is None or self._policy.enable_trading is not True:
            raise ConfigError(
                "mode='live' needs a policy with enable_trading: true; it is "
                f"{'missing' if self._policy is None else 'false'}, so no real order may be sent"
            )
        if not live:
            raise ConfigError(
                "mode='live' but no broker is configured live (e.g. KiteConfig live=True with "
                "the production roots); refusing to pretend"
            )

    # --- lifecycle --------------------------------------------------------------------------
    @property
    def oms(self) -> OrderManager:
        """The OMS, available once :meth:`start` has reconciled."""
        if self._oms is None:
            raise RuntimeError("the node has not started; await node.start() first")
        return self._oms

    async def start(self) -> OrderManager:
        """Build the OMS, connect, reconcile, supervise; return the OMS (ready to trade).

        Raises:
            AuthenticationError: a broker refused its credentials (log in again).
            BrokerError: a broker stayed unreachable for every start-up attempt.
            ReconciliationError: the OMS and a venue disagree (``on_discrepancy='halt'``).
        """
        gate = self._safety
        if gate is None and isinstance(self._policy, Policy):
            # A full policy.yaml means its limits apply: build the SafetyManager from it
            # (cash arrives from the account feed through set_cash).
            gate = safety_from_policy(self._policy, self._clock, cash=None, latch_path=None)
            self._safety = gate
        oms = OrderManager(
            self._brokers, clock=self._clock, safety=gate, store=self._store, bus=self._bus
        )
        safety = oms.safety if isinstance(oms.safety, SafetyManager) else None
        if safety is not None and not safety.is_attached:
            safety.attach(oms.bus)
            safety.bind(oms)
            safety.sync(oms)
        for name, broker in self._brokers.items():
            budget = self.budgets[name] = RateBudget(
                broker.limits.rates, self._clock, self._sleep, venue=name
            )
            if isinstance(broker, _Throttled):
                broker.use_throttle(budget.acquire)
            if isinstance(broker, _Adopting):
                broker.adopt_client_order_ids(
                    [o.client_order_id for o in oms.orders() if o.broker in ("", name)]
                )
        await asyncio.gather(*(self._connect_at_start(n, b) for n, b in self._brokers.items()))
        for broker in self._brokers.values():
            for inst in broker.instruments():
                oms.add_instrument(inst)
        self._starting = True
        try:
            for name, broker in self._brokers.items():
                report = await self._reconcile(oms, name, broker)
                if report.is_clean:
                    continue
                if self._cfg.on_discrepancy == "halt":
                    raise ReconciliationError(
                        f"{name}: {len(report.problems)} disagreement(s) between the journal "
                        f"and the venue: {'; '.join(report.problems[:5])}. Settle them "
                        "(reconciler policy or operator) before trading, or start with "
                        "on_discrepancy='warn'"
                    )
                self._escalate(name, len(report.problems), "; ".join(report.problems[:5]))
        finally:
            self._starting = False
        self._oms = oms
        if safety is not None:
            safety.sync(oms)  # orders and fills the reconciler adopted
            safety.start()  # latch polling and monitors, on this loop
        loop = asyncio.get_running_loop()
        self._supervisors = [
            loop.create_task(self._supervise(n, b)) for n, b in self._brokers.items()
        ]
        return oms

    async def stop(self) -> None:
        """Stop supervising and disconnect every broker (idempotent)."""
        if self._oms is not None and isinstance(self._oms.safety, SafetyManager):
            self._oms.safety.stop()
        for task in self._supervisors:
            task.cancel()
        await asyncio.gather(*self._supervisors, return_exceptions=True)
        self._supervisors = []
        for broker in self._brokers.values():
            await broker.disconnect()

    async def __aenter__(self) -> OrderManager:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- connections ------------------------------------------------------------------------
    def _backoff(self, name: str) -> Backoff:
        cfg = self._cfg
        seed = cfg.seed * 1_000_003 + sum(name.encode())  # per-broker, still reproducible
        return Backoff(cfg.reconnect_base_s, max(cfg.reconnect_cap_s, cfg.reconnect_base_s), seed)

    async def _connect_at_start(self, name: str, broker: BrokerBase) -> None:
        backoff = self._backoff(name)
        for attempt in range(1, self._cfg.connect_attempts + 1):
            try:
                await broker.connect()
                return
            except AuthenticationError:
                raise  # retrying a refused credential cannot help; the message says what to do
            except BrokerError as err:
                if attempt == self._cfg.connect_attempts:
                    raise
                delay = backoff.next_delay()
                log.warning("connect %s failed (%s); retry %d in %.2f s", name, err, attempt, delay)
                await self._sleep(delay)

    # --- reconciliation ---------------------------------------------------------------------
    def _service(self, oms: OrderManager, name: str) -> ReconcileService:
        service = self.services.get(name)
        if service is None:
            cfg = self._cfg
            service = self.services[name] = reconcile_service(
                oms,
                name,
                policy=ReconcilePolicy(cfg.reconcile_policy),
                escalate=self._escalator(name),
                interval_s=cfg.reconcile_every_s or 0.0,
                budget_share=cfg.reconcile_budget_share,
            )
        return service

    def _escalator(self, name: str) -> Callable[[ReconcileOutcome], None]:
        def escalate(outcome: ReconcileOutcome) -> None:
            # At start-up the node judges the last attempt itself (refuse or warn).
            if not self._starting:
                self._escalate(name, unresolved_count(outcome), describe(outcome))

        return escalate

    def _escalate(self, name: str, n: int, detail: str) -> None:
        if n <= 0:
            return
        log.error("reconcile %s: %d unresolved: %s", name, n, detail)
        gate = self._oms.safety if self._oms is not None else self._safety
        if isinstance(gate, SafetyManager):
            gate.on_reconciliation(n, f"{name}: {detail}")

    async def _run_service(self, oms: OrderManager, name: str, attempts: int) -> StartupReport:
        service = self._service(oms, name)
        for attempt in range(attempts):
            if attempt:
                await self._sleep(self._cfg.reconcile_wait_s)  # adapters are catching up
            outcome = self.outcomes[name] = await service.run_once()
            if outcome.is_ok:
                break
        return _report(name, self.outcomes[name])

    async def _reconcile(
        self, oms: OrderManager, name: str, broker: BrokerBase, attempts: int | None = None
    ) -> StartupReport:
        if not broker.capabilities.supports_mass_status:
            log.warning("%s has no mass status: starting without reconciliation", name)
            return StartupReport(name)
        tries = attempts or self._cfg.reconcile_attempts
        if self._hook is None:
            report = await self._run_service(oms, name, tries)
        else:
            report = StartupReport(name)
            for attempt in range(tries):
                if attempt:
                    await self._sleep(self._cfg.reconcile_wait_s)  # adapters are catching up
                report = await self._hook(oms, name, await broker.mass_status())
                if report.is_clean:
                    break
            if not report.is_clean and not self._starting:
                self._escalate(name, len(report.problems), "; ".join(report.problems[:5]))
        self.reports[name] = report
        for line in report.external:
            log.info("not ours: %s", line)
        for line in report.problems:
            log.error("reconcile %s: %s", name, line)
        return report

    async def _supervise(self, name: str, broker: BrokerBase) -> None:
        backoff = self._backoff(name)
        every_s = self._cfg.reconcile_every_s or 0.0
        service = self.services.get(name)
        if every_s and service is not None:
            every_s = service.interval_s  # raised to stay within the broker's request budget

        def period_ns() -> int:
            # After each run: the period, stretched after a run that asked a lot.
            if not every_s or service is None:
                return int(every_s * 1e9)
            return int(max(every_s, service.next_delay_s) * 1e9)

        every_ns = period_ns()
        last_ns = self._clock.now_ns()
        while True:
            await self._sleep(self._cfg.heartbeat_s)
            if broker.is_connected:
                if every_ns and self._clock.now_ns() - last_ns >= every_ns:
                    last_ns = self._clock.now_ns()
                    await self._reconcile_quietly(name, broker)
                    every_ns = period_ns()
                continue
            log.warning("%s disconnected; reconnecting", name)
            backoff.reset()
            while not broker.is_connected:
                try:
                    await broker.connect()
                except AuthenticationError as err:
                    log.critical("%s: %s", name, err)
                    self.failed[name] = err
                    return
                except BrokerError as err:
                    delay = backoff.next_delay()
                    log.warning("reconnect %s failed (%s); retry in %.2f s", name, err, delay)
                    await self._sleep(delay)
            log.info("%s reconnected", name)
            last_ns = self._clock.now_ns()
            await self._reconcile_quietly(name, broker)
            every_ns = period_ns()

    async def _reconcile_quietly(self, name: str, broker: BrokerBase) -> None:
        # While running, a failed or dirty reconciliation is reported, never fatal to the
        # supervisor: the reports and the log say what disagrees.
        if self._oms is None:
            return
        try:
            await self._reconcile(self._oms, name, broker, attempts=1)
        except BrokerError as err:
            log.error("reconcile %s failed: %s", name, err)


def _report(name: str, outcome: ReconcileOutcome) -> StartupReport:
    """What a reconcile run left open, as the node's per-broker report."""
    if outcome.resolution is None:
        return StartupReport(name, (f"{name} could not be asked: {outcome.error}",))
    problems = [
        f"{getattr(a.discrepancy, 'client_order_id', '') or type(a.discrepancy).__name__}: "
        f"{a.note} ({type(a.discrepancy).__name__} at {name})"
        for a in outcome.resolution.actions
        if a.outcome is Outcome.ESCALATED
    ]
    problems += [f"not applied: {e}" for e in outcome.apply_errors]
    external = [
        f"{name} order {getattr(a.discrepancy, 'client_order_id', '')} adopted ({a.note})"
        for a in outcome.resolution.actions
        if a.note.startswith("adopted")
    ]
    return StartupReport(name, tuple(problems), tuple(external))

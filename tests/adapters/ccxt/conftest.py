"""Fixtures: FakeBinance on 127.0.0.1 driven through ccxt's ``binance`` class.

The fake speaks Binance's signed REST, so the real ccxt code path (signing,
parsing, error mapping) runs against it. ``venue`` yields a connected
CcxtBroker, the fake (to script misbehaviour) and the emitted events.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest_asyncio
from pydantic import SecretStr

from bolt_exec.adapters.ccxt import CcxtBroker, CcxtConfig
from bolt_exec.clock import LiveClock
from bolt_exec.model.events import OrderEvent
from bolt_exec.testing.fake_binance import FakeBinance

API_KEY = "ccxt-key-1"
API_SECRET = "canary-ccxt-Yw7Tq2-never-log-me"


@dataclass
class CcxtHarness:
    """A connected CcxtBroker, the fake it talks to, and what it emitted."""

    broker: CcxtBroker
    fake: FakeBinance
    events: list[OrderEvent] = field(default_factory=list)

    def of(self, kind: type[OrderEvent], client_order_id: str | None = None) -> list[OrderEvent]:
        """The emitted events of one type (optionally of one order)."""
        return [
            e
            for e in self.events
            if isinstance(e, kind) and client_order_id in (None, e.client_order_id)
        ]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 3.0) -> None:
        """Yield to the loop until ``predicate()`` holds; fail after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.005)

    async def settle(self, polls: int = 3) -> None:
        """Let a few poll cycles run (for asserting absence)."""
        await asyncio.sleep(self.broker.config.poll_interval_s * polls + 0.02)


def make_config(fake: FakeBinance, **overrides: object) -> CcxtConfig:
    values: dict[str, object] = {
        "exchange": "binance",
        "api_key": SecretStr(API_KEY),
        "secret": SecretStr(API_SECRET),
        "rest_url": f"http://127.0.0.1:{fake.port}",
        "symbols": ("BTC/USDT",),
        "poll_interval_s": 0.03,
        "enable_rate_limit": False,
        "request_timeout_s": 3.0,
    }
    values.update(overrides)
    return CcxtConfig(**values)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    """A running FakeBinance with the ccxt test credentials."""
    server = FakeBinance(clock=LiveClock(), api_key=API_KEY, api_secret=API_SECRET)
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def venue(fake: FakeBinance) -> AsyncIterator[CcxtHarness]:
    """A CcxtBroker (exchange ``binance``) bound to a list sink and connected to the fake."""
    broker = CcxtBroker(make_config(fake))
    harness = CcxtHarness(broker=broker, fake=fake)
    broker.bind(harness.events.append, LiveClock())
    await broker.connect()
    yield harness
    await broker.disconnect()

"""Fixtures: FakeBinance on 127.0.0.1 driven through ccxt's ``binance`` class.

The fake speaks Binance's signed REST, so the real ccxt code path (signing,
parsing, error mapping) runs against it. ``venue`` yields a connected
CcxtBroker, the fake (to script misbehaviour) and the emitted events.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
from pydantic import SecretStr

from bolt_exec.adapters.ccxt import CcxtBroker, CcxtConfig
from bolt_exec.clock import LiveClock
from bolt_exec.testing.fake_binance import FakeBinance
from bolt_exec.testing.recorder import EventRecorder

API_KEY = "ccxt-key-1"
API_SECRET = "canary-ccxt-Yw7Tq2-never-log-me"


class CcxtHarness(EventRecorder):
    """A connected CcxtBroker, the fake it talks to, and what it emitted."""

    def __init__(self, broker: CcxtBroker, fake: FakeBinance) -> None:
        super().__init__()
        self.broker = broker
        self.fake = fake

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

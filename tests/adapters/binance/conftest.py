"""Fixtures: a FakeBinance on 127.0.0.1 and a BinanceSpotBroker connected to it.

``venue`` yields a :class:`VenueHarness`: the connected adapter, the fake (to
script misbehaviour and inspect state) and the events the adapter emitted. The
shared adapter contract suite can take the same shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
from pydantic import SecretStr

from bolt_exec.adapters.binance import BinanceConfig, BinanceSpotBroker
from bolt_exec.clock import LiveClock
from bolt_exec.testing.fake_binance import FakeBinance
from bolt_exec.testing.recorder import EventRecorder

API_KEY = "test-key-1"
API_SECRET = "canary-Zq8vX3-never-log-me"  # a canary: tests assert it never leaks


class VenueHarness(EventRecorder):
    """A connected adapter, the fake it talks to, and what it emitted."""

    def __init__(self, broker: BinanceSpotBroker, fake: FakeBinance) -> None:
        super().__init__()
        self.broker = broker
        self.fake = fake

    async def settle(self) -> None:
        """Let scheduled commands and stream frames run (for asserting absence)."""
        for _ in range(20):
            await asyncio.sleep(0.005)


def make_config(fake: FakeBinance, **overrides: object) -> BinanceConfig:
    """A testnet config pointed at the fake."""
    values: dict[str, object] = {
        "api_key": SecretStr(API_KEY),
        "api_secret": SecretStr(API_SECRET),
        "rest_url": fake.rest_url,
        "ws_api_url": fake.ws_api_url,
        "symbols": ("BTCUSDT", "ETHUSDT"),
        "request_timeout_s": 3.0,
    }
    values.update(overrides)
    return BinanceConfig(**values)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    """A running FakeBinance with the test credentials."""
    server = FakeBinance(clock=LiveClock(), api_key=API_KEY, api_secret=API_SECRET)
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def venue(fake: FakeBinance) -> AsyncIterator[VenueHarness]:
    """A BinanceSpotBroker bound to a list sink and connected to the fake."""
    broker = BinanceSpotBroker(make_config(fake))
    harness = VenueHarness(broker=broker, fake=fake)
    broker.bind(harness.events.append, LiveClock())
    await broker.connect()
    yield harness
    await broker.disconnect()

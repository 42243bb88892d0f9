"""Fixtures for the Kite adapter: a FakeKite server and a KiteBroker connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from bolt_exec.adapters.zerodha import KiteBroker
from bolt_exec.clock import LiveClock
from bolt_exec.testing.contract import EventRecorder
from bolt_exec.testing.fakes.kite import FakeKite

from .helpers import kite_config


@pytest.fixture
def fake() -> Iterator[FakeKite]:
    with FakeKite() as server:
        yield server


@pytest_asyncio.fixture
async def broker(fake: FakeKite, recorder: EventRecorder) -> AsyncIterator[KiteBroker]:
    adapter = KiteBroker(kite_config(fake))
    adapter.bind(recorder, LiveClock())
    await adapter.connect()
    yield adapter
    await adapter.disconnect()


@pytest.fixture
def recorder() -> EventRecorder:
    return EventRecorder()

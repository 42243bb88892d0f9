"""Fixtures: an IbkrBroker connected through the real ib_async client to a fake TWS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bolt_exec.testing.ibkr import IbkrVenue, open_venue


@pytest_asyncio.fixture
async def venue() -> AsyncIterator[IbkrVenue]:
    """A connected adapter, the fake TWS behind it (AAPL at 190) and the emitted events."""
    async with open_venue() as harness:
        yield harness

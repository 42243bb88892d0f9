"""Shared builders for the runtime integration tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bolt_exec.adapters.zerodha import KiteBroker, KiteConfig
from bolt_exec.testing.fakes.kite import FakeKite


@dataclass(frozen=True)
class Policy:
    enable_trading: bool = False


def kite(fake: FakeKite, **overrides: Any) -> KiteBroker:
    values: dict[str, Any] = {
        "api_key": fake.api_key,
        "access_token": fake.access_token,
        "root": fake.url,
        "ws_root": fake.ws_url,
        "poll_interval_s": 0.2,
        "timeout_s": 2.0,
    }
    values.update(overrides)
    return KiteBroker(KiteConfig(**values))


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.01)

"""Helpers for the Kite adapter tests: the config builder and the contract's venue driver."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal

from bolt_exec.adapters.zerodha import KiteBroker, KiteConfig
from bolt_exec.adapters.zerodha.codec import tag_for
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.testing.contract import VenueDriver
from bolt_exec.testing.fakes.kite import FakeKite


def kite_config(fake: FakeKite, **overrides: object) -> KiteConfig:
    values: dict[str, object] = {
        "api_key": fake.api_key,
        "access_token": fake.access_token,
        "root": fake.url,
        "ws_root": fake.ws_url,
        "exchanges": ("NSE", "NFO"),
        "poll_interval_s": 0.2,
        "timeout_s": 2.0,
    }
    values.update(overrides)
    return KiteConfig(**values)  # type: ignore[arg-type]


class KiteDriver(VenueDriver):
    """Drives FakeKite for the contract suite."""

    symbol = "INFY"
    qty = Decimal(4)
    passive_px = Decimal("1400.05")
    amend_px = Decimal("1400.10")

    def __init__(self, fake: FakeKite, broker: KiteBroker) -> None:
        self.fake = fake
        self.broker = broker

    def make_marketable(self, symbol: str) -> None:
        self.fake.set_last_price(symbol, 1500.0)

    def fill(self, client_order_id: str, qty: Decimal) -> None:
        self.fake.fill(tag_for(client_order_id), int(qty))

    def prepare_reject(self, command: SubmitOrder) -> tuple[SubmitOrder, str]:
        self.fake.script.reject_next.append("RMS:Margin Exceeds, Required:8000, Available:10")
        return command, "RMS:Margin Exceeds"

    def fill_on_cancel_next(self, client_order_id: str) -> None:
        self.fake.script.fill_on_cancel = True

    def redeliver(self, client_order_id: str) -> None:
        self.fake.push_update(tag_for(client_order_id))

    async def disconnect(self) -> None:
        self.fake.drop_streams()
        await self.wait_for(lambda: not self.broker.is_connected)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        await wait_until(predicate, timeout)


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` on the running loop; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.01)

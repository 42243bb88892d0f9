"""The adapter contract suite, run for KiteBroker against FakeKite over real sockets."""

from __future__ import annotations

import pytest

from bolt_exec.adapters.zerodha import KiteBroker
from bolt_exec.testing.contract import AdapterContract
from bolt_exec.testing.fake_kite import FakeKite

from .helpers import KiteDriver


class TestKiteContract(AdapterContract):
    @pytest.fixture
    def adapter(self, broker: KiteBroker) -> KiteBroker:
        return broker

    @pytest.fixture
    def venue(self, fake: FakeKite, broker: KiteBroker) -> KiteDriver:
        return KiteDriver(fake, broker)

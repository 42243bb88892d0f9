"""A fake TWS / IB Gateway that speaks the TWS API socket protocol on loopback."""

from bolt_exec.testing.fake_tws.server import DEFAULT_CONTRACTS, FakeTWS
from bolt_exec.testing.fake_tws.state import FakeExecution, FakeOrder, Script
from bolt_exec.testing.fake_tws.wire import FakeContract

__all__ = ["DEFAULT_CONTRACTS", "FakeContract", "FakeExecution", "FakeOrder", "FakeTWS", "Script"]

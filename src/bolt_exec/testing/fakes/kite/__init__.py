"""FakeKite: Kite Connect v3 REST + WebSocket order updates on 127.0.0.1, scriptable."""

from bolt_exec.testing.fakes.kite.book import DEFAULT_INSTRUMENTS, KiteBook, KiteError, Script
from bolt_exec.testing.fakes.kite.server import FakeKite

__all__ = ["DEFAULT_INSTRUMENTS", "FakeKite", "KiteBook", "KiteError", "Script"]

"""A fake Binance spot venue on 127.0.0.1: signed REST plus the WebSocket API user stream.

It never imports ``bolt_exec.adapters.binance``: its payloads come from its own
encoder, so a codec bug cannot hide behind a fake that shares it.
"""

from bolt_exec.testing.fake_binance.server import FakeBinance
from bolt_exec.testing.fake_binance.venue import FakeBinanceVenue, Script, VenueError

__all__ = ["FakeBinance", "FakeBinanceVenue", "Script", "VenueError"]

"""KiteOrderStream: KiteTicker's order updates, delivered onto the adapter's asyncio loop.

Theory of operation
-------------------
``KiteTicker`` runs on the Twisted reactor, which can run once per process and
never restart (``ReactorNotRestartable``). So the reactor is started once, in a
daemon thread, and every later ticker is connected and closed *through* it
(``reactor.callFromThread``), never from our thread. Callbacks arrive on the
reactor thread; they only hop onto the asyncio loop with
``call_soon_threadsafe``, so the adapter's state is touched by one thread.

Twisted's own auto-reconnect is switched off after the first close: the runtime
owns reconnection (exponential backoff with seeded jitter), and the adapter polls
``orders()`` while the stream is down, so no update is lost in the gap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["KiteOrderStream"]

log = logging.getLogger(__name__)


class _NormalCloseFilter(logging.Filter):
    # kiteconnect logs every close at ERROR, even a normal one (code 1000) that we asked for;
    # the adapter itself warns when the stream drops, so this line is only noise.
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Connection closed: 1000")


_FILTER = _NormalCloseFilter()

OrderCallback = Callable[[Mapping[str, Any]], None]
StateCallback = Callable[[bool], None]


class KiteOrderStream:
    """One KiteTicker connection that forwards ``order`` messages to ``on_order``.

    Args:
        api_key: the app's key (plain text only here, at the library boundary).
        access_token: today's token.
        root: the WebSocket root (``wss://ws.kite.trade`` or the fake's).
        loop: the asyncio loop callbacks are delivered on.
        on_order: called on ``loop`` with each order object.
        on_state: called on ``loop`` with True when connected, False when closed.
    """

    def __init__(
        self,
        api_key: str,
        access_token: str,
        root: str,
        loop: asyncio.AbstractEventLoop,
        on_order: OrderCallback,
        on_state: StateCallback,
    ) -> None:
        from kiteconnect import KiteTicker

        ticker_log = logging.getLogger("kiteconnect.ticker")
        if _FILTER not in ticker_log.filters:
            ticker_log.addFilter(_FILTER)
        self._loop = loop
        self._on_order = on_order
        self._on_state = on_state
        self._closed = False
        self._opened: asyncio.Future[bool] = loop.create_future()
        self._ticker = KiteTicker(
            api_key,
            access_token,
            root=root,
            reconnect=False,
            reconnect_max_tries=0,
            connect_timeout=5,
        )
        self._ticker.on_order_update = self._order
        self._ticker.on_open = self._opened_cb
        self._ticker.on_close = self._close
        self._ticker.on_noreconnect = self._gave_up
        self._ticker.on_error = self._error

    def start(self) -> None:
        """Connect (starts the reactor thread the first time)."""
        from twisted.internet import reactor

        if reactor.running:
            reactor.callFromThread(
                self._ticker.connect, threaded=True, disable_ssl_verification=False
            )
        else:
            self._ticker.connect(threaded=True)

    async def open(self, timeout_s: float) -> bool:
        """Connect and wait until the stream opens; return False if it did not in time."""
        self.start()
        try:
            return await asyncio.wait_for(asyncio.shield(self._opened), timeout_s)
        except TimeoutError:
            return False

    def stop(self) -> None:
        """Close the connection; no callback fires after this returns."""
        from twisted.internet import reactor

        self._closed = True
        if reactor.running:
            reactor.callFromThread(self._ticker.close)

    # --- reactor-thread callbacks: hop to the loop, nothing else -----------------------------
    def _post(self, fn: Callable[..., None], *args: Any) -> None:
        if self._closed:
            return
        try:
            self._loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop is closed: the adapter is gone
            self._closed = True

    def _order(self, ws: Any, data: Mapping[str, Any]) -> None:
        self._post(self._on_order, dict(data))

    def _state(self, up: bool) -> None:  # on the loop
        if not self._opened.done():
            self._opened.set_result(up)
        self._on_state(up)

    def _opened_cb(self, ws: Any) -> None:
        self._post(self._state, True)

    def _gave_up(self, ws: Any) -> None:
        self._post(self._state, False)

    def _close(self, ws: Any, code: Any, reason: Any) -> None:
        ws.stop_retry()  # the runtime reconnects, with its own backoff
        self._post(self._state, False)

    def _error(self, ws: Any, code: Any, reason: Any) -> None:
        log.warning("Kite order stream error", extra={"code": str(code)})

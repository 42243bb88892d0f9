"""The Binance spot user data stream over the WebSocket API, with reconnect and resubscribe.

Theory of operation
-------------------
Binance retired spot listen keys; the user stream is a subscription on the
WebSocket API (``userDataStream.subscribe.signature``, signed like REST).
python-binance 1.0.37 can subscribe, but a dropped socket leaves its
subscription queue silent, and a trader needs to *know* the stream was down.
So this module owns the socket: it subscribes, hands every ``event`` to
``on_event``, and when the socket closes it reports ``on_state(False)``,
reconnects with capped exponential back-off, resubscribes, and reports
``on_state(True)``. Events sent while it was down are lost by design of the
venue; the reconciler's mass status fills the gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp
from pydantic import SecretStr

from bolt_exec.errors import AuthenticationError, BrokerError, BrokerUnavailable

__all__ = ["UserStream"]

log = logging.getLogger(__name__)


class UserStream:
    """One user-data subscription that survives disconnects."""

    def __init__(
        self,
        *,
        url: str,
        api_key: SecretStr,
        api_secret: SecretStr,
        time_ms: Callable[[], int],
        on_event: Callable[[dict[str, Any]], None],
        on_state: Callable[[bool], None],
        recv_window_ms: int = 5000,
        venue: str = "binance",
        max_backoff_s: float = 5.0,
    ) -> None:
        self._url = url
        self._key = api_key
        self._secret = api_secret
        self._time_ms = time_ms
        self._on_event = on_event
        self._on_state = on_state
        self._recv_window = recv_window_ms
        self._venue = venue
        self._max_backoff = max_backoff_s
        self._ids = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None
        self.is_up = False
        self.reconnects = 0

    def __repr__(self) -> str:
        return f"UserStream(url={self._url!r}, up={self.is_up})"

    async def start(self) -> None:
        """Connect and subscribe once (raising if that fails), then keep it up."""
        self._session = aiohttp.ClientSession()
        try:
            await self._open()
        except BaseException:
            await self._session.close()
            self._session = None
            raise
        self._task = asyncio.create_task(self._run(), name=f"{self._venue}-user-stream")

    async def stop(self) -> None:
        """Close the socket and stop reconnecting."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        self.is_up = False

    def _subscribe_request(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "apiKey": self._key.get_secret_value(),
            "recvWindow": self._recv_window,
            "timestamp": self._time_ms(),
        }
        payload = urlencode(sorted((k, str(v)) for k, v in params.items()))
        secret = self._secret.get_secret_value().encode()
        params["signature"] = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
        return {
            "id": str(next(self._ids)),
            "method": "userDataStream.subscribe.signature",
            "params": params,
        }

    async def _open(self) -> None:
        if self._session is None:
            raise BrokerUnavailable(f"{self._venue}: user stream stopped", venue=self._venue)
        try:
            ws = await self._session.ws_connect(self._url, heartbeat=20.0)
        except (aiohttp.ClientError, OSError) as exc:
            raise BrokerUnavailable(
                f"{self._venue}: cannot open the user stream at {self._url} "
                f"({type(exc).__name__}); check ws_api_url and the network",
                venue=self._venue,
            ) from exc
        request = self._subscribe_request()
        await ws.send_json(request)
        # Events for other subscriptions cannot arrive before ours exists; the first
        # frame is the answer.
        reply = await asyncio.wait_for(ws.receive_json(), timeout=10.0)
        if reply.get("status") != 200:
            await ws.close()
            err = reply.get("error") or {}
            code, msg = err.get("code"), str(err.get("msg", ""))
            cls: type[BrokerError] = (
                AuthenticationError if code in (-1022, -2014, -2015) else BrokerError
            )
            raise cls(
                f"{self._venue}: user stream subscription refused: code {code}: {msg}",
                venue=self._venue,
                code=code,
                text=msg,
            )
        self._ws = ws
        self.is_up = True
        self._on_state(True)

    async def _run(self) -> None:
        backoff = 0.05
        while True:
            ws = self._ws
            if ws is not None:
                async for msg in ws:
                    if msg.type is not aiohttp.WSMsgType.TEXT:
                        break
                    self._dispatch(msg.json())
                self._ws = None
                self.is_up = False
                self._on_state(False)
                log.warning("%s user stream closed; reconnecting", self._venue)
            try:
                await self._open()
                self.reconnects += 1
                backoff = 0.05
            except BrokerError as exc:
                log.warning("%s user stream reconnect failed: %s", self._venue, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)

    def _dispatch(self, frame: dict[str, Any]) -> None:
        event = frame.get("event")
        if isinstance(event, dict):
            if event.get("e") == "eventStreamTerminated":
                log.warning("%s user stream terminated by the venue", self._venue)
                return
            try:
                self._on_event(event)
            except Exception:  # a bad event must not kill the stream; log it loudly
                log.exception(
                    "%s: failed to handle user-stream event %s", self._venue, event.get("e")
                )

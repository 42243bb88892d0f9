"""The fake's WebSocket API: user-data-stream subscriptions and event delivery."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
from typing import Any

from aiohttp import WSMsgType, web

from bolt_exec.testing.fake_binance.auth import check_timestamp, sign, ws_signature_payload
from bolt_exec.testing.fake_binance.venue import FakeBinanceVenue, VenueError

__all__ = ["UserStreamHub"]


class UserStreamHub:
    """Serves ``/ws-api/v3`` and fans user-stream events out to subscribed sockets."""

    def __init__(self, venue: FakeBinanceVenue, api_key: str, api_secret: str) -> None:
        self._venue = venue
        self._key = api_key
        self._secret = api_secret
        self._subs: dict[int, asyncio.Queue[dict[str, Any] | None]] = {}
        self._sockets: set[web.WebSocketResponse] = set()
        self._ids = itertools.count()
        self.subscribe_count = 0

    @property
    def subscribers(self) -> int:
        """How many user-stream subscriptions are live."""
        return len(self._subs)

    def publish(self, event: dict[str, Any]) -> None:
        """Queue ``event`` for every live subscription (called by the venue)."""
        for sub_id, queue in self._subs.items():
            queue.put_nowait({"subscriptionId": sub_id, "event": event})

    async def close_all(self) -> None:
        """Drop every socket, as a venue-side disconnect would."""
        dropped = list(self._subs)  # a client may resubscribe while we await the closes
        for ws in list(self._sockets):
            await ws.close()
        for sub_id in dropped:
            self._subs.pop(sub_id, None)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one WebSocket API connection."""
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        self._sockets.add(ws)
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        writer = asyncio.create_task(self._write(ws, queue))
        mine: list[int] = []
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    break
                reply = self._dispatch(msg.json(), queue, mine)
                await ws.send_json(reply)
        finally:
            for sub_id in mine:
                self._subs.pop(sub_id, None)
            queue.put_nowait(None)
            with contextlib.suppress(Exception):
                await writer
            self._sockets.discard(ws)
        return ws

    async def _write(
        self, ws: web.WebSocketResponse, queue: asyncio.Queue[dict[str, Any] | None]
    ) -> None:
        while (item := await queue.get()) is not None:
            if ws.closed:
                return
            await ws.send_json(item)

    def _dispatch(
        self, req: dict[str, Any], queue: asyncio.Queue[dict[str, Any] | None], mine: list[int]
    ) -> dict[str, Any]:
        rid = req.get("id")
        method = req.get("method")
        params = dict(req.get("params") or {})
        try:
            if method == "userDataStream.subscribe.signature":
                self._check(params)
                sub_id = next(self._ids)
                self._subs[sub_id] = queue
                mine.append(sub_id)
                self.subscribe_count += 1
                return {"id": rid, "status": 200, "result": {"subscriptionId": sub_id}}
            if method == "userDataStream.unsubscribe":
                sub_id = int(params.get("subscriptionId", -1))
                self._subs.pop(sub_id, None)
                return {"id": rid, "status": 200, "result": {}}
            if method == "ping":
                return {"id": rid, "status": 200, "result": {}}
            raise VenueError(400, -1100, f"Unknown method {method!r}.")
        except VenueError as err:
            return {"id": rid, "status": err.status, "error": {"code": err.code, "msg": err.msg}}

    def _check(self, params: dict[str, Any]) -> None:
        if params.get("apiKey") != self._key:
            raise VenueError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        expected = sign(self._secret, ws_signature_payload(params))
        if not hmac.compare_digest(expected, str(params.get("signature", "")).lower()):
            raise VenueError(400, -1022, "Signature for this request is not valid.")
        check_timestamp({k: str(v) for k, v in params.items()}, self._venue.now_ms())

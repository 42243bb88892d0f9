"""FakeKite: a local Kite Connect v3 server (REST + WebSocket order updates) for offline tests.

Theory of operation
-------------------
The real ``kiteconnect`` library talks to this server over a real socket on
127.0.0.1: ``KiteConnect(root=fake.url)`` and ``KiteTicker(root=fake.ws_url)``.
Replies use Kite's envelopes (``{"status": "success", "data": ...}`` and
``{"status": "error", "message": ..., "error_type": ...}``) with a JSON or CSV
``Content-Type``; requests must carry ``X-Kite-Version: 3`` and
``Authorization: token api_key:access_token``. Order state lives in
:class:`~bolt_exec.testing.fakes.kite.book.KiteBook`; the fake never imports
the adapter's codec (a codec bug must not cancel itself out).

The server runs on its own event loop in a daemon thread, so blocking clients
(kiteconnect uses ``requests``) and asyncio tests can both talk to it. Tests
drive it through thread-safe methods (:meth:`FakeKite.fill`,
:meth:`~FakeKite.expire_token`, :meth:`~FakeKite.drop_streams`,
:meth:`~FakeKite.push_update`) and the ``script`` flags (reject, partial fills,
fill after cancel, duplicated updates, 429, an ambiguous 504 that still
creates the order, a disconnect right after a place).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final, TypeVar

from aiohttp import WSMsgType, web

from bolt_exec.clock import Clock, LiveClock
from bolt_exec.testing.fakes.kite.book import DEFAULT_INSTRUMENTS, KiteBook, KiteError, Script

__all__ = ["FakeKite"]

_IST: Final = timezone(timedelta(hours=5, minutes=30))
_T = TypeVar("_T")
Handler = Callable[[web.Request], Awaitable[Any]]


class FakeKite:
    """A Kite Connect server on 127.0.0.1 (see the module docstring).

    Args:
        api_key: the key clients must present.
        access_token: the token clients must present (``expire_token`` invalidates it).
        api_secret: the secret ``generate_session`` checksums must use.
        instruments: rows of the instruments dump (defaults: INFY, TCS, a NIFTY future).
        clock: time for order and trade timestamps (a LiveClock by default).
    """

    def __init__(
        self,
        api_key: str = "fakekey",
        access_token: str = "faketoken",
        api_secret: str = "fakesecret",
        instruments: tuple[dict[str, Any], ...] = DEFAULT_INSTRUMENTS,
        clock: Clock | None = None,
    ) -> None:
        self.api_key = api_key
        self.access_token = access_token
        self.api_secret = api_secret
        self.clock: Clock = clock or LiveClock()
        self.book = KiteBook(instruments, self._now, self._push)
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._sockets: set[web.WebSocketResponse] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- views of the book --------------------------------------------------------------------
    @property
    def script(self) -> Script:
        """The misbehaviour flags (see :class:`Script`)."""
        return self.book.script

    @property
    def orders(self) -> dict[str, dict[str, Any]]:
        """Every order by Kite order id."""
        return self.book.orders

    @property
    def modifications(self) -> dict[str, int]:
        """How many times each order was modified."""
        return self.book.modifications

    @property
    def url(self) -> str:
        """REST root for ``KiteConnect(root=...)``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """WebSocket root for ``KiteTicker(root=...)``."""
        return f"ws://127.0.0.1:{self.port}"

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> FakeKite:
        """Start the server in a daemon thread; return self once it listens."""
        ready = threading.Event()
        loop = self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._serve())
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-kite", daemon=True)
        self._thread.start()
        if not ready.wait(5):
            raise RuntimeError("FakeKite did not start within 5 s")
        return self

    def stop(self) -> None:
        """Stop the server and its thread."""
        if self._loop is None:
            return
        self.call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._loop.close()
        self._loop = None

    def __enter__(self) -> FakeKite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def call(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coro`` on the server's loop and return its result (thread-safe)."""
        if self._loop is None:
            raise RuntimeError("FakeKite is not started; use it as a context manager")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(5)

    async def _serve(self) -> None:
        app = web.Application()
        routes: list[tuple[str, str, Handler, bool]] = [
            ("GET", "/user/profile", self._profile, False),
            ("GET", "/user/margins", self._margins, False),
            ("GET", "/instruments", self._instruments, False),
            ("GET", "/instruments/{exchange}", self._instruments, False),
            ("POST", "/orders/{variety}", self._place, True),
            ("PUT", "/orders/{variety}/{order_id}", self._modify, True),
            ("DELETE", "/orders/{variety}/{order_id}", self._cancel, True),
            ("GET", "/orders", self._orders, False),
            ("GET", "/orders/{order_id}", self._order_history, False),
            ("GET", "/orders/{order_id}/trades", self._order_trades, False),
            ("GET", "/trades", self._all_trades, False),
            ("GET", "/portfolio/positions", self._positions, False),
        ]
        for method, path, handler, is_order in routes:
            app.router.add_route(method, path, self._guarded(handler, is_order))
        app.router.add_get("/", self._ws)
        app.router.add_post("/session/token", self._session)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def _shutdown(self) -> None:
        await self.drop_streams_async()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- test controls (thread-safe) ----------------------------------------------------------
    def fill(self, order_ref: str, qty: int, price: float | None = None) -> None:
        """Fill ``qty`` of a working order (by order id or tag) at ``price`` (its limit)."""
        self.call(self.book.fill(order_ref, qty, price))

    def expire_token(self) -> None:
        """Invalidate the access token (the next call gets 403 TokenException)."""
        self.access_token = self.access_token + "-expired"

    def drop_streams(self) -> None:
        """Close every WebSocket (a network blip)."""
        self.call(self.drop_streams_async())

    def push_update(self, order_ref: str) -> None:
        """Push the order's current state on every WebSocket again (a duplicate delivery)."""
        self.call(self._push(self.book.find(order_ref), None))

    def order_by_tag(self, tag: str) -> list[dict[str, Any]]:
        """Return every order carrying ``tag``."""
        return [dict(o) for o in self.book.orders.values() if o["tag"] == tag]

    def set_last_price(self, tradingsymbol: str, price: float) -> None:
        """Set the price market orders fill at."""
        for row in self.book.instruments:
            if row["tradingsymbol"] == tradingsymbol:
                row["last_price"] = price

    async def drop_streams_async(self) -> None:
        """Close every WebSocket (call on the server loop)."""
        for ws in list(self._sockets):
            await ws.close()
        self._sockets.clear()

    # --- plumbing -----------------------------------------------------------------------------
    def _now(self) -> str:
        ts = datetime.fromtimestamp(self.clock.now_ns() / 1e9, tz=UTC).astimezone(_IST)
        return ts.strftime("%Y-%m-%d %H:%M:%S")

    @staticmethod
    def _error(err: KiteError) -> web.Response:
        body = {
            "status": "error",
            "message": err.message,
            "data": None,
            "error_type": err.error_type,
        }
        return web.json_response(body, status=err.status)

    def _guarded(self, handler: Handler, is_order: bool) -> Handler:
        async def guarded(request: web.Request) -> web.Response:
            params = dict(request.query)
            if request.method in ("POST", "PUT"):
                params.update({k: str(v) for k, v in (await request.post()).items()})
            self.requests.append((request.method, request.path, params))
            try:
                if request.headers.get("X-Kite-Version") != "3":
                    raise KiteError(400, "InputException", "Missing or invalid X-Kite-Version")
                if request.headers.get("Authorization") != (
                    f"token {self.api_key}:{self.access_token}"
                ):
                    raise KiteError(403, "TokenException", "Incorrect `api_key` or `access_token`.")
                if is_order and self.script.rate_limit_next > 0:
                    self.script.rate_limit_next -= 1
                    raise KiteError(429, "NetworkException", "Too many requests")
                data = await handler(request)
            except KiteError as err:
                return self._error(err)
            if isinstance(data, web.Response):
                return data
            return web.json_response({"status": "success", "data": data})

        return guarded

    async def _push(self, order: dict[str, Any], status: str | None) -> None:
        data = dict(order)
        if status is not None:
            data["status"] = status
        data.update(
            user_id="AB1234",
            app_id=1,
            checksum="",
            unfilled_quantity=order["quantity"] - order["filled_quantity"],
        )
        text = json.dumps({"type": "order", "id": "", "data": data})
        for ws in list(self._sockets):
            for _ in range(2 if self.script.duplicate_updates else 1):
                try:
                    await ws.send_str(text)
                except (ConnectionError, RuntimeError):
                    self._sockets.discard(ws)

    # --- WebSocket ----------------------------------------------------------------------------
    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if (
            request.query.get("api_key") != self.api_key
            or request.query.get("access_token") != self.access_token
        ):
            return web.Response(status=403, text="invalid token")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            async for msg in ws:  # the client sends only market-data subscriptions
                if msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            self._sockets.discard(ws)
        return ws

    # --- REST handlers ------------------------------------------------------------------------
    async def _session(self, request: web.Request) -> web.Response:
        form = await request.post()
        checksum = hashlib.sha256(
            f"{self.api_key}{form.get('request_token', '')}{self.api_secret}".encode()
        ).hexdigest()
        if form.get("checksum") != checksum:
            return self._error(KiteError(403, "TokenException", "Invalid checksum"))
        data = {
            "user_id": "AB1234",
            "user_name": "Fake",
            "api_key": self.api_key,
            "access_token": self.access_token,
            "public_token": "p",
            "refresh_token": "",
            "login_time": self._now(),
        }
        return web.json_response({"status": "success", "data": data})

    async def _profile(self, request: web.Request) -> Any:
        return {
            "user_id": "AB1234",
            "user_name": "Fake",
            "email": "fake@example.com",
            "exchanges": ["NSE", "NFO"],
            "products": ["CNC", "MIS", "NRML"],
            "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
        }

    async def _margins(self, request: web.Request) -> Any:
        seg = {
            "enabled": True,
            "net": 1_000_000.0,
            "available": {"cash": 1_000_000.0, "live_balance": 1_000_000.0},
        }
        return {"equity": seg, "commodity": seg}

    async def _instruments(self, request: web.Request) -> Any:
        body = self.book.instruments_csv(request.match_info.get("exchange"))
        return web.Response(body=body, content_type="text/csv")

    async def _place(self, request: web.Request) -> Any:
        form = {k: str(v) for k, v in (await request.post()).items()}
        order = await self.book.place(request.match_info["variety"], form)
        if self.script.drop_streams_on_place:
            self.script.drop_streams_on_place = False
            await self.drop_streams_async()
        if self.script.ambiguous_next > 0:
            self.script.ambiguous_next -= 1
            raise KiteError(504, "NetworkException", "Gateway timed out")
        return {"order_id": order["order_id"]}

    async def _modify(self, request: web.Request) -> Any:
        form = {k: str(v) for k, v in (await request.post()).items()}
        order = await self.book.modify(request.match_info["order_id"], form)
        return {"order_id": order["order_id"]}

    async def _cancel(self, request: web.Request) -> Any:
        order = await self.book.cancel(request.match_info["order_id"])
        return {"order_id": order["order_id"]}

    async def _orders(self, request: web.Request) -> Any:
        return [dict(o) for o in self.book.orders.values()]

    async def _order_history(self, request: web.Request) -> Any:
        order = self.book.find(request.match_info["order_id"])
        return [dict(h) for h in self.book.history[order["order_id"]]]

    async def _order_trades(self, request: web.Request) -> Any:
        oid = request.match_info["order_id"]
        return [dict(t) for t in self.book.trades if t["order_id"] == oid]

    async def _all_trades(self, request: web.Request) -> Any:
        return [dict(t) for t in self.book.trades]

    async def _positions(self, request: web.Request) -> Any:
        return self.book.positions()

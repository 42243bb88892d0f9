"""FakeKite: a local Kite Connect v3 server (REST + WebSocket order updates) for offline tests.

Theory of operation
-------------------
The real ``kiteconnect`` library talks to this server over a real socket on
127.0.0.1: ``KiteConnect(root=fake.url)`` and ``KiteTicker(root=fake.ws_url)``.
Replies use Kite's envelopes (``{"status": "success", "data": ...}`` and
``{"status": "error", "message": ..., "error_type": ...}``) with a JSON or CSV
``Content-Type``, and order objects carry Kite's field names. The fake never
imports the adapter's codec (a codec bug must not cancel itself out).

The server runs on its own event loop in a daemon thread, so blocking
clients (kiteconnect uses ``requests``) and asyncio tests can both talk to it.
Test code drives it through thread-safe methods: :meth:`fill`,
:meth:`reject_next`, :meth:`rate_limit_next`, :meth:`expire_token`,
:meth:`drop_streams`, and the :class:`Script` flags (partial fills, fill after
cancel, duplicated updates, an ambiguous 504 that still creates the order).
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import json
import re
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final, TypeVar

from aiohttp import WSMsgType, web

from bolt_exec.clock import Clock, LiveClock

__all__ = ["DEFAULT_INSTRUMENTS", "FakeKite", "KiteError", "Script"]

_IST: Final = timezone(timedelta(hours=5, minutes=30))
_TAG_RE: Final = re.compile(r"^[A-Za-z0-9]{1,20}$")
_T = TypeVar("_T")

DEFAULT_INSTRUMENTS: Final[tuple[dict[str, Any], ...]] = (
    {
        "instrument_token": 408065,
        "exchange_token": 1594,
        "tradingsymbol": "INFY",
        "name": "INFOSYS",
        "last_price": 1500.0,
        "expiry": "",
        "strike": 0.0,
        "tick_size": 0.05,
        "lot_size": 1,
        "instrument_type": "EQ",
        "segment": "NSE",
        "exchange": "NSE",
    },
    {
        "instrument_token": 2953217,
        "exchange_token": 11536,
        "tradingsymbol": "TCS",
        "name": "TATA CONSULTANCY SERV",
        "last_price": 3400.0,
        "expiry": "",
        "strike": 0.0,
        "tick_size": 0.1,
        "lot_size": 1,
        "instrument_type": "EQ",
        "segment": "NSE",
        "exchange": "NSE",
    },
    {
        "instrument_token": 13368834,
        "exchange_token": 52220,
        "tradingsymbol": "NIFTY26DECFUT",
        "name": "NIFTY",
        "last_price": 24000.0,
        "expiry": "2026-12-29",
        "strike": 0.0,
        "tick_size": 0.1,
        "lot_size": 75,
        "instrument_type": "FUT",
        "segment": "NFO-FUT",
        "exchange": "NFO",
    },
)
_CSV_FIELDS: Final = (
    "instrument_token",
    "exchange_token",
    "tradingsymbol",
    "name",
    "last_price",
    "expiry",
    "strike",
    "tick_size",
    "lot_size",
    "instrument_type",
    "segment",
    "exchange",
)


class KiteError(Exception):
    """An error reply: HTTP status, Kite ``error_type`` and message."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


@dataclass
class Script:
    """Misbehaviour to apply to the next requests (set the fields from the test)."""

    reject_next: list[str] = field(default_factory=list)  # next placed orders -> REJECTED
    partial_parts: int = 1  # market orders fill in this many trades
    market_fill_qty: int | None = None  # fill only this much of market orders (then rest)
    fill_on_cancel: bool = False  # next cancel finds the order already COMPLETE
    duplicate_updates: bool = False  # push every WebSocket update twice
    rate_limit_next: int = 0  # answer the next N order requests with 429
    ambiguous_next: int = 0  # create the next N orders but answer 504 (status unknown)
    drop_streams_on_place: bool = False  # drop every WebSocket right after the next place


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
        self.instruments = [dict(row) for row in instruments]
        self.clock: Clock = clock or LiveClock()
        self.script = Script()
        self.orders: dict[str, dict[str, Any]] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.trades: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.modifications: dict[str, int] = {}
        self._order_ids = itertools.count(251122000000001)
        self._trade_ids = itertools.count(90000001)
        self._sockets: set[web.WebSocketResponse] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """REST root for ``KiteConnect(root=...)``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """WebSocket root for ``KiteTicker(root=...)``."""
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> FakeKite:
        """Start the server in a daemon thread; return self once it listens."""
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._serve())
            ready.set()
            self._loop.run_forever()

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
        assert self._loop is not None, "FakeKite is not started"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(5)

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._ws)
        app.router.add_post("/session/token", self._session)
        app.router.add_get("/user/profile", self._profile)
        app.router.add_get("/user/margins", self._margins)
        app.router.add_get("/instruments", self._instruments)
        app.router.add_get("/instruments/{exchange}", self._instruments)
        app.router.add_post("/orders/{variety}", self._place)
        app.router.add_put("/orders/{variety}/{order_id}", self._modify)
        app.router.add_delete("/orders/{variety}/{order_id}", self._cancel)
        app.router.add_get("/orders", self._orders)
        app.router.add_get("/orders/{order_id}", self._order_history)
        app.router.add_get("/orders/{order_id}/trades", self._order_trades)
        app.router.add_get("/trades", self._all_trades)
        app.router.add_get("/portfolio/positions", self._positions)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def _shutdown(self) -> None:
        await self.drop_streams_async()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- test controls (thread-safe) ------------------------------------------------------
    def fill(self, order_ref: str, qty: int, price: float | None = None) -> None:
        """Fill ``qty`` of a working order (by order id or tag) at ``price`` (its limit)."""
        self.call(self._fill_async(order_ref, qty, price))

    def expire_token(self) -> None:
        """Invalidate the access token (the next call gets 403 TokenException)."""
        self.access_token = self.access_token + "-expired"

    def drop_streams(self) -> None:
        """Close every WebSocket (a network blip)."""
        self.call(self.drop_streams_async())

    def push_update(self, order_ref: str) -> None:
        """Push the order's current state on every WebSocket again (a duplicate delivery)."""
        self.call(self._push(self._find(order_ref)))

    def order_by_tag(self, tag: str) -> list[dict[str, Any]]:
        """Return every order carrying ``tag``."""
        return [dict(o) for o in self.orders.values() if o["tag"] == tag]

    def set_last_price(self, tradingsymbol: str, price: float) -> None:
        """Set the price market orders fill at."""
        for row in self.instruments:
            if row["tradingsymbol"] == tradingsymbol:
                row["last_price"] = price

    async def drop_streams_async(self) -> None:
        """Close every WebSocket (call on the server loop)."""
        for ws in list(self._sockets):
            await ws.close()
        self._sockets.clear()

    # --- plumbing ---------------------------------------------------------------------------
    def _now(self) -> str:
        ts = datetime.fromtimestamp(self.clock.now_ns() / 1e9, tz=UTC).astimezone(_IST)
        return ts.strftime("%Y-%m-%d %H:%M:%S")

    @staticmethod
    def _ok(data: Any) -> web.Response:
        return web.json_response({"status": "success", "data": data})

    @staticmethod
    def _error(err: KiteError) -> web.Response:
        body = {
            "status": "error",
            "message": err.message,
            "data": None,
            "error_type": err.error_type,
        }
        return web.json_response(body, status=err.status)

    async def _guard(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Coroutine[Any, Any, Any]],
        *,
        is_order: bool = False,
    ) -> web.Response:
        params = dict(request.query)
        if request.method in ("POST", "PUT"):
            params.update({k: str(v) for k, v in (await request.post()).items()})
        self.requests.append((request.method, request.path, params))
        try:
            if request.headers.get("X-Kite-Version") != "3":
                raise KiteError(400, "InputException", "Missing or invalid X-Kite-Version")
            expected = f"token {self.api_key}:{self.access_token}"
            if request.headers.get("Authorization") != expected:
                raise KiteError(403, "TokenException", "Incorrect `api_key` or `access_token`.")
            if is_order and self.script.rate_limit_next > 0:
                self.script.rate_limit_next -= 1
                raise KiteError(429, "NetworkException", "Too many requests")
            data = await handler(request)
        except KiteError as err:
            return self._error(err)
        if isinstance(data, web.Response):
            return data
        return self._ok(data)

    def _find(self, order_ref: str) -> dict[str, Any]:
        if order_ref in self.orders:
            return self.orders[order_ref]
        for order in self.orders.values():
            if order["tag"] == order_ref:
                return order
        raise KiteError(404, "GeneralException", f"Couldn't find that order {order_ref}")

    def _instrument(self, exchange: str, tradingsymbol: str) -> dict[str, Any]:
        for row in self.instruments:
            if row["exchange"] == exchange and row["tradingsymbol"] == tradingsymbol:
                return row
        raise KiteError(400, "InputException", f"Invalid `tradingsymbol` {tradingsymbol}")

    async def _set_status(self, order: dict[str, Any], status: str, message: str = "") -> None:
        order["status"] = status
        order["status_message"] = message or None
        order["exchange_update_timestamp"] = self._now()
        order["pending_quantity"] = (
            0
            if status in ("COMPLETE", "CANCELLED", "REJECTED")
            else order["quantity"] - order["filled_quantity"]
        )
        if status == "CANCELLED":
            order["cancelled_quantity"] = order["quantity"] - order["filled_quantity"]
        self.history[order["order_id"]].append(dict(order))
        if status not in (
            "PUT ORDER REQ RECEIVED",
            "VALIDATION PENDING",
            "OPEN PENDING",
            "MODIFY VALIDATION PENDING",
            "MODIFY PENDING",
            "CANCEL PENDING",
        ):
            await self._push(order, "UPDATE" if status == "UPDATE" else None)

    async def _push(self, order: dict[str, Any], status: str | None = None) -> None:
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

    async def _trade(self, order: dict[str, Any], qty: int, price: float) -> None:
        filled_before = order["filled_quantity"]
        order["filled_quantity"] = filled_before + qty
        avg = Decimal(str(order["average_price"] or 0)) * filled_before + Decimal(str(price)) * qty
        order["average_price"] = float(avg / order["filled_quantity"])
        self.trades.append(
            {
                "trade_id": str(next(self._trade_ids)),
                "order_id": order["order_id"],
                "exchange_order_id": order["exchange_order_id"],
                "tradingsymbol": order["tradingsymbol"],
                "exchange": order["exchange"],
                "instrument_token": order["instrument_token"],
                "transaction_type": order["transaction_type"],
                "product": order["product"],
                "average_price": price,
                "quantity": qty,
                "fill_timestamp": self._now(),
                "order_timestamp": order["order_timestamp"],
                "exchange_timestamp": self._now(),
            }
        )
        done = order["filled_quantity"] >= order["quantity"]
        await self._set_status(order, "COMPLETE" if done else "UPDATE")
        if not done:
            order["status"] = "OPEN"  # the order book shows OPEN; only the stream says UPDATE

    async def _fill_async(self, order_ref: str, qty: int, price: float | None) -> None:
        order = self._find(order_ref)
        if order["status"] in ("COMPLETE", "CANCELLED", "REJECTED"):
            raise KiteError(400, "OrderException", f"order {order['order_id']} is not open")
        qty = min(qty, order["quantity"] - order["filled_quantity"])
        px = (
            price
            if price is not None
            else (
                order["price"]
                or self._instrument(order["exchange"], order["tradingsymbol"])["last_price"]
            )
        )
        await self._trade(order, qty, px)

    # --- WebSocket --------------------------------------------------------------------------
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

    # --- REST handlers ----------------------------------------------------------------------
    async def _session(self, request: web.Request) -> web.Response:
        form = await request.post()
        import hashlib

        checksum = hashlib.sha256(
            f"{self.api_key}{form.get('request_token', '')}{self.api_secret}".encode()
        ).hexdigest()
        if form.get("checksum") != checksum:
            return self._error(KiteError(403, "TokenException", "Invalid checksum"))
        return self._ok(
            {
                "user_id": "AB1234",
                "user_name": "Fake",
                "api_key": self.api_key,
                "access_token": self.access_token,
                "public_token": "p",
                "refresh_token": "",
                "login_time": self._now(),
            }
        )

    async def _profile(self, request: web.Request) -> web.Response:
        async def handler(_: web.Request) -> Any:
            return {
                "user_id": "AB1234",
                "user_name": "Fake",
                "email": "fake@example.com",
                "exchanges": ["NSE", "NFO"],
                "products": ["CNC", "MIS", "NRML"],
                "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
            }

        return await self._guard(request, handler)

    async def _margins(self, request: web.Request) -> web.Response:
        async def handler(_: web.Request) -> Any:
            seg = {
                "enabled": True,
                "net": 1_000_000.0,
                "available": {"cash": 1_000_000.0, "live_balance": 1_000_000.0},
            }
            return {"equity": seg, "commodity": seg}

        return await self._guard(request, handler)

    async def _instruments(self, request: web.Request) -> web.Response:
        async def handler(req: web.Request) -> Any:
            exchange = req.match_info.get("exchange")
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(_CSV_FIELDS), lineterminator="\n")
            writer.writeheader()
            for row in self.instruments:
                if exchange is None or row["exchange"] == exchange:
                    writer.writerow({k: row.get(k, "") for k in _CSV_FIELDS})
            return web.Response(body=out.getvalue().encode(), content_type="text/csv")

        return await self._guard(request, handler)

    async def _place(self, request: web.Request) -> web.Response:
        return await self._guard(request, self._place_handler, is_order=True)

    async def _place_handler(self, request: web.Request) -> Any:
        form = {k: str(v) for k, v in (await request.post()).items()}
        for name in (
            "exchange",
            "tradingsymbol",
            "transaction_type",
            "quantity",
            "product",
            "order_type",
        ):
            if not form.get(name):
                raise KiteError(400, "InputException", f"Missing `{name}`")
        inst = self._instrument(form["exchange"], form["tradingsymbol"])
        tag = form.get("tag")
        if tag is not None and not _TAG_RE.match(tag):
            raise KiteError(400, "InputException", "`tag` should be alphanumeric, max 20 chars")
        qty = self._check_qty(form["quantity"], inst)
        price = self._check_px(form.get("price"), inst, "price")
        trigger = self._check_px(form.get("trigger_price"), inst, "trigger_price")
        if form["order_type"] in ("LIMIT", "SL") and not price:
            raise KiteError(400, "InputException", "Invalid `price`")
        order_id = str(next(self._order_ids))
        now = self._now()
        order: dict[str, Any] = {
            "placed_by": "AB1234",
            "order_id": order_id,
            "exchange_order_id": None,
            "parent_order_id": None,
            "status": "PUT ORDER REQ RECEIVED",
            "status_message": None,
            "status_message_raw": None,
            "order_timestamp": now,
            "exchange_update_timestamp": now,
            "exchange_timestamp": None,
            "variety": request.match_info["variety"],
            "modified": False,
            "exchange": form["exchange"],
            "tradingsymbol": form["tradingsymbol"],
            "instrument_token": inst["instrument_token"],
            "order_type": form["order_type"],
            "transaction_type": form["transaction_type"],
            "validity": form.get("validity", "DAY"),
            "validity_ttl": 0,
            "product": form["product"],
            "quantity": qty,
            "disclosed_quantity": 0,
            "price": price or 0,
            "trigger_price": trigger or 0,
            "average_price": 0,
            "filled_quantity": 0,
            "pending_quantity": qty,
            "cancelled_quantity": 0,
            "market_protection": 0,
            "meta": {},
            "tag": tag,
            "tags": [tag] if tag else [],
            "guid": f"guid{order_id}",
        }
        self.orders[order_id] = order
        self.history[order_id] = [dict(order)]
        await self._set_status(order, "VALIDATION PENDING")
        if self.script.reject_next:
            reason = self.script.reject_next.pop(0)
            await self._set_status(order, "REJECTED", reason)
        else:
            await self._set_status(order, "OPEN PENDING")
            order["exchange_order_id"] = f"1{order_id[-14:]}"
            order["exchange_timestamp"] = self._now()
            is_stop = order["order_type"] in ("SL", "SL-M")
            await self._set_status(order, "TRIGGER PENDING" if is_stop else "OPEN")
            if order["order_type"] == "MARKET":
                await self._fill_market(order, inst)
            elif order["validity"] == "IOC":
                await self._set_status(order, "CANCELLED", "IOC order cancelled: unmatched")
        if self.script.drop_streams_on_place:
            self.script.drop_streams_on_place = False
            await self.drop_streams_async()
        if self.script.ambiguous_next > 0:
            self.script.ambiguous_next -= 1
            raise KiteError(504, "NetworkException", "Gateway timed out")
        return {"order_id": order_id}

    async def _fill_market(self, order: dict[str, Any], inst: dict[str, Any]) -> None:
        target = order["quantity"]
        if self.script.market_fill_qty is not None:
            target = min(target, self.script.market_fill_qty)
        parts = max(1, min(self.script.partial_parts, target))
        base, rest = divmod(target, parts)
        for i in range(parts):
            qty = base + (1 if i < rest else 0)
            await self._trade(order, qty, inst["last_price"])

    @staticmethod
    def _check_qty(raw: str, inst: dict[str, Any]) -> int:
        try:
            qty = int(raw)
        except ValueError:
            raise KiteError(400, "InputException", "Invalid `quantity`") from None
        if qty <= 0 or qty % int(inst["lot_size"]):
            raise KiteError(
                400,
                "InputException",
                f"Quantity should be a multiple of lot size {inst['lot_size']}",
            )
        return qty

    @staticmethod
    def _check_px(raw: str | None, inst: dict[str, Any], name: str) -> float | None:
        if raw is None or raw == "":
            return None
        try:
            px = Decimal(raw)
        except ArithmeticError:
            raise KiteError(400, "InputException", f"Invalid `{name}`") from None
        if px % Decimal(str(inst["tick_size"])) != 0:
            raise KiteError(
                400,
                "InputException",
                f"Tick size for this script is {inst['tick_size']}. Kindly enter "
                f"{name} in the multiple of tick size for this script",
            )
        return float(px)

    async def _modify(self, request: web.Request) -> web.Response:
        async def handler(req: web.Request) -> Any:
            form = {k: str(v) for k, v in (await req.post()).items()}
            order = self._find(req.match_info["order_id"])
            if order["status"] not in ("OPEN", "TRIGGER PENDING"):
                raise KiteError(
                    400, "OrderException", f"Order cannot be modified as it is {order['status']}"
                )
            count = self.modifications.get(order["order_id"], 0)
            if count >= 25:
                raise KiteError(
                    400, "InputException", "Maximum allowed order modifications exceeded."
                )
            self.modifications[order["order_id"]] = count + 1
            inst = self._instrument(order["exchange"], order["tradingsymbol"])
            was = order["status"]
            await self._set_status(order, "MODIFY VALIDATION PENDING")
            if "quantity" in form:
                qty = self._check_qty(form["quantity"], inst)
                if qty < order["filled_quantity"]:
                    order["status"] = was
                    raise KiteError(400, "InputException", "Quantity below filled quantity")
                order["quantity"] = qty
            for name in ("price", "trigger_price"):
                px = self._check_px(form.get(name), inst, name)
                if px is not None:
                    order[name] = px
            order["modified"] = True
            await self._set_status(order, "MODIFY PENDING")
            await self._set_status(order, "UPDATE")
            order["status"] = was
            self.history[order["order_id"]].append(dict(order))
            return {"order_id": order["order_id"]}

        return await self._guard(request, handler, is_order=True)

    async def _cancel(self, request: web.Request) -> web.Response:
        async def handler(req: web.Request) -> Any:
            order = self._find(req.match_info["order_id"])
            if self.script.fill_on_cancel and order["status"] in ("OPEN", "TRIGGER PENDING"):
                self.script.fill_on_cancel = False
                px = (
                    order["price"]
                    or self._instrument(order["exchange"], order["tradingsymbol"])["last_price"]
                )
                await self._trade(order, order["quantity"] - order["filled_quantity"], px)
            if order["status"] not in ("OPEN", "TRIGGER PENDING"):
                raise KiteError(
                    400, "OrderException", f"Order cannot be cancelled as it is {order['status']}"
                )
            await self._set_status(order, "CANCEL PENDING")
            await self._set_status(order, "CANCELLED", "Cancelled by user")
            return {"order_id": order["order_id"]}

        return await self._guard(request, handler, is_order=True)

    async def _orders(self, request: web.Request) -> web.Response:
        async def handler(_: web.Request) -> Any:
            return [dict(o) for o in self.orders.values()]

        return await self._guard(request, handler)

    async def _order_history(self, request: web.Request) -> web.Response:
        async def handler(req: web.Request) -> Any:
            order = self._find(req.match_info["order_id"])
            return [dict(h) for h in self.history[order["order_id"]]]

        return await self._guard(request, handler)

    async def _order_trades(self, request: web.Request) -> web.Response:
        async def handler(req: web.Request) -> Any:
            oid = req.match_info["order_id"]
            return [dict(t) for t in self.trades if t["order_id"] == oid]

        return await self._guard(request, handler)

    async def _all_trades(self, request: web.Request) -> web.Response:
        async def handler(_: web.Request) -> Any:
            return [dict(t) for t in self.trades]

        return await self._guard(request, handler)

    async def _positions(self, request: web.Request) -> web.Response:
        async def handler(_: web.Request) -> Any:
            net: dict[tuple[str, str], dict[str, Any]] = {}
            for t in self.trades:
                key = (t["exchange"], t["tradingsymbol"])
                pos = net.setdefault(
                    key,
                    {
                        "tradingsymbol": key[1],
                        "exchange": key[0],
                        "product": t["product"],
                        "quantity": 0,
                        "average_price": 0.0,
                    },
                )
                sign = 1 if t["transaction_type"] == "BUY" else -1
                pos["quantity"] += sign * t["quantity"]
                pos["average_price"] = t["average_price"]
            return {"net": list(net.values()), "day": list(net.values())}

        return await self._guard(request, handler)

"""FakeBinance: a real HTTP + WebSocket server on 127.0.0.1 speaking Binance spot.

Usage::

    fake = FakeBinance(clock=LiveClock())
    await fake.start()                      # binds an ephemeral port
    client.API_URL = fake.rest_url          # python-binance, or ccxt urls["api"]
    fake.script.fill_parts = 3              # arm a misbehaviour
    fake.venue.fill(order_id, "0.5")        # fill a resting order
    await fake.stop()

REST: signed endpoints check ``X-MBX-APIKEY``, the HMAC-SHA256 signature over
the raw query + body and ``timestamp``/``recvWindow`` (``-1021``). Responses
carry ``X-MBX-USED-WEIGHT-1M`` and, for orders, ``X-MBX-ORDER-COUNT-10S/1D``.
WebSocket API (``/ws-api/v3``): ``userDataStream.subscribe.signature`` then
``{"subscriptionId", "event"}`` frames carrying ``executionReport`` events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from aiohttp import web

from bolt_exec.clock import Clock, LiveClock
from bolt_exec.testing.fake_binance import encode
from bolt_exec.testing.fake_binance.auth import check_signed
from bolt_exec.testing.fake_binance.venue import FakeBinanceVenue, Script, VenueError
from bolt_exec.testing.fake_binance.wsapi import UserStreamHub

__all__ = ["FakeBinance"]

Handler = Callable[[web.Request, dict[str, str]], Awaitable[Any]]


class FakeBinance:
    """The fake venue's server. Inspect ``venue``, ``requests`` and ``script`` in tests."""

    def __init__(
        self,
        clock: Clock | None = None,
        api_key: str = "fake-key",
        api_secret: str = "fake-secret",
    ) -> None:
        self.venue = FakeBinanceVenue(clock or LiveClock())
        self.api_key = api_key
        self._secret = api_secret
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.hub = UserStreamHub(self.venue, api_key, api_secret)
        self.venue.publish = self.hub.publish
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._weight = 0

    @property
    def script(self) -> Script:
        """The venue's misbehaviour script."""
        return self.venue.script

    @property
    def rest_url(self) -> str:
        """What python-binance takes as ``API_URL``."""
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ws_api_url(self) -> str:
        """The WebSocket API URL."""
        return f"ws://127.0.0.1:{self.port}/ws-api/v3"

    def __repr__(self) -> str:
        return f"FakeBinance(port={self.port})"

    async def start(self, port: int = 0) -> None:
        """Bind 127.0.0.1 (an ephemeral port by default) and serve."""
        app = web.Application()
        routes = [
            ("GET", "ping", self._ping, False),
            ("GET", "time", self._time, False),
            ("GET", "exchangeInfo", self._exchange_info, False),
            ("GET", "ticker/price", self._ticker_price, False),
            ("POST", "order", self._new_order, True),
            ("GET", "order", self._get_order, True),
            ("DELETE", "order", self._cancel, True),
            ("POST", "order/cancelReplace", self._cancel_replace, True),
            ("PUT", "order/amend/keepPriority", self._amend, True),
            ("GET", "openOrders", self._open_orders, True),
            ("GET", "allOrders", self._all_orders, True),
            ("GET", "myTrades", self._my_trades, True),
            ("GET", "account", self._account, True),
        ]
        for method, path, handler, signed in routes:
            app.router.add_route(method, f"/api/v3/{path}", self._wrap(handler, signed))
        app.router.add_get("/ws-api/v3", self.hub.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Close every connection and the listener."""
        await self.hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def drop_streams(self) -> None:
        """Close every user-stream WebSocket (the client sees a disconnect)."""
        await self.hub.close_all()

    # --- plumbing ---------------------------------------------------------------------
    def _wrap(self, handler: Handler, signed: bool) -> Callable[[web.Request], Awaitable[Any]]:
        async def serve(request: web.Request) -> web.StreamResponse:
            self._weight += 1
            headers = {"X-MBX-USED-WEIGHT-1M": str(self._weight)}
            body = await request.text()
            try:
                if signed:
                    self._check_throttle()
                    params = check_signed(
                        request.rel_url.raw_query_string,
                        body,
                        request.headers.get("X-MBX-APIKEY"),
                        self.api_key,
                        self._secret,
                        self.venue.now_ms(),
                    )
                else:
                    params = dict(request.rel_url.query)
                self.requests.append((request.method, request.path, params))
                result = await handler(request, params)
            except VenueError as err:
                if err.status in (418, 429):
                    headers["Retry-After"] = err.msg.split("|", 1)[0]
                    msg = err.msg.split("|", 1)[1]
                else:
                    msg = err.msg
                return web.json_response(
                    {"code": err.code, "msg": msg}, status=err.status, headers=headers
                )
            if isinstance(result, web.StreamResponse):
                return result
            if request.path.endswith("/order") and request.method == "POST":
                headers["X-MBX-ORDER-COUNT-10S"] = "1"
                headers["X-MBX-ORDER-COUNT-1D"] = str(len(self.venue.orders))
            return web.json_response(result, headers=headers)

        return serve

    def _check_throttle(self) -> None:
        s = self.script
        if s.ban_next is not None:
            after, s.ban_next = s.ban_next, None
            raise VenueError(
                418, -1003, f"{after:g}|Way too much request weight used; IP banned until later."
            )
        if s.rate_limit_next is not None:
            after, s.rate_limit_next = s.rate_limit_next, None
            raise VenueError(
                429,
                -1003,
                f"{after:g}|Too much request weight used; current limit "
                "is 6000 request weight per 1 MINUTE.",
            )

    # --- handlers ---------------------------------------------------------------------
    async def _ping(self, _r: web.Request, _p: dict[str, str]) -> Any:
        return {}

    async def _time(self, _r: web.Request, _p: dict[str, str]) -> Any:
        return {"serverTime": self.venue.now_ms()}

    async def _exchange_info(self, _r: web.Request, _p: dict[str, str]) -> Any:
        return self.venue.exchange_info()

    async def _ticker_price(self, _r: web.Request, p: dict[str, str]) -> Any:
        symbol = p.get("symbol", "")
        if symbol not in self.venue.prices:
            raise VenueError(400, -1121, "Invalid symbol.")
        return {"symbol": symbol, "price": encode.d8(self.venue.prices[symbol])}

    async def _new_order(self, request: web.Request, p: dict[str, str]) -> Any:
        o, fills = self.venue.new_order(p)
        if self.script.drop_next_order:
            # The order exists at the venue, but the client never hears about it.
            self.script.drop_next_order = False
            await self.hub.close_all()
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        if p.get("newOrderRespType") == "ACK":
            return {
                "symbol": o.symbol,
                "orderId": o.order_id,
                "orderListId": -1,
                "clientOrderId": o.client_order_id,
                "transactTime": self.venue.now_ms(),
            }
        return encode.order_response(o, fills, self.venue.now_ms())

    async def _get_order(self, _r: web.Request, p: dict[str, str]) -> Any:
        o = self.venue.find(p["symbol"], p.get("orderId"), p.get("origClientOrderId"))
        return encode.order_json(o)

    def _cancel_one(self, p: dict[str, str], prefix: str = "") -> tuple[Any, str]:
        oid = p.get(f"{prefix}OrderId" if prefix else "orderId")
        ocid = p.get(f"{prefix}OrigClientOrderId" if prefix else "origClientOrderId")
        try:
            o = self.venue.find(p["symbol"], oid, ocid)
        except VenueError:
            raise VenueError(400, -2011, "Unknown order sent.") from None
        if not o.is_open:
            raise VenueError(400, -2011, "Unknown order sent.")
        cid = p.get(f"{prefix}NewClientOrderId" if prefix else "newClientOrderId") or (
            f"cancel{o.order_id}"
        )
        o = self.venue.cancel(o, cid)
        return encode.cancel_response(o, cid, self.venue.now_ms()), o.client_order_id

    async def _cancel(self, _r: web.Request, p: dict[str, str]) -> Any:
        return self._cancel_one(p)[0]

    async def _cancel_replace(self, _r: web.Request, p: dict[str, str]) -> Any:
        try:
            cancel, _ = self._cancel_one(p, prefix="cancel")
        except VenueError as err:
            data = {
                "cancelResult": "FAILURE",
                "newOrderResult": "NOT_ATTEMPTED",
                "cancelResponse": {"code": err.code, "msg": err.msg},
                "newOrderResponse": None,
            }
            return web.json_response(
                {"code": -2022, "msg": "Order cancel-replace failed.", "data": data}, status=400
            )
        new = {k: v for k, v in p.items() if not k.startswith("cancel")}
        try:
            o, fills = self.venue.new_order(new)
        except VenueError as err:
            data = {
                "cancelResult": "SUCCESS",
                "newOrderResult": "FAILURE",
                "cancelResponse": cancel,
                "newOrderResponse": {"code": err.code, "msg": err.msg},
            }
            return web.json_response(
                {"code": -2021, "msg": "Order cancel-replace partially failed.", "data": data},
                status=409,
            )
        return {
            "cancelResult": "SUCCESS",
            "newOrderResult": "SUCCESS",
            "cancelResponse": cancel,
            "newOrderResponse": encode.order_response(o, fills, self.venue.now_ms()),
        }

    async def _amend(self, _r: web.Request, p: dict[str, str]) -> Any:
        o = self.venue.find(p["symbol"], p.get("orderId"), p.get("origClientOrderId"))
        o = self.venue.amend_keep_priority(o, Decimal(p["newQty"]))
        body = encode.order_json(o)
        amended = {
            k: body[k]
            for k in (
                "symbol",
                "orderId",
                "orderListId",
                "clientOrderId",
                "price",
                "executedQty",
                "status",
                "timeInForce",
                "type",
                "side",
                "workingTime",
                "selfTradePreventionMode",
            )
        }
        amended.update(
            origClientOrderId=o.client_order_id,
            qty=body["origQty"],
            preventedQty="0.00000000",
            quoteOrderQty="0.00000000",
            cumulativeQuoteQty=body["cummulativeQuoteQty"],
        )
        return {
            "transactTime": self.venue.now_ms(),
            "executionId": len(self.requests),
            "amendedOrder": amended,
        }

    async def _open_orders(self, _r: web.Request, p: dict[str, str]) -> Any:
        return [encode.order_json(o) for o in self.venue.open_orders(p.get("symbol"))]

    async def _all_orders(self, _r: web.Request, p: dict[str, str]) -> Any:
        start = int(p.get("startTime", "0"))
        return [
            encode.order_json(o)
            for o in self.venue.orders.values()
            if o.symbol == p["symbol"] and (o.update_ms or o.time_ms) >= start
        ]

    async def _my_trades(self, _r: web.Request, p: dict[str, str]) -> Any:
        start = int(p.get("startTime", "0"))
        return [
            encode.trade_json(t)
            for t in self.venue.trades
            if t.symbol == p["symbol"] and t.time_ms >= start
        ]

    async def _account(self, _r: web.Request, _p: dict[str, str]) -> Any:
        return self.venue.account()

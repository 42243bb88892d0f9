"""FakeOkx: an HTTP server on 127.0.0.1 speaking the OKX v5 REST API that ccxt uses.

Private endpoints check ``OK-ACCESS-KEY``/``-PASSPHRASE`` and the signature
``base64(HMAC-SHA256(secret, timestamp + METHOD + path(?query) + body))``, and
refuse a timestamp more than 30 s off (``50102``). Replies use OKX's envelope
``{"code", "msg", "data"}`` with per-order ``sCode``/``sMsg``. Market orders
fill at the reference price; limit orders rest until :meth:`FakeOkx.fill`.
It shares nothing with ``bolt_exec.adapters.ccxt``.

Script (one-shot): ``reject_next = (sCode, sMsg)``, ``rate_limit_next = True``
(HTTP 429, code 50011), ``skew_ms`` (the venue's clock offset).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from bolt_exec.clock import Clock, LiveClock

__all__ = ["FakeOkx", "OkxScript"]

_INST = {
    "instType": "SPOT",
    "instId": "BTC-USDT",
    "baseCcy": "BTC",
    "quoteCcy": "USDT",
    "tickSz": "0.1",
    "lotSz": "0.00000001",
    "minSz": "0.00001",
    "state": "live",
    "listTime": "1548133413000",
    "maxLmtSz": "9999999999",
    "maxMktSz": "1000000",
    "ctVal": "",
    "ctMult": "",
    "ctValCcy": "",
    "settleCcy": "",
    "uly": "",
    "instFamily": "",
    "alias": "",
    "expTime": "",
    "lever": "",
    "optType": "",
    "stk": "",
    "category": "1",
}


@dataclass
class OkxScript:
    """One-shot misbehaviours."""

    reject_next: tuple[str, str] | None = None
    fill_on_cancel: bool = False  # the next cancel arrives after the rest filled
    rate_limit_next: bool = False
    skew_ms: int = 0


@dataclass
class _Order:
    ord_id: str
    cl_ord_id: str
    side: str
    ord_type: str
    sz: Decimal
    px: Decimal
    c_time: int
    state: str = "live"
    filled: Decimal = Decimal(0)
    quote: Decimal = Decimal(0)
    u_time: int = 0
    fills: list[dict[str, Any]] = field(default_factory=list)


class FakeOkx:
    """The fake OKX server; inspect ``orders``, ``requests``; arm ``script``."""

    def __init__(
        self,
        clock: Clock | None = None,
        api_key: str = "okx-key",
        secret: str = "okx-secret",
        passphrase: str = "okx-pass",
    ) -> None:
        self.clock = clock or LiveClock()
        self.api_key, self._secret, self._passphrase = api_key, secret, passphrase
        self.script = OkxScript()
        self.price = Decimal(40000)
        self.balances = {"USDT": Decimal(100000), "BTC": Decimal(0)}
        self.orders: dict[str, _Order] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self._next = 600000000000000000
        self._trade = 740000000
        self._runner: web.AppRunner | None = None
        self.port = 0

    def __repr__(self) -> str:
        return f"FakeOkx(port={self.port})"

    def now_ms(self) -> int:
        """The venue's clock."""
        return self.clock.now_ns() // 1_000_000 + self.script.skew_ms

    async def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1 (an ephemeral port by default; pass the old one to restart)."""
        app = web.Application()
        app.router.add_route("*", "/api/v5/{path:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Close the listener."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- plumbing ---------------------------------------------------------------------
    def _auth(self, request: web.Request, body: str) -> str | None:
        h = request.headers
        if (
            h.get("OK-ACCESS-KEY") != self.api_key
            or h.get("OK-ACCESS-PASSPHRASE") != self._passphrase
        ):
            return "50111"
        ts = h.get("OK-ACCESS-TIMESTAMP", "")
        path = request.path + (f"?{request.query_string}" if request.query_string else "")
        mac = hmac.new(
            self._secret.encode(), (ts + request.method + path + body).encode(), hashlib.sha256
        )
        if not hmac.compare_digest(
            base64.b64encode(mac.digest()).decode(), h.get("OK-ACCESS-SIGN", "")
        ):
            return "50113"
        sent_ms = int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)
        return "50102" if abs(sent_ms - self.now_ms()) > 30_000 else None

    async def _serve(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        body = await request.text()
        params: Any = json.loads(body) if body else dict(request.query)
        self.requests.append((request.method, path, params))
        if not path.startswith("public/"):
            if self.script.rate_limit_next:
                self.script.rate_limit_next = False
                return web.json_response(
                    {"code": "50011", "msg": "Too Many Requests", "data": []}, status=429
                )
            err = self._auth(request, body)
            if err is not None:
                return web.json_response(
                    {"code": err, "msg": f"auth failed {err}", "data": []},
                    status=401 if err != "50102" else 400,
                )
        name = f"_{request.method.lower()}_{path.replace('/', '_').replace('-', '_')}"
        handler = getattr(self, name, None)
        if handler is None:
            return web.json_response(
                {"code": "50014", "msg": f"no route {path}", "data": []}, status=404
            )
        code, data = handler(params)
        msg = "" if code == "0" else "Operation failed."
        return web.json_response({"code": code, "msg": msg, "data": data})

    def _json(self, o: _Order) -> dict[str, Any]:
        avg = o.quote / o.filled if o.filled else Decimal(0)
        last = o.fills[-1] if o.fills else {}
        return {
            "instType": "SPOT",
            "instId": "BTC-USDT",
            "ordId": o.ord_id,
            "clOrdId": o.cl_ord_id,
            "tag": "",
            "px": str(o.px) if o.ord_type != "market" else "",
            "sz": str(o.sz),
            "ordType": o.ord_type,
            "side": o.side,
            "tdMode": "cash",
            "accFillSz": str(o.filled),
            "fillPx": last.get("fillPx", ""),
            "fillSz": last.get("fillSz", "0"),
            "tradeId": last.get("tradeId", ""),
            "avgPx": str(avg) if o.filled else "",
            "state": o.state,
            "fee": str(-o.filled * Decimal("0.001")),
            "feeCcy": "BTC",
            "cTime": str(o.c_time),
            "uTime": str(o.u_time or o.c_time),
            "category": "normal",
            "reduceOnly": "false",
            "lever": "",
            "posSide": "",
            "source": "",
            "rebate": "0",
            "rebateCcy": "USDT",
            "tgtCcy": "",
            "stpMode": "",
            "cancelSource": "",
        }

    def _find(self, p: dict[str, Any]) -> _Order | None:
        if p.get("ordId"):
            return self.orders.get(str(p["ordId"]))
        matches = [o for o in self.orders.values() if o.cl_ord_id == p.get("clOrdId")]
        return matches[-1] if matches else None

    # --- test hook --------------------------------------------------------------------
    def fill(self, ord_id: str, qty: Decimal | str, px: Decimal | str | None = None) -> None:
        """Execute part of an order (maker for resting orders)."""
        o = self.orders[ord_id]
        q, price = Decimal(qty), Decimal(px) if px is not None else (o.px or self.price)
        self._trade += 1
        o.filled += q
        o.quote += q * price
        o.state = "filled" if o.filled >= o.sz else "partially_filled"
        o.u_time = self.now_ms()
        sign = Decimal(1) if o.side == "buy" else Decimal(-1)
        self.balances["BTC"] += sign * q - q * Decimal("0.001")
        self.balances["USDT"] -= sign * q * price
        o.fills.append(
            {
                "instType": "SPOT",
                "instId": "BTC-USDT",
                "tradeId": str(self._trade),
                "ordId": o.ord_id,
                "clOrdId": o.cl_ord_id,
                "billId": str(self._trade),
                "tag": "",
                "fillPx": str(price),
                "fillSz": str(q),
                "side": o.side,
                "posSide": "net",
                "execType": "M" if o.ord_type != "market" else "T",
                "feeCcy": "BTC",
                "fee": str(-q * Decimal("0.001")),
                "ts": str(o.u_time),
                "fillTime": str(o.u_time),
            }
        )

    # --- endpoints (named after their paths) ------------------------------------------
    def _get_public_instruments(self, _p: Any) -> tuple[str, list[Any]]:
        return "0", [_INST]

    def _get_public_time(self, _p: Any) -> tuple[str, list[Any]]:
        return "0", [{"ts": str(self.now_ms())}]

    def _post_trade_batch_orders(self, p: Any) -> tuple[str, list[Any]]:
        return self._post_trade_order(p[0])

    def _get_trade_order(self, p: Any) -> tuple[str, list[Any]]:
        o = self._find(p)
        return ("0", [self._json(o)]) if o else ("51603", [])

    def _post_trade_order(self, p: Any) -> tuple[str, list[Any]]:
        cl = str(p.get("clOrdId", ""))
        if self.script.reject_next is not None:
            (code, msg), self.script.reject_next = self.script.reject_next, None
            return "1", [{"clOrdId": cl, "ordId": "", "sCode": code, "sMsg": msg}]
        if not cl.isalnum() or len(cl) > 32:
            return "1", [{"clOrdId": cl, "ordId": "", "sCode": "51000", "sMsg": "clOrdId error"}]
        if any(
            o.cl_ord_id == cl and o.state in ("live", "partially_filled")
            for o in self.orders.values()
        ):
            return "1", [
                {"clOrdId": cl, "ordId": "", "sCode": "51016", "sMsg": "Duplicated clOrdId"}
            ]
        self._next += 1
        o = _Order(
            str(self._next),
            cl,
            p["side"],
            p["ordType"],
            Decimal(p["sz"]),
            Decimal(p.get("px") or 0),
            self.now_ms(),
        )
        self.orders[o.ord_id] = o
        if o.ord_type == "market":
            self.fill(o.ord_id, o.sz, self.price)
        return "0", [
            {
                "clOrdId": cl,
                "ordId": o.ord_id,
                "tag": "",
                "ts": str(o.c_time),
                "sCode": "0",
                "sMsg": "Order placed",
            }
        ]

    def _post_trade_amend_order(self, p: Any) -> tuple[str, list[Any]]:
        o = self._find(p)
        if o is None or o.state not in ("live", "partially_filled"):
            return "1", [
                {
                    "ordId": p.get("ordId", ""),
                    "sCode": "51503",
                    "sMsg": "Order modification failed as the order does not exist",
                }
            ]
        if p.get("newSz"):
            if Decimal(p["newSz"]) <= o.filled:
                return "1", [{"ordId": o.ord_id, "sCode": "51512", "sMsg": "newSz too small"}]
            o.sz = Decimal(p["newSz"])  # OKX: the new total, filled part included
        if p.get("newPx"):
            o.px = Decimal(p["newPx"])
        o.u_time = self.now_ms()
        return "0", [
            {"ordId": o.ord_id, "clOrdId": o.cl_ord_id, "reqId": "", "sCode": "0", "sMsg": ""}
        ]

    def _post_trade_cancel_order(self, p: Any) -> tuple[str, list[Any]]:
        o = self._find(p)
        if self.script.fill_on_cancel and o is not None and o.state in ("live", "partially_filled"):
            self.script.fill_on_cancel = False
            self.fill(o.ord_id, o.sz - o.filled)
        if o is None or o.state not in ("live", "partially_filled"):
            return "1", [
                {
                    "ordId": p.get("ordId", ""),
                    "clOrdId": p.get("clOrdId", ""),
                    "sCode": "51400",
                    "sMsg": "Order cancellation failed as the order does not exist",
                }
            ]
        o.state, o.u_time = "canceled", self.now_ms()
        return "0", [{"ordId": o.ord_id, "clOrdId": o.cl_ord_id, "sCode": "0", "sMsg": ""}]

    def _get_trade_orders_pending(self, _p: Any) -> tuple[str, list[Any]]:
        return "0", [
            self._json(o) for o in self.orders.values() if o.state in ("live", "partially_filled")
        ]

    def _get_trade_orders_history(self, p: Any) -> tuple[str, list[Any]]:
        begin = int(p.get("begin", 0))
        return "0", [
            self._json(o)
            for o in reversed(self.orders.values())
            if o.state in ("filled", "canceled") and (o.u_time or o.c_time) >= begin
        ]

    def _get_trade_fills_history(self, p: Any) -> tuple[str, list[Any]]:
        begin = int(p.get("begin", 0))
        fills = [f for o in self.orders.values() for f in o.fills if int(f["ts"]) >= begin]
        return "0", sorted(fills, key=lambda f: -int(f["ts"]))

    def _get_account_balance(self, _p: Any) -> tuple[str, list[Any]]:
        details = [
            {
                "ccy": c,
                "eq": str(v),
                "cashBal": str(v),
                "availBal": str(v),
                "frozenBal": "0",
                "availEq": str(v),
                "uTime": str(self.now_ms()),
            }
            for c, v in self.balances.items()
        ]
        return "0", [{"details": details, "totalEq": "0", "uTime": str(self.now_ms())}]

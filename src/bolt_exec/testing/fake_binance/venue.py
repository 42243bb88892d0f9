"""The fake Binance venue's state: orders, trades, balances, and a misbehaviour script.

Theory of operation
-------------------
There is no order book. A MARKET order (or a marketable LIMIT) fills at the
symbol's reference price, in ``script.fill_parts`` executions; other LIMIT
orders rest until a test calls :meth:`FakeBinanceVenue.fill`. Every change
produces ``executionReport`` events for the user stream through ``publish``.

The :class:`Script` holds one-shot misbehaviours a test arms before acting:
each is consumed by the first request it applies to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bolt_exec.clock import Clock
from bolt_exec.testing.fake_binance.encode import FakeOrder, FakeTrade, execution_report

__all__ = ["FakeBinanceVenue", "Script", "VenueError", "default_symbols"]

FEE_RATE = Decimal("0.001")


class VenueError(Exception):
    """A Binance error reply: HTTP status, code and message."""

    def __init__(self, status: int, code: int, msg: str) -> None:
        self.status, self.code, self.msg = status, code, msg
        super().__init__(f"{status} {code} {msg}")


@dataclass(slots=True)
class Script:
    """One-shot misbehaviours (each consumed by the first request it applies to).

    Attributes:
        reject_next: ``(code, msg)`` for the next new order (HTTP 400).
        fill_parts: market/marketable orders fill in this many executions.
        fill_on_cancel: ``"full"``: the next cancel finds the order already filled
            (``-2011``); ``"late"``: a partial fill happened before the cancel took
            effect but its report is delivered after the CANCELED report.
        duplicate_events: deliver every user-stream event twice.
        out_of_order: deliver an order's TRADE reports before its NEW report.
        drop_next_order: create the next order, then drop the HTTP connection
            and every stream before answering (disconnect mid-order).
        rate_limit_next: answer the next signed request with 429 and this Retry-After.
        ban_next: answer the next signed request with 418 and this Retry-After.
        skew_ms: the venue's clock runs this far ahead of the test clock.
    """

    reject_next: tuple[int, str] | None = None
    fill_parts: int = 1
    fill_on_cancel: str | None = None
    duplicate_events: bool = False
    out_of_order: bool = False
    drop_next_order: bool = False
    rate_limit_next: float | None = None
    ban_next: float | None = None
    skew_ms: int = 0


def _symbol(
    name: str, base: str, quote: str, tick: str, step: str, min_notional: str
) -> dict[str, Any]:
    return {
        "symbol": name,
        "status": "TRADING",
        "baseAsset": base,
        "baseAssetPrecision": 8,
        "quoteAsset": quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT"],
        "icebergAllowed": True,
        "ocoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "cancelReplaceAllowed": True,
        "amendAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": tick,
                "maxPrice": "1000000.00000000",
                "tickSize": tick,
            },
            {"filterType": "LOT_SIZE", "minQty": step, "maxQty": "9000.00000000", "stepSize": step},
            {
                "filterType": "NOTIONAL",
                "minNotional": min_notional,
                "applyMinToMarket": True,
                "maxNotional": "9000000.00000000",
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def default_symbols() -> list[dict[str, Any]]:
    """BTCUSDT and ETHUSDT with realistic filters."""
    return [
        _symbol("BTCUSDT", "BTC", "USDT", "0.01000000", "0.00001000", "5.00000000"),
        _symbol("ETHUSDT", "ETH", "USDT", "0.01000000", "0.00010000", "5.00000000"),
    ]


class FakeBinanceVenue:
    """Orders, trades and balances of one fake account, plus the script."""

    def __init__(self, clock: Clock, symbols: list[dict[str, Any]] | None = None) -> None:
        self.clock = clock
        self.script = Script()
        self.symbols = {s["symbol"]: s for s in (symbols or default_symbols())}
        self.prices: dict[str, Decimal] = {"BTCUSDT": Decimal(40000), "ETHUSDT": Decimal(2000)}
        self.balances: dict[str, Decimal] = {
            "USDT": Decimal(100000),
            "BTC": Decimal(0),
            "ETH": Decimal(0),
        }
        self.orders: dict[int, FakeOrder] = {}
        self.trades: list[FakeTrade] = []
        self.publish: Callable[[dict[str, Any]], None] = lambda _event: None
        self._next_order = 1000
        self._next_trade = 5000
        self._next_exec = 1
        self.last_report: dict[int, dict[str, Any]] = {}  # by orderId, for redeliver()

    # --- time -------------------------------------------------------------------------
    def now_ms(self) -> int:
        """The venue's clock (the test clock plus ``script.skew_ms``)."""
        return self.clock.now_ns() // 1_000_000 + self.script.skew_ms

    # --- helpers ----------------------------------------------------------------------
    def _report(
        self, o: FakeOrder, x: str, trade: FakeTrade | None = None, cancel_cid: str = ""
    ) -> dict[str, Any]:
        self._next_exec += 1
        return execution_report(o, x, self.now_ms(), self._next_exec, trade, cancel_cid)

    def _send(self, events: list[dict[str, Any]]) -> None:
        for ev in events:
            self.last_report[int(ev["i"])] = ev
            self.publish(ev)
            if self.script.duplicate_events:
                self.publish(ev)

    def find(self, symbol: str, order_id: Any = None, client_order_id: Any = None) -> FakeOrder:
        """Return an order by orderId or (open first) clientOrderId, else raise -2013."""
        if order_id is not None:
            o = self.orders.get(int(order_id))
            if o is not None and o.symbol == symbol:
                return o
        elif client_order_id is not None:
            matches = [
                o
                for o in self.orders.values()
                if o.client_order_id == client_order_id and o.symbol == symbol
            ]
            matches.sort(key=lambda o: (o.is_open, o.order_id))
            if matches:
                return matches[-1]
        raise VenueError(400, -2013, "Order does not exist.")

    def _execute(self, o: FakeOrder, qty: Decimal, px: Decimal, is_maker: bool) -> FakeTrade:
        self._next_trade += 1
        base = self.symbols[o.symbol]["baseAsset"]
        quote = self.symbols[o.symbol]["quoteAsset"]
        fee_asset = base if o.side == "BUY" else quote
        fee = (qty if o.side == "BUY" else qty * px) * FEE_RATE
        t = FakeTrade(
            self._next_trade,
            o.order_id,
            o.symbol,
            o.side,
            qty,
            px,
            fee,
            fee_asset,
            self.now_ms(),
            is_maker,
        )
        self.trades.append(t)
        o.executed += qty
        o.quote += qty * px
        o.trade_ids.append(t.trade_id)
        o.status = "FILLED" if o.executed >= o.qty else "PARTIALLY_FILLED"
        o.update_ms = t.time_ms
        sign = Decimal(1) if o.side == "BUY" else Decimal(-1)
        self.balances[base] = self.balances.get(base, Decimal(0)) + sign * qty
        self.balances[quote] = self.balances.get(quote, Decimal(0)) - sign * qty * px
        self.balances[fee_asset] -= fee
        return t

    # --- order entry ------------------------------------------------------------------
    def validate(self, p: dict[str, str]) -> None:
        """Apply exchangeInfo filters and the duplicate-client-id rule (raise VenueError)."""
        sym = self.symbols.get(p.get("symbol", ""))
        if sym is None:
            raise VenueError(400, -1121, "Invalid symbol.")
        f = {x["filterType"]: x for x in sym["filters"]}
        qty = Decimal(p.get("quantity", "0"))
        step = Decimal(f["LOT_SIZE"]["stepSize"])
        if qty < Decimal(f["LOT_SIZE"]["minQty"]) or qty % step:
            raise VenueError(400, -1013, "Filter failure: LOT_SIZE")
        px = Decimal(p["price"]) if "price" in p else None
        if px is not None and px % Decimal(f["PRICE_FILTER"]["tickSize"]):
            raise VenueError(400, -1013, "Filter failure: PRICE_FILTER")
        ref = px if px is not None else self.prices[sym["symbol"]]
        if qty * ref < Decimal(f["NOTIONAL"]["minNotional"]):
            raise VenueError(400, -1013, "Filter failure: NOTIONAL")
        cid = p.get("newClientOrderId")
        if cid and any(o.client_order_id == cid and o.is_open for o in self.orders.values()):
            raise VenueError(400, -2010, "Duplicate order sent.")

    def new_order(self, p: dict[str, str]) -> tuple[FakeOrder, list[FakeTrade]]:
        """Place an order (already validated); return it and its immediate fills."""
        if self.script.reject_next is not None:
            code, msg = self.script.reject_next
            self.script.reject_next = None
            raise VenueError(400, code, msg)
        self.validate(p)
        self._next_order += 1
        otype = p["type"]
        o = FakeOrder(
            symbol=p["symbol"],
            order_id=self._next_order,
            client_order_id=p.get("newClientOrderId") or f"fake{self._next_order}",
            side=p["side"],
            type=otype,
            tif=p.get("timeInForce", "GTC"),
            qty=Decimal(p["quantity"]),
            price=Decimal(p.get("price", "0")),
            stop_price=Decimal(p.get("stopPrice", "0")),
            time_ms=self.now_ms(),
        )
        ref = self.prices[o.symbol]
        marketable = otype == "MARKET" or (
            otype in ("LIMIT", "LIMIT_MAKER")
            and ((o.side == "BUY" and o.price >= ref) or (o.side == "SELL" and o.price <= ref))
        )
        if otype == "LIMIT_MAKER" and marketable:
            raise VenueError(400, -2010, "Order would immediately match and take.")
        if otype == "MARKET" and o.side == "BUY" and self.balances["USDT"] < o.qty * ref:
            raise VenueError(400, -2010, "Account has insufficient balance for requested action.")
        self.orders[o.order_id] = o
        fills: list[FakeTrade] = []
        reports = [self._report(o, "NEW")]
        if marketable:
            parts = max(1, self.script.fill_parts)
            step = Decimal(self.symbols[o.symbol]["filters"][1]["stepSize"])
            each = (o.qty / parts // step) * step
            for n in range(parts):
                q = o.qty - o.executed if n == parts - 1 else each
                if q <= 0:
                    continue
                t = self._execute(
                    o,
                    q,
                    ref
                    if otype == "MARKET"
                    else min(o.price, ref)
                    if o.side == "BUY"
                    else max(o.price, ref),
                    False,
                )
                fills.append(t)
                reports.append(self._report(o, "TRADE", t))
        if self.script.out_of_order:
            self.script.out_of_order = False
            reports = reports[1:] + reports[:1]
        self._send(reports)
        return o, fills

    def fill(self, order_id: int, qty: Decimal | str, px: Decimal | str | None = None) -> FakeTrade:
        """Execute ``qty`` of a resting order as maker (test hook); publish the report."""
        o = self.orders[order_id]
        t = self._execute(o, Decimal(qty), Decimal(px) if px is not None else o.price, True)
        self._send([self._report(o, "TRADE", t)])
        return t

    def redeliver(self, order_id: int) -> dict[str, Any]:
        """Publish an order's latest executionReport again, unchanged (a stream replay)."""
        report = self.last_report[order_id]
        self.publish(report)
        return report

    def cancel(self, o: FakeOrder, cancel_cid: str) -> FakeOrder:
        """Cancel an open order (after any scripted race)."""
        race = self.script.fill_on_cancel
        self.script.fill_on_cancel = None
        if race == "full" and o.is_open:
            self.fill(o.order_id, o.qty - o.executed)
        if not o.is_open:
            raise VenueError(400, -2011, "Unknown order sent.")
        late: list[dict[str, Any]] = []
        if race == "late":
            step = Decimal(self.symbols[o.symbol]["filters"][1]["stepSize"])
            q = max(step, ((o.qty - o.executed) / 2 // step) * step)
            t = self._execute(o, q, o.price, True)
            late.append(self._report(o, "TRADE", t))
        o.status = "CANCELED"
        o.update_ms = self.now_ms()
        self._send([self._report(o, "CANCELED", cancel_cid=cancel_cid), *late])
        return o

    def amend_keep_priority(self, o: FakeOrder, new_qty: Decimal) -> FakeOrder:
        """Reduce an open order's quantity in place (same orderId)."""
        if not o.is_open:
            raise VenueError(400, -2013, "Order does not exist.")
        if new_qty >= o.qty or new_qty <= o.executed:
            raise VenueError(400, -2038, "Order amend (quantity increase) is not supported.")
        o.qty = new_qty
        o.update_ms = self.now_ms()
        self._send([self._report(o, "REPLACED")])
        return o

    def open_orders(self, symbol: str | None) -> list[FakeOrder]:
        """Open orders, optionally of one symbol."""
        return [o for o in self.orders.values() if o.is_open and symbol in (None, o.symbol)]

    def account(self) -> dict[str, Any]:
        """The ``GET /api/v3/account`` body."""
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {
                "maker": "0.00100000",
                "taker": "0.00100000",
                "buyer": "0.00000000",
                "seller": "0.00000000",
            },
            "canTrade": True,
            "canWithdraw": False,
            "canDeposit": False,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": self.now_ms(),
            "accountType": "SPOT",
            "balances": [
                {"asset": a, "free": f"{v:.8f}", "locked": "0.00000000"}
                for a, v in sorted(self.balances.items())
            ],
            "permissions": ["SPOT"],
            "uid": 1,
        }

    def exchange_info(self) -> dict[str, Any]:
        """The ``GET /api/v3/exchangeInfo`` body."""
        return {
            "timezone": "UTC",
            "serverTime": self.now_ms(),
            "rateLimits": [
                {
                    "rateLimitType": "REQUEST_WEIGHT",
                    "interval": "MINUTE",
                    "intervalNum": 1,
                    "limit": 6000,
                },
                {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
                {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
                {
                    "rateLimitType": "RAW_REQUESTS",
                    "interval": "MINUTE",
                    "intervalNum": 5,
                    "limit": 61000,
                },
            ],
            "exchangeFilters": [],
            "symbols": list(self.symbols.values()),
        }

"""Record the IB client library's objects (as dicts) into ``fixtures/*.json``.

Run by hand when the library or the fake changes::

    PYTHONPATH=src python tests/adapters/ibkr/record_fixtures.py

The real ib_async client talks to the fake TWS over a socket; whatever its
decoder builds (Execution, CommissionReport, Order, OrderStatus, Contract,
Position, AccountValue) is dumped field by field. Golden expectations are kept
next to the inputs and checked by ``test_codec.py``; hand-made cases (real-TWS
quirks the fake does not produce) live in ``fixtures/*_extra.json``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ib_async import IB, LimitOrder, MarketOrder, Stock

from bolt_exec.clock import SimClock
from bolt_exec.testing.fake_tws import FakeTWS

HERE = Path(__file__).parent / "fixtures"
START_NS = 1_790_000_000_000_000_000


def flat(obj: Any) -> dict[str, Any]:
    """A library object's fields, JSON-ready (datetimes as ISO text, nested objects dropped)."""
    fields = (
        {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        if dataclasses.is_dataclass(obj)
        else obj._asdict()
    )
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
        elif isinstance(value, str | int | float | bool) or value is None:
            out[key] = value
    return out


async def record() -> dict[str, list[Any]]:
    async with FakeTWS(prices={"AAPL": Decimal("190.25")}, clock=SimClock(START_NS)) as tws:
        ib = IB()
        await ib.connectAsync("127.0.0.1", tws.port, clientId=7, timeout=2)
        aapl = Stock("AAPL", "SMART", "USD")
        await ib.qualifyContractsAsync(aapl)
        tws.script.fill_parts = [Decimal(2)]
        ib.placeOrder(aapl, MarketOrder("BUY", 5, orderRef="rec-mkt-buy", account="DU1234567"))
        ib.placeOrder(aapl, LimitOrder("SELL", 3, 195.5, orderRef="rec-lmt-sell"))
        ib.placeOrder(aapl, LimitOrder("BUY", 10, 189.75, orderRef="rec-lmt-part", tif="GTC"))
        await asyncio.sleep(0.2)
        tws.fill("rec-lmt-part", Decimal(4), Decimal("189.5"))
        tws.set_price("AAPL", Decimal("195.75"))  # crosses the sell limit
        await asyncio.sleep(0.2)
        fills = await ib.reqExecutionsAsync()
        known = {f.execution.execId: f for f in ib.fills()}
        open_trades = await ib.reqAllOpenOrdersAsync()
        positions = await ib.reqPositionsAsync()
        values = ib.accountValues()
        ib.disconnect()
    return {
        "fills": [
            {
                "execution": flat(known[f.execution.execId].execution),
                "commission": flat(known[f.execution.execId].commissionReport),
                "contract": flat(f.contract),
            }
            for f in fills
        ],
        "orders": [
            {"order": flat(t.order), "status": flat(t.orderStatus), "contract": flat(t.contract)}
            for t in open_trades
        ],
        "positions": [{"position": flat(p), "contract": flat(p.contract)} for p in positions],
        "account_values": [[flat(v) for v in values]],
    }


def main() -> None:
    recorded = asyncio.run(record())
    HERE.mkdir(exist_ok=True)
    for name, cases in recorded.items():
        path = HERE / f"{name}.json"
        old = json.loads(path.read_text()) if path.exists() else {}
        payload = {
            "source": "ib_async 2.1.0 decoding the fake TWS (server version 176)",
            "cases": cases,
            "expected": old.get("expected"),
        }
        path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
        print(f"wrote {path} ({len(cases)} cases)")


if __name__ == "__main__":
    main()

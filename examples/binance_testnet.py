"""Binance spot through bolt_exec: testnet by default, a local fake with --fake.

Run:
    python examples/binance_testnet.py --fake     # offline: starts FakeBinance on 127.0.0.1
    BOLT_BINANCE_API_KEY=... BOLT_BINANCE_API_SECRET=... python examples/binance_testnet.py

Keys for https://testnet.binance.vision come from the environment
(``BOLT_BINANCE_*``, see ``BinanceConfig``). Live trading needs BOTH
``BOLT_BINANCE_MODE=live`` and ``enable_trading: true`` in the policy file
(``--policy``); anything less is refused before a connection is opened.

The session: connect (clock sync, exchangeInfo), a resting LIMIT BUY well
below the market, an amend, a cancel, one small MARKET BUY, then the venue's
mass status (open orders, fills, balances) as the reconciler would see it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from decimal import Decimal
from pathlib import Path

import yaml

from bolt_exec.adapters.binance import BinanceConfig, BinanceSpotBroker
from bolt_exec.clock import LiveClock
from bolt_exec.model.enums import OrderStatus
from bolt_exec.oms import OrderHandle, OrderManager
from bolt_exec.testing.fake_binance import FakeBinance


def trading_enabled(policy: Path | None) -> bool:
    """True only if the policy file says ``enable_trading: true``."""
    if policy is None or not policy.exists():
        return False
    data = yaml.safe_load(policy.read_text()) or {}
    return bool(data.get("enable_trading", False))


def refuse_unsafe_live(config: BinanceConfig, policy: Path | None) -> None:
    """Exit unless live mode is backed by an explicit policy (design invariant 10)."""
    if config.is_live and not trading_enabled(policy):
        sys.exit(
            "refusing to trade live: BOLT_BINANCE_MODE=live needs enable_trading: true in the "
            "policy (--policy policy.yaml); unset BOLT_BINANCE_MODE to use the testnet"
        )


async def wait(handle: OrderHandle, *statuses: OrderStatus, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while handle.status not in statuses:
            await asyncio.sleep(0.01)


async def session(config: BinanceConfig, symbol: str, qty: str) -> None:
    broker = BinanceSpotBroker(config)
    await broker.connect()
    try:
        oms = OrderManager(brokers={config.name: broker}, clock=LiveClock())
        inst = oms.instrument(symbol)
        print(
            f"connected ({config.mode}): {symbol} tick {inst.tick_size} lot {inst.lot_size} "
            f"min notional {inst.min_notional}"
        )
        ref = await broker.reference_price(symbol)
        rest_px = inst.round_px(ref * Decimal("0.8"))
        limit = oms.submit(symbol, "BUY", qty, "LIMIT", limit_px=rest_px, tif="GTC")
        await wait(limit, OrderStatus.ACCEPTED)
        print(f"limit:  {limit.status} at {limit.order.limit_px} id {limit.client_order_id}")
        oms.amend(limit.client_order_id, limit_px=inst.round_px(ref * Decimal("0.79")))
        await wait(limit, OrderStatus.ACCEPTED)
        print(
            f"amend:  {limit.status} at {limit.order.limit_px} venue id "
            f"{limit.order.venue_order_id}"
        )
        oms.cancel(limit.client_order_id)
        await wait(limit, OrderStatus.CANCELED)
        print(f"cancel: {limit.status}")
        market = oms.submit(symbol, "BUY", qty, "MARKET", tif="GTC")
        await wait(market, OrderStatus.FILLED, OrderStatus.REJECTED, OrderStatus.EXPIRED)
        print(f"market: {market.status} {market.filled_qty} avg {market.avg_px}")
        status = await broker.mass_status()
        print(
            f"venue:  {len(status.orders)} orders, {len(status.fills)} fills, balances "
            + ", ".join(f"{k}={v}" for k, v in sorted(status.balances.items()))
        )
    finally:
        await broker.disconnect()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake", action="store_true", help="run against a local FakeBinance")
    parser.add_argument("--symbol", default="BTCUSDT")
    parser.add_argument("--qty", default="0.001")
    parser.add_argument("--policy", type=Path, default=None, help="policy YAML (live only)")
    args = parser.parse_args()
    if args.fake:
        fake = FakeBinance(api_key="demo-key", api_secret="demo-secret")
        await fake.start()
        config = BinanceConfig(
            api_key="demo-key",
            api_secret="demo-secret",
            rest_url=fake.rest_url,  # type: ignore[arg-type]
            ws_api_url=fake.ws_api_url,
            symbols=(args.symbol,),
        )
        try:
            await session(config, args.symbol, args.qty)
        finally:
            await fake.stop()
        return
    config = BinanceConfig(symbols=(args.symbol,))
    refuse_unsafe_live(config, args.policy)
    if not config.api_key.get_secret_value():
        sys.exit(
            "set BOLT_BINANCE_API_KEY and BOLT_BINANCE_API_SECRET (testnet keys), "
            "or run with --fake"
        )
    await session(config, args.symbol, args.qty)


if __name__ == "__main__":
    asyncio.run(main())

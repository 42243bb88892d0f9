"""Any ccxt exchange through bolt_exec: the exchange's sandbox by default, a local fake with --fake.

Run:
    python examples/ccxt_demo.py --fake     # offline: ccxt's binance class against FakeBinance
    BOLT_CCXT_EXCHANGE=okx BOLT_CCXT_API_KEY=... BOLT_CCXT_SECRET=... BOLT_CCXT_PASSWORD=... \\
        python examples/ccxt_demo.py --symbol BTC/USDT --limit-px 20000

Credentials come from ``BOLT_CCXT_*`` (see ``CcxtConfig``). Live trading needs
BOTH ``BOLT_CCXT_MODE=live`` and ``enable_trading: true`` in the policy file
(``--policy``); anything less is refused before a connection is opened.

The session: load markets, a resting LIMIT BUY, an amend (in place on OKX,
cancel-replace on Binance), a cancel, then the venue's mass status.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import SecretStr

from bolt_exec.adapters.ccxt import CcxtBroker, CcxtConfig
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


async def wait(handle: OrderHandle, *statuses: OrderStatus, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while handle.status not in statuses:
            await asyncio.sleep(0.01)


async def session(config: CcxtConfig, symbol: str, qty: str, limit_px: Decimal) -> None:
    broker = CcxtBroker(config)
    await broker.connect()
    try:
        oms = OrderManager(brokers={config.broker_name: broker}, clock=LiveClock())
        inst = oms.instrument(symbol)
        print(
            f"connected ({config.exchange}, {config.mode}): {symbol} tick {inst.tick_size} "
            f"lot {inst.lot_size}; client id travels as {broker.rules.client_id_param}"
        )
        limit = oms.submit(symbol, "BUY", qty, "LIMIT", limit_px=inst.round_px(limit_px), tif="GTC")
        await wait(limit, OrderStatus.ACCEPTED)
        print(f"limit:  {limit.status} at {limit.order.limit_px} id {limit.client_order_id}")
        oms.amend(limit.client_order_id, limit_px=inst.round_px(limit_px * Decimal("0.99")))
        await wait(limit, OrderStatus.ACCEPTED)
        kind = "cancel-replace" if broker.capabilities.amend_is_cancel_replace else "in place"
        print(
            f"amend:  {limit.status} at {limit.order.limit_px} ({kind}, venue id "
            f"{limit.order.venue_order_id})"
        )
        oms.cancel(limit.client_order_id)
        await wait(limit, OrderStatus.CANCELED)
        print(f"cancel: {limit.status}")
        status = await broker.mass_status()
        still_open = [o for o in status.orders if o.status.is_open]
        print(
            f"venue:  {len(status.orders)} orders ({len(still_open)} open), "
            f"{len(status.fills)} fills"
        )
    finally:
        await broker.disconnect()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake", action="store_true", help="run against a local FakeBinance")
    parser.add_argument("--symbol", default="BTC/USDT")
    parser.add_argument("--qty", default="0.001")
    parser.add_argument(
        "--limit-px",
        type=Decimal,
        default=Decimal(30000),
        help="a price well below the market, so the order rests",
    )
    parser.add_argument("--policy", type=Path, default=None, help="policy YAML (live only)")
    args = parser.parse_args()
    if args.fake:
        fake = FakeBinance(api_key="demo-key", api_secret="demo-secret")
        await fake.start()
        config = CcxtConfig(
            exchange="binance",
            api_key=SecretStr("demo-key"),
            secret=SecretStr("demo-secret"),
            rest_url=f"http://127.0.0.1:{fake.port}",
            symbols=(args.symbol,),
            poll_interval_s=0.1,
            enable_rate_limit=False,
        )
        try:
            await session(config, args.symbol, args.qty, args.limit_px)
        finally:
            await fake.stop()
        return
    config = CcxtConfig(symbols=(args.symbol,))
    if config.is_live and not trading_enabled(args.policy):
        sys.exit(
            "refusing to trade live: BOLT_CCXT_MODE=live needs enable_trading: true in the "
            "policy (--policy policy.yaml); unset BOLT_CCXT_MODE to use the sandbox"
        )
    if not config.api_key.get_secret_value():
        sys.exit(
            "set BOLT_CCXT_EXCHANGE, BOLT_CCXT_API_KEY and BOLT_CCXT_SECRET (sandbox keys), "
            "or run with --fake"
        )
    await session(config, args.symbol, args.qty, args.limit_px)


if __name__ == "__main__":
    asyncio.run(main())

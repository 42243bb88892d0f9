"""Trade through Interactive Brokers with bolt_exec: a TWS/Gateway paper account, or a fake TWS.

Configure from the environment (see ``bolt_exec.adapters.ibkr.IbkrConfig``)::

    export BOLT_IBKR_HOST=127.0.0.1 BOLT_IBKR_PORT=7497   # TWS paper (Gateway paper: 4002)
    export BOLT_IBKR_CLIENT_ID=17 BOLT_IBKR_ACCOUNT=DU1234567
    python examples/ibkr_paper.py --symbol AAPL --limit-px 100

    python examples/ibkr_paper.py --fake --market      # no TWS needed: a fake on loopback

The script connects, reconciles first (open orders, fills, positions, cash as IB
sees them), then places a far-from-market limit order, amends it, cancels it and,
with ``--market``, buys with a market order. It never touches a live account
unless BOTH the policy enables trading (``--policy policy.yaml`` with
``enable_trading: true``) AND the broker configuration says ``BOLT_IBKR_MODE=live``
(design invariant 10); otherwise it refuses and exits with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from decimal import Decimal
from pathlib import Path

import yaml

from bolt_exec.adapters.ibkr import IbkrBroker, IbkrConfig
from bolt_exec.errors import BoltExecError
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.instrument import Instrument
from bolt_exec.model.reports import MassStatus
from bolt_exec.oms.handles import OrderHandle
from bolt_exec.oms.manager import OrderManager
from bolt_exec.testing.fake_tws import FakeTWS


def trading_enabled(policy: Path | None) -> bool:
    """Whether the policy file says ``enable_trading: true`` (absent file: no)."""
    if policy is None:
        return False
    data = yaml.safe_load(policy.read_text()) or {}
    trading = data.get("trading", {}) if isinstance(data.get("trading"), dict) else {}
    return bool(data.get("enable_trading", trading.get("enable_trading", False)))


def show(title: str, status: MassStatus) -> None:
    """Print a mass status (no account ids: the adapter never returns them)."""
    print(f"-- {title}: {len(status.orders)} open order(s), {len(status.fills)} fill(s)")
    for order in status.orders:
        print(
            f"   open  {order.client_order_id} {order.side} {order.qty} {order.symbol} "
            f"{order.order_type} {order.limit_px or ''} {order.status} filled={order.filled_qty}"
        )
    for position in status.positions:
        print(f"   pos   {position.symbol} {position.qty} @ {position.avg_px}")
    for currency, cash in sorted(status.balances.items()):
        print(f"   cash  {currency} {cash}")


async def until(handle: OrderHandle, *statuses: OrderStatus, timeout: float = 10.0) -> None:
    """Wait until the order reaches one of ``statuses`` (or a terminal one)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while handle.status not in statuses and not handle.is_done:
        if loop.time() > deadline:
            raise TimeoutError(f"{handle.client_order_id} still {handle.status} after {timeout}s")
        await asyncio.sleep(0.01)


async def session(config: IbkrConfig, args: argparse.Namespace) -> None:
    """Connect, reconcile, then limit (amend, cancel) and optionally a market order."""
    instrument = Instrument(symbol=args.symbol, venue="SMART")
    broker = IbkrBroker(config, instruments=[instrument])
    oms = OrderManager({"ibkr": broker}, id_prefix="EX")
    await broker.connect()
    try:
        show("before (reconcile first)", await broker.mass_status())
        limit = oms.submit(args.symbol, "BUY", args.qty, "LIMIT", limit_px=args.limit_px)
        await until(limit, OrderStatus.ACCEPTED)
        print(f"limit  {limit.client_order_id}: {limit.status}")
        oms.amend(limit.client_order_id, limit_px=Decimal(args.limit_px) + Decimal("0.01"))
        await until(limit, OrderStatus.ACCEPTED)
        print(
            f"amend  {limit.client_order_id}: {limit.status} @ "
            f"{oms.order(limit.client_order_id).limit_px}"
        )
        oms.cancel(limit.client_order_id)
        print(f"cancel {limit.client_order_id}: {await limit.done(timeout=10)}")
        if args.market:
            market = oms.submit(args.symbol, "BUY", args.qty, "MARKET")
            status = await market.done(timeout=10)
            fees = sum((f.fee for f in market.fills), Decimal(0))
            print(
                f"market {market.client_order_id}: {status} {market.filled_qty} @ "
                f"{market.avg_px} fees {fees}"
            )
        show("after", await broker.mass_status())
        if oms.anomalies:
            print("anomalies:", *oms.anomalies, sep="\n  ")
    finally:
        await broker.disconnect()


async def main(argv: list[str] | None = None) -> int:
    """Parse arguments, apply the live-trading guard and run one session."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake", action="store_true", help="run against a fake TWS on loopback")
    parser.add_argument("--market", action="store_true", help="also send a market order")
    parser.add_argument("--symbol", default="AAPL")
    parser.add_argument("--qty", default="1")
    parser.add_argument("--limit-px", default="100.00", help="far from the market: never fills")
    parser.add_argument("--policy", type=Path, help="policy YAML (enable_trading for live)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    fake: FakeTWS | None = None
    try:
        if args.fake:
            fake = await FakeTWS(prices={args.symbol: Decimal("190")}).start()
            config = IbkrConfig.load(
                host="127.0.0.1",
                port=fake.port,
                mode="paper",
                account=fake.accounts[0],
                client_id=17,
            )
        else:
            config = IbkrConfig.load()
        if config.is_live and not trading_enabled(args.policy):
            print(
                "refusing: BOLT_IBKR_MODE=live but the policy does not enable trading "
                "(pass --policy with enable_trading: true to trade real money)",
                file=sys.stderr,
            )
            return 2
        print(f"IBKR {config.mode} at {config.host}:{config.port} (client id {config.client_id})")
        await session(config, args)
        return 0
    except BoltExecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if fake is not None:
            await fake.stop()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

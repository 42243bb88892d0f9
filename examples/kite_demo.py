"""Trade through Zerodha Kite with bolt_exec's live runtime.

Usage::

    python examples/kite_demo.py --fake                 # a local fake Kite: safe, offline
    BOLT_KITE_API_KEY=... BOLT_KITE_ACCESS_TOKEN=... python examples/kite_demo.py
    python examples/kite_demo.py --secrets-dir /run/secrets   # files bolt_kite_api_key ...

Against real Kite the demo is read-only unless you opt in twice: ``BOLT_KITE_LIVE=true``
(the broker configuration) *and* ``--enable-trading`` (the policy). Kite has no paper
venue, so a non-live configuration pointed at Kite refuses every order, and the live
runtime refuses live mode without ``--enable-trading`` (design invariant 10).
Credentials are read from the environment or a secrets directory and never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from bolt_exec.adapters.zerodha import KiteBroker, KiteConfig
from bolt_exec.errors import BoltExecError
from bolt_exec.model.enums import OrderStatus
from bolt_exec.runtime.config import NodeConfig
from bolt_exec.runtime.node import LiveNode
from bolt_exec.testing.fakes.kite import FakeKite


@dataclass(frozen=True)
class DemoPolicy:
    """The policy bit the runtime reads: may real orders be sent?"""

    enable_trading: bool = False


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fake", action="store_true", help="run against a local fake Kite")
    parser.add_argument("--secrets-dir", help="directory of secret files (else environment)")
    parser.add_argument(
        "--enable-trading",
        action="store_true",
        help="allow real orders (also needs BOLT_KITE_LIVE=true)",
    )
    parser.add_argument("--symbol", default="INFY", help="NSE symbol (default INFY)")
    parser.add_argument("--qty", type=int, default=1)
    return parser.parse_args(argv)


async def wait_until_done(oms: Any, coid: str, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if oms.order(coid).is_terminal or oms.order(coid).status is OrderStatus.ACCEPTED:
            return
        await asyncio.sleep(0.05)


async def run(args: argparse.Namespace, config: KiteConfig) -> int:
    broker = KiteBroker(config)
    mode = "live" if config.is_live else "paper"
    try:
        node = LiveNode(
            {"zerodha": broker},
            policy=DemoPolicy(args.enable_trading),
            mode=mode,
            config=NodeConfig(brokers={}, on_discrepancy="warn"),
        )
    except BoltExecError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    async with node as oms:
        print(f"connected to Kite ({mode}); {len(broker.instruments())} instruments loaded")
        status = await broker.mass_status()
        print(f"open orders at Kite: {len(status.orders)}; positions: {len(status.positions)}")
        inst = oms.instrument(args.symbol)
        passive = oms.submit(
            args.symbol,
            "BUY",
            args.qty,
            "LIMIT",
            limit_px=inst.round_px("1000" if args.fake else "1"),
        )
        await wait_until_done(oms, passive.order.client_order_id)
        print(
            f"limit order {passive.order.client_order_id}: {passive.order.status}"
            f" {getattr(passive.order.last_event, 'reason', '')}"
        )
        if passive.order.status is OrderStatus.ACCEPTED:
            oms.cancel(passive.order.client_order_id)
            await asyncio.sleep(0.5)
            print(f"after cancel: {passive.order.status}")
        if args.fake:
            market = oms.submit(args.symbol, "BUY", args.qty, "MARKET")
            for _ in range(100):
                if market.order.is_terminal:
                    break
                await asyncio.sleep(0.05)
            print(
                f"market order {market.order.client_order_id}: {market.order.status}, "
                f"filled {market.order.filled_qty} @ {market.order.avg_px}"
            )
        print(oms.fills_frame().to_string())
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with ExitStack() as stack:
        if args.fake:
            fake = stack.enter_context(FakeKite())
            config = KiteConfig(
                api_key=fake.api_key,
                access_token=fake.access_token,
                root=fake.url,
                ws_root=fake.ws_url,
            )
        else:
            try:
                config = KiteConfig.load(args.secrets_dir)
            except BoltExecError as exc:
                print(f"cannot configure Kite: {exc}", file=sys.stderr)
                return 2
        try:
            return asyncio.run(run(args, config))
        except BoltExecError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    raise SystemExit(main())

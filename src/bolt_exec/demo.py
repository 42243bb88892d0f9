"""The paper-broker demo behind ``bolt-exec demo`` and ``make demo``.

A deterministic paper session on generated quotes: limit and market orders,
an amend, a cancel, a partial fill (a market order larger than the displayed
size), then the blotter, the fills and the positions as tables.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TextIO

import pandas as pd

from bolt_exec.adapters.paper import FeeModel, PaperBroker
from bolt_exec.clock import SimClock
from bolt_exec.model.instrument import Instrument
from bolt_exec.oms.manager import OrderManager
from bolt_exec.safety.manager import SafetyManager

__all__ = ["DemoResult", "default_policy_path", "generate_quotes", "run_demo"]

T0 = 1_704_205_800_000_000_000  # 2024-01-02 14:30 UTC, the New York open


@dataclass(frozen=True, slots=True)
class DemoQuote:
    """One generated top-of-book quote (prices in cents)."""

    ts: int
    bid: int
    ask: int
    bid_size: int
    ask_size: int


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the demo produced (the tests read it)."""

    oms: OrderManager
    paper: PaperBroker
    quotes: list[DemoQuote]


def generate_quotes(n: int = 600, seed: int = 7, start_cents: int = 18_950) -> list[DemoQuote]:
    """A seeded random walk of quotes one second apart (1-3 cent spread, 100-900 shares)."""
    rng = random.Random(seed)
    bid = start_cents
    out = []
    for i in range(n):
        bid += rng.choice((-1, 0, 0, 1))
        ask = bid + rng.choice((1, 1, 2, 3))
        out.append(
            DemoQuote(
                T0 + i * 1_000_000_000, bid, ask, 100 * rng.randint(1, 9), 100 * rng.randint(1, 9)
            )
        )
    return out


def default_policy_path() -> Path:
    """``./policy.yaml`` when there is one, else the copy shipped in the package."""
    local = Path("policy.yaml")
    return local if local.is_file() else Path(__file__).parent / "data" / "policy.yaml"


def run_demo(
    out: TextIO | None = None, seed: int = 7, policy: str | Path | None = None
) -> DemoResult:
    """Run the paper session behind the SafetyManager; print tables to ``out`` when given.

    The kill-switch latch lives in a temporary directory: a demo never inherits (or
    leaves behind) a tripped latch of a real session.
    """
    clock = SimClock(T0)
    aapl = Instrument("AAPL", venue="XNAS", tick_size=Decimal("0.01"), lot_size=Decimal(1))
    paper = PaperBroker(
        [aapl],
        fees=FeeModel(
            maker_bps=Decimal("0.2"), taker_bps=Decimal("0.5"), per_order=Decimal("0.35")
        ),
        latency_ns=2_000_000,
        initial_cash={"USD": 1_000_000},
    )
    latch = Path(tempfile.mkdtemp(prefix="bolt-exec-demo-")) / "kill_switch.json"
    oms = OrderManager(
        paper,
        clock=clock,
        id_prefix="DEMO",
        policy=policy or default_policy_path(),
        latch_path=latch,
    )
    quotes = generate_quotes(seed=seed)
    cents = Decimal("0.01")
    script: dict[int, list[str]] = {
        10: ["market_big"],
        30: ["limit_buy", "limit_sell"],
        120: ["amend"],
        200: ["cancel"],
        400: ["market_sell"],
    }
    handles: dict[str, str] = {}
    for i, q in enumerate(quotes):
        clock.advance_to(q.ts)
        paper.on_quote("AAPL", q.bid * cents, q.ask * cents, q.bid_size, q.ask_size, q.ts)
        oms.update_mark("AAPL", (q.bid + q.ask) * cents / 2, q.ts)
        for action in script.get(i, []):
            if action == "market_big":
                # Larger than the displayed ask: fills partly now, the rest on later quotes.
                handles["big"] = oms.submit(
                    "AAPL", "BUY", q.ask_size + 500, "MARKET"
                ).client_order_id
            elif action == "limit_buy":
                handles["lb"] = oms.submit(
                    "AAPL", "BUY", 300, "LIMIT", limit_px=(q.bid - 20) * cents, tif="GTC"
                ).client_order_id
            elif action == "limit_sell":
                handles["ls"] = oms.submit(
                    "AAPL", "SELL", 200, "LIMIT", limit_px=(q.ask + 5) * cents, tif="GTC"
                ).client_order_id
            elif action == "amend":
                oms.amend(handles["lb"], limit_px=(q.bid - 1) * cents, qty=400)
            elif action == "cancel":
                oms.cancel(handles["ls"])
            elif action == "market_sell":
                oms.submit("AAPL", "SELL", 100, "MARKET")
    clock.advance_by(10_000_000)
    if out is not None:
        _print_tables(oms, out)
    return DemoResult(oms, paper, quotes)


def _fmt(value: object) -> object:
    """Show long Decimals (average prices, PnL) to 4 places; exact values stay in the frames."""
    if isinstance(value, Decimal) and value.as_tuple().exponent < -4:  # type: ignore[operator]
        return value.quantize(Decimal("0.0001"))
    return value


def _print_tables(oms: OrderManager, out: TextIO) -> None:
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        orders = oms.orders_frame()[
            [
                "client_order_id",
                "side",
                "order_type",
                "qty",
                "limit_px",
                "tif",
                "status",
                "filled_qty",
                "leaves_qty",
                "avg_px",
                "fees",
            ]
        ]
        print(
            "bolt_exec paper demo: AAPL on 600 generated quotes (SimClock, 2 ms latency);\n"
            "every order passes the SafetyManager and the policy in policy.yaml\n",
            file=out,
        )
        print("Blotter", file=out)
        print(orders.map(_fmt).to_string(index=False), file=out)
        print("\nFills", file=out)
        fills = oms.fills_frame()[
            ["trade_id", "client_order_id", "side", "last_qty", "last_px", "fee", "liquidity"]
        ]
        print(fills.map(_fmt).to_string(index=False), file=out)
        print("\nPositions", file=out)
        print(oms.positions_frame().map(_fmt).to_string(index=False), file=out)
        safety = oms.safety
        if isinstance(safety, SafetyManager):
            ks = "TRIPPED" if safety.kill_switch.is_tripped else "armed"
            print(
                f"\nSafety: {safety.check_count} order checks, {safety.amend_count} amend "
                f"check(s), trading state "
                f"{safety.trading_state}, kill switch {ks}",
                file=out,
            )

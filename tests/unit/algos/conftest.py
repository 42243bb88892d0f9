"""A tiny pure driver for algorithm unit tests: call step(), fill children by a rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from bolt_exec.algos.base import ChildIntent, ExecAlgorithm, MarketView, Progress
from bolt_exec.model.instrument import Instrument


@pytest.fixture
def inst() -> Instrument:
    return Instrument("AAPL", "XNAS", min_qty=Decimal(1))


@dataclass
class Sim:
    """Children fill at once by ``fill_rule(child, market) -> filled qty``; the rest is canceled."""

    algo: ExecAlgorithm
    fill_rule: Callable[[ChildIntent, MarketView | None], Decimal] = lambda c, m: c.qty
    filled: Decimal = Decimal(0)
    sent: list[tuple[int, ChildIntent]] = field(default_factory=list)
    fills: list[tuple[int, Decimal]] = field(default_factory=list)
    done_reason: str = ""

    def run(self, times: list[int], market: Callable[[int], MarketView | None]) -> None:
        for t in times:
            if self.done_reason:
                return
            step = self.algo.step(t, market(t), Progress(filled_qty=self.filled))
            for c in step.children:
                self.sent.append((t, c))
                q = self.fill_rule(c, market(t))
                if q:
                    self.filled += q
                    self.fills.append((t, q))
            if step.is_done:
                self.done_reason = step.reason


@pytest.fixture
def sim_cls() -> type[Sim]:
    return Sim

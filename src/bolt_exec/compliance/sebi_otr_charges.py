"""The OTR penalty: how a day's counted messages are charged, slab by slab."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from bolt_exec.compliance.sebi_otr_rules import OtrRules

__all__ = ["ChargeLine", "charge_total", "day_charge"]

_PAISA: Final = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """The messages charged in one slab and what they cost."""

    slab_from: int
    slab_to: int | None
    messages: int
    rate: Decimal
    amount: Decimal


def day_charge(counted: int, den: int, rules: OtrRules) -> tuple[Decimal, list[ChargeLine]]:
    """Return the day's charge and its breakdown by slab.

    Incremental: messages between ``lower_i * den`` and ``lower_{i+1} * den``
    pay slab i's rate (the tax-bracket reading of "incremental basis").
    Flat: every counted message pays the rate of the slab the OTR is in.
    Worked example (BSE 2020, den 1,000, 300,000 counted): 200,000 x 0.02
    + 50,000 x 0.10 = INR 9,000 incremental; 300,000 x 0.10 = 30,000 flat.
    """
    lines: list[ChargeLine] = []
    if rules.slab_mode == "flat":
        idx = rules.slab_for(counted, den)
        slab = rules.slabs[idx]
        nxt = rules.slabs[idx + 1].lower if idx + 1 < len(rules.slabs) else None
        lines.append(ChargeLine(slab.lower, nxt, counted, slab.rate, counted * slab.rate))
    else:
        for i, slab in enumerate(rules.slabs):
            upper = rules.slabs[i + 1].lower if i + 1 < len(rules.slabs) else None
            lo = slab.lower * den
            hi = counted if upper is None else min(counted, upper * den)
            msgs = max(hi - lo, 0)
            lines.append(ChargeLine(slab.lower, upper, msgs, slab.rate, msgs * slab.rate))
    total = sum((line.amount for line in lines), Decimal(0))
    # Rates are whole paise, so quantising to the paisa only fixes the exponent.
    lines = [dataclasses.replace(ln, amount=ln.amount.quantize(_PAISA)) for ln in lines]
    return total.quantize(_PAISA), lines


def charge_total(counted: int, den: int, rules: OtrRules) -> Decimal:
    """Return :func:`day_charge`'s total without building the breakdown (the counter's hot path)."""
    slabs = rules.slabs
    if rules.slab_mode == "flat":
        return (counted * slabs[rules.slab_for(counted, den)].rate).quantize(_PAISA)
    total = Decimal(0)
    for i, slab in enumerate(slabs):
        lo = slab.lower * den
        if counted <= lo:
            break
        hi = counted if i + 1 == len(slabs) else min(counted, slabs[i + 1].lower * den)
        total += (hi - lo) * slab.rate
    return total.quantize(_PAISA)

"""The benchmark data generators reproduce the normative SHA-256s (docs/benchmarks.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_PATH = Path(__file__).resolve().parents[3] / "benchmarks" / "_datagen.py"
_spec = importlib.util.spec_from_file_location("_datagen", _PATH)
assert _spec is not None
assert _spec.loader is not None
g = importlib.util.module_from_spec(_spec)
sys.modules["_datagen"] = g
_spec.loader.exec_module(g)


def test_w1_quotes_reproduce_the_reference_sha256():
    q = g.w1_quotes()
    assert g.sha256_of(q["ts"], q["bid"], q["ask"], q["bid_size"], q["ask_size"]) == g.W1_SHA256
    assert (q["bid"].min(), q["bid"].max()) == (18_367, 19_510)


def test_w3_bars_reproduce_the_reference_sha256():
    b = g.w3_bars()
    assert len(b["ts"]) == 491_400
    assert (
        g.sha256_of(*(b[k] for k in ("ts", "open", "high", "low", "close", "volume")))
        == g.W3_SHA256
    )

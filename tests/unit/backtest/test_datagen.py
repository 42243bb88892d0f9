"""The benchmark data generators reproduce the normative SHA-256s (docs/benchmarks.md)."""

from __future__ import annotations

import _datagen as g


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

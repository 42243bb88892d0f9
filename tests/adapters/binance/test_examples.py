"""The Binance and ccxt examples run offline with --fake, and refuse live without a policy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

pytestmark = pytest.mark.timeout(60)


def run(script: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), *args],
        capture_output=True,
        text=True,
        env={**ENV, **env},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("binance_testnet.py", ["limit:  ACCEPTED", "cancel: CANCELED", "market: FILLED"]),
        ("ccxt_demo.py", ["limit:  ACCEPTED", "cancel-replace", "cancel: CANCELED"]),
    ],
)
def test_example_runs_offline_against_the_fake(script: str, expected: list[str]) -> None:
    out = run(script, "--fake")
    assert out.returncode == 0, out.stderr
    for line in expected:
        assert line in out.stdout, out.stdout


@pytest.mark.parametrize(
    ("script", "env"),
    [("binance_testnet.py", "BOLT_BINANCE_MODE"), ("ccxt_demo.py", "BOLT_CCXT_MODE")],
)
def test_example_refuses_live_without_enable_trading(script: str, env: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("enable_trading: false\n")
    out = run(script, "--policy", str(policy), **{env: "live"})
    assert out.returncode == 1
    assert "refusing to trade live" in out.stderr

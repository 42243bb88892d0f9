"""examples/kite_demo.py runs end to end against the local fake, and refuses unsafe live use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.child_env import python_path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "kite_demo.py"


def run_demo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BOLT_KITE_")}
    base["PYTHONPATH"] = python_path()
    base.update(env or {})
    return subprocess.run(
        [sys.executable, str(DEMO), *args],
        capture_output=True,
        text=True,
        env=base,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_kite_demo_fake_places_cancels_and_fills() -> None:
    result = run_demo("--fake")
    assert result.returncode == 0, result.stderr
    assert "after cancel: CANCELED" in result.stdout
    assert "FILLED, filled 1" in result.stdout


def test_kite_demo_refuses_live_without_enable_trading() -> None:
    result = run_demo(
        env={"BOLT_KITE_API_KEY": "k", "BOLT_KITE_ACCESS_TOKEN": "t", "BOLT_KITE_LIVE": "true"}
    )
    assert result.returncode == 2
    assert "enable_trading" in result.stderr


def test_kite_demo_without_credentials_says_which_variables_to_set() -> None:
    result = run_demo()
    assert result.returncode == 2
    assert "BOLT_KITE_API_KEY" in result.stderr

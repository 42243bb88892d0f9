"""Every offline example runs and prints what it claims (examples stay true to the code)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.child_env import child_env

ROOT = Path(__file__).resolve().parents[1]
ENV = child_env()

CASES = {
    "paper_quickstart.py": ["market: FILLED 500", "limit:  FILLED 200"],
    "plan_to_orders.py": [
        "p1: success",
        "p2: hold",
        "p3: skipped",
        "take-profit: FILLED stop-loss: CANCELED",
    ],
}


@pytest.mark.parametrize("script", sorted(CASES))
def test_example_runs(script: str) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
        check=True,
    ).stdout
    for expected in CASES[script]:
        assert expected in out, out

"""The algorithm examples run on the bundled sample data and print what they claim."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.child_env import child_env

ROOT = Path(__file__).resolve().parents[2]

CASES = {
    "algo_twap.py": ["TWAP-1", "filled_qty                   20000.0", "shortfall_bps"],
    "algo_vwap_profile.py": [
        "VWAP-1",
        "filled_qty                   30000.0",
        "saved vwap_fills.png",
    ],
    "algo_pov.py": ["POV-1", "filled", "ICE-1"],
}


@pytest.mark.parametrize("script", sorted(CASES))
def test_algo_example_runs(script, tmp_path):
    env = child_env(MPLBACKEND="Agg")
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
        cwd=tmp_path,
    ).stdout
    for expected in CASES[script]:
        assert expected in out, out

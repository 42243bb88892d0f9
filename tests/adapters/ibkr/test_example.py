"""Smoke test of examples/ibkr_paper.py: --fake runs a whole session; live needs the policy."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLE = Path(__file__).parents[3] / "examples" / "ibkr_paper.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ibkr_paper_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.asyncio
async def test_example_runs_a_full_session_against_the_fake(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = await _load().main(["--fake", "--market"])

    out = capsys.readouterr().out
    assert code == 0
    assert "cancel" in out and "CANCELED" in out
    assert "FILLED" in out
    assert "pos   AAPL 1 @ 190" in out


@pytest.mark.asyncio
async def test_example_refuses_live_without_policy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("BOLT_IBKR_MODE", "live")
    monkeypatch.setenv("BOLT_IBKR_PORT", "7496")
    policy = tmp_path / "policy.yaml"
    policy.write_text("enable_trading: false\n")

    code = await _load().main(["--policy", str(policy)])

    assert code == 2
    assert "refusing" in capsys.readouterr().err


def test_trading_enabled_reads_the_policy(tmp_path: Path) -> None:
    module = _load()
    policy = tmp_path / "policy.yaml"
    policy.write_text("trading:\n  enable_trading: true\n")
    assert module.trading_enabled(policy) is True
    assert module.trading_enabled(None) is False

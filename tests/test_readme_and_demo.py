"""The README stays true to the code: the lifecycle diagram, the quickstart, the demo."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from bolt_exec.demo import run_demo
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import OrderFilled, OrderReplaced
from bolt_exec.model.transitions import mermaid_diagram
from tests.child_env import child_env

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
ENV = child_env()


def test_readme_opens_with_the_two_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_readme_lifecycle_diagram_is_generated_from_the_table() -> None:
    block = re.search(
        r"<!-- lifecycle:start -->\n```mermaid\n(.*?)\n```\n<!-- lifecycle:end -->", README, re.S
    )
    assert block is not None and block.group(1) == mermaid_diagram()


def test_readme_quickstart_runs_and_prints_what_it_says(tmp_path: Path) -> None:
    code = re.search(r"## Quickstart\n\n```python\n(.*?)```", README, re.S)
    assert code is not None
    lines = code.group(1).strip().splitlines()
    assert len(lines) <= 11  # "a quickstart in ten lines" (plus the import)
    script = tmp_path / "quickstart.py"
    script.write_text(code.group(1))
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=ENV,
    ).stdout
    assert out.splitlines()[0] == "FILLED 189.52"
    assert "CANCELED" in out


def test_demo_covers_limit_market_amend_cancel_and_partial_fill() -> None:
    buf = io.StringIO()
    result = run_demo(buf)
    orders = list(result.oms.orders())
    statuses = {o.status for o in orders}
    assert {OrderStatus.FILLED, OrderStatus.CANCELED} <= statuses
    assert {str(o.order_type) for o in orders} == {"MARKET", "LIMIT"}
    assert any(isinstance(e, OrderReplaced) for o in orders for e in o.events)
    partial = [o for o in orders if sum(isinstance(e, OrderFilled) for e in o.events) > 1]
    assert partial, "a market order larger than the displayed size fills in parts"
    text = buf.getvalue()
    for heading in ("Blotter", "Fills", "Positions"):
        assert heading in text
    for o in orders:
        assert o.client_order_id in text
    # the printed position equals the signed sum of fills
    net = sum(
        e.side.sign * e.last_qty for o in orders for e in o.events if isinstance(e, OrderFilled)
    )
    assert result.oms.position("AAPL").qty == net  # type: ignore[union-attr]


def test_demo_is_deterministic() -> None:
    a, b = io.StringIO(), io.StringIO()
    run_demo(a)
    run_demo(b)
    assert a.getvalue() == b.getvalue()


def test_cli_demo_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bolt_exec.cli", "demo"],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    ).stdout
    assert "Blotter" in out

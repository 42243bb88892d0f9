"""Project-wide rules that a grep can check."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "bolt_exec"

WALL_CLOCK = re.compile(r"datetime\.(now|utcnow|today)\(|time\.time(_ns)?\(|date\.today\(")


def test_nothing_but_the_clock_reads_wall_time() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "clock.py" and path.parent == SRC:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if WALL_CLOCK.search(line.split("#", 1)[0]):
                offenders.append(f"{path.relative_to(SRC)}:{n}: {line.strip()}")
    assert offenders == []


def test_only_the_order_manager_assigns_order_status() -> None:
    """Invariant 1: `.status =` on an order appears only in the Order aggregate itself."""
    offenders = []
    for path in SRC.rglob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\border\.status\s*=[^=]", line):
                offenders.append(f"{path.relative_to(SRC)}:{n}")
    assert offenders == []


def test_model_imports_nothing_of_ours_but_errors() -> None:
    for path in (SRC / "model").glob("*.py"):
        for line in path.read_text().splitlines():
            m = re.match(r"\s*(from|import) bolt_exec\.(\w+)", line)
            if m:
                assert m.group(2) in ("errors", "model"), f"{path.name}: {line}"

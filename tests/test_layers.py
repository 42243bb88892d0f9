"""The import layers of design.md, checked on the source (an import-linter in a few lines).

* ``model`` imports nothing of ours but ``errors``.
* ``safety``, ``algos``, ``ledger``, ``compliance`` and the reconciler's pure parts import
  ``model``, ``clock`` and ``errors`` (and themselves) only, and never asyncio, SQL or a
  broker library.
* adapters import ``model`` and their client library, never ``oms``, ``safety`` or ``store``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "bolt_exec"

IO_LIBS = {
    "asyncio",
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "aiohttp",
    "websockets",
    "requests",
    "ib_async",
    "ib_insync",
    "kiteconnect",
    "binance",
    "ccxt",
    "socket",
    "alembic",
}
CORE_ALLOWED = {"model", "clock", "errors"}

# package -> (allowed bolt_exec packages besides itself, forbid I/O libraries?)
RULES: dict[str, tuple[set[str], bool]] = {
    "model": ({"errors"}, True),
    "safety": (CORE_ALLOWED | {"bus", "adapters"}, True),
    "algos": (CORE_ALLOWED, True),
    "ledger": (CORE_ALLOWED, True),
    "compliance": (CORE_ALLOWED, True),
}
PURE_FILES = {
    "reconcile/diff.py",
    "reconcile/resolve.py",
    "reconcile/discrepancies.py",
    "reconcile/corrections.py",
    "reconcile/budget.py",
}
ADAPTER_FORBIDDEN = {"oms", "safety", "store"}


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text())
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return found


def _violations(path: Path, allowed: set[str], no_io: bool, own: str) -> list[str]:
    bad = []
    for module, line in _imports(path):
        parts = module.split(".")
        if parts[0] == "bolt_exec" and len(parts) > 1:
            if parts[1] != own and parts[1] not in allowed:
                bad.append(f"{path.relative_to(SRC)}:{line} imports {module}")
        elif no_io and parts[0] in IO_LIBS:
            bad.append(f"{path.relative_to(SRC)}:{line} imports {module} (I/O in the core)")
    return bad


@pytest.mark.parametrize("package", sorted(RULES))
def test_core_package_respects_its_layer(package: str) -> None:
    allowed, no_io = RULES[package]
    root = SRC / package
    if not root.exists():
        pytest.skip(f"{package} is not built yet")
    bad = [
        v
        for p in root.rglob("*.py")
        for v in _violations(p, allowed, no_io, package)
        if not str(p.relative_to(SRC)).endswith(("cli.py", "plots.py"))
    ]
    assert bad == []


def test_reconciler_decisions_are_pure() -> None:
    bad = []
    for rel in PURE_FILES:
        path = SRC / rel
        if path.exists():
            bad += _violations(path, CORE_ALLOWED, True, "reconcile")
    assert bad == []


def test_adapters_never_reach_into_the_oms_safety_or_store() -> None:
    bad = []
    for path in (SRC / "adapters").rglob("*.py"):
        for module, line in _imports(path):
            parts = module.split(".")
            if parts[0] == "bolt_exec" and len(parts) > 1 and parts[1] in ADAPTER_FORBIDDEN:
                bad.append(f"{path.relative_to(SRC)}:{line} imports {module}")
    assert bad == []

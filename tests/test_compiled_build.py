"""Which bolt_exec the suite imports: ``bolt_exec.COMPILED`` says, and says it truly."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import bolt_exec
from tests.child_env import ROOT, SRC, TEST_COMPILED

# The modules setup.py compiles when BOLT_EXEC_MYPYC=1.
HOT_PATH = re.findall(r'"bolt_exec/([\w/]+)\.py"', (ROOT / "setup.py").read_text())


def _module_file(path: str) -> str:
    module = importlib.import_module("bolt_exec." + path.replace("/", "."))
    return str(module.__file__)


def test_setup_lists_existing_modules() -> None:
    assert len(HOT_PATH) >= 10
    for path in HOT_PATH:
        assert (SRC / "bolt_exec" / f"{path}.py").is_file(), path


@pytest.mark.skipif(TEST_COMPILED, reason="the pure-Python build's check")
def test_pure_build_imports_every_hot_module_from_source() -> None:
    assert bolt_exec.COMPILED is False
    assert all(_module_file(p).endswith(".py") for p in HOT_PATH)


@pytest.mark.skipif(not TEST_COMPILED, reason="runs under `make test-compiled`")
def test_compiled_build_imports_every_hot_module_as_an_extension() -> None:
    assert bolt_exec.COMPILED is True
    files = {p: _module_file(p) for p in HOT_PATH}
    assert all(Path(f).suffix == ".so" for f in files.values()), files
    assert not any(Path(f).resolve().is_relative_to(SRC) for f in files.values())

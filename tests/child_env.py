"""The environment of the child processes the suite starts (crash tests, CLI, examples).

A child must import the same bolt_exec as the suite. Normally that is the source
tree (``src/`` first on ``PYTHONPATH``, whether or not the package is installed).
``make test-compiled`` sets ``BOLT_EXEC_TEST_COMPILED=1`` to test the installed,
mypyc-compiled package: then ``src/`` must stay off the path, or the children
would quietly test the pure-Python sources instead.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
TEST_COMPILED = os.environ.get("BOLT_EXEC_TEST_COMPILED") == "1"


def python_path(*extra: Path | str) -> str:
    """``PYTHONPATH`` for a child: ``src/`` (unless testing the compiled build), ``extra``."""
    parts = [] if TEST_COMPILED else [str(SRC)]
    parts += [str(p) for p in extra]
    inherited = os.environ.get("PYTHONPATH")
    if inherited:
        parts.append(inherited)
    return os.pathsep.join(parts)


def child_env(*extra_paths: Path | str, **overrides: str) -> dict[str, str]:
    """A copy of this process's environment with :func:`python_path` and ``overrides``."""
    return {**os.environ, "PYTHONPATH": python_path(*extra_paths), **overrides}

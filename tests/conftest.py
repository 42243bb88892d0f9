"""Suite-wide settings: hypothesis profiles (``ci`` runs more examples), the build under test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.child_env import SRC, TEST_COMPILED

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_report_header() -> str:
    import bolt_exec

    build = "compiled (mypyc)" if bolt_exec.COMPILED else "pure Python"
    return f"bolt_exec: {build}, from {Path(bolt_exec.__file__).parent}"


def pytest_sessionstart(session: pytest.Session) -> None:
    """``make test-compiled`` must test the compiled package, not the sources beside it."""
    if not TEST_COMPILED:
        return
    import bolt_exec

    here = Path(bolt_exec.__file__).resolve()
    if not bolt_exec.COMPILED or here.is_relative_to(SRC):
        raise pytest.UsageError(
            f"BOLT_EXEC_TEST_COMPILED=1 but bolt_exec is imported from {here} "
            f"(compiled: {bolt_exec.COMPILED}); build it with `make compiled` and run "
            "the suite with that venv's python, without src/ on PYTHONPATH"
        )

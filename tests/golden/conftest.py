"""Golden-file support for every reporter: compare an export with its stored file.

Goldens change only on purpose: run ``pytest tests/golden --update-goldens`` (or set
``BOLT_EXEC_UPDATE_GOLDENS=1``) to rewrite them, then review the diff before committing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

GoldenCheck = Callable[[Path, str | bytes], None]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output instead of comparing",
    )


def _updating(config: pytest.Config) -> bool:
    return bool(config.getoption("--update-goldens")) or (
        os.environ.get("BOLT_EXEC_UPDATE_GOLDENS") == "1"
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> GoldenCheck:
    """Return ``check(path, output)``: assert ``output`` equals the file, byte for byte."""
    updating = _updating(request.config)

    def check(path: Path, output: str | bytes) -> None:
        data = output.encode("utf-8") if isinstance(output, str) else output
        if updating:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        if not path.exists():
            pytest.fail(f"{path} is missing; create it with --update-goldens and review it")
        expected = path.read_bytes()
        if data != expected:
            # Show a text diff: goldens are text (JSON, CSV, XML).
            assert data.decode("utf-8") == expected.decode("utf-8"), f"{path} differs"

    return check

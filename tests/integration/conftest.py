"""Fixtures for runtime integration tests: a FakeKite server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bolt_exec.testing.fakes.kite import FakeKite


@pytest.fixture
def fake() -> Iterator[FakeKite]:
    with FakeKite() as server:
        yield server

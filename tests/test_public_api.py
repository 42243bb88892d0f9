"""The public surface is exactly what __all__ lists (httpx style)."""

from __future__ import annotations

import types

import bolt_exec

SUBPACKAGES = {"agent", "algos", "backtest"}  # exported on purpose: bx.algos.TWAP(...)


def test_all_is_sorted_and_matches_public_names() -> None:
    public = {
        n
        for n in dir(bolt_exec)
        if not n.startswith("_") and not isinstance(getattr(bolt_exec, n), types.ModuleType)
    }
    assert set(bolt_exec.__all__) - {"__version__"} - SUBPACKAGES == public
    assert set(bolt_exec.__all__) >= SUBPACKAGES
    # ruff's RUF022 order: CONSTANTS, then Classes, then the rest, each alphabetical.
    names = list(bolt_exec.__all__)
    assert names == sorted(
        names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)
    )


def test_every_exported_name_resolves() -> None:
    for name in bolt_exec.__all__:
        assert getattr(bolt_exec, name) is not None

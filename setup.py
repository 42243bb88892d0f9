"""Build hook for the optional compiled hot path; everything else is in pyproject.toml.

``BOLT_EXEC_MYPYC=1`` compiles the modules every order passes through (OMS,
order model, journal write path, paper venue, backtest loop) with mypyc into C
extensions: W2 runs about 1.75x the orders/s, W1 and W3 about 1.25x. Without it
the package is pure Python. mypyc type-checks against the installed dependencies,
so they go in first and the build runs without isolation (``make compiled``)::

    pip install ".[all]" "mypy>=1.10" "setuptools>=77" wheel
    BOLT_EXEC_MYPYC=1 pip install --no-build-isolation --no-deps --force-reinstall .

``bolt_exec.COMPILED`` tells which build is imported.
"""

from __future__ import annotations

import os

from setuptools import setup

# The hot path: a module here must type-check under mypy --strict (it does), and its
# classes become native ones (no __slots__; interpreted subclasses only where allowed).
HOT_PATH = [
    "bolt_exec/clock.py",
    "bolt_exec/bus.py",
    "bolt_exec/model/order.py",
    "bolt_exec/model/numbers.py",
    "bolt_exec/model/transitions.py",
    "bolt_exec/oms/book.py",
    "bolt_exec/oms/writer.py",
    "bolt_exec/oms/handles.py",
    "bolt_exec/oms/manager.py",
    "bolt_exec/oms/validation.py",
    "bolt_exec/store/base.py",
    "bolt_exec/ledger/portfolio.py",
    "bolt_exec/adapters/base.py",
    "bolt_exec/adapters/paper/account.py",
    "bolt_exec/adapters/paper/book.py",
    "bolt_exec/adapters/paper/broker.py",
    "bolt_exec/adapters/paper/matching.py",
    "bolt_exec/adapters/paper/queue.py",
    "bolt_exec/backtest/clock.py",
    "bolt_exec/backtest/engine.py",
    "bolt_exec/backtest/wakeup.py",
]


def _ext_modules() -> list[object]:
    if os.environ.get("BOLT_EXEC_MYPYC", "").lower() not in ("1", "true", "yes"):
        return []
    from mypyc.build import mypycify

    return list(mypycify([f"src/{path}" for path in HOT_PATH], opt_level="3"))


setup(ext_modules=_ext_modules())

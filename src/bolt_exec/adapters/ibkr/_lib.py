"""Load the IB client library: ib_async (maintained) or, failing that, ib_insync (frozen).

Both expose the same ``IB``, ``Contract``, ``Order`` and ``ExecutionFilter`` API for
what this adapter uses; ib_async alone has ``connectAsync(raiseSyncErrors=, fetchFields=)``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from bolt_exec.errors import ConfigError

__all__ = ["load_library"]

_CANDIDATES = ("ib_async", "ib_insync")


def load_library(preferred: str | None = None) -> ModuleType:
    """Return the IB client library module (``preferred`` first, then ib_async, ib_insync).

    Raises:
        ConfigError: neither library is installed.
    """
    names = (preferred, *_CANDIDATES) if preferred else _CANDIDATES
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ConfigError(
        "the IBKR adapter needs ib_async (or ib_insync); install it with "
        '`pip install "bolt-exec[ibkr]"`'
    )

"""Broker discovery through the ``bolt_exec.brokers`` entry-point group.

Our adapters and third-party ones install the same way: a distribution
declares ``[project.entry-points."bolt_exec.brokers"] name = "pkg.module:Class"``
and :func:`load_broker` finds it by name, importing the module (and so its
client library) only then. Built-in names are also resolved without installed
metadata, so a source checkout (``PYTHONPATH=src``) works the same.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Final

from bolt_exec.adapters.base import BrokerBase
from bolt_exec.errors import ConfigError

__all__ = ["BUILTIN_BROKERS", "GROUP", "available_brokers", "load_broker"]

GROUP: Final = "bolt_exec.brokers"
BUILTIN_BROKERS: Final[dict[str, str]] = {
    "paper": "bolt_exec.adapters.paper:PaperBroker",
    "ibkr": "bolt_exec.adapters.ibkr.adapter:IbkrBroker",
    "zerodha": "bolt_exec.adapters.zerodha.adapter:KiteBroker",
    "binance": "bolt_exec.adapters.binance.adapter:BinanceBroker",
    "ccxt": "bolt_exec.adapters.ccxt.adapter:CcxtBroker",
}
_EXTRAS: Final = {"ibkr": "ibkr", "zerodha": "zerodha", "binance": "binance", "ccxt": "ccxt"}


def available_brokers() -> dict[str, str]:
    """Return ``{name: "module:Class"}`` of every broker: built-ins, then installed plugins."""
    found = dict(BUILTIN_BROKERS)
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep.value
    return found


def load_broker(name: str) -> type[BrokerBase]:
    """Return the adapter class registered as ``name``.

    Raises:
        ConfigError: the name is unknown, its module cannot be imported (a missing
            extra, with the ``pip install`` line that fixes it), or it is not a BrokerBase.
    """
    target = available_brokers().get(name)
    if target is None:
        known = ", ".join(sorted(available_brokers()))
        raise ConfigError(
            f"broker={name!r}: no such broker; use one of {known}, or install a plugin that "
            f"declares it in the {GROUP!r} entry-point group"
        )
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        extra = _EXTRAS.get(name)
        fix = f'pip install "bolt-exec[{extra}]"' if extra else "install the plugin"
        raise ConfigError(f"broker={name!r}: cannot import {module_name} ({exc}); {fix}") from exc
    cls = getattr(module, attr, None)
    if not (isinstance(cls, type) and issubclass(cls, BrokerBase)):
        raise ConfigError(f"broker={name!r}: {target} is not a BrokerBase subclass")
    return cls

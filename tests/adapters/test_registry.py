"""Broker discovery by name through the ``bolt_exec.brokers`` entry-point group."""

from __future__ import annotations

import pytest

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.adapters.registry import BUILTIN_BROKERS, available_brokers, load_broker
from bolt_exec.adapters.zerodha import KiteBroker
from bolt_exec.errors import ConfigError


def test_load_broker_finds_builtin_adapters() -> None:
    assert load_broker("paper") is PaperBroker
    assert load_broker("zerodha") is KiteBroker


def test_available_brokers_lists_every_agreed_name() -> None:
    assert {"paper", "ibkr", "zerodha", "binance", "ccxt"} <= set(available_brokers())
    assert BUILTIN_BROKERS["zerodha"] == "bolt_exec.adapters.zerodha.adapter:KiteBroker"


def test_load_broker_unknown_name_lists_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"broker='nope'.*paper.*zerodha"):
        load_broker("nope")


def test_load_broker_missing_module_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import bolt_exec.adapters.registry as registry

    # Installed entry points take precedence over the built-in table, so replace the lookup.
    monkeypatch.setattr(
        registry, "available_brokers", lambda: {"zerodha": "bolt_exec.no_such_module:X"}
    )
    with pytest.raises(ConfigError, match=r'pip install "bolt-exec\[zerodha\]"'):
        load_broker("zerodha")


def test_load_broker_refuses_a_non_broker_class(monkeypatch: pytest.MonkeyPatch) -> None:
    import bolt_exec.adapters.registry as registry

    monkeypatch.setitem(registry.BUILTIN_BROKERS, "odd", "bolt_exec.errors:ConfigError")
    with pytest.raises(ConfigError, match="not a BrokerBase"):
        load_broker("odd")

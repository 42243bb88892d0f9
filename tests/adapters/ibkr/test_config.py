"""IbkrConfig: environment loading, paper/live port guard, secrets kept out of text."""

from __future__ import annotations

import pytest

from bolt_exec.adapters.ibkr import IbkrConfig
from bolt_exec.errors import ConfigError


def test_defaults_are_paper_tws() -> None:
    config = IbkrConfig.load()
    assert (config.mode, config.port, config.is_live) == ("paper", 7497, False)


def test_reads_environment_with_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOLT_IBKR_PORT", "4002")
    monkeypatch.setenv("BOLT_IBKR_CLIENT_ID", "42")
    monkeypatch.setenv("BOLT_IBKR_ACCOUNT", "DU7777777")

    config = IbkrConfig.load()

    assert (config.port, config.client_id, config.account_id) == (4002, 42, "DU7777777")


@pytest.mark.parametrize(
    ("mode", "port"), [("paper", 7496), ("paper", 4001), ("live", 7497), ("live", 4002)]
)
def test_mode_and_well_known_port_must_agree(mode: str, port: int) -> None:
    with pytest.raises(ConfigError, match=f"port={port}"):
        IbkrConfig.load(mode=mode, port=port)


@pytest.mark.parametrize("port", [7496, 4001, 17496])
def test_live_mode_accepts_live_and_custom_ports(port: int) -> None:
    assert IbkrConfig.load(mode="live", port=port).is_live


def test_bad_fields_are_named_and_account_value_never_shown() -> None:
    with pytest.raises(ConfigError) as info:
        IbkrConfig.load(port="seventy", client_id=-1, account=["DU5550555"])
    message = str(info.value)
    assert "port" in message and "client_id" in message and "account" in message
    assert "DU5550555" not in message
    assert "seventy" not in message  # no input values at all: one rule for every field


def test_account_is_secret_in_repr_and_str() -> None:
    config = IbkrConfig.load(account="DU5550555")
    assert "DU5550555" not in repr(config)
    assert "DU5550555" not in str(config)
    assert config.account_id == "DU5550555"


def test_config_is_frozen() -> None:
    config = IbkrConfig.load()
    with pytest.raises(ValueError, match="frozen"):
        config.port = 7496  # type: ignore[misc]

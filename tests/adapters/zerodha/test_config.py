"""KiteConfig: credentials from the environment or a secrets directory, live only when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bolt_exec.adapters.zerodha import KiteConfig
from bolt_exec.errors import ConfigError


def test_config_reads_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOLT_KITE_API_KEY", "env-key")
    monkeypatch.setenv("BOLT_KITE_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("BOLT_KITE_PRODUCT", "MIS")
    cfg = KiteConfig.load()
    assert cfg.api_key.get_secret_value() == "env-key"
    assert cfg.access_token.get_secret_value() == "env-token"
    assert cfg.product == "MIS"
    assert "env-key" not in repr(cfg)


def test_config_reads_a_secrets_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOLT_KITE_API_KEY", raising=False)
    monkeypatch.delenv("BOLT_KITE_ACCESS_TOKEN", raising=False)
    (tmp_path / "bolt_kite_api_key").write_text("file-key\n")
    (tmp_path / "bolt_kite_access_token").write_text("file-token")
    cfg = KiteConfig.load(tmp_path)
    assert cfg.api_key.get_secret_value() == "file-key"
    assert cfg.access_token.get_secret_value() == "file-token"


def test_config_missing_credentials_names_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOLT_KITE_API_KEY", raising=False)
    monkeypatch.delenv("BOLT_KITE_ACCESS_TOKEN", raising=False)
    with pytest.raises(ConfigError, match=r"api_key.*access_token.*BOLT_KITE_API_KEY"):
        KiteConfig.load()


def test_config_missing_secrets_dir_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a directory"):
        KiteConfig.load(tmp_path / "nope")


def test_config_bad_product_names_field_and_choices() -> None:
    with pytest.raises(ConfigError, match=r"product.*CNC, MIS, NRML"):
        KiteConfig.load(api_key="k", access_token="t", product="XYZ")


@pytest.mark.parametrize(
    ("live", "root", "expected"),
    [
        (False, "https://api.kite.trade", False),
        (True, "https://api.kite.trade", True),
        (True, "http://127.0.0.1:9000", False),
        (False, "http://127.0.0.1:9000", False),
    ],
)
def test_config_is_live_needs_the_flag_and_production_roots(
    live: bool, root: str, expected: bool
) -> None:
    cfg = KiteConfig(api_key="k", access_token="t", live=live, root=root)
    assert cfg.is_live is expected

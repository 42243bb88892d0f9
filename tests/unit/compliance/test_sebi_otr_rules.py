"""SEBI OTR rule files: versions by date, defaults merged, every malformed value named."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bolt_exec.compliance.dated_config import load_dated_yaml, packaged_rules_path
from bolt_exec.compliance.sebi_otr_rules import load_sebi_rules
from bolt_exec.errors import ConfigError

DOC: dict[str, Any] = yaml.safe_load(packaged_rules_path("sebi_otr.yaml").read_text())


def test_packaged_versions_follow_the_change_log() -> None:
    rules = load_sebi_rules()
    assert [v.label for v in rules.versions] == [
        "[2012-07-02, 2018-06-29)",
        "[2018-06-29, 2020-07-22)",
        "[2020-07-22, 2026-04-06)",
        "[2026-04-06, )",
    ]
    assert rules.for_date(date(2015, 1, 5)).price_band_pct == Decimal(1)
    assert rules.for_date(date(2019, 1, 7)).slabs[1].rate == Decimal("0.02")
    assert rules.for_date(date(2026, 4, 5)).option_band is None
    new = rules.for_date(date(2026, 4, 6))
    assert new.option_band is not None
    assert (new.option_band.pct, new.option_band.min_abs) == (Decimal(40), Decimal(20))
    assert new.dmm_excluded
    assert new.cooling_off.window_unit == "trading_days"  # the exchange's wording


def test_defaults_are_merged_under_each_version() -> None:
    v = load_sebi_rules().for_date(date(2024, 1, 2))
    assert (v.band_inclusive, v.slab_mode, v.zero_trade_floor, v.cancellations) == (
        True,
        "incremental",
        1,
        "count",
    )
    assert v.open_time("CURRENCY_DERIV").isoformat() == "09:00:00"
    assert v.risk_reducing_ok("EQ_CASH") is False
    with pytest.raises(ConfigError, match="'COMMODITY'"):
        v.open_time("COMMODITY")


def _broken(path: str, value: object) -> dict[str, Any]:
    doc = copy.deepcopy(DOC)
    node: Any = doc
    *parents, leaf = path.split(".")
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    node[int(leaf) if leaf.isdigit() else leaf] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("versions.2.slabs", [{"from": 0, "rate": "0"}, {"from": 0, "rate": "1"}], "increase"),
        ("versions.2.slabs", [], "non-empty"),
        ("versions.2.price_band_pct", "wide", "not a number"),
        ("versions.2.price_band_pct", "-1", ">= 0"),
        ("defaults.slab_mode", "progressive", "incremental, flat"),
        ("defaults.band_inclusive", "yes", "true or false"),
        ("defaults.zero_trade_floor", 0, ">= 1"),
        ("versions.2.cooling_off", None, "cooling_off"),
        ("defaults.session_open", {"EQ_CASH": "09:15"}, "EQ_DERIV"),
        (
            "defaults.session_open",
            {"EQ_CASH": "9h15", "EQ_DERIV": "09:15", "CURRENCY_DERIV": "09:00"},
            "not a time",
        ),
        ("versions.1.valid_to", "2020-07-23", "overlap"),
        ("versions.1.valid_from", "29/06/2018", "YYYY-MM-DD"),
        ("versions.3.valid_to", "2026-04-06", "ends before it starts"),
    ],
)
def test_malformed_rule_files_name_the_key(path: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_sebi_rules(_broken(path, value))


def test_unreadable_or_shapeless_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_sebi_rules(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("versions: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_sebi_rules(tmp_path / "bad.yaml")
    with pytest.raises(ConfigError, match="'versions' list"):
        load_dated_yaml({"name": "x"}, lambda raw, loc: raw)

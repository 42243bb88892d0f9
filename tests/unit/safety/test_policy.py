"""Policy validation: every error names the key path, the value and what is allowed."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from bolt_exec.errors import ConfigError
from bolt_exec.safety.codes import TradingState
from bolt_exec.safety.policy import Policy, PolicyError

from .conftest import ROOT


def test_demo_policy_loads_and_enables_paper_trading() -> None:
    policy = Policy.from_yaml(ROOT / "policy.yaml")
    assert policy.enable_trading is True
    assert policy.portfolio.max_open_positions == 3
    assert policy.portfolio.max_allocation_pct == Decimal(50)
    assert policy.portfolio.max_leverage == Decimal(3)
    assert policy.portfolio.min_portfolio_value == Decimal(100)


def test_policy_default_is_trading_disabled() -> None:
    assert Policy.from_mapping({"version": 1}).enable_trading is False
    assert Policy.from_mapping({"version": 1}).compile().enable_trading is False


def _field_names(model: type) -> set[str]:
    names = set()
    for name, info in model.model_fields.items():  # type: ignore[attr-defined]
        names.add(info.alias or name)
        ann = info.annotation
        for sub in getattr(ann, "__args__", (ann,)):
            if isinstance(sub, type) and hasattr(sub, "model_fields"):
                names |= _field_names(sub)
    return names


def test_policy_yaml_documents_every_option() -> None:
    text = (ROOT / "policy.yaml").read_text()
    keys = set(re.findall(r"^\s*([a-z_]+):", text, re.M)) | set(re.findall(r"([a-z_]+):", text))
    missing = _field_names(Policy) - keys
    assert not missing, f"options not in policy.yaml: {sorted(missing)}"
    lines = text.splitlines()
    for prev, line in zip(["#", *lines], lines, strict=False):
        m = re.match(r"^\s*([a-z_]+):", line)
        if m and m.group(1) in _field_names(Policy) and not line.rstrip().endswith(":"):
            assert "#" in line or prev.strip().startswith("#"), f"undocumented: {line}"


@pytest.mark.parametrize(
    ("data", "path", "value", "allowed"),
    [
        ({"version": 2}, "version", 2, "1"),
        ({}, "version", None, "required"),
        ({"version": 1, "enable_tradng": True}, "enable_tradng", True, "'enable_trading'"),
        (
            {"version": 1, "limits": {"global": {"colar_pct": 5}}},
            "limits.global.colar_pct",
            5,
            "did you mean 'collar_pct'",
        ),
        ({"version": 1, "initial_state": "PAUSED"}, "initial_state", "PAUSED", "ACTIVE"),
        (
            {"version": 1, "limits": {"global": {"max_order_qty": -5}}},
            "limits.global.max_order_qty",
            -5,
            "greater than 0",
        ),
        (
            {"version": 1, "limits": {"global": {"collar_pct": 150}}},
            "limits.global.collar_pct",
            150,
            "less than or equal to 100",
        ),
        (
            {"version": 1, "limits": {"instruments": {"AAPL": {"max_position_qty": "lots"}}}},
            "limits.instruments.AAPL.max_position_qty",
            "lots",
            "decimal",
        ),
        (
            {"version": 1, "limits": {"global": {"min_order_qty": 10, "max_order_qty": 5}}},
            "limits.global",
            None,
            "min_order_qty <= max_order_qty",
        ),
        (
            {"version": 1, "portfolio": {"max_open_positions": 0}},
            "portfolio.max_open_positions",
            0,
            "greater than 0",
        ),
        (
            {"version": 1, "portfolio": {"trading_day_start_utc": "25:00"}},
            "portfolio.trading_day_start_utc",
            "25:00",
            "HH:MM",
        ),
        (
            {"version": 1, "plans": {"min_confidence": 1.5}},
            "plans.min_confidence",
            1.5,
            "less than or equal to 1",
        ),
        (
            {"version": 1, "instruments": {"allow": ["A"], "block": ["A"]}},
            "instruments",
            None,
            "one list",
        ),
        (
            {"version": 1, "brokers": {"kite": {"venue": "nse"}}},
            "brokers.kite.venue",
            "nse",
            "zerodha",
        ),
        (
            {"version": 1, "otr": {"warn_ratio": 50, "deny_ratio": 49}},
            "otr",
            None,
            "warn_ratio < deny_ratio",
        ),
        (
            {"version": 1, "throttles": {"orders": {"per_strategy": {"rate_per_s": 1}}}},
            "throttles.orders.per_strategy.burst",
            None,
            "required",
        ),
        (
            {"version": 1, "kill_switch": {"loss_pct": 0}},
            "kill_switch.loss_pct",
            0,
            "greater than 0",
        ),
    ],
)
def test_policy_invalid_value_names_path_value_and_allowed(
    data: dict[str, object], path: str, value: object, allowed: str
) -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_mapping(data, source="p.yaml")
    err = info.value
    assert isinstance(err, ConfigError)
    paths = {p for p, _, _ in err.problems}
    assert path in paths, err.problems
    problem = next(p for p in err.problems if p[0] == path)
    if value is not None:
        assert problem[1] == value
    assert allowed.lower() in problem[2].lower()
    assert path in str(err)
    assert "p.yaml" in str(err)


def test_policy_from_yaml_bad_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("version: [1\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        Policy.from_yaml(bad)
    with pytest.raises(ConfigError, match="cannot be read"):
        Policy.from_yaml(tmp_path / "absent.yaml")
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        Policy.from_yaml(bad)


def test_policy_is_frozen() -> None:
    policy = Policy.from_mapping({"version": 1})
    with pytest.raises(Exception, match="frozen"):
        policy.enable_trading = True  # type: ignore[misc]


def test_compile_converts_units_and_resolves_scope_precedence() -> None:
    config = Policy.from_mapping(
        {
            "version": 1,
            "initial_state": "REDUCING",
            "limits": {
                "global": {"max_order_qty": 100, "collar_pct": 5, "max_position_qty": 1000},
                "brokers": {"kite": {"max_order_qty": 50}},
                "strategies": {"twap": {"max_order_qty": 20, "collar_pct": 1}},
                "instruments": {"AAPL": {"max_order_qty": 10}},
            },
            "brokers": {"kite": {"venue": "zerodha"}},
            "kill_switch": {"poll_interval_s": 0.5},
        }
    ).compile()
    assert config.initial_state is TradingState.REDUCING
    assert config.limits_for("x", "y", "MSFT").max_order_qty == 100
    assert config.limits_for("kite", "y", "MSFT").max_order_qty == 50
    assert config.limits_for("kite", "twap", "MSFT").max_order_qty == 20
    assert config.limits_for("kite", "twap", "AAPL").max_order_qty == 10
    assert config.limits_for("kite", "twap", "AAPL").collar_frac == Decimal("0.01")
    assert config.limits_for("kite", "twap", "AAPL").max_position_qty == 1000
    assert config.broker("kite").max_modifications == 25
    assert [c.count for c in config.broker("kite").caps] == [10, 200, 3000]
    assert config.kill_switch.poll_interval_ns == 500_000_000

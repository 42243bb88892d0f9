"""LiveNode refuses unsafe configurations before touching any venue (design invariant 10)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bolt_exec.adapters.paper import PaperBroker
from bolt_exec.adapters.zerodha import KiteBroker, KiteConfig
from bolt_exec.errors import ConfigError
from bolt_exec.runtime.node import LiveNode
from bolt_exec.safety.gate import PassThroughSafety

from .runtime_helpers import Policy


def live_kite() -> KiteBroker:
    # production roots + live=True: constructing it touches no network
    return KiteBroker(KiteConfig(api_key="k", access_token="t", live=True))


def test_node_paper_mode_with_paper_broker_builds() -> None:
    node = LiveNode({"paper": PaperBroker()})
    with pytest.raises(RuntimeError, match="start"):
        _ = node.oms


def test_node_paper_mode_refuses_a_live_broker() -> None:
    with pytest.raises(ConfigError, match="configured live"):
        LiveNode({"kite": live_kite()}, policy=Policy(enable_trading=True))


@pytest.mark.parametrize("policy", [None, Policy(enable_trading=False)])
def test_node_live_mode_refuses_without_enable_trading(policy: Policy | None) -> None:
    with pytest.raises(ConfigError, match="enable_trading"):
        LiveNode({"kite": live_kite()}, policy=policy, mode="live")


def test_node_live_mode_refuses_when_no_broker_is_live() -> None:
    demo = KiteBroker(
        KiteConfig(api_key="k", access_token="t", live=True, root="http://127.0.0.1:9")
    )  # live flag but not production
    assert not demo.is_live
    with pytest.raises(ConfigError, match="no broker is configured live"):
        LiveNode({"kite": demo}, policy=Policy(enable_trading=True), mode="live")


def test_node_live_mode_with_both_conditions_builds() -> None:
    node = LiveNode({"kite": live_kite()}, policy=Policy(enable_trading=True), mode="live")
    assert node.reports == {}


@dataclass(frozen=True)
class BypassPolicy:
    enable_trading: bool = True
    backtest_only_bypass_risk: bool = True


class BypassSafety(PassThroughSafety):
    bypass = True


@pytest.mark.parametrize("mode", ["paper", "live"])
def test_node_refuses_a_backtest_only_bypass_in_the_policy(mode: str) -> None:
    broker = live_kite() if mode == "live" else PaperBroker()
    with pytest.raises(ConfigError, match="backtest_only_bypass_risk"):
        LiveNode({"b": broker}, policy=BypassPolicy(), mode=mode)


def test_node_refuses_a_bypass_on_the_safety_gate() -> None:
    with pytest.raises(ConfigError, match=r"safety\.bypass"):
        LiveNode({"paper": PaperBroker()}, safety=BypassSafety())


def test_node_unknown_mode_is_refused() -> None:
    with pytest.raises(ConfigError, match="mode='demo'"):
        LiveNode({"paper": PaperBroker()}, mode="demo")


def test_node_from_config_unknown_broker_kind_names_it() -> None:
    with pytest.raises(ConfigError, match="broker='nope'"):
        LiveNode.from_config({"brokers": {"x": {"kind": "nope"}}})


def test_node_from_config_bad_field_names_it() -> None:
    with pytest.raises(ConfigError, match="heartbeat_s"):
        LiveNode.from_config({"brokers": {"p": {"kind": "paper"}}, "heartbeat_s": -1})


def test_node_from_config_builds_kite_from_settings_without_leaking_secrets() -> None:
    node = LiveNode.from_config(
        {
            "brokers": {
                "kite": {
                    "kind": "zerodha",
                    "settings": {
                        "api_key": "canary-key",
                        "access_token": "canary-token",
                        "root": "http://127.0.0.1:9",
                    },
                }
            }
        }
    )
    assert "canary" not in repr(node._brokers)

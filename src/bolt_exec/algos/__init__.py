"""Execution algorithms: pure schedulers (TWAP, VWAP, POV, AdaptiveVWAP, Iceberg) and their runner.

An algorithm turns a parent order into child intents over time; the
:class:`~bolt_exec.algos.runner.AlgoRunner` submits every child through the
OrderManager (so each passes safety and is journaled) as ``{parent}-E{n}``.
"""

from bolt_exec.algos.adaptive_vwap import AdaptiveVWAP
from bolt_exec.algos.base import (
    AlgoStep,
    ChildIntent,
    ChildView,
    ExecAlgorithm,
    MarketView,
    ParentOrder,
    Progress,
    algo_from_state,
)
from bolt_exec.algos.iceberg import Iceberg
from bolt_exec.algos.ports import AlgoStateStore, AlgoStatus, MarketSource, OrderGateway
from bolt_exec.algos.pov import POV
from bolt_exec.algos.profiles import VolumeProfile, profile_from_bars, u_shaped_profile
from bolt_exec.algos.runner import AlgoRunner
from bolt_exec.algos.twap import TWAP
from bolt_exec.algos.vwap import VWAP

__all__ = [
    "POV",
    "TWAP",
    "VWAP",
    "AdaptiveVWAP",
    "AlgoRunner",
    "AlgoStateStore",
    "AlgoStatus",
    "AlgoStep",
    "ChildIntent",
    "ChildView",
    "ExecAlgorithm",
    "Iceberg",
    "MarketSource",
    "MarketView",
    "OrderGateway",
    "ParentOrder",
    "Progress",
    "VolumeProfile",
    "algo_from_state",
    "profile_from_bars",
    "u_shaped_profile",
]

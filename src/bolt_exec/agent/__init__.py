"""Plans to orders: confidence sizing, plan execution results, pair trades, TP/SL brackets."""

from bolt_exec.agent.brackets import Bracket, attach_bracket
from bolt_exec.agent.executor import PlanExecutor
from bolt_exec.agent.pairs import PairResult, execute_pair
from bolt_exec.agent.plan import ExecutionResult, ExecutionStatus, Plan, PlanAction
from bolt_exec.agent.sizing import ConfidenceSizing

__all__ = [
    "Bracket",
    "ConfidenceSizing",
    "ExecutionResult",
    "ExecutionStatus",
    "PairResult",
    "Plan",
    "PlanAction",
    "PlanExecutor",
    "attach_bracket",
    "execute_pair",
]

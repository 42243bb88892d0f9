"""A trading plan (the input from a planner or an agent) and what became of it.

Plans arrive from outside (a planner agent, a notebook, a REST call), so they
are validated with pydantic at this boundary: an unknown action, a confidence
outside [0, 1] or an extra key is refused with an error naming the field.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ExecutionResult", "ExecutionStatus", "Plan", "PlanAction"]


class PlanAction(StrEnum):
    """What the plan wants."""

    BUY = "BUY"
    SELL = "SELL"
    HOLD = "HOLD"


class ExecutionStatus(StrEnum):
    """What became of a plan.

    ``success``: an order was sent; ``hold``: the plan said HOLD; ``skipped``: the
    confidence or the size was too small to act on; ``denied``: the SafetyManager
    refused the order (the reason code is in the message); ``error``: the order
    could not be built or the venue rejected it.
    """

    SUCCESS = "success"
    HOLD = "hold"
    SKIPPED = "skipped"
    DENIED = "denied"
    ERROR = "error"


class Plan(BaseModel):
    """A trading plan: an action on a symbol with a confidence.

    Attributes:
        symbol: the instrument to trade.
        action: BUY, SELL or HOLD.
        confidence: the planner's confidence, 0.0 to 1.0; it scales the order size.
        reasoning: free text, kept with the order's tags for the audit trail.
        plan_id: the planner's id for the plan (travels in the order tags).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    symbol: str = Field(min_length=1)
    action: PlanAction
    confidence: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)
    reasoning: str = ""
    plan_id: str = ""


class ExecutionResult(BaseModel):
    """What the executor did with a plan (seed 000's execution result)."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    plan_action: PlanAction
    plan_confidence: float
    executed: bool
    status: ExecutionStatus
    order_id: str | None = None
    order_size: Decimal | None = None
    message: str = ""
    ts: int = 0

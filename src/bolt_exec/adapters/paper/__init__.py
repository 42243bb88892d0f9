"""The paper broker: a deterministic simulated venue behind the same BrokerBase port."""

from bolt_exec.adapters.paper.broker import PaperBroker
from bolt_exec.adapters.paper.fees import FeeModel

__all__ = ["FeeModel", "PaperBroker"]

"""The order management system: the one writer of order state."""

from bolt_exec.oms.handles import OrderHandle
from bolt_exec.oms.ids import ClientOrderIdFactory, child_id
from bolt_exec.oms.manager import OrderManager

__all__ = ["ClientOrderIdFactory", "OrderHandle", "OrderManager", "child_id"]

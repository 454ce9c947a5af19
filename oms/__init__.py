"""oms: an order-management core for Binance Spot.

The lifecycle core is pure and synchronous: ``Engine`` takes commands and exchange reports
and returns typed outputs (``oms.outputs``); an I/O shell (the order manager) performs the
requests it hands back. See ``specs/architecture.md`` and ``specs/order-lifecycle.md``.
"""

from oms.balances import Balance, BalanceLedger
from oms.engine import Engine, Report
from oms.ids import SequentialIds
from oms.order import Order
from oms.outputs import Output
from oms.state import OrderState

__all__ = [
    "Balance",
    "BalanceLedger",
    "Engine",
    "Order",
    "OrderState",
    "Output",
    "Report",
    "SequentialIds",
]

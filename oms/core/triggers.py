"""What an order with a trigger (or a list leg) reports beyond its lifecycle.

Rules (user-data-stream.md, Order update, and its conditional fields):
- ``P`` is the stop price (zero when the order has none), ``d`` the trailing delta in BIPS and
  ``D`` the time trailing began, ``w`` whether the order is working on the book, ``W`` since
  when ("only visible if the order has been placed on the book"), ``g`` its order list (-1:
  none). A stop that has not triggered reports ``w`` false; when it triggers, an
  executionReport ``x=NEW`` with ``w`` true and ``W`` set says it now works.
- These keys never move the order's state (``oms.core.state`` does); they are facts kept on
  the ``Order`` for display and for the trader: "my stop is armed / triggered".
- Only executionReports of orders with a trigger or of list legs carry anything new; the
  engine calls ``take_trigger_keys`` for those only, off the plain orders' hot path.
"""

from __future__ import annotations

from oms.core.order import Order
from oms.wire.events import ExecutionReport
from oms.wire.money import ZERO

__all__ = ["take_trigger_keys"]


def take_trigger_keys(order: Order, report: ExecutionReport) -> None:
    """Keep the trigger keys of ``report`` on ``order`` (stale reports included: the keys
    of a report never contradict the lifecycle, and ``W`` is set once)."""
    if report.stop_price > ZERO:
        order.stop_price = report.stop_price
    if report.trailing_delta is not None:
        order.trailing_delta = report.trailing_delta
    if report.trailing_time is not None and report.trailing_time > 0:
        order.trailing_time = report.trailing_time
    if report.working_time is not None and report.working_time > 0:
        order.working_time = report.working_time
    if report.is_working or order.working_time is None:
        # A late report from before the trigger (w false) does not un-trigger the order.
        order.is_working = report.is_working and not order.is_terminal
    elif order.is_terminal:
        order.is_working = False
    order.order_list_id = report.order_list_id

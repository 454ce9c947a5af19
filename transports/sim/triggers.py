"""Stop-loss, take-profit and trailing-stop triggers of the simulated exchange.

Rules (each from the official docs, cited where it applies):
- A stop / take-profit order waits off the book (``w`` false, ``workingTime`` -1) until the
  last trade price meets its condition, then executes as a MARKET order (STOP_LOSS,
  TAKE_PROFIT) or a LIMIT order at ``price`` (the _LIMIT types) (rest-api.md, New order).
- Which move triggers (rest-api.md, New order, "Trigger order price rules"; trailing-stop FAQ
  table): STOP_LOSS BUY and TAKE_PROFIT SELL trigger when the price rises to the stop
  (``last >= stopPrice``); STOP_LOSS SELL and TAKE_PROFIT BUY when it falls to it
  (``last <= stopPrice``). A non-trailing order whose condition already holds at placement is
  refused: -2010 "Order would trigger immediately." (errors.md, -2010 messages).
- Trailing stops (faqs/trailing-stop-faq.md): ``trailingDelta`` is in BIPS. Without
  ``stopPrice`` the order tracks from the price at placement (Scenario E); with one, it starts
  tracking on the first trade meeting the stop condition, which sets the extreme (Scenarios
  A-D). A SELL then triggers on a fall of ``delta`` from the highest price since tracking
  began (``last <= high * (1 - delta / 10000)``), a BUY on a rise from the lowest
  (``last >= low * (1 + delta / 10000)``), "equal to, or surpasses".
- ``trailingDelta`` must pass TRAILING_DELTA: the *above* bounds for STOP_LOSS BUY and
  TAKE_PROFIT SELL (and _LIMIT), the *below* bounds for the others (filters.md).
- Pure arithmetic on Decimal; no clock: times are handed in.
"""

from __future__ import annotations

from decimal import Decimal

from oms.core.checks import ALGO_TYPES
from oms.wire.enums import OrderType, Side
from oms.wire.rest import TrailingDeltaFilter
from transports.sim import errors

__all__ = ["ALGO_TYPES", "Trigger", "rises_to_trigger", "stop_met"]

_STOP_LOSS = frozenset({OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT})
_BIPS = Decimal(10000)


def rises_to_trigger(order_type: OrderType, side: Side) -> bool:
    """True for the orders whose stop is above the market: STOP_LOSS BUY, TAKE_PROFIT SELL."""
    return (order_type in _STOP_LOSS) == (side is Side.BUY)


def stop_met(order_type: OrderType, side: Side, stop: Decimal, last: Decimal) -> bool:
    """Does the last trade price meet the stop condition (trailing-stop FAQ table)?"""
    return last >= stop if rises_to_trigger(order_type, side) else last <= stop


def check_trailing_delta(
    f: TrailingDeltaFilter | None, order_type: OrderType, side: Side, delta: int
) -> None:
    """TRAILING_DELTA (filters.md). Raises: SimError -1013 "Filter failure: TRAILING_DELTA"."""
    if f is None:
        return
    if rises_to_trigger(order_type, side):
        low, high = f.min_trailing_above_delta, f.max_trailing_above_delta
    else:
        low, high = f.min_trailing_below_delta, f.max_trailing_below_delta
    if not low <= delta <= high:
        raise errors.filter_failure("TRAILING_DELTA")


class Trigger:
    """The trigger of one waiting order: its stop price, trailing state, and times."""

    __slots__ = (
        "extreme",
        "order_type",
        "side",
        "stop_price",
        "trailing_delta",
        "trailing_time",
        "triggered",
        "working_time",
    )

    def __init__(
        self,
        order_type: OrderType,
        side: Side,
        stop_price: Decimal | None,
        trailing_delta: int | None,
    ) -> None:
        self.order_type = order_type
        self.side = side
        self.stop_price = stop_price
        self.trailing_delta = trailing_delta
        # Highest (SELL) or lowest (BUY) price since tracking began; None: not tracking.
        self.extreme: Decimal | None = None
        # ``D``: when the trailing order began tracking; -1 before (rest-api.md, Conditional
        # fields: trailingTime "-1").
        self.trailing_time = -1
        # ``W``: when it triggered and started working; -1 before.
        self.working_time = -1
        self.triggered = False

    def refuse_if_immediate(self, last: Decimal) -> None:
        """Raises: SimError -2010 "Order would trigger immediately." (errors.md)."""
        stop = self.stop_price
        if self.trailing_delta is not None or stop is None or not last:
            return
        if stop_met(self.order_type, self.side, stop, last):
            raise errors.SimError(-2010, "Order would trigger immediately.")

    def start(self, last: Decimal, now: int) -> None:
        """At placement: a trailing order without stopPrice tracks from the last price
        (faqs/trailing-stop-faq.md, Scenario E)."""
        if self.trailing_delta is not None and self.stop_price is None and last:
            self.extreme = last
            self.trailing_time = now

    def observe(self, price: Decimal, now: int) -> bool:
        """Feed one trade price; True when the order triggers on it."""
        if self.triggered:
            return False
        delta = self.trailing_delta
        if delta is None:
            assert self.stop_price is not None
            return stop_met(self.order_type, self.side, self.stop_price, price)
        if self.extreme is None:
            if self.stop_price is not None and stop_met(
                self.order_type, self.side, self.stop_price, price
            ):
                # "the first trade that meets this condition sets the lowest/highest price"
                self.extreme = price
                self.trailing_time = now
            return False
        if self.side is Side.SELL:
            self.extreme = max(self.extreme, price)
            return price <= self.extreme * (1 - Decimal(delta) / _BIPS)
        self.extreme = min(self.extreme, price)
        return price >= self.extreme * (1 + Decimal(delta) / _BIPS)

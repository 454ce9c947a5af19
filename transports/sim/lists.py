"""Order lists of the simulated exchange: OCO, OTO and OTOCO (OPO and OPOCO are OTO and
OTOCO with a pending quantity still to come: ``transports.sim.opo``), their contingencies and
events.

Rules (rest-api.md, New Order list - OCO / OTO / OTOCO; user-data-stream.md, Order update):
- A list gets an ``orderListId`` per symbol (from 0) and a ``listClientOrderId`` (generated
  when not sent). Placement emits each leg's ``executionReport`` (``g`` = the list id), then
  one ``listStatus`` (``l`` EXEC_STARTED, ``L`` EXECUTING); the answer carries ``orders`` and
  ``orderReports`` in the shape ``newOrderRespType`` asks for (RESULT by default here; the
  docs show RESULT).
- OCO: an above and a below order of one side and quantity. When one leg fills (even in part)
  or triggers, the other expires with ``eR`` OCO_TRIGGER (user-data-stream.md, Order Expiry
  Reason) and the list is ALL_DONE; the leg that went on keeps working outside the list.
  Prices must satisfy above level > last price > below level on either side (a BUY's stop
  is its above order, its LIMIT_MAKER / take-profit the below one), else -2010 "The
  relationship of the prices for the orders is not correct." (errors.md, -2010 messages); a
  level is ``price`` for LIMIT_MAKER and
  ``stopPrice`` for the stop types. Both legs share one lock of the SELL base quantity.
- OTO: the working order (LIMIT / LIMIT_MAKER) goes on the book; the pending order is
  PENDING_NEW (``w`` false, ``workingTime`` -1) and is placed only when the working order is
  fully filled. OTOCO: the same with a pending OCO pair. If the working order ends unfilled,
  the pending orders expire with ``eR`` OTO_PHASE_ONE_EXPIRED. Pending orders lock their
  funds when placed; too little balance then expires them with ``eR`` REJECTED.
- Canceling a list, or any one of its orders, cancels the whole list (rest-api.md, Cancel
  Order list, Notes); cancelling all open orders on the symbol ends each open list in the
  same action, answered as a list entry (rest-api.md, Cancel All Open Orders on a Symbol).
  A list is ALL_DONE when its contingency has run or every order ended.
- The orders of a list need distinct client ids ("unique among open orders"): -2010
  "Duplicate order sent." otherwise. A FOK working order fills whole or expires untouched.
- A pending order works from its placement: ``W`` / ``workingTime`` are the time the working
  order filled; one that ends unplaced has none (``transports.sim.reports``).
- MAX_NUM_ORDER_LISTS counts open lists per account and symbol (an OTOCO is one list);
  MAX_NUM_ALGO_ORDERS counts open stop / take-profit orders (filters.md).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from oms.wire.enums import ContingencyType, ListOrderStatus, ListStatusType, OrderType, Side
from oms.wire.events import ListStatus, ListStatusOrder
from oms.wire.orderlists import (
    ListLeg,
    ListOrderRef,
    ListOrderReport,
    OrderListAnswer,
    OrderListStatus,
)
from oms.wire.requests import NewOrder
from transports.sim import errors
from transports.sim.book import SimOrder
from transports.sim.opo import OpoState

__all__ = [
    "OCO_ABOVE_TYPES",
    "OCO_BELOW_TYPES",
    "SimList",
    "check_oco_leg_kinds",
    "leg_order",
    "oco_prices_ok",
]

OCO_ABOVE_TYPES = frozenset(
    {
        OrderType.STOP_LOSS_LIMIT,
        OrderType.STOP_LOSS,
        OrderType.LIMIT_MAKER,
        OrderType.TAKE_PROFIT,
        OrderType.TAKE_PROFIT_LIMIT,
    }
)
OCO_BELOW_TYPES = OCO_ABOVE_TYPES
_LIMIT_LIKE = frozenset({OrderType.LIMIT_MAKER})
_STOP_LOSSES = frozenset({OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT})
_TAKE_PROFITS = frozenset({OrderType.TAKE_PROFIT, OrderType.TAKE_PROFIT_LIMIT})

# Per side: a leg (above / below) that may not be of these kinds, and errors.md's refusal.
_OCO_MISPLACED = {
    Side.BUY: (
        ("above", _LIMIT_LIKE, -1165, "A limit order in a buy OCO must be below."),
        ("above", _TAKE_PROFITS, -1198, "A take profit order in a buy OCO must be below."),
        ("below", _STOP_LOSSES, -1196, "A stop loss order in a buy OCO must be above."),
    ),
    Side.SELL: (
        ("below", _LIMIT_LIKE, -1166, "A limit order in a sell OCO must be above."),
        ("below", _TAKE_PROFITS, -1199, "A take profit order in a sell OCO must be above."),
        ("above", _STOP_LOSSES, -1197, "A stop loss order in a sell OCO must be below."),
    ),
}


def check_oco_leg_kinds(side: Side, above: OrderType, below: OrderType) -> None:
    """Which kind of order each leg of an OCO pair may be (rest-api.md, New Order list -
    OCO: "One of the orders must be a LIMIT_MAKER/TAKE_PROFIT/TAKE_PROFIT_LIMIT order and the
    other must be STOP_LOSS or STOP_LOSS_LIMIT order", and its price restrictions: a BUY's
    stop loss is above the market, its limit / take profit below; a SELL's the other way).

    Raises:
        SimError: errors.md's codes for each breach: -1168 "At least one OCO order must be
            contingent." (two LIMIT_MAKER legs); -1165 / -1166 a limit leg on the wrong side,
            -1196 / -1197 a stop loss leg, -1198 / -1199 a take profit leg (BUY / SELL).
    """
    if above in _LIMIT_LIKE and below in _LIMIT_LIKE:
        raise errors.SimError(-1168, "At least one OCO order must be contingent.")
    for role, kinds, code, msg in _OCO_MISPLACED[side]:
        if (above if role == "above" else below) in kinds:
            raise errors.SimError(code, msg)


class SimList:
    """One order list: its ids, legs and where its contingency stands."""

    __slots__ = (
        "account",
        "contingency",
        "list_client_order_id",
        "list_order_status",
        "list_status_type",
        "oco",
        "opo",
        "order_list_id",
        "orders",
        "pending",
        "placed_time",
        "symbol",
        "time",
        "updated",
        "working",
    )

    def __init__(
        self,
        *,
        account: str,
        symbol: str,
        order_list_id: int,
        list_client_order_id: str,
        contingency: ContingencyType,
        time: int,
    ) -> None:
        self.account = account
        self.symbol = symbol
        self.order_list_id = order_list_id
        self.list_client_order_id = list_client_order_id
        self.contingency = contingency
        self.time = time
        # When the list's execution status last changed: its ``transactionTime`` in query
        # answers ("the last order list execution status update", web-socket-api.md, Query
        # all Order lists), equal to the ``T`` of its last ``listStatus`` event.
        self.updated = time
        self.orders: list[SimOrder] = []
        # OTO / OTOCO: the working order and the orders pending on its fill.
        self.working: SimOrder | None = None
        self.pending: list[SimOrder] = []
        # When the pending orders were placed on the book (the working order filled); -1
        # before: their ``W`` / ``workingTime`` (``transports.sim.reports``).
        self.placed_time = -1
        # The one-cancels-the-other pair (an OCO's legs, an OTOCO's pending pair).
        self.oco: list[SimOrder] = []
        # An OPO / OPOCO list's pending requests until their quantity is known
        # (transports.sim.opo); None for every other list.
        self.opo: OpoState | None = None
        self.list_status_type = ListStatusType.EXEC_STARTED
        self.list_order_status = ListOrderStatus.EXECUTING

    @property
    def is_open(self) -> bool:
        return self.list_order_status is ListOrderStatus.EXECUTING

    def refs(self) -> tuple[ListOrderRef, ...]:
        return tuple(
            ListOrderRef(symbol=o.symbol, order_id=o.order_id, client_order_id=o.client_order_id)
            for o in self.orders
        )

    def event(self, now: int) -> ListStatus:
        """The ``listStatus`` event of the list as it stands (user-data-stream.md); every
        status update builds one, so its time is the list's last update."""
        self.updated = now
        return ListStatus(
            event_time=now,
            symbol=self.symbol,
            order_list_id=self.order_list_id,
            contingency_type=self.contingency,
            list_status_type=self.list_status_type,
            list_order_status=self.list_order_status,
            list_reject_reason="NONE",
            list_client_order_id=self.list_client_order_id,
            transaction_time=now,
            orders=tuple(
                ListStatusOrder(
                    symbol=o.symbol, order_id=o.order_id, client_order_id=o.client_order_id
                )
                for o in self.orders
            ),
        )

    def status(self) -> OrderListStatus:
        """The list without reports: ``GET /api/v3/orderList`` and friends."""
        return OrderListStatus(
            order_list_id=self.order_list_id,
            contingency_type=self.contingency,
            list_status_type=self.list_status_type,
            list_order_status=self.list_order_status,
            list_client_order_id=self.list_client_order_id,
            transaction_time=self.updated,
            symbol=self.symbol,
            orders=self.refs(),
        )

    def answer(self, reports: tuple[object, ...], now: int) -> OrderListAnswer:
        """The placement or cancel answer: the status plus one report per order."""
        return OrderListAnswer(
            order_list_id=self.order_list_id,
            contingency_type=self.contingency,
            list_status_type=self.list_status_type,
            list_order_status=self.list_order_status,
            list_client_order_id=self.list_client_order_id,
            transaction_time=now,
            symbol=self.symbol,
            orders=self.refs(),
            order_reports=tuple(self._report(r) for r in reports),
        )

    def _report(self, report: object) -> ListOrderReport:
        """One of ``orderReports``; a pending OPO order whose quantity is not known yet has
        no ``origQty`` (rest-api.md, New Order List - OPO / OPOCO "Response")."""
        data = msgspec.to_builtins(report)
        unknown = self.opo is not None and not self.opo.sized
        if unknown and any(o.order_id == data["orderId"] for o in self.pending):
            data.pop("origQty", None)
        return msgspec.convert(data, ListOrderReport)

    def finish(self) -> None:
        self.list_status_type = ListStatusType.ALL_DONE
        self.list_order_status = ListOrderStatus.ALL_DONE


def leg_order(
    symbol: str, leg: ListLeg, side: Side | None = None, quantity: Decimal | None = None
) -> NewOrder:
    """A leg as the single order it is (for validation and placement)."""
    leg_side = leg.side or side
    if leg_side is None:
        raise errors.mandatory("side")
    return NewOrder(
        symbol=symbol,
        side=leg_side,
        order_type=leg.order_type,
        quantity=leg.quantity if leg.quantity is not None else quantity,
        price=leg.price,
        time_in_force=leg.time_in_force,
        client_order_id=leg.client_order_id,
        stop_price=leg.stop_price,
        trailing_delta=leg.trailing_delta,
        iceberg_qty=leg.iceberg_qty,
        strategy_id=leg.strategy_id,
        strategy_type=leg.strategy_type,
    )


def _level(order: NewOrder) -> Decimal | None:
    return order.price if order.order_type in _LIMIT_LIKE else order.stop_price


def oco_prices_ok(above: NewOrder, below: NewOrder, last: Decimal) -> bool:
    """above level > last price > below level (rest-api.md, New Order list - OCO, "Price
    restrictions"); a trailing leg without a stop price has no level and passes."""
    high, low = _level(above), _level(below)
    if high is not None and last and not high > last:
        return False
    return not (low is not None and last and not last > low)

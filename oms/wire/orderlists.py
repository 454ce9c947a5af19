"""Order lists on the wire: the OCO / OTO / OTOCO requests, cancel and query, and the answers.

Rules:
- A list's legs are ``ListLeg`` values rendered under Binance's prefixes: ``above`` /
  ``below`` for an OCO, ``working`` / ``pending`` for an OTO, ``working`` / ``pendingAbove``
  / ``pendingBelow`` for an OTOCO (rest-api.md, New Order list - OCO / OTO / OTOCO). The
  parameter is the prefix followed by the capitalised name (``aboveStopPrice``).
- ``params()`` renders Binance's parameters in a fixed order with every Decimal through
  ``oms.wire.money.to_wire``; ``None`` is never sent, so Binance applies its defaults.
- Answers are frozen Structs in Binance's camelCase. A list answer's ``orderReports`` take
  the shape chosen by ``newOrderRespType`` (ACK, RESULT or FULL; rest-api.md, New Order list
  - OCO "Response"), or a cancel's shape (with ``origClientOrderId``) when the list was
  canceled, so one ``ListOrderReport`` carries the ACK keys and every other key optional;
  ``ListOrderReport.as_answer()`` turns it into the single-order answer of its shape.
- ``listStatusType`` and ``listOrderStatus`` drive the list's lifecycle and are strict
  enums; ``contingencyType`` is an enum too (an OTOCO reports ``OTO``: rest-api.md, New Order
  list - OTOCO "Response").
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from oms.wire.enums import (
    ContingencyType,
    ListOrderStatus,
    ListStatusType,
    OrderResponseType,
    OrderStatus,
    OrderType,
    SelfTradePreventionMode,
    Side,
    TimeInForce,
)
from oms.wire.money import to_wire
from oms.wire.requests import Params
from oms.wire.rest import (
    CancelResponse,
    ListOrderRef,
    NewOrderAck,
    NewOrderFull,
    NewOrderResult,
    OrderFill,
)

__all__ = [
    "CancelOrderList",
    "ListLeg",
    "ListOrderRef",
    "ListOrderReport",
    "NewOco",
    "NewOrderList",
    "NewOto",
    "NewOtoco",
    "OrderListAnswer",
    "OrderListStatus",
    "QueryOrderList",
]


class ListLeg(msgspec.Struct, frozen=True, kw_only=True):
    """One order of a list, without the list-wide fields (symbol, and for an OCO side and
    quantity)."""

    order_type: OrderType
    # Set for OTO / OTOCO working and OTO pending legs (``workingSide``, ``pendingQuantity``).
    side: Side | None = None
    quantity: Decimal | None = None
    client_order_id: str | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    # Basis points (faqs/trailing-stop-faq.md, "What are BIPs?").
    trailing_delta: int | None = None
    time_in_force: TimeInForce | None = None
    iceberg_qty: Decimal | None = None
    strategy_id: int | None = None
    strategy_type: int | None = None

    def params(self, prefix: str, *, with_side: bool = True) -> Params:
        out: Params = [(f"{prefix}Type", self.order_type.value)]
        if with_side and self.side is not None:
            out.append((f"{prefix}Side", self.side.value))
        if self.client_order_id is not None:
            out.append((f"{prefix}ClientOrderId", self.client_order_id))
        if self.price is not None:
            out.append((f"{prefix}Price", to_wire(self.price)))
        if self.stop_price is not None:
            out.append((f"{prefix}StopPrice", to_wire(self.stop_price)))
        if self.trailing_delta is not None:
            out.append((f"{prefix}TrailingDelta", str(self.trailing_delta)))
        if with_side and self.quantity is not None:
            out.append((f"{prefix}Quantity", to_wire(self.quantity)))
        if self.iceberg_qty is not None:
            out.append((f"{prefix}IcebergQty", to_wire(self.iceberg_qty)))
        if self.time_in_force is not None:
            out.append((f"{prefix}TimeInForce", self.time_in_force.value))
        if self.strategy_id is not None:
            out.append((f"{prefix}StrategyId", str(self.strategy_id)))
        if self.strategy_type is not None:
            out.append((f"{prefix}StrategyType", str(self.strategy_type)))
        return out


class _NewList(msgspec.Struct, frozen=True, kw_only=True):
    """What every list placement has: the symbol, the list's client id, the answer's shape
    and the STP mode; ``params`` puts the legs' parameters between them."""

    symbol: str
    list_client_order_id: str | None = None
    response_type: OrderResponseType | None = None
    self_trade_prevention_mode: SelfTradePreventionMode | None = None

    def params(self) -> Params:
        out: Params = [("symbol", self.symbol)]
        if self.list_client_order_id is not None:
            out.append(("listClientOrderId", self.list_client_order_id))
        out += self._legs_params()
        if self.response_type is not None:
            out.append(("newOrderRespType", self.response_type.value))
        if self.self_trade_prevention_mode is not None:
            out.append(("selfTradePreventionMode", self.self_trade_prevention_mode.value))
        return out

    def _legs_params(self) -> Params:  # pragma: no cover - every list overrides it
        raise NotImplementedError


class NewOco(_NewList, frozen=True, kw_only=True):
    """``POST /api/v3/orderList/oco`` / ``orderList.place.oco``: an above and a below order
    of one side and one quantity (rest-api.md, New Order list - OCO)."""

    side: Side
    quantity: Decimal
    above: ListLeg
    below: ListLeg

    def _legs_params(self) -> Params:
        out: Params = [("side", self.side.value), ("quantity", to_wire(self.quantity))]
        return (
            out
            + self.above.params("above", with_side=False)
            + self.below.params("below", with_side=False)
        )

    @property
    def legs(self) -> tuple[ListLeg, ...]:
        return (self.above, self.below)


class NewOto(_NewList, frozen=True, kw_only=True):
    """``POST /api/v3/orderList/oto`` / ``orderList.place.oto``: a working LIMIT or
    LIMIT_MAKER order and a pending order placed once it is fully filled (rest-api.md, New
    Order list - OTO). Both legs carry their own side and quantity."""

    working: ListLeg
    pending: ListLeg

    def _legs_params(self) -> Params:
        return self.working.params("working") + self.pending.params("pending")

    @property
    def legs(self) -> tuple[ListLeg, ...]:
        return (self.working, self.pending)


class NewOtoco(_NewList, frozen=True, kw_only=True):
    """``POST /api/v3/orderList/otoco`` / ``orderList.place.otoco``: a working order and a
    pending OCO pair of one side and quantity (rest-api.md, New Order list - OTOCO)."""

    working: ListLeg
    pending_side: Side
    pending_quantity: Decimal
    pending_above: ListLeg
    pending_below: ListLeg | None = None

    def _legs_params(self) -> Params:
        out = self.working.params("working")
        out.append(("pendingSide", self.pending_side.value))
        out.append(("pendingQuantity", to_wire(self.pending_quantity)))
        out += self.pending_above.params("pendingAbove", with_side=False)
        if self.pending_below is not None:
            out += self.pending_below.params("pendingBelow", with_side=False)
        return out

    @property
    def legs(self) -> tuple[ListLeg, ...]:
        below = () if self.pending_below is None else (self.pending_below,)
        return (self.working, self.pending_above, *below)


NewOrderList = NewOco | NewOto | NewOtoco


class CancelOrderList(msgspec.Struct, frozen=True, kw_only=True):
    """``DELETE /api/v3/orderList`` / ``orderList.cancel`` (rest-api.md, Cancel Order list)."""

    symbol: str
    order_list_id: int | None = None
    list_client_order_id: str | None = None
    # The id of this cancel request itself; Binance generates one when absent.
    new_client_order_id: str | None = None

    def params(self) -> Params:
        out: Params = [("symbol", self.symbol)]
        if self.order_list_id is not None:
            out.append(("orderListId", str(self.order_list_id)))
        if self.list_client_order_id is not None:
            out.append(("listClientOrderId", self.list_client_order_id))
        if self.new_client_order_id is not None:
            out.append(("newClientOrderId", self.new_client_order_id))
        return out


class QueryOrderList(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /api/v3/orderList`` / ``orderList.status``. Binance names the list's client id
    ``origClientOrderId`` here (rest-api.md, Query Order list), and takes no symbol."""

    order_list_id: int | None = None
    list_client_order_id: str | None = None

    def params(self) -> Params:
        out: Params = []
        if self.order_list_id is not None:
            out.append(("orderListId", str(self.order_list_id)))
        if self.list_client_order_id is not None:
            out.append(("origClientOrderId", self.list_client_order_id))
        return out


# --- answers ------------------------------------------------------------------------------


class _Rest(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    pass


class OrderListStatus(_Rest, frozen=True, kw_only=True):
    """A list without its orders' reports: ``GET /api/v3/orderList``, ``openOrderList``,
    ``allOrderList`` (rest-api.md, Query Order list), and ``listStatus`` of an amend."""

    order_list_id: int
    contingency_type: ContingencyType
    list_status_type: ListStatusType | None = None
    list_order_status: ListOrderStatus
    list_client_order_id: str
    transaction_time: int | None = None
    symbol: str
    orders: tuple[ListOrderRef, ...]


class ListOrderReport(_Rest, frozen=True, kw_only=True):
    """One of ``orderReports``: ACK keys always, RESULT / FULL / cancel keys when sent."""

    symbol: str
    # Only in a cancel's reports, right after ``symbol`` (rest-api.md, Cancel Order list).
    orig_client_order_id: str | None = None
    order_id: int
    order_list_id: int
    client_order_id: str
    transact_time: int
    price: Decimal | None = None
    orig_qty: Decimal | None = None
    executed_qty: Decimal | None = None
    orig_quote_order_qty: Decimal | None = None
    cummulative_quote_qty: Decimal | None = None
    status: OrderStatus | None = None
    time_in_force: TimeInForce | None = None
    type: OrderType | None = None
    side: Side | None = None
    # rest-api.md, New Order list - OCO, Response: ``stopPrice`` after ``side``,
    # ``icebergQty`` after ``workingTime`` (as ``oms.wire.rest.NewOrderResult``).
    stop_price: Decimal | None = None
    working_time: int | None = None
    iceberg_qty: Decimal | None = None
    self_trade_prevention_mode: str | None = None
    trailing_delta: int | None = None
    trailing_time: int | None = None
    strategy_id: int | None = None
    strategy_type: int | None = None
    prevented_match_id: int | None = None
    prevented_quantity: Decimal | None = None
    expiry_reason: str | None = None
    fills: tuple[OrderFill, ...] | None = None

    def as_answer(self) -> NewOrderAck | NewOrderResult | NewOrderFull | CancelResponse:
        """The report as the single-order answer ``Engine.apply`` takes: an ACK when it has
        no status, a cancel answer when it names ``origClientOrderId``, else RESULT or FULL.

        Raises:
            msgspec.ValidationError: a key that shape requires is missing.
        """
        data = msgspec.to_builtins(self)
        if self.status is None:
            return msgspec.convert(data, NewOrderAck)
        if self.orig_client_order_id is not None:
            return msgspec.convert(data, CancelResponse)
        # A pending leg not yet on the book reports workingTime -1 (rest-api.md, New Order
        # list - OTO "Response"); an answer without it means the same.
        data.setdefault("workingTime", -1)
        if self.fills is None:
            return msgspec.convert(data, NewOrderResult)
        return msgspec.convert(data, NewOrderFull)


class OrderListAnswer(OrderListStatus, frozen=True, kw_only=True):
    """A list placed or canceled: its status plus one report per order (rest-api.md, New
    Order list - OCO "Response"; Cancel Order list "Response")."""

    order_reports: tuple[ListOrderReport, ...] = ()

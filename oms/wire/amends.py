"""Changing a live order on the wire: cancel-replace and amend keep priority, and the answers.

Rules:
- ``CancelReplace`` is a ``NewOrder`` plus which order to cancel and the mode (rest-api.md,
  Cancel an Existing Order and Send a New Order); its parameters are the new order's, with
  ``cancelReplaceMode`` after ``type`` and the cancel's ids at the end.
- The answer differs by outcome (same section, "Response"): HTTP 200 with both results
  SUCCESS; otherwise Binance's error body with ``code`` -2022 "Order cancel-replace failed."
  (the new order was not placed) or -2021 "Order cancel-replace partially failed." (one of
  the two succeeded), and the two results under ``data``. Either half is an order answer or
  an error body ``{"code", "msg"}``, so the halves are kept as raw JSON and decoded on demand
  (``cancel()``, ``new_order()``): msgspec cannot tell two untagged Structs apart.
- ``AmendKeepPriority`` only lowers the quantity (``newQty`` below the order's quantity;
  rest-api.md, Order Amend Keep Priority); the answer carries ``amendedOrder`` and, for a
  leg of a list, ``listStatus``. Its amounts use the spelling ``cumulativeQuoteQty`` (one m)
  and ``qty``, unlike the other order answers. ``amendedOrder`` carries the conditional
  fields of order answers (rest-api.md, Conditional fields in Order Responses), e.g.
  ``strategyId``, ``stopPrice``, and ``usedSor`` / ``workingFloor`` for an order placed
  using SOR.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from oms.wire.enums import (
    CancelReplaceMode,
    CancelReplaceResult,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from oms.wire.money import to_wire
from oms.wire.orderlists import ListOrderReport, OrderListStatus
from oms.wire.requests import NewOrder, Params
from oms.wire.rest import CancelResponse, ErrorBody

__all__ = [
    "AmendKeepPriority",
    "AmendResponse",
    "AmendedOrder",
    "CancelReplace",
    "CancelReplaceAnswer",
    "CancelReplaceFailure",
    "OrderAmendment",
    "QueryAmendments",
]


class CancelReplace(msgspec.Struct, frozen=True, kw_only=True):
    """``POST /api/v3/order/cancelReplace`` / ``order.cancelReplace``."""

    new_order: NewOrder
    mode: CancelReplaceMode
    cancel_order_id: int | None = None
    cancel_orig_client_order_id: str | None = None
    cancel_new_client_order_id: str | None = None

    @property
    def symbol(self) -> str:
        return self.new_order.symbol

    def params(self) -> Params:
        base = self.new_order.params()
        out: Params = [*base[:3], ("cancelReplaceMode", self.mode.value), *base[3:]]
        if self.cancel_order_id is not None:
            out.append(("cancelOrderId", str(self.cancel_order_id)))
        if self.cancel_orig_client_order_id is not None:
            out.append(("cancelOrigClientOrderId", self.cancel_orig_client_order_id))
        if self.cancel_new_client_order_id is not None:
            out.append(("cancelNewClientOrderId", self.cancel_new_client_order_id))
        return out


class CancelReplaceAnswer(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The two results of a cancel-replace: the 200 body, or ``data`` of a -2021 / -2022
    error body (rest-api.md, Cancel an Existing Order and Send a New Order, "Response")."""

    cancel_result: CancelReplaceResult
    new_order_result: CancelReplaceResult
    cancel_response: msgspec.Raw
    # ``null`` when NOT_ATTEMPTED (the Raw then holds b"null"), and encoded so: the -2022
    # STOP_ON_FAILURE example shows ``"newOrderResponse": null`` (same section).
    new_order_response: msgspec.Raw = msgspec.Raw(b"null")

    def cancel(self) -> CancelResponse | ErrorBody:
        """The cancel's answer, or the error it got (e.g. -2011 "Unknown order sent.")."""
        if self.cancel_result is CancelReplaceResult.SUCCESS:
            return msgspec.json.decode(self.cancel_response, type=CancelResponse)
        return msgspec.json.decode(self.cancel_response, type=ErrorBody)

    def new_order(self) -> ListOrderReport | ErrorBody | None:
        """The new order's answer (ACK, RESULT or FULL), its error, or None (NOT_ATTEMPTED)."""
        raw = self.new_order_response
        if self.new_order_result is CancelReplaceResult.NOT_ATTEMPTED or bytes(raw) == b"null":
            return None
        if self.new_order_result is CancelReplaceResult.SUCCESS:
            return msgspec.json.decode(raw, type=ListOrderReport)
        return msgspec.json.decode(raw, type=ErrorBody)


class CancelReplaceFailure(msgspec.Struct, frozen=True, kw_only=True):
    """The error body of a cancel-replace that failed in part (-2021) or whole (-2022)."""

    code: int
    msg: str
    data: CancelReplaceAnswer


class AmendKeepPriority(msgspec.Struct, frozen=True, kw_only=True):
    """``PUT /api/v3/order/amend/keepPriority`` / ``order.amend.keepPriority``."""

    symbol: str
    new_qty: Decimal
    order_id: int | None = None
    orig_client_order_id: str | None = None
    # The order's client id after the amend; Binance generates one when absent (rest-api.md,
    # Order Amend Keep Priority: newClientOrderId).
    new_client_order_id: str | None = None

    def params(self) -> Params:
        out: Params = [("symbol", self.symbol)]
        if self.order_id is not None:
            out.append(("orderId", str(self.order_id)))
        if self.orig_client_order_id is not None:
            out.append(("origClientOrderId", self.orig_client_order_id))
        if self.new_client_order_id is not None:
            out.append(("newClientOrderId", self.new_client_order_id))
        out.append(("newQty", to_wire(self.new_qty)))
        return out


class _Rest(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    pass


class AmendedOrder(_Rest, frozen=True, kw_only=True):
    """``amendedOrder`` (rest-api.md, Order Amend Keep Priority "Response")."""

    symbol: str
    order_id: int
    order_list_id: int
    orig_client_order_id: str
    client_order_id: str
    price: Decimal
    qty: Decimal
    executed_qty: Decimal
    prevented_qty: Decimal
    quote_order_qty: Decimal
    # One m here, unlike ``cummulativeQuoteQty`` elsewhere (same section).
    cumulative_quote_qty: Decimal
    status: OrderStatus
    time_in_force: TimeInForce
    type: OrderType
    side: Side
    working_time: int | None = None
    self_trade_prevention_mode: str
    # Conditional fields: rest-api.md, Order Amend Keep Priority ("The payloads above do not
    # show all fields that can appear. Please refer to Conditional fields in Order
    # Responses"), in that table's order; ``usedSor`` / ``workingFloor`` for an order placed
    # using SOR.
    iceberg_qty: Decimal | None = None
    prevented_match_id: int | None = None
    prevented_quantity: Decimal | None = None
    stop_price: Decimal | None = None
    strategy_id: int | None = None
    strategy_type: int | None = None
    trailing_delta: int | None = None
    trailing_time: int | None = None
    used_sor: bool | None = None
    working_floor: str | None = None


class AmendResponse(_Rest, frozen=True, kw_only=True):
    transact_time: int
    execution_id: int
    amended_order: AmendedOrder
    list_status: OrderListStatus | None = None


class QueryAmendments(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /api/v3/order/amendments`` / ``order.amendments``."""

    symbol: str
    order_id: int
    from_execution_id: int | None = None
    limit: int | None = None

    def params(self) -> Params:
        out: Params = [("symbol", self.symbol), ("orderId", str(self.order_id))]
        if self.from_execution_id is not None:
            out.append(("fromExecutionId", str(self.from_execution_id)))
        if self.limit is not None:
            out.append(("limit", str(self.limit)))
        return out


class OrderAmendment(_Rest, frozen=True, kw_only=True):
    """One element of ``GET /api/v3/order/amendments`` (rest-api.md, Query Order Amendments)."""

    symbol: str
    order_id: int
    execution_id: int
    orig_client_order_id: str
    new_client_order_id: str
    orig_qty: Decimal
    new_qty: Decimal
    time: int

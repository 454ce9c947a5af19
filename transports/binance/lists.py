"""``BinanceClient``'s calls for order lists, cancel-replace and amend (a mixin).

Rules:
- Each call is one documented request (rest-api.md: New Order list - OCO / OTO / OTOCO,
  Cancel Order list, Query Order list, Query Open Order lists, Query all Order lists, Cancel
  an Existing Order and Send a New Order, Order Amend Keep Priority, Query Order Amendments)
  with its documented weight; placements count against ORDERS (one per order placed).
- Errors map as for single orders (``transports.binance.errors``); a cancel-replace's -2021 /
  -2022 is ``CancelReplaceFailed`` carrying both results.
- An order list is placed only with a ``listClientOrderId`` (we choose it), because an unknown
  outcome (``OutcomeUnknown``) is resolved by querying the list by that id
  (``find_order_list``), never by sending the list again (house rule: unknown is not failed).
"""

from __future__ import annotations

from typing import TypeVar

from oms.errors import CancelRejected, LocalError, NoSuchOrder
from oms.wire.amends import (
    AmendKeepPriority,
    AmendResponse,
    CancelReplace,
    CancelReplaceAnswer,
    OrderAmendment,
    QueryAmendments,
)
from oms.wire.orderlists import (
    CancelOrderList,
    NewOco,
    NewOrderList,
    NewOto,
    OrderListAnswer,
    OrderListStatus,
    QueryOrderList,
)
from oms.wire.requests import Params
from transports.binance.rest import RestClient

__all__ = ["LIST_WEIGHTS", "OrderListCalls"]

T = TypeVar("T")

# Weights: each request's section in rest-api.md ("Weight").
LIST_WEIGHTS: dict[str, int] = {
    "POST /v3/orderList/oco": 1,
    "POST /v3/orderList/oto": 1,
    "POST /v3/orderList/otoco": 1,
    "DELETE /v3/orderList": 1,
    "GET /v3/orderList": 4,
    "GET /v3/openOrderList": 6,
    "GET /v3/allOrderList": 20,
    "POST /v3/order/cancelReplace": 1,
    "PUT /v3/order/amend/keepPriority": 4,
    "GET /v3/order/amendments": 4,
}


def _list_path(request: NewOrderList) -> str:
    if isinstance(request, NewOco):
        return "/v3/orderList/oco"
    if isinstance(request, NewOto):
        return "/v3/orderList/oto"
    return "/v3/orderList/otoco"


class OrderListCalls:
    """Order lists, cancel-replace and amend; ``BinanceClient`` inherits them."""

    _rest: RestClient  # set by BinanceClient

    async def _call(
        self, method: str, path: str, params: Params, shape: type[T], *, orders: int = 0
    ) -> T:
        weight = LIST_WEIGHTS[f"{method} {path}"]
        return await self._rest.signed(method, path, params, shape, weight=weight, orders=orders)

    async def place_order_list(self, request: NewOrderList) -> OrderListAnswer:
        """``POST /api/v3/orderList/oco|oto|otoco``.

        Raises:
            LocalError: no ``list_client_order_id`` (an unknown outcome could not be resolved).
            NewOrderRejected, FilterFailure, InsufficientBalance: refused; nothing exists.
            OutcomeUnknown: it may exist: ``find_order_list(list_client_order_id)``.
        """
        if request.list_client_order_id is None:
            raise LocalError(
                "an order list needs a listClientOrderId to resolve an unknown outcome"
            )
        path = _list_path(request)
        return await self._call(
            "POST", path, request.params(), OrderListAnswer, orders=len(request.legs)
        )

    async def cancel_order_list(self, cancel: CancelOrderList) -> OrderListAnswer:
        """``DELETE /api/v3/orderList``. Raises: CancelRejected -2011 for an unknown list."""
        return await self._call("DELETE", "/v3/orderList", cancel.params(), OrderListAnswer)

    async def get_order_list(self, query: QueryOrderList) -> OrderListStatus:
        """``GET /api/v3/orderList`` by ``orderListId`` or the list's client id."""
        return await self._call("GET", "/v3/orderList", query.params(), OrderListStatus)

    async def find_order_list(self, list_client_order_id: str) -> OrderListStatus | None:
        """The list placed under ``list_client_order_id``, or None when the exchange says it
        does not exist: the resolution of an unknown placement."""
        try:
            return await self.get_order_list(
                QueryOrderList(list_client_order_id=list_client_order_id)
            )
        except (NoSuchOrder, CancelRejected):
            return None

    async def get_open_order_lists(self) -> list[OrderListStatus]:
        """``GET /api/v3/openOrderList``."""
        return await self._call("GET", "/v3/openOrderList", [], list[OrderListStatus])

    async def get_all_order_lists(self, *, limit: int = 500) -> list[OrderListStatus]:
        """``GET /api/v3/allOrderList`` (the latest ``limit``)."""
        params: Params = [("limit", str(limit))]
        return await self._call("GET", "/v3/allOrderList", params, list[OrderListStatus])

    async def cancel_replace(self, request: CancelReplace) -> CancelReplaceAnswer:
        """``POST /api/v3/order/cancelReplace``.

        Raises:
            CancelReplaceFailed: -2021 (one half happened) or -2022 (the new order was not
                placed), with both results in ``answer``.
            OutcomeUnknown: query both orders by client id.
        """
        return await self._call(
            "POST", "/v3/order/cancelReplace", request.params(), CancelReplaceAnswer, orders=1
        )

    async def amend_keep_priority(self, amend: AmendKeepPriority) -> AmendResponse:
        """``PUT /api/v3/order/amend/keepPriority``: lower an order's quantity in place."""
        return await self._call(
            "PUT", "/v3/order/amend/keepPriority", amend.params(), AmendResponse
        )

    async def get_order_amendments(self, query: QueryAmendments) -> list[OrderAmendment]:
        """``GET /api/v3/order/amendments``."""
        return await self._call("GET", "/v3/order/amendments", query.params(), list[OrderAmendment])

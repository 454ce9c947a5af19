"""OPO and OPOCO order lists on the local server: ``POST /api/v3/orderList/opo`` and
``/orderList/opoco``, and the WebSocket API's ``orderList.place.opo`` / ``orderList.place.opoco``.

Rules (rest-api.md, New Order List - OPO / New Order List - OPOCO; web-socket-api.md, OPO /
OPOCO; faqs/opo.md):
- The simulated exchange does not simulate One-Pays-the-Other (a pending order whose quantity
  is what the working order receives), and its exchangeInfo says so: ``opoAllowed`` is false
  on every symbol. faqs/opo.md, "Which symbols allow OPO orders?": OPO needs ``otoAllowed`` and
  ``opoAllowed``; a symbol without is refused with "OPO orders are not supported for this
  symbol." (errors.md, Messages for -1010, -2010, -2011 and -2038), sent here as -2010
  NEW_ORDER_REJECTED.
- The request is read and checked first, as any placement: the head (``symbol``,
  ``listClientOrderId``, ``newOrderRespType``, ``selfTradePreventionMode``), the working order
  as the single order it is (filters included), the pending legs' mandatory ``Type`` / ``Side``
  (-1102), and no unknown parameter (-1104). Only then is the list refused; nothing is placed
  and nothing is locked. Weight 1 (charged; the refusal is not free).
"""

from __future__ import annotations

from transports.sim.server.core import ServerState
from transports.sim.server.lists import ListOperation, _leg, _list_head
from transports.sim.server.params import ApiError, Params

__all__ = ["OPERATIONS"]

_PENDING_FIELDS = (
    "ClientOrderId",
    "Price",
    "StopPrice",
    "TrailingDelta",
    "IcebergQty",
    "TimeInForce",
    "StrategyId",
    "StrategyType",
    "PegPriceType",
    "PegOffsetType",
    "PegOffsetValue",
)


def _pending(params: Params, prefix: str, *, required: bool) -> None:
    kind = params.text(prefix + "Type", required=required)
    if kind is None:
        return
    for field in _PENDING_FIELDS:
        params.raw(prefix + field)


def _refuse(state: ServerState, params: Params) -> object:
    head = _list_head(params)
    for field in ("PegPriceType", "PegOffsetType", "PegOffsetValue"):
        params.raw("working" + field)
    _leg(state, params, "working", head["symbol"])
    params.finish()
    raise ApiError(-2010, "OPO orders are not supported for this symbol.")


def _opo(state: ServerState, params: Params, account: str) -> object:
    params.require("pendingSide")
    _pending(params, "pending", required=True)
    return _refuse(state, params)


def _opoco(state: ServerState, params: Params, account: str) -> object:
    params.require("pendingSide")
    _pending(params, "pendingAbove", required=True)
    _pending(params, "pendingBelow", required=False)
    return _refuse(state, params)


# rest-api.md, New Order List - OPO / OPOCO: weight 1 each.
OPERATIONS: tuple[ListOperation, ...] = (
    ListOperation("POST", "/api/v3/orderList/opo", "orderList.place.opo", 1, _opo, True),
    ListOperation("POST", "/api/v3/orderList/opoco", "orderList.place.opoco", 1, _opoco, True),
)

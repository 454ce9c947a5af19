"""The deprecated OCO placement: ``POST /api/v3/order/oco`` and the WebSocket API's
``orderList.place``, still documented (rest-api.md, New OCO - Deprecated; web-socket-api.md,
Place new OCO - Deprecated).

Rules:
- The old request names its legs by role, not position: a ``LIMIT_MAKER`` leg (``price``,
  ``limitClientOrderId``, ``limitIcebergQty``, ``limitStrategyId``, ``limitStrategyType``) and a
  stop leg (``stopPrice`` / ``trailingDelta``, ``stopClientOrderId``, ``stopStrategyId``,
  ``stopStrategyType``, ``stopIcebergQty``), which is ``STOP_LOSS_LIMIT`` when
  ``stopLimitPrice`` is sent and ``STOP_LOSS`` otherwise. That is the new OCO with the leg
  priced higher as its above order: the limit leg for a SELL, the stop for a BUY ("BUY: Limit
  Price < Last Price < Stop Price", rest-api.md, New OCO - Deprecated; web-socket-api.md,
  Place new Order list - OCO, whose BUY example has a STOP_LOSS_LIMIT above and a
  LIMIT_MAKER below), so it is checked and placed by the same code (``lists``): same errors,
  same response (the list with its ``orders`` and ``orderReports``). The legs are numbered
  above first: the stop leg first for a BUY, as the deprecated section's BUY example shows.
- ``stopPrice`` or ``trailingDelta`` (or both) make the stop (web-socket-api.md, Place new OCO -
  Deprecated); ``stopLimitPrice`` needs ``stopLimitTimeInForce`` ("If provided,
  stopLimitTimeInForce is required"): -1128 (errors.md, -1128 "Combination of optional fields
  invalid. Recommendation: '%s' and '%s' must both be sent."), and a time in force without a
  limit price is -1106 (errors.md, -1106 "Parameter '%s' sent when not required.").
- Weight 1; 2 orders on the unfilled order count, like the new OCO.
"""

from __future__ import annotations

from oms.wire.enums import Side
from oms.wire.orderlists import ListLeg, NewOco
from transports.sim.errors import SimError
from transports.sim.server.core import ServerState
from transports.sim.server.lists import ListOperation, _leg, _list_head, _place, _shared
from transports.sim.server.params import ApiError, Params

__all__ = ["OPERATIONS"]

# Leg field (as lists._leg reads it) -> the deprecated request's parameter.
_LIMIT_FIELDS = {
    "Price": "price",
    "ClientOrderId": "limitClientOrderId",
    "IcebergQty": "limitIcebergQty",
    "StrategyId": "limitStrategyId",
    "StrategyType": "limitStrategyType",
}
_STOP_FIELDS = {
    "StopPrice": "stopPrice",
    "TrailingDelta": "trailingDelta",
    "Price": "stopLimitPrice",
    "TimeInForce": "stopLimitTimeInForce",
    "IcebergQty": "stopIcebergQty",
    "ClientOrderId": "stopClientOrderId",
    "StrategyId": "stopStrategyId",
    "StrategyType": "stopStrategyType",
}


def _leg_values(params: Params, prefix: str, order_type: str, fields: dict[str, str]) -> Params:
    values = {prefix + "Type": order_type}
    for field, name in fields.items():
        raw = params.raw(name)
        if raw is not None:
            values[prefix + field] = raw
    return Params(values, ip=params.ip)


def _old_leg(  # noqa: PLR0917 - the leg and how its fields were named
    state: ServerState,
    view: Params,
    prefix: str,
    symbol: str,
    fields: dict[str, str],
    shared: dict[str, str],
) -> ListLeg:
    """``lists._leg`` on the view, its refusals naming the deprecated request's parameters
    (``stopLimitPrice``, not ``belowPrice``)."""
    try:
        return _leg(state, view, prefix, symbol, **shared)
    except SimError as exc:
        for field, name in fields.items():
            exc.msg = exc.msg.replace(f"'{prefix}{field}'", f"'{name}'")
        exc.args = (f"Binance error {exc.code}: {exc.msg}",)
        raise


def _old_oco(state: ServerState, params: Params, account: str) -> object:
    head = _list_head(params)
    side, quantity, shared = _shared(params, "side", "quantity")
    params.require("price")
    has_limit_price = params.raw("stopLimitPrice") is not None
    has_tif = params.raw("stopLimitTimeInForce") is not None
    if has_limit_price and not has_tif:
        raise ApiError(
            -1128,
            "Combination of optional fields invalid. Recommendation: 'stopLimitPrice' and "
            "'stopLimitTimeInForce' must both be sent.",
        )
    if has_tif and not has_limit_price:
        raise ApiError(-1106, "Parameter 'stopLimitTimeInForce' sent when not required.")
    stop_type = "STOP_LOSS_LIMIT" if has_limit_price else "STOP_LOSS"
    buy = side is Side.BUY
    limit_role, stop_role = ("below", "above") if buy else ("above", "below")
    limit_view = _leg_values(params, limit_role, "LIMIT_MAKER", _LIMIT_FIELDS)
    stop_view = _leg_values(params, stop_role, stop_type, _STOP_FIELDS)
    limit = _old_leg(state, limit_view, limit_role, head["symbol"], _LIMIT_FIELDS, shared)
    stop = _old_leg(state, stop_view, stop_role, head["symbol"], _STOP_FIELDS, shared)
    above, below = (stop, limit) if buy else (limit, stop)
    params.finish()
    request = NewOco(side=side, quantity=quantity, above=above, below=below, **head)
    try:
        return _place(state, params, account, request)
    except SimError as exc:
        # -1160 names the leg's iceberg parameter (errors.md, -1160: "Parameter '%s' is not
        # supported if ..."); here that is the stop leg's, the only one with a time in force.
        exc.msg = exc.msg.replace(f"'{stop_role}IcebergQty'", "'stopIcebergQty'")
        exc.args = (f"Binance error {exc.code}: {exc.msg}",)
        raise


# rest-api.md, New OCO - Deprecated: weight 1; web-socket-api.md: method orderList.place.
OPERATIONS: tuple[ListOperation, ...] = (
    ListOperation("POST", "/api/v3/order/oco", "orderList.place", 1, _old_oco, True),
)

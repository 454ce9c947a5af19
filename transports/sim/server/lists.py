"""Order lists, cancel-replace and amend on the local server, over REST and the WebSocket API.

Rules:
- One operation per request kind, shared by REST and the WebSocket API: it reads Binance's
  parameters (rest-api.md / web-socket-api.md: New Order list - OCO / OTO / OTOCO, Cancel
  Order list, Query Order list(s), Cancel an Existing Order and Send a New Order, Order Amend
  Keep Priority, Query Order Amendments), refuses unread ones (-1104) and calls the simulated
  exchange. Weights are the documented ones (``OPERATIONS``). A placed list adds each of
  its orders to the unfilled order count (rest-api.md, each list's "Unfilled Order Count").
- Registered by two hooks from ``transports.sim.server.app``: ``add_list_routes`` (REST) and
  ``add_list_methods`` (WebSocket API), so the route table and the WS method table stay
  untouched.
- A list leg's parameters are its prefix followed by the capitalised name (``aboveStopPrice``,
  ``pendingBelowTimeInForce``) and are checked as the single order they are
  (``new_order_from_params`` on a view of the leg's parameters).
- A leg's ``*PegPriceType`` / ``*PegOffsetType`` / ``*PegOffsetValue`` (documented for every
  OCO, OTO, OTOCO, OPO and OPOCO leg) is read and refused as a pegged single order is
  (``refuse_pegs``: -2010, no simulated symbol has ``pegInstructionsAllowed``), never -1104.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
from aiohttp import web

from oms.wire.amends import AmendKeepPriority, CancelReplace, QueryAmendments
from oms.wire.enums import (
    CancelReplaceMode,
    OrderResponseType,
    OrderStatus,
    SelfTradePreventionMode,
    Side,
)
from oms.wire.orderlists import (
    CancelOrderList,
    ListLeg,
    NewOco,
    NewOrderList,
    NewOto,
    NewOtoco,
    QueryOrderList,
)
from transports.sim.errors import SimError, one_of_mandatory
from transports.sim.opo import NewOpo, NewOpoco
from transports.sim.server.core import ServerState
from transports.sim.server.params import (
    ApiError,
    Params,
    bad_param,
    mandatory_missing,
    new_order_from_params,
)
from transports.sim.server.rest import _RESTRICTIONS, Endpoint, _fixed, _serve
from transports.sim.server.ws import Connection, Outcome, WsApi

__all__ = ["OPERATIONS", "add_list_methods", "add_list_routes", "refuse_pegs"]

Operation = Callable[[ServerState, Params, str], object]

_LEG_FIELDS = (
    "Type",
    "Side",
    "Quantity",
    "ClientOrderId",
    "Price",
    "StopPrice",
    "TrailingDelta",
    "TimeInForce",
    "IcebergQty",
    "StrategyId",
    "StrategyType",
)
_SINGLE = {"ClientOrderId": "newClientOrderId"}
_PEG_FIELDS = ("PegPriceType", "PegOffsetType", "PegOffsetValue")
# A parameter named in a refusal's message ("Mandatory parameter 'side' was not sent, ...").
_QUOTED = re.compile(r"'([A-Za-z]+)'")


def _single_name(field: str) -> str:
    """The single order's parameter for a leg's field (``Side`` -> ``side``)."""
    return "type" if field == "Type" else _SINGLE.get(field, field[0].lower() + field[1:])


def _leg(state: ServerState, params: Params, prefix: str, symbol: str, **shared: str) -> ListLeg:
    """One leg, read and checked as the single order it is. A refusal names the list's own
    parameter (``workingTimeInForce``, not ``timeInForce``; a pending pair's shared
    ``pendingSide`` / ``pendingQuantity``, an OCO's shared ``side`` / ``quantity``), as
    Binance's messages do (errors.md, -1102, -1106)."""
    values: dict[str, str] = {"symbol": symbol, **shared}
    for field in _LEG_FIELDS:
        raw = params.raw(prefix + field)
        if raw is not None:
            values[_single_name(field)] = raw
    if "type" not in values:
        raise mandatory_missing(prefix + "Type")
    if "quantity" not in values and values["type"] == "MARKET":
        # A leg's own quantity is mandatory (rest-api.md, New Order list - OTO / OTOCO:
        # workingQuantity, pendingQuantity "YES"; a pending MARKET order "using
        # quoteOrderQty" is "not supported"): not the single order's "'quantity' or
        # 'quoteOrderQty'" choice.
        raise mandatory_missing(prefix + "Quantity")
    try:
        order = new_order_from_params(Params(values, ip=params.ip), state.symbols)
    except SimError as exc:
        own = {_single_name(f): prefix + f for f in _LEG_FIELDS if _single_name(f) not in shared}
        if prefix.startswith("pending"):
            own.update(_PENDING)
        exc.msg = _QUOTED.sub(lambda m: f"'{own.get(m.group(1), m.group(1))}'", exc.msg)
        exc.args = (f"Binance error {exc.code}: {exc.msg}",)
        raise
    return ListLeg(
        order_type=order.order_type,
        side=order.side if "side" not in shared else None,
        quantity=order.quantity if "quantity" not in shared else None,
        client_order_id=order.client_order_id,
        price=order.price,
        stop_price=order.stop_price,
        trailing_delta=order.trailing_delta,
        time_in_force=order.time_in_force,
        iceberg_qty=order.iceberg_qty,
        strategy_id=order.strategy_id,
        strategy_type=order.strategy_type,
    )


def refuse_pegs(params: Params, *prefixes: str) -> None:
    """A leg's peg parameters are documented (rest-api.md, New Order list - OCO:
    ``abovePegPriceType``...; OTO: ``workingPegPriceType``, ``pendingPegPriceType``...; OTOCO,
    OPO, OPOCO likewise; web-socket-api.md, the same methods), but no simulated symbol has
    ``pegInstructionsAllowed``: the documented refusal of a pegged order (errors.md,
    Messages for -1010, -2010, -2011 and -2038), as for a single order, not -1104."""
    for prefix in prefixes:
        for field in _PEG_FIELDS:
            if params.raw(prefix + field) is not None:
                raise ApiError(-2010, "Pegged orders are not supported for this symbol.")


def _list_head(params: Params) -> dict[str, Any]:
    return {
        "symbol": params.require("symbol"),
        "list_client_order_id": params.text("listClientOrderId"),
        "response_type": params.enum("newOrderRespType", OrderResponseType),
        "self_trade_prevention_mode": params.enum(
            "selfTradePreventionMode", SelfTradePreventionMode
        ),
    }


# A pending pair shares pendingSide and pendingQuantity (rest-api.md, New Order List - OTOCO).
_PENDING = {"side": "pendingSide", "quantity": "pendingQuantity"}


def _shared(params: Params, side: str, quantity: str) -> tuple[Side, Decimal, dict[str, str]]:
    """The side and quantity a list's legs share (read once, handed to each leg's check)."""
    side_value = params.enum(side, Side, (-1117, "Invalid side."))
    qty = params.decimal(quantity, required=True)
    if side_value is None:
        raise mandatory_missing(side)
    assert qty is not None
    return side_value, qty, {"side": side_value.value, "quantity": params.require(quantity)}


def _place(
    state: ServerState, params: Params, account: str, request: NewOrderList | NewOpo | NewOpoco
) -> object:
    """A list placement under the ORDERS limit and the request faults, like an order; each of
    its orders counts as unfilled (rest-api.md, each list's "Unfilled Order Count")."""
    return state.placement(
        params.ip,
        account,
        lambda: state.exchange.place_order_list(account, request),
        orders=len(request.legs),
    )


def _oco(state: ServerState, params: Params, account: str) -> object:
    head = _list_head(params)
    refuse_pegs(params, "above", "below")
    side, quantity, shared = _shared(params, "side", "quantity")
    above = _leg(state, params, "above", head["symbol"], **shared)
    below = _leg(state, params, "below", head["symbol"], **shared)
    params.finish()
    request = NewOco(side=side, quantity=quantity, above=above, below=below, **head)
    return _place(state, params, account, request)


def _oto(state: ServerState, params: Params, account: str) -> object:
    head = _list_head(params)
    refuse_pegs(params, "working", "pending")
    working = _leg(state, params, "working", head["symbol"])
    pending = _leg(state, params, "pending", head["symbol"])
    params.finish()
    return _place(state, params, account, NewOto(working=working, pending=pending, **head))


def _otoco(state: ServerState, params: Params, account: str) -> object:
    head = _list_head(params)
    refuse_pegs(params, "working", "pendingAbove", "pendingBelow")
    working = _leg(state, params, "working", head["symbol"])
    side, quantity, shared = _shared(params, "pendingSide", "pendingQuantity")
    above = _leg(state, params, "pendingAbove", head["symbol"], **shared)
    below = None
    if params.raw("pendingBelowType") is not None:
        below = _leg(state, params, "pendingBelow", head["symbol"], **shared)
    else:
        # ccxt sends a generated id for every leg's client id, a below leg or not (as for
        # OPOCO, server/opo.py): an id for a leg that is not there changes nothing.
        params.raw("pendingBelowClientOrderId")
    params.finish()
    request = NewOtoco(
        working=working,
        pending_side=side,
        pending_quantity=quantity,
        pending_above=above,
        pending_below=below,
        **head,
    )
    return _place(state, params, account, request)


def _cancel_list(state: ServerState, params: Params, account: str) -> object:
    cancel = CancelOrderList(
        symbol=params.require("symbol"),
        order_list_id=params.integer("orderListId"),
        list_client_order_id=params.text("listClientOrderId"),
        new_client_order_id=params.text("newClientOrderId"),
    )
    params.finish()
    if cancel.order_list_id is None and cancel.list_client_order_id is None:
        raise one_of_mandatory("orderListId", "listClientOrderId")
    return state.exchange.cancel_order_list(account, cancel)


def _query_list(state: ServerState, params: Params, account: str) -> object:
    # The list's client id is ``origClientOrderId`` here (rest-api.md, Query Order list).
    query = QueryOrderList(
        order_list_id=params.integer("orderListId"),
        list_client_order_id=params.text("origClientOrderId"),
    )
    params.finish()
    return state.exchange.query_order_list(account, query)


def _open_lists(state: ServerState, params: Params, account: str) -> object:
    params.finish()
    return state.exchange.open_order_lists(account)


_DAY_MS = 86_400_000


def _all_lists(state: ServerState, params: Params, account: str) -> object:
    from_id, start, end = (params.integer(n) for n in ("fromId", "startTime", "endTime"))
    limit = params.integer("limit") or 500
    params.finish()
    if not 1 <= limit <= 1000:
        raise ApiError(-1100, "Illegal characters found in parameter 'limit'.")
    # rest-api.md, Query all Order lists: fromId "If supplied, neither startTime or endTime
    # can be provided"; "the time between startTime and endTime can't be longer than 24
    # hours" (errors.md, -1128 and -1127, as for allOrders and myTrades).
    if from_id is not None and (start is not None or end is not None):
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    if start is not None and end is not None and end - start > _DAY_MS:
        raise ApiError(-1127, "More than 24 hours between startTime and endTime.")
    return state.exchange.all_order_lists(
        account, limit, from_id=from_id, start_time=start, end_time=end
    )


def _cancel_replace(state: ServerState, params: Params, account: str) -> object:
    mode = params.enum("cancelReplaceMode", CancelReplaceMode)
    if mode is None:
        raise mandatory_missing("cancelReplaceMode")
    cancel_id = params.integer("cancelOrderId")
    cancel_orig = params.text("cancelOrigClientOrderId")
    cancel_new = params.text("cancelNewClientOrderId")
    only_if = _cancel_restriction(params)
    exceeded = params.text("orderRateLimitExceededMode")
    if exceeded not in (None, "DO_NOTHING", "CANCEL_ONLY"):
        raise bad_param("orderRateLimitExceededMode")
    order = new_order_from_params(params, state.symbols)
    params.finish()
    request = CancelReplace(
        new_order=order,
        mode=mode,
        cancel_order_id=cancel_id,
        cancel_orig_client_order_id=cancel_orig,
        cancel_new_client_order_id=cancel_new,
    )
    if exceeded == "CANCEL_ONLY":
        # "CANCEL_ONLY - will always cancel the order": over the unfilled order count the
        # cancel is still attempted and the new order fails with the -1015 (rest-api.md, Cancel
        # an Existing Order and Send a New Order); DO_NOTHING (the default) refuses it all.
        try:
            state.limiter.check_orders(params.ip, account)
        except ApiError as exc:
            if exc.code != -1015:
                raise
            refused = (exc.code, exc.msg)
            return state.exchange.cancel_replace(
                account, request, only_if=only_if, refuse_new=refused
            )
    return state.placement(
        params.ip,
        account,
        lambda: state.exchange.cancel_replace(account, request, only_if=only_if),
    )


def _cancel_restriction(params: Params) -> OrderStatus | None:
    # rest-api.md, Regarding cancelRestrictions: ONLY_NEW / ONLY_PARTIALLY_FILLED, else -1145.
    raw = params.text("cancelRestrictions")
    if raw is None:
        return None
    found = _RESTRICTIONS.get(raw)
    if found is None:
        raise ApiError(-1145, "Invalid cancelRestrictions")
    return found


def _amend(state: ServerState, params: Params, account: str) -> object:
    symbol = params.require("symbol")
    order_id = params.integer("orderId")
    orig = params.text("origClientOrderId")
    if order_id is None and orig is None:
        raise one_of_mandatory("orderId", "origClientOrderId")
    new_qty = params.decimal("newQty", required=True)
    assert new_qty is not None
    amend = AmendKeepPriority(
        symbol=symbol,
        order_id=order_id,
        orig_client_order_id=orig,
        new_client_order_id=params.text("newClientOrderId"),
        new_qty=new_qty,
    )
    params.finish()
    return state.exchange.amend_keep_priority(account, amend)


def _amendments(state: ServerState, params: Params, account: str) -> object:
    order_id = params.integer("orderId", required=True)
    assert order_id is not None
    query = QueryAmendments(
        symbol=params.require("symbol"),
        order_id=order_id,
        from_execution_id=params.integer("fromExecutionId"),
        limit=params.integer("limit"),
    )
    params.finish()
    if query.limit is not None and not 1 <= query.limit <= 1000:
        # rest-api.md, Query Order Amendments: "Default:500; Maximum: 1000" (as myTrades).
        raise bad_param("limit")
    return state.exchange.order_amendments(account, query)


class ListOperation(msgspec.Struct, frozen=True):
    """One request kind: its REST route, its WebSocket API method, weight and body."""

    method: str
    path: str
    ws_method: str | None
    weight: int
    run: Operation
    placement: bool = False
    # Successful placements (every ``placement``) and list cancels weigh 0 since 2026-04-02;
    # failed ones are charged (CHANGELOG.md, 2026-03-27). Amends stay charged unless the
    # amendment expires the order (CHANGELOG.md, 2026-04-02), which is not told apart here.
    cancel: bool = False

    @property
    def free_on_success(self) -> bool:
        return self.placement or self.cancel


# Weights: rest-api.md / web-socket-api.md, each section's "Weight".
OPERATIONS: tuple[ListOperation, ...] = (
    ListOperation("POST", "/api/v3/orderList/oco", "orderList.place.oco", 1, _oco, True),
    ListOperation("POST", "/api/v3/orderList/oto", "orderList.place.oto", 1, _oto, True),
    ListOperation("POST", "/api/v3/orderList/otoco", "orderList.place.otoco", 1, _otoco, True),
    ListOperation("DELETE", "/api/v3/orderList", "orderList.cancel", 1, _cancel_list, cancel=True),
    ListOperation("GET", "/api/v3/orderList", "orderList.status", 4, _query_list),
    ListOperation("GET", "/api/v3/openOrderList", "openOrderLists.status", 6, _open_lists),
    ListOperation("GET", "/api/v3/allOrderList", "allOrderLists", 20, _all_lists),
    ListOperation(
        "POST", "/api/v3/order/cancelReplace", "order.cancelReplace", 1, _cancel_replace, True
    ),
    ListOperation("PUT", "/api/v3/order/amend/keepPriority", "order.amend.keepPriority", 4, _amend),
    ListOperation("GET", "/api/v3/order/amendments", "order.amendments", 4, _amendments),
)


def _rest_handler(run: Operation) -> Callable[[ServerState, Params, str | None], object]:
    def handler(state: ServerState, params: Params, account: str | None) -> object:
        assert account is not None
        return run(state, params, account)

    return handler


def add_list_routes(app: web.Application, operations: tuple[ListOperation, ...] = ()) -> None:
    """Register the REST routes of ``OPERATIONS`` and ``operations``."""
    for op in OPERATIONS + operations:
        endpoint = Endpoint(
            _rest_handler(op.run),
            _fixed(op.weight),
            placement=op.placement,
            free_on_success=op.free_on_success,
        )

        async def handle(request: web.Request, endpoint: Endpoint = endpoint) -> web.StreamResponse:
            return await _serve(request, endpoint)

        app.router.add_route(op.method, op.path, handle)


def _ws_method(
    run: Operation, placement: bool
) -> Callable[[WsApi, Connection, Params, dict[str, str]], Outcome]:
    """A WebSocket API method; a placement's answer carries the ORDERS counts, as the
    documented answers of orderList.place.* and order.cancelReplace do (web-socket-api.md,
    Unfilled Order Count: "Successfully placed orders update the ORDERS rate limit type")."""

    def method(api: WsApi, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
        account = api.state.authenticate_ws(params, values, conn.session).account
        return run(api.state, params, account), account, placement

    return method


def add_list_methods(api: type[WsApi], operations: tuple[ListOperation, ...] = ()) -> None:
    """Register the WebSocket API methods of ``OPERATIONS`` and ``operations`` on the WsApi
    class."""
    for op in OPERATIONS + operations:
        if op.ws_method is not None:
            api._METHODS[op.ws_method] = _ws_method(op.run, op.placement)
            api._WEIGHTS[op.ws_method] = op.weight
            if op.free_on_success:
                api._FREE_ON_SUCCESS.add(op.ws_method)
            if op.placement:
                api._PLACEMENTS.add(op.ws_method)

"""Smart order routing on the local server: ``POST /api/v3/sor/order``, ``/sor/order/test`` and
the WebSocket API's ``sor.order.place`` / ``sor.order.test``.

Rules (rest-api.md, New order using SOR, Test new order using SOR; web-socket-api.md, Place new
order using SOR, Test new order using SOR; faqs/sor_faq.md):
- The documented parameters only: ``symbol``, ``side``, ``type``, ``timeInForce``,
  ``quantity``, ``price``, ``newClientOrderId``, ``strategyId``, ``strategyType``,
  ``icebergQty``, ``newOrderRespType``, ``selfTradePreventionMode`` (plus the signing ones, and
  ``computeCommissionRates`` for the tests). "quoteOrderQty is not supported": like any other
  parameter the endpoint does not take (``stopPrice``, ``trailingDelta``, pegs), it is -1104
  "Not all sent parameters were read". A type other than LIMIT / MARKET is -1116. The rest is
  read and checked as ``POST /api/v3/order`` reads it.
- Placement: weight 1, 0 when successful (CHANGELOG 2026-03-27 lists ``POST
  /api/v3/sor/order`` and ``sor.order.place``), unfilled order count 1, the ORDERS limit and
  request faults as any order (``ServerState.placement``).
- The WebSocket API answers ``sor.order.place`` with ``result`` an *array* holding the order
  (web-socket-api.md, Place new order using SOR, Response), with the ORDERS ``rateLimits``.
- Tests: weight 1, 20 with ``computeCommissionRates`` (as ``order/test``); validate only. The
  rates answer is ``order/test``'s, ``specialCommissionForOrder`` included (CHANGELOG
  2025-08-12, General Changes).
- Registered by hooks from ``transports.sim.server.app`` (``ENDPOINTS`` with the REST routes,
  ``add_sor_methods`` on the WebSocket API), so the route and method tables stay untouched.
"""

from __future__ import annotations

from oms.wire.enums import OrderType
from oms.wire.requests import NewOrder
from transports.sim.server import account as account_calls
from transports.sim.server.core import ServerState
from transports.sim.server.params import ApiError, Params, new_order_from_params
from transports.sim.server.rest import Endpoint, _fixed, test_answer
from transports.sim.server.ws import Connection, Outcome, WsApi
from transports.sim.sor_shapes import in_binance_order

__all__ = ["ENDPOINTS", "add_sor_methods"]

# Parameters of ``POST /api/v3/order`` that the SOR endpoints do not take.
_NOT_TAKEN = (
    "quoteOrderQty",
    "stopPrice",
    "trailingDelta",
    "pegPriceType",
    "pegOffsetType",
    "pegOffsetValue",
)
_TYPES = frozenset({OrderType.LIMIT.value, OrderType.MARKET.value})
_KNOWN_TYPES = frozenset(t.value for t in OrderType)


def sor_order_from_params(params: Params, state: ServerState) -> NewOrder:
    """The typed order of a SOR request (module rules). Raises: ApiError."""
    sent = params.sent
    unread = [name for name in _NOT_TAKEN if name in sent]
    if unread:
        raise ApiError(
            -1104,
            f"Not all sent parameters were read; read '{len(sent) - len(unread)}' "
            f"parameter(s) but was sent '{len(sent)}'.",
        )
    kind = sent.get("type")
    if kind in _KNOWN_TYPES and kind not in _TYPES:
        # rest-api.md, New order using SOR: "only supports LIMIT and MARKET orders".
        raise ApiError(-1116, "Invalid orderType.")
    return new_order_from_params(params, state.symbols)


def _place(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    order = sor_order_from_params(params, state)
    params.finish()
    # rest-api.md, New order using SOR, "Response": Binance's key order (sor_shapes rules).
    return state.placement(
        params.ip,
        account,
        lambda: in_binance_order(state.exchange.place_sor_order(account, order)),
    )


def _test(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    order = sor_order_from_params(params, state)
    compute = params.boolean("computeCommissionRates")
    params.finish()
    state.exchange.test_sor_order(account, order)
    # As ``order/test`` (CHANGELOG 2025-08-12 lists ``sor/order/test`` among the requests with
    # ``specialCommission``; rest-api.md's older SOR example shows none).
    return test_answer(state, account, order, compute=bool(compute))


def _test_weight(params: Params) -> int:
    # rest-api.md, Test new order using SOR: 1, or 20 with computeCommissionRates.
    return 20 if (params.raw("computeCommissionRates") or "").lower() == "true" else 1


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("POST", "/api/v3/sor/order"): Endpoint(
        _place, _fixed(1), free_on_success=True, placement=True
    ),
    ("POST", "/api/v3/sor/order/test"): Endpoint(_test, _test_weight),
}


def _ws_place(api: WsApi, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
    account = api.state.authenticate_ws(params, values, conn.session).account
    # web-socket-api.md, Place new order using SOR: "result" is an array of the order.
    return [_place(api.state, params, account)], account, True


def _ws_test(api: WsApi, conn: Connection, params: Params, values: dict[str, str]) -> Outcome:
    account = api.state.authenticate_ws(params, values, conn.session).account
    return _test(api.state, params, account), account, False


def add_sor_methods(api: type[WsApi]) -> None:
    """Register ``sor.order.place`` (weight 1, free when successful) and ``sor.order.test``
    (weight 1 or 20) on the WsApi class."""
    api._METHODS["sor.order.place"] = _ws_place
    api._WEIGHTS["sor.order.place"] = 1
    api._FREE_ON_SUCCESS.add("sor.order.place")
    api._PLACEMENTS.add("sor.order.place")
    api._METHODS["sor.order.test"] = _ws_test
    account_calls.WS_WEIGHTS["sor.order.test"] = _test_weight

"""Account calls of the local server beyond trading, and the WebSocket API methods that reuse
the REST handlers (account.*, openOrders.*, allOrders, myTrades, myPreventedMatches,
order.test, and the market data methods).

Rules:
- One handler per call, shared by REST and the WebSocket API: a WebSocket method
  authenticates by the WebSocket rule (its own signature or the session) and then runs the
  REST handler on the same parameters (web-socket-api.md: "parameters and weights as REST").
- Weights are the documented ones (rest-api.md, Account Endpoints; web-socket-api.md, Account
  requests), charged before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from transports.sim.server import allocations, block_trades, market, my_filters, reference, rest
from transports.sim.server.auth import Credential
from transports.sim.server.core import ServerState
from transports.sim.server.params import ApiError, Params, bad_param
from transports.sim.server.rest import Endpoint

# What a WebSocket API method returns: the result, its account, whether it placed an order.
Outcome = tuple[object, str | None, bool]


class WsApiLike(Protocol):
    """What a method needs of the WebSocket API (ws.py's ``WsApi``)."""

    @property
    def state(self) -> ServerState: ...


class ConnectionLike(Protocol):
    """What a method needs of a connection (ws.py's ``Connection``): its session key."""

    @property
    def session(self) -> Credential | None: ...


__all__ = ["ENDPOINTS", "MORE_ENDPOINTS", "WS_METHODS", "WS_WEIGHTS"]

_DAY_MS = 86_400_000


def _all_orders(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    symbol = params.require("symbol")
    order_id = params.integer("orderId")
    start = params.integer("startTime")
    end = params.integer("endTime")
    limit = params.integer("limit")
    params.finish()
    if limit is not None and not 1 <= limit <= 1000:
        raise bad_param("limit")
    return state.exchange.all_orders(
        account, symbol, order_id=order_id, start_time=start, end_time=end, limit=limit or 500
    )


def _order_counts(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    params.finish()
    ten, day = state.limiter.order_counts(account)
    limits = state.limiter.limits
    # rest-api.md, Query Unfilled Order Count: one entry per ORDERS interval.
    return [
        {
            "rateLimitType": "ORDERS",
            "interval": "SECOND",
            "intervalNum": 10,
            "limit": limits.orders_per_10s,
            "count": ten,
        },
        {
            "rateLimitType": "ORDERS",
            "interval": "DAY",
            "intervalNum": 1,
            "limit": limits.orders_per_day,
            "count": day,
        },
    ]


_PREVENTED_COMBOS = frozenset(
    {
        frozenset({"preventedMatchId"}),
        frozenset({"orderId"}),
        frozenset({"orderId", "fromPreventedMatchId"}),
    }
)


def _prevented(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    symbol = params.require("symbol")
    values = {
        name: params.integer(name)
        for name in ("preventedMatchId", "orderId", "fromPreventedMatchId")
    }
    limit = params.integer("limit")
    params.finish()
    given = frozenset(k for k, v in values.items() if v is not None)
    # rest-api.md, Query Prevented Matches: the supported combinations.
    if given not in _PREVENTED_COMBOS or (
        limit is not None and "fromPreventedMatchId" not in given
    ):
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    if limit is not None and not 1 <= limit <= 1000:
        raise bad_param("limit")
    found = state.exchange.prevented_matches(account, symbol)
    match_id = values["preventedMatchId"]
    if match_id is not None:
        return [m for m in found if m["preventedMatchId"] == match_id]
    order_id = values["orderId"]
    start = values["fromPreventedMatchId"] or 0
    chosen = [
        m
        for m in found
        if order_id in (m["takerOrderId"], m["makerOrderId"])
        and int(str(m["preventedMatchId"])) >= start
    ]
    return chosen[: limit or 500]


def _prevented_weight(params: Params) -> int:
    # rest-api.md, Query Prevented Matches: 2 by preventedMatchId, 20 by orderId.
    return 20 if "orderId" in params else 2


def _fixed(weight: int) -> Callable[[Params], int]:
    return lambda params: weight


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v3/allOrders"): Endpoint(_all_orders, _fixed(20)),
    ("GET", "/api/v3/rateLimit/order"): Endpoint(_order_counts, _fixed(40)),
    ("GET", "/api/v3/myPreventedMatches"): Endpoint(_prevented, _prevented_weight),
}

_Handler = Callable[[ServerState, Params, str | None], object]


def _signed(
    handler: _Handler,
) -> Callable[[WsApiLike, ConnectionLike, Params, dict[str, str]], Outcome]:
    def method(
        api: WsApiLike, conn: ConnectionLike, params: Params, values: dict[str, str]
    ) -> Outcome:
        account = api.state.authenticate_ws(params, values, conn.session).account
        return handler(api.state, params, account), account, False

    return method


def _public(
    handler: _Handler,
) -> Callable[[WsApiLike, ConnectionLike, Params, dict[str, str]], Outcome]:
    def method(
        api: WsApiLike, conn: ConnectionLike, params: Params, values: dict[str, str]
    ) -> Outcome:
        return handler(api.state, params, None), None, False

    return method


def _ignoring_api_key(handler: _Handler) -> _Handler:
    # CHANGELOG.md, 2023-07-11, Websocket API: trades.historical became security type NONE,
    # "the `apiKey` parameter is no longer necessary and is now ignored" (not -1104).
    # binance-connector 3.13.0's historical_trades still sends it.
    def method(state: ServerState, params: Params, account: str | None) -> object:
        params.raw("apiKey")
        return handler(state, params, account)

    return method


_REST = rest.ENDPOINTS
# The newer documented calls, one module each (REST table and WebSocket API methods).
_MORE = (reference, block_trades, my_filters, allocations)
MORE_ENDPOINTS = tuple(module.ENDPOINTS for module in _MORE)
_MORE_WS = {name: ep for module in _MORE for name, ep in module.WS_METHODS.items()}
WS_METHODS: dict[str, Callable[[WsApiLike, ConnectionLike, Params, dict[str, str]], Outcome]] = {
    "account.status": _signed(_REST[("GET", "/api/v3/account")].handler),
    "account.commission": _signed(_REST[("GET", "/api/v3/account/commission")].handler),
    "account.rateLimits.orders": _signed(_order_counts),
    "openOrders.status": _signed(_REST[("GET", "/api/v3/openOrders")].handler),
    "openOrders.cancelAll": _signed(_REST[("DELETE", "/api/v3/openOrders")].handler),
    "allOrders": _signed(_all_orders),
    "myTrades": _signed(_REST[("GET", "/api/v3/myTrades")].handler),
    "myPreventedMatches": _signed(_prevented),
    "order.test": _signed(_REST[("POST", "/api/v3/order/test")].handler),
    "exchangeInfo": _public(_REST[("GET", "/api/v3/exchangeInfo")].handler),
    **{name: _public(endpoint.handler) for name, endpoint in market.WS_METHODS.items()},
    "trades.historical": _public(_ignoring_api_key(market.WS_METHODS["trades.historical"].handler)),
    **{name: (_signed if ep.signed else _public)(ep.handler) for name, ep in _MORE_WS.items()},
}

# web-socket-api.md: the same weights as the REST calls.
WS_WEIGHTS: dict[str, Callable[[Params], int]] = {
    "account.status": _fixed(20),
    "account.commission": _fixed(20),
    "account.rateLimits.orders": _fixed(40),
    "openOrders.status": _REST[("GET", "/api/v3/openOrders")].weight,
    "openOrders.cancelAll": _fixed(1),
    "allOrders": _fixed(20),
    "myTrades": _REST[("GET", "/api/v3/myTrades")].weight,
    "myPreventedMatches": _prevented_weight,
    "order.test": _REST[("POST", "/api/v3/order/test")].weight,
    "exchangeInfo": _fixed(20),
    **{name: endpoint.weight for name, endpoint in market.WS_METHODS.items()},
    **{name: endpoint.weight for name, endpoint in _MORE_WS.items()},
}

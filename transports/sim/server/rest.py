"""The REST face of the local Binance server: ``/api/v3/...`` as Binance serves it.

Rules (rest-api.md, Request Security, rest-api.md, New order, errors.md, rest-api.md, LIMITS):
- Every request is charged its documented weight first (per IP), then authenticated when
  SIGNED, then its parameters are read and unread ones refused (-1104), and only then does
  anything execute: a refused request changes nothing.
- Bodies are Binance's JSON written by ``transports.wire.encode_json`` (decimals in plain
  notation); errors are ``{"code", "msg"}`` with Binance's HTTP status; 429/418 carry
  ``Retry-After``. ``X-MBX-USED-WEIGHT-1M`` is on every response (added by ``server.py``),
  ``X-MBX-ORDER-COUNT-10S`` / ``-1D`` on order placements.
- Faults: after an order executed, ``ERROR_5XX`` answers HTTP 503, ``ERROR_1007`` answers
  -1007 (HTTP 408; Binance's status for -1007 is UNVERIFIED, errors.md, -1007) and ``TIMEOUT``
  answers nothing until the client hangs up or ``request_timeout`` passes, then -1007.
- The removed listenKey endpoints answer HTTP 410 Gone, as Binance has since 2026-02 (rest-api.md,
  General API Information).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal

import msgspec
from aiohttp import web

from oms.wire.enums import OrderStatus, Side
from oms.wire.requests import NewOrder, QueryOrder
from oms.wire.rest import CommissionRates, SymbolInfo
from transports.sim.errors import SimError
from transports.sim.faults import RequestFault
from transports.sim.server.core import FaultAfterExecutionError, ServerState
from transports.sim.server.handshake import bad_time_unit, rest_accepts_json, sbe_not_acceptable
from transports.sim.server.params import (
    ApiError,
    Params,
    bad_param,
    cancel_from_params,
    new_order_from_params,
    parse_form,
    query_from_params,
)
from transports.sim.server.time_unit import micro, parse_time_unit
from transports.wire import encode_json

__all__ = ["STATE_KEY", "add_routes", "error_body", "test_answer"]

STATE_KEY = web.AppKey("oms_server_state", ServerState)

Handler = Callable[[ServerState, Params, str | None], object]
Weight = Callable[[Params], int]

_TIMEOUT_MSG = (
    "Timeout waiting for response from backend server. Send status unknown; "
    "execution status unknown."
)
_GONE_HTML = (
    b"<html><head><title>410 Gone</title></head><body><h1>410 Gone</h1>"
    b"<p>listenKey user data streams were removed; use the WebSocket API "
    b"userDataStream.subscribe.</p></body></html>"
)


def error_body(code: int, msg: str, data: object = None) -> bytes:
    """``{"code", "msg"}``, plus ``data`` where Binance sends it (cancel-replace's -2021 and
    -2022: rest-api.md, Cancel an Existing Order and Send a New Order)."""
    if data is None:
        return encode_json({"code": code, "msg": msg})
    return encode_json({"code": code, "msg": msg, "data": data})


def _json(status: int, body: bytes, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=body, content_type="application/json", headers=headers)


# --- endpoint bodies --------------------------------------------------------------------


def _ping(state: ServerState, params: Params, account: str | None) -> object:
    params.finish()
    return {}


def _time(state: ServerState, params: Params, account: str | None) -> object:
    params.finish()
    return {"serverTime": state.server_time()}


def _symbols_param(params: Params) -> list[str] | None:
    one = params.text("symbol")
    many = params.text("symbols")
    if one is not None and many is not None:
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    if one is not None:
        return [one]
    if many is None:
        return None
    try:
        parsed = json.loads(many)
    except ValueError:
        parsed = None
    if not (isinstance(parsed, list) and parsed and all(isinstance(s, str) for s in parsed)):
        raise ApiError(
            -1100,
            "Illegal characters found in parameter 'symbols'; legal range is "
            '\'^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$\'.',
        )
    if len(set(parsed)) != len(parsed):
        raise ApiError(-1151, "Symbol is present multiple times in the list.")  # errors.md, -1151
    return [str(s) for s in parsed]


# rest-api.md, Exchange information: without ``permissions``, the symbols that have SPOT,
# MARGIN or LEVERAGED permission.
_DEFAULT_PERMISSIONS = frozenset({"SPOT", "MARGIN", "LEVERAGED"})


def _permissions_param(params: Params) -> frozenset[str] | None:
    """``permissions``: one permission (``SPOT``) or a JSON array of them
    (``["MARGIN","LEVERAGED"]``) (rest-api.md, Exchange information)."""
    raw = params.text("permissions")
    if raw is None or not raw.startswith("["):
        return None if raw is None else frozenset({raw})
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    if not (isinstance(parsed, list) and parsed and all(isinstance(p, str) for p in parsed)):
        raise ApiError(-1100, "Illegal characters found in parameter 'permissions'.")
    return frozenset(parsed)


def _has_permission(symbol: SymbolInfo, wanted: frozenset[str]) -> bool:
    sets = symbol.permission_sets or (("SPOT",),)
    return any(p in wanted for group in sets for p in group)


def _exchange_info(state: ServerState, params: Params, account: str | None) -> object:
    symbols = _symbols_param(params)
    status = params.text("symbolStatus")
    permissions = _permissions_param(params)
    show_sets = params.boolean("showPermissionSets")
    if status is not None and symbols is not None:
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    if permissions is not None and symbols is not None:
        # "This cannot be used in combination with symbol or symbols" (rest-api.md).
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    params.finish()
    info = state.exchange.exchange_info(symbols)
    listed = info.symbols
    if symbols is None:
        wanted = permissions or _DEFAULT_PERMISSIONS
        listed = tuple(s for s in listed if _has_permission(s, wanted))
    if status is not None:
        if status not in ("TRADING", "HALT", "BREAK"):
            raise ApiError(-1122, "Invalid symbolStatus.")
        listed = tuple(s for s in listed if s.status == status)
    if show_sets is False:
        listed = tuple(msgspec.structs.replace(s, permission_sets=()) for s in listed)
    return msgspec.structs.replace(
        info, server_time=state.server_time(), rate_limits=state.rate_limits, symbols=listed
    )


def _place(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    order = new_order_from_params(params, state.symbols)
    params.finish()
    return state.place_order(params.ip, account, order)


def _order_rates(rates: CommissionRates, side: Side) -> dict[str, Decimal]:
    extra = rates.buyer if side is Side.BUY else rates.seller
    return {"maker": rates.maker + extra, "taker": rates.taker + extra}


def _test_order(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    order = new_order_from_params(params, state.symbols)
    compute = params.boolean("computeCommissionRates")
    params.finish()
    state.exchange.test_order(account, order)
    return test_answer(state, account, order, compute=bool(compute))


def test_answer(state: ServerState, account: str, order: NewOrder, *, compute: bool) -> object:
    """A test order's answer: ``{}``, or with ``computeCommissionRates`` the rates the order
    would pay, in the documented key order: standard, special (when the account has special
    rates), tax, discount (rest-api.md, Test new order, "Response"). The same for the SOR
    test (CHANGELOG 2025-08-12: ``specialCommission`` added to ``POST /api/v3/sor/order/test``
    and ``sor.order.test`` with ``computeCommissionRates=true``)."""
    if not compute:
        return {}
    found = state.exchange.commission(account, order.symbol)
    out: dict[str, object] = {
        "standardCommissionForOrder": _order_rates(found.standard_commission, order.side),
    }
    if found.special_commission is not None:
        out["specialCommissionForOrder"] = _order_rates(found.special_commission, order.side)
    out["taxCommissionForOrder"] = _order_rates(found.tax_commission, order.side)
    out["discount"] = found.discount
    return out


_RESTRICTIONS = {"ONLY_NEW": OrderStatus.NEW, "ONLY_PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED}


def _cancel(
    state: ServerState, params: Params, account: str | None, *, list_answer: bool = False
) -> object:
    """``DELETE /api/v3/order``; ``list_answer``: ``order.cancel``, whose cancel of an order
    of a list answers with the list (``SimExchange.cancel_order_or_list``)."""
    assert account is not None
    cancel = cancel_from_params(params)
    restriction = params.text("cancelRestrictions")
    if restriction is not None and restriction not in _RESTRICTIONS:
        raise ApiError(-1145, "Invalid cancelRestrictions")
    params.finish()
    if restriction is not None:
        query = QueryOrder(
            symbol=cancel.symbol,
            order_id=cancel.order_id,
            orig_client_order_id=cancel.orig_client_order_id,
        )
        try:
            current = state.exchange.query_order(account, query)
        except SimError as exc:
            if exc.code == -2013:
                raise ApiError(-2011, "Unknown order sent.") from None
            raise
        if current.status is not _RESTRICTIONS[restriction]:
            raise ApiError(-2011, "Order was not canceled due to cancel restrictions.")
    if list_answer:
        return state.exchange.cancel_order_or_list(account, cancel)
    return state.exchange.cancel_order(account, cancel)


def _query(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    query = query_from_params(params)
    params.finish()
    return state.exchange.query_order(account, query)


def _open_orders(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    symbol = params.text("symbol")
    params.finish()
    if symbol is not None and symbol not in state.symbols:
        raise ApiError(-1121, "Invalid symbol.")
    return state.exchange.open_orders(account, symbol)


def _cancel_all(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    symbol = params.require("symbol")
    params.finish()
    # Single orders and order lists, each in its own cancel shape (rest-api.md, Cancel All
    # Open Orders on a Symbol); nothing open is -2011 "Unknown order sent." (the exchange's).
    return state.exchange.cancel_all(account, symbol)


def _account(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    omit = params.boolean("omitZeroBalances")
    params.finish()
    return state.exchange.account_info(account, omit_zero_balances=bool(omit))


_TRADE_COMBOS = frozenset(
    {
        frozenset(),
        frozenset({"orderId"}),
        frozenset({"startTime"}),
        frozenset({"endTime"}),
        frozenset({"fromId"}),
        frozenset({"startTime", "endTime"}),
        frozenset({"orderId", "fromId"}),
    }
)
_DAY_MS = 86_400_000


def _my_trades(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    symbol = params.require("symbol")
    values = {name: params.integer(name) for name in ("orderId", "startTime", "endTime", "fromId")}
    limit = params.integer("limit")
    params.finish()
    given = frozenset(k for k, v in values.items() if v is not None)
    # Allowed combinations of myTrades (rest-api.md, Account trade list).
    if given not in _TRADE_COMBOS:
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    start, end = values["startTime"], values["endTime"]
    if start is not None and end is not None and end - start > _DAY_MS:
        raise ApiError(-1127, "More than 24 hours between startTime and endTime.")
    if limit is not None and not 1 <= limit <= 1000:
        raise bad_param("limit")
    if symbol not in state.symbols:
        raise ApiError(-1121, "Invalid symbol.")
    return state.exchange.my_trades(
        account,
        symbol,
        order_id=values["orderId"],
        from_id=values["fromId"],
        start_time=start,
        end_time=end,
        limit=limit or 500,
    )


def _commission(state: ServerState, params: Params, account: str | None) -> object:
    assert account is not None
    symbol = params.require("symbol")
    params.finish()
    return state.exchange.commission(account, symbol)


# --- the request pipeline ----------------------------------------------------------------


class Endpoint(msgspec.Struct, frozen=True):
    handler: Handler
    weight: Weight
    signed: bool = True
    # Successful order and cancel requests cost 0 weight since 2026-04-02 (rest-api.md, LIMITS).
    free_on_success: bool = False
    placement: bool = False


def _fixed(weight: int) -> Weight:
    return lambda params: weight


def _read_body(request: web.Request) -> Awaitable[bytes]:
    return request.read()


async def _serve(request: web.Request, endpoint: Endpoint) -> web.StreamResponse:
    if not rest_accepts_json(request.headers.get("Accept")):
        return sbe_not_acceptable()  # faqs/sbe_faq.md: no SBE here (handshake.py)
    state = request.app[STATE_KEY]
    ip = request.remote or "unknown"
    headers: dict[str, str] = {}
    account: str | None = None
    try:
        query = request.rel_url.raw_query_string.encode("ascii", "replace")
        body = await _read_body(request) if request.body_exists else b""
        params = Params(parse_form(query, body), ip=ip)
        weight = endpoint.weight(params)
        state.limiter.charge(ip, weight)
        if endpoint.signed:
            api_key = request.headers.get("X-MBX-APIKEY")
            account = state.authenticate_rest(api_key, params, query, body)
        micros = parse_time_unit(request.headers.get("X-MBX-TIME-UNIT"))
        if micros is None:
            raise bad_time_unit()  # errors.md, -1194 INVALID_TIME_UNIT
        result = endpoint.handler(state, params, account)
        if endpoint.free_on_success:
            state.limiter.refund(ip, weight)
        if micros:
            result = micro(msgspec.to_builtins(result, builtin_types=(Decimal,)))
        response = _json(200, encode_json(result), headers)
    except FaultAfterExecutionError as exc:
        return await _misbehave(request, state, exc.fault, headers, account)
    except SimError as exc:
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        body = error_body(exc.code, exc.msg, getattr(exc, "data", None))
        response = _json(exc.http_status, body, headers)
    if endpoint.placement and account is not None:
        _order_headers(state, account, response)
    return response


def _order_headers(state: ServerState, account: str, response: web.StreamResponse) -> None:
    ten, day = state.limiter.order_counts(account)
    response.headers["X-MBX-ORDER-COUNT-10S"] = str(ten)
    response.headers["X-MBX-ORDER-COUNT-1D"] = str(day)


async def _misbehave(
    request: web.Request,
    state: ServerState,
    fault: RequestFault,
    headers: dict[str, str],
    account: str | None,
) -> web.StreamResponse:
    if fault is RequestFault.ERROR_5XX:
        body = error_body(-1000, "An unknown error occurred while processing the request.")
        return _json(503, body, headers)
    if fault is RequestFault.TIMEOUT:
        await _hold(request, state.options.request_timeout)
    return _json(408, error_body(-1007, _TIMEOUT_MSG), headers)


async def _hold(request: web.Request, seconds: float) -> None:
    """Say nothing until the client hangs up, or ``seconds`` pass."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await asyncio.sleep(0.02)


async def _gone(request: web.Request) -> web.StreamResponse:
    return web.Response(status=410, body=_GONE_HTML, content_type="text/html")


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v3/ping"): Endpoint(_ping, _fixed(1), signed=False),
    ("GET", "/api/v3/time"): Endpoint(_time, _fixed(1), signed=False),
    ("GET", "/api/v3/exchangeInfo"): Endpoint(_exchange_info, _fixed(20), signed=False),
    ("POST", "/api/v3/order"): Endpoint(_place, _fixed(1), free_on_success=True, placement=True),
    ("POST", "/api/v3/order/test"): Endpoint(
        _test_order,
        lambda p: 20 if (p.raw("computeCommissionRates") or "").lower() == "true" else 1,
    ),
    ("DELETE", "/api/v3/order"): Endpoint(_cancel, _fixed(1), free_on_success=True),
    ("GET", "/api/v3/order"): Endpoint(_query, _fixed(4)),
    ("GET", "/api/v3/openOrders"): Endpoint(_open_orders, lambda p: 6 if "symbol" in p else 80),
    ("DELETE", "/api/v3/openOrders"): Endpoint(_cancel_all, _fixed(1), free_on_success=True),
    ("GET", "/api/v3/account"): Endpoint(_account, _fixed(20)),
    ("GET", "/api/v3/myTrades"): Endpoint(_my_trades, lambda p: 5 if "orderId" in p else 20),
    ("GET", "/api/v3/account/commission"): Endpoint(_commission, _fixed(20)),
}

REMOVED = ("/api/v3/userDataStream", "/api/v1/userDataStream")


def add_routes(app: web.Application, *more: dict[tuple[str, str], Endpoint]) -> None:
    """Register every REST endpoint (ours and ``more``) and the 410 answers of the removed
    listenKey endpoints."""
    tables = [ENDPOINTS, *more]
    for (method, path), endpoint in [item for table in tables for item in table.items()]:

        async def handle(request: web.Request, endpoint: Endpoint = endpoint) -> web.StreamResponse:
            return await _serve(request, endpoint)

        app.router.add_route(method, path, handle)
    for path in REMOVED:
        for method in ("POST", "PUT", "DELETE"):
            app.router.add_route(method, path, _gone)

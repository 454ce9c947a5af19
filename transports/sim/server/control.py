"""The test-control API of ``oms exchange``: what users' integration tests do to the market.

Rules:
- Paths live under ``/_oms/`` (never Binance's ``/api``), take and answer JSON, and need
  the run's control token in ``X-OMS-CONTROL-TOKEN`` (compared in constant time); without a
  configured token the API does not exist. A wrong token is 401; a bad body 400
  ``{"error": "..."}``; nothing is half-applied.
- Decimals are JSON strings (``"0.5"``), never floats.
- Calls:
  ``POST /_oms/deposit`` ``{"account", "asset", "amount"}`` (negative: a withdrawal) emits
  ``balanceUpdate``; ``POST /_oms/withdraw`` the same with a positive amount;
  ``POST /_oms/lock`` ``{"account", "asset", "amount"}`` (negative unlocks) emits
  ``externalLockUpdate``; ``POST /_oms/price`` ``{"symbol", "price"}`` moves the market
  there (the liquidity ladder re-quotes around it and crosses resting orders in between);
  ``POST /_oms/faults`` a ``FaultConfig`` object turns faults on, ``DELETE /_oms/faults``
  off; ``POST /_oms/shutdown`` sends ``serverShutdown`` to every connection and closes them,
  at once or after ``{"grace": "10"}`` seconds (at most 600) during which they go on serving
  and new connections are taken: the server "is about to shut down" (web-socket-api.md,
  Server Shutdown), and a client that reconnects on the event (Binance's SDK logs out of the
  old connection first) needs the old one still open;
  ``GET /_oms/book?symbol=`` the simulator's own book.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
from aiohttp import web

from oms.wire.enums import Side
from transports.sim.errors import SimError
from transports.sim.faults import FaultConfig, FaultInjector
from transports.sim.server.app import HUB_KEY, STREAMS_KEY
from transports.sim.server.core import ServerState
from transports.sim.server.market import d8
from transports.sim.server.market_maker import MAKER_KEY
from transports.sim.server.rest import STATE_KEY

__all__ = ["TOKEN_HEADER", "add_control_routes"]

TOKEN_HEADER = "X-OMS-CONTROL-TOKEN"
_Handler = Callable[[web.Request, ServerState, dict[str, Any]], Awaitable[object]]


class _BadRequest(Exception):
    pass


def _decimal(body: dict[str, Any], name: str) -> Decimal:
    value = body.get(name)
    if not isinstance(value, str | int):
        raise _BadRequest(f"'{name}' must be a decimal string")
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        raise _BadRequest(f"'{name}' must be a decimal string") from None
    if not out.is_finite():
        raise _BadRequest(f"'{name}' must be finite")
    return out


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise _BadRequest(f"'{name}' must be a non-empty string")
    return value


async def _deposit(request: web.Request, state: ServerState, body: dict[str, Any]) -> object:
    amount = _decimal(body, "amount")
    if request.path.endswith("withdraw"):
        amount = -amount
    account, asset = _text(body, "account"), _text(body, "asset")
    state.exchange.deposit(account, asset, amount)
    free, locked = state.exchange.balance(account, asset)
    return {"asset": asset, "free": d8(free), "locked": d8(locked)}


async def _lock(request: web.Request, state: ServerState, body: dict[str, Any]) -> object:
    account, asset = _text(body, "account"), _text(body, "asset")
    state.exchange.external_lock(account, asset, _decimal(body, "amount"))
    free, locked = state.exchange.balance(account, asset)
    return {"asset": asset, "free": d8(free), "locked": d8(locked)}


async def _price(request: web.Request, state: ServerState, body: dict[str, Any]) -> object:
    symbol, price = _text(body, "symbol"), _decimal(body, "price")
    if price <= 0:
        raise _BadRequest("'price' must be positive")
    maker = request.app.get(MAKER_KEY)
    state.exchange.set_reference_price(symbol, price)
    if maker is not None:
        maker.move(symbol, price)
    return {"symbol": symbol, "price": d8(price)}


async def _faults(request: web.Request, state: ServerState, body: dict[str, Any]) -> object:
    request.app[HUB_KEY].reset_faults()
    if request.method == "DELETE":
        state.options.faults = None
        state.faults = None
        state.skew_ms = 0
        return {}
    try:
        config = msgspec.convert(body, FaultConfig)
    except msgspec.ValidationError as exc:
        raise _BadRequest(str(exc)) from None
    state.options.faults = config
    state.faults = FaultInjector(config, clock=state.clock)
    state.skew_ms = config.clock_skew_ms
    return msgspec.to_builtins(config)


# The longest ``grace`` of POST /_oms/shutdown, in seconds.
MAX_SHUTDOWN_GRACE = 600


async def _shutdown(request: web.Request, state: ServerState, body: dict[str, Any]) -> object:
    grace = _decimal(body, "grace") if "grace" in body else Decimal(0)
    if not 0 <= grace <= MAX_SHUTDOWN_GRACE:
        raise _BadRequest(f"'grace' must be 0 to {MAX_SHUTDOWN_GRACE} seconds")
    await request.app[HUB_KEY].shutdown(float(grace))
    await request.app[STREAMS_KEY].shutdown(float(grace))
    return {"grace": str(grace)}


async def _book(request: web.Request, state: ServerState, body: dict[str, Any]) -> object:
    symbol = request.query.get("symbol", "")
    data = state.exchange.market_data(symbol)
    last, bids, asks = data.depth(1_000_000)
    best = data.best(Side.BUY)[0], data.best(Side.SELL)[0]
    return {
        "lastUpdateId": last,
        "bids": [[d8(p), d8(q)] for p, q in bids],
        "asks": [[d8(p), d8(q)] for p, q in asks],
        "best": [d8(best[0]), d8(best[1])],
    }


def _wrap(token: str, handler: _Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return web.json_response({"error": "missing or wrong control token"}, status=401)
        try:
            raw = await request.read()
            body = json.loads(raw) if raw else {}
            if not isinstance(body, dict):
                raise _BadRequest("the body must be a JSON object")
            result = await handler(request, request.app[STATE_KEY], body)
        except (_BadRequest, ValueError, KeyError, SimError) as exc:
            message = exc.msg if isinstance(exc, SimError) else str(exc)
            return web.json_response({"error": message}, status=400)
        return web.json_response(result)

    return handle


def add_control_routes(app: web.Application, token: str) -> None:
    """Serve the control API under ``/_oms/``, guarded by ``token``.

    Raises:
        ValueError: an empty token (the API would be open to anyone).
    """
    if not token:
        raise ValueError("the control token must not be empty")
    for method, path, handler in (
        ("POST", "/_oms/deposit", _deposit),
        ("POST", "/_oms/withdraw", _deposit),
        ("POST", "/_oms/lock", _lock),
        ("POST", "/_oms/price", _price),
        ("POST", "/_oms/faults", _faults),
        ("DELETE", "/_oms/faults", _faults),
        ("POST", "/_oms/shutdown", _shutdown),
        ("GET", "/_oms/book", _book),
    ):
        app.router.add_route(method, path, _wrap(token, handler))

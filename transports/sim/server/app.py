"""The local Binance Spot server: a SimExchange behind Binance's REST and WebSocket API.

A client's REST base URL is ``http://HOST:PORT/api`` and its WebSocket API URL
``ws://HOST:PORT/ws-api/v3``: the layout of the Spot testnet
(``https://testnet.binance.vision/api``, ``wss://ws-api.testnet.binance.vision/ws-api/v3``), so any
Binance client pointed there works.

Rules:
- ``make_app`` builds one aiohttp application per server run over one ``SimExchange``;
  the REST face is ``server_rest``, the WebSocket API ``server_ws``, the shared rules
  (keys, limits, faults) ``server_core``.
- ``X-MBX-USED-WEIGHT-1M`` is set on *every* response, 404s and 410s included
  (rest-api.md, LIMITS).
- On shutdown every WebSocket connection gets ``serverShutdown`` and is closed (web-socket-api.md,
  General API Information).
- The server never logs or echoes a secret, a signature or a signed query string.
- Every answer carries ``X-OMS-Exchange-Run``: a random id per server run (``RUN_KEY``), so
  a client can tell that the exchange it wrote a journal against was restarted (and its
  orders and balances are gone). Binance sends no such header.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from transports.sim.exchange import SimExchange
from transports.sim.server import account, market, old_oco, opo
from transports.sim.server.auth import DEMO_API_KEY, DEMO_API_SECRET, ApiAccount
from transports.sim.server.core import ServerOptions, ServerState, wall_clock_ms
from transports.sim.server.lists import add_list_methods, add_list_routes
from transports.sim.server.rest import STATE_KEY, add_routes, error_body
from transports.sim.server.sor import ENDPOINTS as SOR_ENDPOINTS
from transports.sim.server.sor import add_sor_methods
from transports.sim.server.streams import StreamHub, add_stream_routes
from transports.sim.server.ws import EventHub, WsApi

__all__ = [
    "DEMO_API_KEY",
    "DEMO_API_SECRET",
    "HUB_KEY",
    "RUN_HEADER",
    "RUN_KEY",
    "STREAMS_KEY",
    "ApiAccount",
    "ServerOptions",
    "make_app",
]

HUB_KEY = web.AppKey("oms_server_hub", EventHub)
RUN_KEY = web.AppKey("oms_exchange_run", str)
RUN_HEADER = "X-OMS-Exchange-Run"


STREAMS_KEY = web.AppKey("oms_server_streams", StreamHub)


@web.middleware
async def _json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Unknown paths and methods answer Binance's JSON error body, never aiohttp's plain
    text (clients decode every body as JSON; errors.md, -1020 UNSUPPORTED_OPERATION; the
    exact code Binance sends for an unknown path is UNVERIFIED)."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status not in (404, 405):
            raise
        body = error_body(-1020, "This operation is not supported.")
        return web.Response(status=exc.status, body=body, content_type="application/json")


add_list_methods(WsApi, old_oco.OPERATIONS + opo.OPERATIONS)
add_sor_methods(WsApi)


async def _common_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``X-MBX-USED-WEIGHT-1M`` and the run id on every response (one signal handler: each
    costs a coroutine per response)."""
    app = request.app
    headers = response.headers
    if "X-MBX-USED-WEIGHT-1M" not in headers:
        headers["X-MBX-USED-WEIGHT-1M"] = str(
            app[STATE_KEY].limiter.used_weight(request.remote or "unknown")
        )
    headers[RUN_HEADER] = app[RUN_KEY]


def make_app(
    exchange: SimExchange,
    accounts: Sequence[ApiAccount],
    options: ServerOptions | None = None,
    *,
    clock: Callable[[], int] | None = None,
) -> web.Application:
    """The aiohttp application serving ``exchange`` to the holders of ``accounts``' keys.

    Accounts the exchange does not know yet are created empty.

    Raises:
        ValueError: a key that is malformed, configured twice, or has not exactly one of an
            HMAC secret, an Ed25519 public key and an RSA public key.
    """
    state = ServerState(exchange, accounts, options or ServerOptions(), clock or wall_clock_ms)
    state.ensure_accounts()
    hub = EventHub(state)
    app = web.Application(middlewares=[_json_errors])
    app[STATE_KEY] = state
    app[HUB_KEY] = hub
    add_routes(app, market.ENDPOINTS, account.ENDPOINTS, *account.MORE_ENDPOINTS, SOR_ENDPOINTS)
    add_list_routes(app, old_oco.OPERATIONS + opo.OPERATIONS)
    app.router.add_get("/ws-api/v3", WsApi(state, hub).handle)
    streams = app[STREAMS_KEY] = StreamHub(state)
    add_stream_routes(app, streams)
    app[RUN_KEY] = secrets.token_hex(8)
    app.on_response_prepare.append(_common_headers)

    async def start(app: web.Application) -> None:
        hub.start()
        streams.start()

    async def shutdown(app: web.Application) -> None:
        await hub.shutdown()
        await streams.shutdown()

    async def cleanup(app: web.Application) -> None:
        hub.stop()
        streams.stop()

    app.on_startup.append(start)
    app.on_shutdown.append(shutdown)
    app.on_cleanup.append(cleanup)
    return app

"""A tiny, scriptable Binance look-alike for hostile-server tests (real aiohttp, 127.0.0.1).

It answers ``/api/v3/time`` truthfully, verifies every signed REST request's HMAC over the
exact query string and body it received, records what arrived, and for everything else runs
the handler a test installs. The WebSocket API endpoint plays one script per connection.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from aiohttp import web

from oms.wire.rest import AccountBalance, AccountInfo, CommissionRates, NewOrderAck
from transports.binance.config import BinanceConfig, Environment
from transports.binance.signing import HmacSigner, Secret, ws_payload
from transports.wire import encode_json

API_KEY = "hostileApiKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
API_SECRET = "hostileSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
WsScript = Callable[[web.WebSocketResponse, "Hostile"], Awaitable[None]]

ACCOUNT = AccountInfo(
    maker_commission=0,
    taker_commission=0,
    buyer_commission=0,
    seller_commission=0,
    commission_rates=CommissionRates(
        maker=Decimal("0"), taker=Decimal("0"), buyer=Decimal("0"), seller=Decimal("0")
    ),
    can_trade=True,
    can_withdraw=True,
    can_deposit=True,
    brokered=False,
    require_self_trade_prevention=False,
    prevent_sor=False,
    update_time=1,
    account_type="SPOT",
    balances=(AccountBalance(asset="USDT", free=Decimal("100.00000000"), locked=Decimal("0")),),
    permissions=("SPOT",),
    uid=1,
)
ACK = NewOrderAck(
    symbol="BTCUSDT", order_id=7, order_list_id=-1, client_order_id="c1", transact_time=1
)


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=encode_json(body), status=status, content_type="application/json", headers=headers
    )


def error(
    code: int, msg: str, status: int = 400, headers: dict[str, str] | None = None
) -> web.Response:
    return json_response({"code": code, "msg": msg}, status, headers)


class Hostile:
    """State of one hostile server: installed handlers, received requests, WS scripts."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: list[tuple[str, str, float]] = []  # (method, path, monotonic time)
        self.bad_signatures = 0
        self.received: list[tuple[str, bytes]] = []  # raw query string, raw body
        self.ws_scripts: list[WsScript] = []
        self.ws_connections = 0
        self.ws_requests: list[dict[str, Any]] = []
        self.time_calls = 0
        self.clock_skew_ms = 0

    def route(self, method: str, path: str) -> Callable[[Handler], Handler]:
        def install(handler: Handler) -> Handler:
            self.routes[f"{method} {path}"] = handler
            return handler

        return install

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.hits if (m, p) == (method, path))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v3/time", self._time)
        app.router.add_get("/ws-api/v3", self._ws)
        app.router.add_route("*", "/api/{tail:.*}", self._dispatch)
        return app

    async def _time(self, request: web.Request) -> web.Response:
        self.time_calls += 1
        return json_response({"serverTime": int(time.time() * 1000) + self.clock_skew_ms})

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        query = request.raw_path.partition("?")[2]
        self.received.append((query, body))
        self.hits.append((request.method, request.path, time.monotonic()))
        if "signature=" in query or b"signature=" in body:
            self._verify(request, query, body)
        handler = self.routes.get(f"{request.method} {request.path}")
        if handler is None:
            return error(-1000, f"no handler for {request.method} {request.path}", 404)
        return await handler(request)

    def _verify(self, request: web.Request, query: str, body: bytes) -> None:
        # rest-api.md, Request Security: the signature covers queryString + body, exactly as
        # received, no separator.
        text = query + body.decode()
        payload, _, sig = text.rpartition("&signature=")
        expected = hmac.new(API_SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if request.headers.get("X-MBX-APIKEY") != API_KEY or sig != expected:
            self.bad_signatures += 1

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.ws_connections += 1
        script = self.ws_scripts.pop(0) if self.ws_scripts else silent
        try:
            await script(ws, self)
        finally:
            if not ws.closed:
                await ws.close()
        return ws

    async def ws_request(self, ws: web.WebSocketResponse) -> dict[str, Any]:
        """Receive the client's next request, checking a signed one's signature."""
        msg = await ws.receive(timeout=5)
        request: dict[str, Any] = json.loads(msg.data)
        self.ws_requests.append(request)
        params = request.get("params") or {}
        if "signature" in params:
            expected = HmacSigner(Secret(API_SECRET)).sign(ws_payload(params))
            if params["signature"] != expected or params.get("apiKey") != API_KEY:
                self.bad_signatures += 1
        return request


async def subscribe_ok(ws: web.WebSocketResponse, server: Hostile) -> str:
    request = await server.ws_request(ws)
    assert request["method"] == "userDataStream.subscribe.signature"
    await ws.send_str(
        json.dumps({"id": request["id"], "status": 200, "result": {"subscriptionId": 0}})
    )
    return str(request["id"])


async def idle(ws: web.WebSocketResponse, server: Hostile) -> None:
    """Read (so close frames are answered) and ignore everything until the client leaves."""
    async for msg in ws:
        server.ws_requests.append(json.loads(msg.data))


async def silent(ws: web.WebSocketResponse, server: Hostile) -> None:
    await subscribe_ok(ws, server)
    await idle(ws, server)


def event(kind: str = "balanceUpdate", asset: str = "BTC", delta: str = "1.5") -> str:
    body = {"e": kind, "E": 1, "a": asset, "d": delta, "T": 1}
    return json.dumps({"subscriptionId": 0, "event": body})


def config_for(rest_url: str, ws_url: str, **overrides: Any) -> BinanceConfig:
    base: dict[str, Any] = {
        "environment": Environment.LOCAL,
        "rest_url": rest_url,
        "ws_api_url": ws_url,
        "api_key": Secret(API_KEY),
        "signer": HmacSigner(Secret(API_SECRET)),
        "request_timeout_s": 2.0,
        "time_samples": 3,
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.05,
        "stream_status_timeout_s": 1.0,
    }
    base.update(overrides)
    return BinanceConfig(**base)

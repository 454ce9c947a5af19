"""Fixtures for the local Binance server: a SimExchange served on 127.0.0.1, and signed clients.

The clients here sign exactly as rest-api.md, Request Security says (percent-encode, then HMAC or
Ed25519; WebSocket API: sorted, raw), independently of the server's verifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from yarl import URL

from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.server.app import ApiAccount, ServerOptions, make_app

START_MS = 1_700_000_000_000
ALICE_KEY = "aliceKey000000000000000000000000000000000000000000000000000000001"
ALICE_SECRET = "aliceSecret00000000000000000000000000000000000000000000000000001"
BOB_KEY = "bobKey00000000000000000000000000000000000000000000000000000000001"
BOB_SECRET = "bobSecret0000000000000000000000000000000000000000000000000000001"
CAROL_KEY = "carolEd25519Key0000000000000000000000000000000000000000000000001"
CAROL_PRIVATE = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
CAROL_PEM = (
    CAROL_PRIVATE.public_key()
    .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def accounts() -> list[ApiAccount]:
    return [
        ApiAccount(account="alice", api_key=ALICE_KEY, secret=ALICE_SECRET),
        ApiAccount(account="bob", api_key=BOB_KEY, secret=BOB_SECRET),
        ApiAccount(account="carol", api_key=CAROL_KEY, ed25519_public_key=CAROL_PEM),
    ]


def funded_exchange(clock: ManualClock) -> SimExchange:
    exchange = SimExchange(clock=clock)
    for name in ("alice", "bob", "carol", "maker"):
        exchange.create_account(
            name,
            {"USDT": Decimal("1000000"), "BTC": Decimal("100"), "ETH": Decimal("1000")},
        )
    return exchange


def hmac_sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def ed25519_sign(payload: bytes) -> str:
    return base64.b64encode(CAROL_PRIVATE.sign(payload)).decode()


class Reply:
    """A REST answer: status, headers and raw body (decode with ``oms.wire.decoding``)."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def code(self) -> int | None:
        data = self.json()
        return data.get("code") if isinstance(data, dict) else None


class RestClient:
    """A minimal signed Binance REST client (rest-api.md, Request Security), for driving the server
    in tests."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base: str,
        clock: ManualClock,
        key: str,
        secret: str | None = None,
    ) -> None:
        self.session = session
        self.base = base
        self.clock = clock
        self.key = key
        self.secret = secret

    def sign(self, payload: bytes) -> str:
        return hmac_sign(self.secret, payload) if self.secret else ed25519_sign(payload)

    async def raw(
        self,
        method: str,
        path: str,
        query: str = "",
        body: str = "",
        *,
        key: str | None = None,
        timeout: float = 10.0,
    ) -> Reply:
        url = URL(self.base + path + (f"?{query}" if query else ""), encoded=True)
        headers = {"X-MBX-APIKEY": key if key is not None else self.key}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        async with self.session.request(
            method,
            url,
            data=body.encode() if body else None,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            return Reply(response.status, dict(response.headers), await response.read())

    async def signed(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        in_body: bool = False,
        timestamp: int | None = None,
        timeout: float = 10.0,
    ) -> Reply:
        pairs = {k: str(v) for k, v in (params or {}).items()}
        pairs["timestamp"] = str(timestamp if timestamp is not None else self.clock())
        encoded = urlencode(pairs)
        signed = f"{encoded}&signature={self.sign(encoded.encode())}"
        if in_body:
            return await self.raw(method, path, body=signed, timeout=timeout)
        return await self.raw(method, path, signed, timeout=timeout)

    async def public(self, path: str, params: dict[str, str] | None = None) -> Reply:
        return await self.raw("GET", path, urlencode(params or {}))


class WsClient:
    """A WebSocket API client: requests by id, events collected as they arrive."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, clock: ManualClock) -> None:
        self.ws = ws
        self.clock = clock
        self.events: list[dict[str, Any]] = []
        self._next = 0

    def signed_params(self, key: str, secret: str | None, **params: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"apiKey": key, **params, "timestamp": self.clock()}
        payload = "&".join(f"{k}={out[k]}" for k in sorted(out)).encode()
        out["signature"] = hmac_sign(secret, payload) if secret else ed25519_sign(payload)
        return out

    async def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._next += 1
        request_id = f"r{self._next}"
        frame: dict[str, Any] = {"id": request_id, "method": method}
        if params is not None:
            frame["params"] = params
        await self.ws.send_str(json.dumps(frame))
        while True:
            message = await self.ws.receive(timeout=5)
            assert message.type is aiohttp.WSMsgType.TEXT, message
            data = json.loads(message.data)
            if "event" in data:
                self.events.append(data)
                continue
            assert data["id"] == request_id, data
            return data  # type: ignore[no-any-return]

    async def next_event(self, timeout: float = 2.0) -> dict[str, Any]:
        if self.events:
            return self.events.pop(0)
        message = await self.ws.receive(timeout=timeout)
        assert message.type is aiohttp.WSMsgType.TEXT, message
        data = json.loads(message.data)
        assert "event" in data, data
        return data  # type: ignore[no-any-return]

    async def events_for(self, seconds: float) -> list[dict[str, Any]]:
        """Every event frame that arrives within ``seconds``."""
        out, self.events = self.events, []
        while True:
            try:
                message = await self.ws.receive(timeout=seconds)
            except TimeoutError:
                return out
            if message.type is not aiohttp.WSMsgType.TEXT:
                return out
            out.append(json.loads(message.data))


class Harness:
    """A served exchange plus client factories."""

    def __init__(self, server: TestServer, exchange: SimExchange, clock: ManualClock) -> None:
        self.server = server
        self.exchange = exchange
        self.clock = clock
        self.session = aiohttp.ClientSession()
        self.sockets: list[aiohttp.ClientWebSocketResponse] = []  # closed by close()
        self.base = str(server.make_url("/api"))
        self.ws_url = str(server.make_url("/ws-api/v3")).replace("http", "ws", 1)

    def rest(self, key: str = ALICE_KEY, secret: str | None = ALICE_SECRET) -> RestClient:
        return RestClient(self.session, self.base, self.clock, key, secret)

    async def ws(self, query: str = "") -> WsClient:
        url = self.ws_url + (f"?{query}" if query else "")
        ws = await self.session.ws_connect(url, autoping=True)
        self.sockets.append(ws)
        return WsClient(ws, self.clock)

    async def close(self) -> None:
        # Each WebSocket first: closing the session closes their sockets but leaves an open
        # one's connection unreleased, for the collector to warn about (aiohttp's
        # "Unclosed connection" ResourceWarning, seen on Python 3.12 and 3.13).
        for ws in self.sockets:
            await ws.close()
        await self.session.close()


ServeFactory = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def serve(aiohttp_server: Any) -> Any:
    """``await serve(options=..., exchange=..., accounts=...)`` -> a running Harness."""
    harnesses: list[Harness] = []

    async def start(
        options: ServerOptions | None = None,
        exchange: SimExchange | None = None,
        api_accounts: list[ApiAccount] | None = None,
        clock: ManualClock | None = None,
    ) -> Harness:
        clock = clock or ManualClock(START_MS)
        exchange = exchange or funded_exchange(clock)
        app = make_app(exchange, api_accounts or accounts(), options, clock=clock)
        server = await aiohttp_server(app)
        harness = Harness(server, exchange, clock)
        harnesses.append(harness)
        return harness

    yield start
    for harness in harnesses:
        await harness.close()


@pytest.fixture
async def harness(serve: ServeFactory) -> Harness:
    return await serve()

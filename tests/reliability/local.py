"""The full stack on 127.0.0.1: SimExchange -> local server -> BinanceClient -> OrderManager.

Used by the security and hostile-input tests: real aiohttp, real signing, real journal.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp.test_utils import TestServer
from yarl import URL

from oms.runtime.journal import Journal
from oms.runtime.manager import ManagerConfig, OrderManager
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from transports.binance.client import BinanceClient
from transports.binance.config import BinanceConfig, Environment
from transports.binance.signing import HmacSigner, Secret
from transports.sim.exchange import SimExchange
from transports.sim.server.app import HUB_KEY, ApiAccount, make_app

D = Decimal
KEY = "reliabilityKey0000000000000000000000000000000000000000000000000001"
SECRET = "reliabilitySecret000000000000000000000000000000000000000000000001"
OTHER_KEY = "reliabilityOtherKey00000000000000000000000000000000000000000000001"
OTHER_SECRET = "reliabilityOtherSecret0000000000000000000000000000000000000000001"
SECRETS = (KEY, SECRET, OTHER_KEY, OTHER_SECRET)
ServerFactory = Callable[..., Any]


async def poll_until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``check`` (a bad frame dispatches no update, so ``wait_for`` cannot see it)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.01)


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def exchange() -> SimExchange:
    sim = SimExchange(clock=wall_ms)
    sim.create_account("maker", {"BTC": D("10"), "USDT": D("1000000")})
    sim.create_account("me", {"USDT": D("100000"), "BTC": D("1")})
    sim.create_account("you", {"USDT": D("100000"), "BTC": D("1")})
    for price in ("60000", "60010"):
        sim.place_order("maker", limit(Side.SELL, "1", price))
    return sim


def limit(side: Side, qty: str, price: str, **fields: Any) -> NewOrder:
    return NewOrder(
        symbol="BTCUSDT",
        side=side,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=D(qty),
        price=D(price),
        **fields,
    )


def accounts() -> list[ApiAccount]:
    return [
        ApiAccount(account="me", api_key=KEY, secret=SECRET),
        ApiAccount(account="you", api_key=OTHER_KEY, secret=OTHER_SECRET),
    ]


class Stack:
    """A served exchange and, on demand, clients and managers over it."""

    def __init__(self, sim: SimExchange, server: TestServer) -> None:
        self.sim = sim
        self.server = server

    @property
    def base(self) -> str:
        return str(self.server.make_url("/api"))

    def config(self, key: str = KEY, secret: str = SECRET) -> BinanceConfig:
        return BinanceConfig(
            environment=Environment.LOCAL,
            rest_url=self.base,
            ws_api_url=str(self.server.make_url("/ws-api/v3")).replace("http", "ws", 1),
            api_key=Secret(key),
            signer=HmacSigner(Secret(secret)),
            time_samples=3,
            backoff_initial_s=0.01,
            backoff_max_s=0.05,
            stream_status_timeout_s=2.0,
        )

    def manager(self, journal: Journal | None = None) -> OrderManager:
        config = ManagerConfig(resolve_initial_delay=0.01, stream_start_timeout=5.0)
        return OrderManager(BinanceClient(self.config(), rng=lambda: 0.5), journal=journal,
                            config=config)  # fmt: skip

    def push_raw(self, account: str, frame: bytes) -> int:
        """Send ``frame`` as a user-data event to every subscription of ``account``."""
        hub = self.server.app[HUB_KEY]
        sent = 0
        for conn in list(hub.connections):
            for subscription, (owner, _) in conn.subscriptions.items():
                if owner == account:
                    conn.send_event(subscription, frame)
                    sent += 1
        return sent

    async def signed(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        params: dict[str, str],
        *,
        key: str = KEY,
        secret: str = SECRET,
    ) -> tuple[int, Any]:
        """A request signed as rest-api.md, Request Security says (HMAC over the query)."""
        query = urlencode({**params, "timestamp": str(wall_ms())})
        signature = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
        return await self.raw(session, method, path, f"{query}&signature={signature}", key=key)

    async def raw(
        self, session: aiohttp.ClientSession, method: str, path: str, query: str, *, key: str
    ) -> tuple[int, Any]:
        url = URL(f"{self.base}{path}?{query}", encoded=True)  # the bytes as signed
        headers = {"X-MBX-APIKEY": key} if key else {}
        async with session.request(method, url, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)


async def serve(aiohttp_server: ServerFactory) -> Stack:
    sim = exchange()
    return Stack(sim, await aiohttp_server(make_app(sim, accounts())))

"""Signed orders per second through the local Binance server, over loopback.

Starts the server on 127.0.0.1 (a free port) in this process, then N concurrent clients,
each its own account, HTTP session and key, place signed orders (alternately a MARKET buy
that trades against a resting ask and an IOC buy that expires) with a few in flight each.
Prints orders/s and latency p50/p99, and, as the baseline measured in the same run, the
rate of unsigned ``GET /api/v3/ping`` round trips; the ratio says what signing, parsing and
the exchange cost on top of bare HTTP.

    python bench/server_load.py [--clients 4] [--orders 1000] [--in-flight 4]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import statistics
import time
from decimal import Decimal
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from transports.sim.exchange import SimExchange
from transports.sim.server.app import ApiAccount, ServerOptions, make_app
from transports.sim.server.core import wall_clock_ms


def _order(i: int) -> dict[str, str]:
    base = {"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.00100", "newOrderRespType": "ACK"}
    if i % 2 == 0:
        return {**base, "type": "MARKET"}
    return {**base, "type": "LIMIT", "timeInForce": "IOC", "price": "59000.00"}


async def _signed_post(
    session: aiohttp.ClientSession, url: str, key: str, secret: str, params: dict[str, str]
) -> float:
    params = {**params, "timestamp": str(wall_clock_ms())}
    query = urlencode(params)
    signature = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    started = time.perf_counter()
    async with session.post(
        f"{url}?{query}&signature={signature}", headers={"X-MBX-APIKEY": key}
    ) as reply:
        await reply.read()
        if reply.status != 200:
            raise RuntimeError(f"order refused: {reply.status}")
    return time.perf_counter() - started


async def _client(url: str, n: int, orders: int, in_flight: int) -> list[float]:
    latencies: list[float] = []
    todo = list(range(orders))
    async with aiohttp.ClientSession() as session:

        async def worker() -> None:
            while todo:
                i = todo.pop()
                latencies.append(
                    await _signed_post(session, url, f"benchKey{n}", f"benchSecret{n}", _order(i))
                )

        await asyncio.gather(*(worker() for _ in range(in_flight)))
    return latencies


async def _pings(base: str, count: int, clients: int) -> float:
    async def one() -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(count // clients):
                async with session.get(f"{base}/v3/ping") as reply:
                    await reply.read()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(clients)))
    return count / (time.perf_counter() - started)


def _exchange(clients: int) -> tuple[SimExchange, list[ApiAccount]]:
    exchange = SimExchange(clock=wall_clock_ms)
    exchange.create_account("maker", {"BTC": Decimal("1000")})
    exchange.place_order(
        "maker",
        NewOrder(
            symbol="BTCUSDT",
            side=Side.SELL,
            order_type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            quantity=Decimal("100"),
            price=Decimal("60000.00"),
        ),
    )
    keys = []
    for n in range(clients):
        exchange.create_account(f"bench{n}", {"USDT": Decimal("100000000")})
        keys.append(
            ApiAccount(account=f"bench{n}", api_key=f"benchKey{n}", secret=f"benchSecret{n}")
        )
    return exchange, keys


async def run(clients: int, orders: int, in_flight: int) -> None:
    exchange, keys = _exchange(clients)
    options = ServerOptions(orders_per_10s=10**9, orders_per_day=10**9)
    runner = web.AppRunner(make_app(exchange, keys, options), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}/api"
    try:
        ping_rate = await _pings(base, clients * orders, clients)
        started = time.perf_counter()
        results = await asyncio.gather(
            *(_client(f"{base}/v3/order", n, orders, in_flight) for n in range(clients))
        )
        elapsed = time.perf_counter() - started
    finally:
        await runner.cleanup()
    latencies = sorted(x for lat in results for x in lat)
    total = len(latencies)
    rate = total / elapsed
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(total * 0.99) - 1] * 1000
    print(f"clients={clients} orders={total} in_flight/client={in_flight}")
    print(f"baseline GET /api/v3/ping: {ping_rate:,.0f} req/s")
    print(f"signed POST /api/v3/order: {rate:,.0f} orders/s  (x{rate / ping_rate:.2f} of ping)")
    print(f"order latency: p50 {p50:.2f} ms  p99 {p99:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--orders", type=int, default=1000, help="per client")
    parser.add_argument("--in-flight", type=int, default=4, help="concurrent requests per client")
    args = parser.parse_args()
    asyncio.run(run(args.clients, args.orders, args.in_flight))


if __name__ == "__main__":
    main()

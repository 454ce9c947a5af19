"""Wire figures: order round trips and user-data events over loopback, against bare aiohttp.

A server process (``python -m bench.wire --serve``) runs the local Binance server
(``transports.sim.server.app.make_app``, rate limits lifted) with three bench routes added to
the same application, so the limit and our path share one server, one process, one loop:
- ``POST /bench/bare``: answers a fixed order-answer body (the bare request's limit);
- ``GET /bench/ws-bare?n=N``: a WebSocket sending N user-data frames, then closing;
- ``POST /bench/push?n=N``: sends the same N frames to every user-data subscription of the
  bench account through the server's own writer (``Connection.send_event``).
The frames are ``bench.event_path.build_frames`` (realistic executionReports and positions).

This process then measures, median over repeats, interleaved:
- round trips/s and p50/p99 latency of ``OrderManager.execute_spot_buy`` (a LIMIT IOC that
  expires; the stream subscribed) through ``BinanceClient``, with 1 and with 8 in flight,
  against bare ``aiohttp`` POSTs to ``/bench/bare`` with as many in flight (goal >= 0.8);
- user-data events/s received over the WebSocket API and applied by the manager (adopted
  orders, fills, balances, journal), against a bare aiohttp receive loop (goal >= 0.6).
``--uvloop`` (or ``OMS_UVLOOP=1``) runs both processes on uvloop when it is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.common import Row
from bench.event_path import build_frames
from oms.runtime.manager import ManagerConfig, OrderManager
from oms.wire.enums import TimeInForce
from oms.wire.stream import StreamItem
from transports.binance.client import BinanceClient
from transports.binance.config import BinanceConfig, Environment
from transports.binance.signing import HmacSigner, Secret
from transports.sim.exchange import SimExchange
from transports.sim.server.app import HUB_KEY, ApiAccount, ServerOptions, make_app
from transports.sim.server.core import wall_clock_ms

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "bench"
KEY = "benchWireKey00000000000000000000000000000000000000000000000000001"
SECRET = "benchWireSecret000000000000000000000000000000000000000000000001"
BARE_BODY = (
    b'{"symbol":"BTCUSDT","orderId":1,"orderListId":-1,"clientOrderId":"bench-0",'
    b'"transactTime":1700000000000,"price":"50000.00","origQty":"0.00100","executedQty":'
    b'"0.00000","origQuoteOrderQty":"0.00000000","cummulativeQuoteQty":"0.00000000",'
    b'"status":"EXPIRED","timeInForce":"IOC","type":"LIMIT","side":"BUY",'
    b'"workingTime":1700000000000,"selfTradePreventionMode":"EXPIRE_MAKER"}'
)
PREFIX = len(b'{"subscriptionId":0,"event":')


def use_uvloop(wanted: bool) -> bool:
    """Install uvloop's event loop policy when asked for and installed."""
    if not (wanted or os.environ.get("OMS_UVLOOP") == "1"):
        return False
    try:
        import uvloop  # noqa: PLC0415 - optional
    except ImportError:
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True


# --- the server process ------------------------------------------------------------------


def _events(orders: int) -> list[bytes]:
    """Event bodies of ``orders`` order lifecycles, order ids far above the exchange's."""
    _, frames = build_frames(orders)
    return [f[PREFIX:-1].replace(b'"i":1', b'"i":91') for f in frames]


def server_app() -> web.Application:
    exchange = SimExchange(clock=wall_clock_ms)
    exchange.create_account(ACCOUNT, {"USDT": Decimal(10) ** 9})
    options = ServerOptions(
        orders_per_10s=10**9, orders_per_day=10**9, request_weight_per_minute=10**9
    )
    app = make_app(exchange, [ApiAccount(account=ACCOUNT, api_key=KEY, secret=SECRET)], options)
    cache: dict[int, list[bytes]] = {}

    def events(n: int) -> list[bytes]:
        if n not in cache:
            cache[n] = _events(n // 6 + 1)[:n]
        return cache[n]

    async def bare(request: web.Request) -> web.Response:
        return web.Response(body=BARE_BODY, content_type="application/json")

    async def ws_bare(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        for body in events(int(request.query["n"])):
            await ws.send_frame(b'{"subscriptionId":0,"event":%s}' % body, aiohttp.WSMsgType.TEXT)
        await ws.close()
        return ws

    async def push(request: web.Request) -> web.Response:
        subs = request.app[HUB_KEY]._subs.get(ACCOUNT, {})
        for body in events(int(request.query["n"])):
            for conn, subscription in subs.items():
                conn.send_event(subscription, body)
        return web.Response(text=str(len(subs)))

    app.router.add_post("/bench/bare", bare)
    app.router.add_get("/bench/ws-bare", ws_bare)
    app.router.add_post("/bench/push", push)
    return app


async def serve() -> None:
    runner = web.AppRunner(server_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(port, flush=True)
    await asyncio.Event().wait()


# --- the client side ---------------------------------------------------------------------


async def _pace(
    n: int, in_flight: int, one: Callable[[], Awaitable[None]]
) -> tuple[float, list[float]]:
    """Run ``one`` ``n`` times with ``in_flight`` workers: (rate, latencies in s)."""
    latencies: list[float] = []
    left = [n]

    async def worker() -> None:
        while left[0] > 0:
            left[0] -= 1
            started = time.perf_counter()
            await one()
            latencies.append(time.perf_counter() - started)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return n / (time.perf_counter() - start), latencies


class CountingClient(BinanceClient):
    """BinanceClient counting the stream items the manager has taken and applied."""

    applied = 0

    def user_data(self) -> AsyncIterator[StreamItem]:
        return self._counted(super().user_data())

    async def _counted(self, items: AsyncIterator[StreamItem]) -> AsyncIterator[StreamItem]:
        async for item in items:
            yield item
            self.applied += 1  # the consumer asked for the next one: this one is applied


def _config(base: str) -> BinanceConfig:
    return BinanceConfig(
        environment=Environment.LOCAL, rest_url=f"{base}/api",
        ws_api_url=f"{base.replace('http', 'ws', 1)}/ws-api/v3", api_key=Secret(KEY),
        signer=HmacSigner(Secret(SECRET)), time_samples=1,
    )  # fmt: skip


async def _manager(base: str) -> tuple[OrderManager, CountingClient]:
    client = CountingClient(_config(base))
    manager = OrderManager(client, config=ManagerConfig(balance_settle=0.0))
    await manager.start()
    return manager, client


async def round_trips(base: str, n: int, in_flight: int, repeats: int) -> dict[str, Any]:
    manager, _ = await _manager(base)
    qty, price = Decimal("0.001"), Decimal("50000.00")

    async def ours() -> None:
        await manager.execute_spot_buy("BTCUSDT", qty, price, time_in_force=TimeInForce.IOC)

    result: dict[str, Any] = {"ours": [], "bare": [], "lat_ours": [], "lat_bare": []}
    async with aiohttp.ClientSession() as session:

        async def bare() -> None:
            async with session.post(f"{base}/bench/bare") as reply:
                await reply.read()

        await _pace(50, in_flight, ours)  # warm up both
        await _pace(50, in_flight, bare)
        for _ in range(repeats):
            for name, fn in (("bare", bare), ("ours", ours)):
                rate, lat = await _pace(n, in_flight, fn)
                result[name].append(rate)
                result[f"lat_{name}"].extend(lat)
    await manager.close()
    return result


async def events(base: str, n: int, repeats: int) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {"ours": [], "bare": []}
    async with aiohttp.ClientSession() as session:
        for r in range(repeats):
            start = time.perf_counter()
            async with session.ws_connect(f"{base}/bench/ws-bare?n={n}") as ws:
                got = 0
                async for _ in ws:
                    got += 1
            assert got == n, got
            rates["bare"].append(n / (time.perf_counter() - start))
            manager, client = await _manager(base)  # a fresh manager: every order is new
            await asyncio.sleep(0.05)
            before = client.applied
            start = time.perf_counter()
            async with session.post(f"{base}/bench/push?n={n}") as reply:
                assert (await reply.text()) == "1", "the manager is not subscribed"
            while client.applied - before < n:
                await asyncio.sleep(0.0005)
            rates["ours"].append(n / (time.perf_counter() - start))
            await manager.close()
            del r
    return rates


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] * 1e3


async def measure(quick: bool, loop_name: str) -> list[Row]:
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.wire", "--serve", *(["--uvloop"] * ("uv" in loop_name))],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        base = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        n, repeats, events_n = (200, 3, 3_000) if quick else (1_000, 5, 20_000)
        sec = f"4 wire ({loop_name})"
        rows = []
        for in_flight in (1, 8):
            got = await round_trips(base, n, in_flight, repeats)
            ratio = statistics.median(a / b for a, b in zip(got["ours"], got["bare"], strict=True))
            rows.append(Row(sec, f"bare aiohttp POST, {in_flight} in flight",
                            statistics.median(got["bare"]), "req/s"))  # fmt: skip
            rows.append(Row(sec, f"order round trip, {in_flight} in flight",
                            statistics.median(got["ours"]), "orders/s", "bare POST", ratio,
                            ">= 0.8", ratio >= 0.8))  # fmt: skip
            for name, label in (("lat_bare", "bare"), ("lat_ours", "order")):
                lat = got[name]
                rows.append(Row(sec, f"  {label} latency p50 / p99, {in_flight} in flight",
                                _pct(lat, 0.5), f"ms (p99 {_pct(lat, 0.99):.2f})"))  # fmt: skip
        rates = await events(base, events_n, repeats)
        ratio = statistics.median(a / b for a, b in zip(rates["ours"], rates["bare"], strict=True))
        rows.append(Row(sec, "bare aiohttp WS receive loop", statistics.median(rates["bare"]),
                        "events/s"))  # fmt: skip
        rows.append(Row(sec, "user-data events received+applied", statistics.median(rates["ours"]),
                        "events/s", "bare WS", ratio, ">= 0.6", ratio >= 0.6))  # fmt: skip
        return rows
    finally:
        server.terminate()
        server.wait()


def figures(quick: bool, uvloop: bool = False) -> list[Row]:
    """Section 4 of the suite (run with uvloop too when asked for and installed)."""
    rows = asyncio.run(measure(quick, "asyncio"))
    if use_uvloop(uvloop):
        rows += asyncio.run(measure(quick, "uvloop"))
        asyncio.set_event_loop_policy(None)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--uvloop", action="store_true")
    parser.add_argument("--serve", action="store_true", help="internal: run the server")
    args = parser.parse_args()
    if args.serve:
        use_uvloop(args.uvloop)
        asyncio.run(serve())
        return
    from bench.common import print_table  # noqa: PLC0415

    print_table(figures(args.quick, args.uvloop))


if __name__ == "__main__":
    main()

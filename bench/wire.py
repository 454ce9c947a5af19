"""Wire figures: order round trips and user-data events over loopback, against bare aiohttp.

A server process (``python -m bench.wire --serve``) runs the local Binance server
(``transports.sim.server.app.make_app``, rate limits lifted) with three bench routes added to
the same application, so the limit and our path share one server, one process, one loop
(and ``GET /bench/cpu``: the server process's CPU seconds):
- ``POST /bench/bare``: answers a fixed order-answer body (the bare request's limit);
- ``GET /bench/ws-bare?n=N``: a WebSocket sending N user-data frames, then closing;
- ``POST /bench/push?n=N``: sends the same N frames to every user-data subscription of the
  bench account through the server's own writer (``Connection.send_event``).
The frames are ``bench.event_path.build_frames`` (realistic executionReports and positions).

This process then measures, median over repeats, interleaved:
- round trips/s and p50/p99 latency of ``OrderManager.execute_spot_buy`` (a LIMIT IOC that
  expires; the stream subscribed) through ``BinanceClient``, with 1 and with 8 in flight,
  against bare ``aiohttp`` POSTs to ``/bench/bare`` with as many in flight (goal >= 0.8);
- with 1 in flight, an order's p50 round trip and the client's CPU per order (its stream
  events included) against a minimal signed POST of the same order (``signed_order``:
  urlencode, HMAC, POST, ``json.loads``) to the same server (goals <= 1.25x, <= 1.5x), and
  the server process's CPU per request (``GET /bench/cpu`` before and after, the server's
  idle CPU over the same wall time, measured in the same repeat, subtracted): per bare POST
  (aiohttp's HTTP floor), per signed POST order and per WebSocket API ``order.place`` (a
  minimal signed client on one connection); the goal (<= 60 us) is on what an order costs
  the server above the bare POST (auth, parameters, filters, matching, reports, encoding);
  then, in a phase of their own, the client CPU of a manager with the stream off, trading
  on the minimal client's account (no subscription there), against the minimal signed
  POST: the REST path alone, without the order's stream events (no goal; it says how the
  row above splits);
- the same order through a manager with ``order_api="websocket"`` (its own account and
  stream): round trips/s with 1 and 8 in flight (against the bare POST, no goal), and with
  1 in flight its p50 round trip and client CPU per order (stream events included) against
  the same minimal signed POST (goals <= 1.25x, <= 1.5x);
- user-data events/s received over the WebSocket API and applied by the manager with a WAL
  file journal (adopted orders, fills, balances), against a bare aiohttp receive loop
  (goal >= 0.3).
``--uvloop`` (or ``OMS_UVLOOP=1``) runs both processes on uvloop when it is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bench.common import Row
from bench.event_path import build_frames
from oms.runtime.journal import Journal
from oms.runtime.manager import ManagerConfig, OrderManager
from oms.wire.enums import TimeInForce
from oms.wire.stream import StreamItem
from transports.binance.client import BinanceClient
from transports.binance.config import BinanceConfig, Environment, OrderApi
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
# The minimal signed client's own account (no user-data subscription: its orders cost the
# server no event sending, and the manager's stream never sees them).
MIN_ACCOUNT = "benchmin"
MIN_KEY = "benchMinKey000000000000000000000000000000000000000000000000000001"
MIN_SECRET = "benchMinSecret0000000000000000000000000000000000000000000000000001"
# The manager trading over the WebSocket API (order_api="websocket"): its own account, so
# its stream carries only its own orders' events.
WS_ACCOUNT = "benchws"
WS_KEY = "benchWsKey0000000000000000000000000000000000000000000000000000001"
WS_SECRET = "benchWsSecret00000000000000000000000000000000000000000000000001"


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
    # Unbounded send queue: the push is a burst of 20,000 frames at once (the measurement), and
    # the default bound (10,000) would drop the manager's connection as it drops a stalled one.
    options = ServerOptions(
        orders_per_10s=10**9,
        orders_per_day=10**9,
        request_weight_per_minute=10**9,
        stream_queue_frames=0,
    )
    exchange.create_account(MIN_ACCOUNT, {"USDT": Decimal(10) ** 9})
    exchange.create_account(WS_ACCOUNT, {"USDT": Decimal(10) ** 9})
    keys = [ApiAccount(account=ACCOUNT, api_key=KEY, secret=SECRET),
            ApiAccount(account=MIN_ACCOUNT, api_key=MIN_KEY, secret=MIN_SECRET),
            ApiAccount(account=WS_ACCOUNT, api_key=WS_KEY, secret=WS_SECRET)]  # fmt: skip
    app = make_app(exchange, keys, options)
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

    async def cpu(request: web.Request) -> web.Response:
        return web.Response(text=repr(time.process_time()))

    app.router.add_get("/bench/cpu", cpu)
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

    def user_data_frames(self) -> AsyncIterator[tuple[StreamItem, bytes | None]]:
        return self._counted(super().user_data_frames())

    async def _counted(
        self, items: AsyncIterator[tuple[StreamItem, bytes | None]]
    ) -> AsyncIterator[tuple[StreamItem, bytes | None]]:
        async for pair in items:
            yield pair
            self.applied += 1  # the consumer asked for the next one: this one is applied


def _config(
    base: str, key: str = KEY, secret: str = SECRET, order_api: OrderApi = OrderApi.REST
) -> BinanceConfig:
    return BinanceConfig(
        environment=Environment.LOCAL, rest_url=f"{base}/api",
        ws_api_url=f"{base.replace('http', 'ws', 1)}/ws-api/v3", api_key=Secret(key),
        signer=HmacSigner(Secret(secret)), time_samples=1, order_api=order_api,
    )  # fmt: skip


async def _manager(
    base: str,
    journal: str = ":memory:",
    *,
    stream: bool = True,
    counting: bool = False,
    ws_api: bool = False,
) -> tuple[OrderManager, BinanceClient]:
    # Without the stream, the manager trades on the minimal client's account: no
    # subscription there, so its orders' events reach nobody. ``counting``: a
    # ``CountingClient`` (a generator more per event: only where the count is needed).
    # ``ws_api``: orders over the WebSocket API, on an account of its own.
    account = _config(base) if stream else _config(base, MIN_KEY, MIN_SECRET)
    if ws_api:
        account = _config(base, WS_KEY, WS_SECRET, OrderApi.WEBSOCKET)
    client = CountingClient(account) if counting else BinanceClient(account)
    config = ManagerConfig(balance_settle=0.0, stream=stream)
    manager = OrderManager(client, journal=Journal(journal), config=config)
    await manager.start()
    return manager, client


def signed_order(session: aiohttp.ClientSession, base: str) -> Callable[[], Awaitable[None]]:
    """The minimal signed client: one LIMIT IOC buy (as ``ours``) per call, urlencoded and
    HMAC-signed in place, posted to the same server's ``/api/v3/order``, answer parsed."""
    url, secret = f"{base}/api/v3/order", MIN_SECRET.encode()
    headers = {"X-MBX-APIKEY": MIN_KEY}
    seq = [0]

    async def one() -> None:
        seq[0] += 1
        query = urlencode({
            "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "IOC",
            "quantity": "0.001", "price": "50000.00", "newClientOrderId": f"min-{seq[0]}",
            "newOrderRespType": "FULL", "timestamp": str(time.time_ns() // 1_000_000),
        })  # fmt: skip
        signature = hmac.new(secret, query.encode(), hashlib.sha256).hexdigest()
        async with session.post(f"{url}?{query}&signature={signature}", headers=headers) as r:
            body = await r.read()
        assert r.status == 200, body
        json.loads(body)

    return one


def ws_signed_order(ws: aiohttp.ClientWebSocketResponse) -> Callable[[], Awaitable[None]]:
    """The minimal WebSocket API client: one ``order.place`` (the same LIMIT IOC buy) per
    call, signed as web-socket-api.md, SIGNED request security says (sorted ``k=v&...``),
    on one open connection, answer parsed."""
    secret = MIN_SECRET.encode()
    seq = [0]

    async def one() -> None:
        seq[0] += 1
        params = {
            "apiKey": MIN_KEY, "newClientOrderId": f"ws-{seq[0]}", "newOrderRespType": "FULL",
            "price": "50000.00", "quantity": "0.001", "side": "BUY", "symbol": "BTCUSDT",
            "timeInForce": "IOC", "timestamp": str(time.time_ns() // 1_000_000), "type": "LIMIT",
        }  # fmt: skip
        payload = "&".join(f"{k}={v}" for k, v in params.items()).encode()
        params["signature"] = hmac.new(secret, payload, hashlib.sha256).hexdigest()
        await ws.send_str(json.dumps({"id": seq[0], "method": "order.place", "params": params}))
        answer = json.loads((await ws.receive()).data)
        assert answer["status"] == 200, answer

    return one


async def _server_cpu(session: aiohttp.ClientSession, base: str) -> float:
    async with session.get(f"{base}/bench/cpu") as reply:
        return float(await reply.text())


async def round_trips(base: str, n: int, in_flight: int, repeats: int) -> dict[str, Any]:
    manager, _ = await _manager(base)
    ws_manager, _ = await _manager(base, ws_api=True)
    qty, price = Decimal("0.001"), Decimal("50000.00")

    async def ours() -> None:
        await manager.execute_spot_buy("BTCUSDT", qty, price, time_in_force=TimeInForce.IOC)

    async def ours_ws() -> None:
        await ws_manager.execute_spot_buy("BTCUSDT", qty, price, time_in_force=TimeInForce.IOC)

    names = ("bare", "signed", "ours", "ws", "ours_ws")
    result: dict[str, Any] = {k: [] for name in names for k in (name, f"lat_{name}",
                                                                 f"p50_{name}", f"cpu_{name}",
                                                                 f"srv_{name}")}  # fmt: skip
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{base.replace('http', 'ws', 1)}/ws-api/v3")

        async def bare() -> None:
            async with session.post(f"{base}/bench/bare") as reply:
                await reply.read()

        fns = {"bare": bare, "signed": signed_order(session, base), "ours": ours,
               "ours_ws": ours_ws}  # fmt: skip
        if in_flight == 1:  # one connection carries one request at a time
            fns["ws"] = ws_signed_order(ws)
        for fn in fns.values():
            await _pace(50, in_flight, fn)  # warm up all
        await asyncio.sleep(0.1)  # the warm-up's stream events are applied
        for _ in range(repeats):
            # The server's own background CPU (timers, pings) per second of wall time, taken
            # off every server figure of this repeat.
            server, wall = await _server_cpu(session, base), time.perf_counter()
            await asyncio.sleep(0.2)
            idle = (await _server_cpu(session, base) - server) / (time.perf_counter() - wall)
            for name, fn in fns.items():
                server, wall = await _server_cpu(session, base), time.perf_counter()
                cpu = time.process_time()
                rate, lat = await _pace(n, in_flight, fn)
                await asyncio.sleep(0.05)  # ours: its orders' stream events are its cost too
                result[f"cpu_{name}"].append((time.process_time() - cpu) / n)
                used = await _server_cpu(session, base) - server
                used -= idle * (time.perf_counter() - wall)
                result[f"srv_{name}"].append(max(0.0, used) / n)
                result[name].append(rate)
                result[f"lat_{name}"].extend(lat)
                result[f"p50_{name}"].append(statistics.median(lat))
        await ws.close()
    await manager.close()
    await ws_manager.close()
    return result


async def rest_path(base: str, n: int, repeats: int) -> dict[str, list[float]]:
    """Client CPU per order and p50 round trip of a manager with the stream off and of the
    minimal signed POST, interleaved, in a phase of their own (no other manager on the
    loop)."""
    manager, _ = await _manager(base, stream=False)
    qty, price = Decimal("0.001"), Decimal("50000.00")

    async def ours() -> None:
        await manager.execute_spot_buy("BTCUSDT", qty, price, time_in_force=TimeInForce.IOC)

    cpu: dict[str, list[float]] = {"signed": [], "ours": [], "p50_signed": [], "p50_ours": []}
    async with aiohttp.ClientSession() as session:
        fns = {"signed": signed_order(session, base), "ours": ours}
        for fn in fns.values():
            await _pace(50, 1, fn)
        for _ in range(repeats):
            for name, fn in fns.items():
                started = time.process_time()
                _, lat = await _pace(n, 1, fn)
                cpu[name].append((time.process_time() - started) / n)
                cpu[f"p50_{name}"].append(statistics.median(lat))
    await manager.close()
    return cpu


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
            # A fresh manager (every order is new) with the journal users run: a WAL file.
            tmp = tempfile.TemporaryDirectory()
            manager, client = await _manager(base, f"{tmp.name}/journal.sqlite3", counting=True)
            assert isinstance(client, CountingClient)
            await asyncio.sleep(0.05)
            before = client.applied
            start = time.perf_counter()
            async with session.post(f"{base}/bench/push?n={n}") as reply:
                assert (await reply.text()) == "1", "the manager is not subscribed"
            deadline = start + 120.0  # never hang the suite: say what arrived instead
            while client.applied - before < n:
                if time.perf_counter() > deadline:
                    got = client.applied - before
                    raise RuntimeError(f"the manager applied {got} of {n} pushed events")
                await asyncio.sleep(0.0005)
            rates["ours"].append(n / (time.perf_counter() - start))
            await manager.close()
            tmp.cleanup()
            del r
    return rates


def _per_repeat(got: dict[str, Any], key: str, name: str = "ours") -> float:
    """Median over repeats of ``name`` / signed for ``key`` (``p50`` or ``cpu``)."""
    pairs = zip(got[f"{key}_{name}"], got[f"{key}_signed"], strict=True)
    return statistics.median(a / b for a, b in pairs)


def _order_cost_rows(sec: str, got: dict[str, Any], rest: dict[str, list[float]]) -> list[Row]:
    """An order's cost against the minimal signed POST of the same order, same run."""
    p50, cpu = _per_repeat(got, "p50"), _per_repeat(got, "cpu")
    p50_ws, cpu_ws = _per_repeat(got, "p50", "ours_ws"), _per_repeat(got, "cpu", "ours_ws")
    rest_ratio = statistics.median(a / b for a, b in zip(rest["ours"], rest["signed"], strict=True))
    rest_p50 = statistics.median(
        a / b for a, b in zip(rest["p50_ours"], rest["p50_signed"], strict=True)
    )
    us = 1e6
    srv = {name: statistics.median(got[f"srv_{name}"]) * us for name in ("bare", "signed", "ws")}
    own = statistics.median(
        (s - b) * us for s, b in zip(got["srv_signed"], got["srv_bare"], strict=True)
    )
    return [
        Row(sec, "  order p50 round trip, 1 in flight", statistics.median(got["p50_ours"]) * us,
            "us", "signed POST", p50, "<= 1.25", p50 <= 1.25),
        Row(sec, "  minimal signed POST: client CPU", statistics.median(got["cpu_signed"]) * us,
            "us/order"),
        Row(sec, "  order: client CPU (stream events incl.)",
            statistics.median(got["cpu_ours"]) * us, "us/order", "signed POST", cpu, "<= 1.5",
            cpu <= 1.5),
        Row(sec, "  order over WS API: p50 round trip, 1 in flight",
            statistics.median(got["p50_ours_ws"]) * us, "us", "signed POST", p50_ws, "<= 1.25",
            p50_ws <= 1.25),
        Row(sec, "  order over WS API: client CPU (stream events incl.)",
            statistics.median(got["cpu_ours_ws"]) * us, "us/order", "signed POST", cpu_ws,
            "<= 1.5", cpu_ws <= 1.5),
        Row(sec, "  order: client CPU, stream off (REST path only)",
            statistics.median(rest["ours"]) * us, "us/order", "signed POST", rest_ratio),
        Row(sec, "  order: p50 round trip, stream off (REST path only)",
            statistics.median(rest["p50_ours"]) * us, "us", "signed POST", rest_p50),
        Row(sec, "  sim server CPU, bare POST (HTTP floor, idle off)", srv["bare"], "us/request"),
        Row(sec, "  sim server CPU, signed POST order (idle off)", srv["signed"], "us/order",
            "bare POST", srv["signed"] / srv["bare"]),
        Row(sec, "  sim server CPU, the order above the bare POST", own, "us/order",
            goal="<= 60", met=own <= 60),
        Row(sec, "  sim server CPU, WS API order.place (idle off)", srv["ws"], "us/order"),
        Row(sec, "  sim server CPU, manager's order (events incl., idle off)",
            statistics.median(got["srv_ours"]) * us, "us/order"),
    ]  # fmt: skip


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
            ws_ratio = statistics.median(
                a / b for a, b in zip(got["ours_ws"], got["bare"], strict=True)
            )
            rows.append(Row(sec, f"order over WS API round trip, {in_flight} in flight",
                            statistics.median(got["ours_ws"]), "orders/s", "bare POST",
                            ws_ratio))  # fmt: skip
            for name, label in (("lat_bare", "bare"), ("lat_signed", "signed POST"),
                                ("lat_ours", "order"),
                                ("lat_ours_ws", "order over WS API")):  # fmt: skip
                lat = got[name]
                rows.append(Row(sec, f"  {label} latency p50 / p99, {in_flight} in flight",
                                _pct(lat, 0.5), f"ms (p99 {_pct(lat, 0.99):.2f})"))  # fmt: skip
            if in_flight == 1:
                rows += _order_cost_rows(sec, got, await rest_path(base, n, repeats))
        rates = await events(base, events_n, repeats)
        ratio = statistics.median(a / b for a, b in zip(rates["ours"], rates["bare"], strict=True))
        rows.append(Row(sec, "bare aiohttp WS receive loop", statistics.median(rates["bare"]),
                        "events/s"))  # fmt: skip
        rows.append(Row(sec, "user data over WS, manager + WAL file journal",
                        statistics.median(rates["ours"]), "events/s", "bare WS", ratio, ">= 0.3",
                        ratio >= 0.3))  # fmt: skip
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

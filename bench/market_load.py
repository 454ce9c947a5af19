"""The local exchange under load: orders flowing while many clients watch market data and
their user streams, and one subscriber that stops reading.

A child process serves ``oms exchange``'s app on 127.0.0.1 (a liquidity provider replenishing
the book); this process runs the clients: traders place signed MARKET orders over REST, ``streams``
subscribers read ``btcusdt@trade/aggTrade/bookTicker/depth@100ms`` on ``/stream``, ``users``
WebSocket API connections read their account's user-data stream, and optionally one raw
socket subscribes and then never reads (disconnected: it finds the end of the stream after
the data the kernel held). The server's RSS is read from /proc. Baseline, measured in the
same run: the same orders with nobody watching.

    python bench/market_load.py [--orders 2000] [--streams 50] [--users 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bench.common import Row, print_table
from transports.sim.exchange import SimExchange
from transports.sim.markets import default_markets
from transports.sim.server.app import ApiAccount, ServerOptions, make_app
from transports.sim.server.core import wall_clock_ms
from transports.sim.server.market_maker import MakerOptions, MarketMaker, add_market_maker

ROOT = Path(__file__).resolve().parent.parent
STREAMS = "btcusdt@trade/btcusdt@aggTrade/btcusdt@bookTicker/btcusdt@depth@100ms"
TRADERS = 4


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _key(i: int) -> tuple[str, str]:
    return f"benchKey{i:056d}", f"benchSecret{i:053d}"


def _app(users: int) -> web.Application:
    exchange = SimExchange(clock=wall_clock_ms, config=default_markets())
    specs = []
    for i in range(max(users, TRADERS)):
        key, secret = _key(i)
        specs.append(ApiAccount(account=f"u{i}", api_key=key, secret=secret))
        exchange.create_account(f"u{i}", {"USDT": Decimal(10) ** 9, "BTC": Decimal(10) ** 4})
    maker = MarketMaker(exchange, MakerOptions(seed=1))
    maker.quote_all()
    options = ServerOptions(
        request_weight_per_minute=10**9,
        orders_per_10s=10**9,
        stream_queue_frames=200,
        stream_socket_send_buffer=16384,
    )
    app = make_app(exchange, specs, options)
    add_market_maker(app, maker)
    return app


async def _trader(session: aiohttp.ClientSession, base: str, i: int, n: int) -> None:
    key, secret = _key(i)
    for k in range(n):
        params = {
            "symbol": "BTCUSDT",
            "side": "BUY" if k % 2 == 0 else "SELL",
            "type": "MARKET",
            "quantity": "0.01000",
            "newOrderRespType": "ACK",
            "timestamp": str(wall_clock_ms()),
        }
        query = urlencode(params)
        signature = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
        url = f"{base}/api/v3/order?{query}&signature={signature}"
        async with session.post(url, headers={"X-MBX-APIKEY": key}) as reply:
            await reply.read()
            if reply.status != 200:
                raise RuntimeError(f"order refused: {reply.status} {await reply.text()}")


async def _count(ws: aiohttp.ClientWebSocketResponse, counts: list[int], slot: int) -> None:
    async for message in ws:
        if message.type is aiohttp.WSMsgType.TEXT:
            counts[slot] += 1


async def _user(session: aiohttp.ClientSession, base: str, i: int) -> Any:
    ws = await session.ws_connect(base.replace("http", "ws", 1) + "/ws-api/v3")
    key, secret = _key(i)
    params: dict[str, Any] = {"apiKey": key, "timestamp": wall_clock_ms()}
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
    params["signature"] = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    request = {"id": 1, "method": "userDataStream.subscribe.signature", "params": params}
    await ws.send_str(json.dumps(request))
    await ws.receive(timeout=5)
    return ws


async def _stalled(port: int) -> tuple[asyncio.StreamWriter, asyncio.StreamReader]:
    """A subscriber that completes the handshake and then never reads a byte."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window fills fast
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(
        (
            f"GET /stream?streams={STREAMS} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await reader.readuntil(b"\r\n\r\n")
    return writer, reader


async def serve(users: int) -> None:
    """The server side (``--serve USERS``): print the port, serve until killed."""
    runner = web.AppRunner(_app(users), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()


async def _cut_off(writer: asyncio.StreamWriter, reader: asyncio.StreamReader) -> bool:
    """Did the server end the stalled connection? Read what the kernel held, to the end.

    Reading lets the server send again, so a connection still served after 5 s counts as
    not cut off (live market data trickling in), as does one quiet for 2 s.
    """
    deadline = time.perf_counter() + 5.0
    try:
        while await asyncio.wait_for(reader.read(1 << 20), 2.0):
            if time.perf_counter() > deadline:
                return False  # still open, still served
    except ConnectionError:
        return True  # reset by the server's abort
    except TimeoutError:
        return False  # still open, still quiet
    finally:
        writer.close()
    return True  # end of stream


async def run(orders: int, streams: int, users: int, stalled: bool) -> dict[str, float]:
    """One phase: the order rate, frames delivered, memory, the stalled reader's fate."""
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.market_load", "--serve", str(users)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    port = int(server.stdout.readline())
    base = f"http://127.0.0.1:{port}"
    counts = [0] * (streams + users)
    readers = []
    async with aiohttp.ClientSession() as session:
        try:
            conns = [
                await session.ws_connect(
                    f"{base.replace('http', 'ws', 1)}/stream?streams={STREAMS}"
                )
                for _ in range(streams)
            ]
            conns += [await _user(session, base, i) for i in range(users)]
            readers = [asyncio.create_task(_count(ws, counts, n)) for n, ws in enumerate(conns)]
            stalled_conn = await _stalled(port) if stalled else None
            await asyncio.sleep(0.2)
            rss_before = _rss_kb(server.pid)
            started, cpu, server_cpu = time.perf_counter(), time.process_time(), _cpu_s(server.pid)
            per = orders // TRADERS
            await asyncio.gather(*(_trader(session, base, i, per) for i in range(TRADERS)))
            elapsed = time.perf_counter() - started
            server_cpu = _cpu_s(server.pid) - server_cpu
            cpu = time.process_time() - cpu
            await asyncio.sleep(0.3)
            rss_after = _rss_kb(server.pid)
            dropped = stalled_conn is not None and await _cut_off(*stalled_conn)
            for ws in conns:
                await ws.close()
        finally:
            for task in readers:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            server.terminate()
            server.wait()
    return {
        "orders_per_s": per * TRADERS / elapsed,
        # CPU per order over the order phase: the server's, and this process's (the traders
        # and every subscriber's reading share it, and the box's two cores with the server).
        "server_us": server_cpu / (per * TRADERS) * 1e6,
        "client_us": cpu / (per * TRADERS) * 1e6,
        "frames_per_s": sum(counts) / elapsed,
        "rss_growth_mb": (rss_after - rss_before) / 1024,
        "dropped": float(dropped),
    }


async def measure(quick: bool) -> list[Row]:
    # Quick runs still place enough orders to overflow the stalled reader's queue during the
    # load; with fewer, only the trickle of market data afterwards would, tens of seconds later.
    orders, streams, users, repeats = (1500, 10, 4, 1) if quick else (2000, 50, 10, 3)
    alone: list[dict[str, float]] = []
    loaded: list[dict[str, float]] = []
    for _ in range(repeats):
        alone.append(await run(orders, 0, 0, stalled=False))
        loaded.append(await run(orders, streams, users, stalled=True))
    base = [a["orders_per_s"] for a in alone]
    ratios = [b["orders_per_s"] / a for a, b in zip(base, loaded, strict=True)]
    sec = "7 exchange under load"
    ratio = statistics.median(ratios)
    # The server's own capacity: orders a second per core at its CPU per order, watched vs
    # not. The wall-clock rows above also hold this process reading every subscriber's
    # frames on the same two cores (a real subscriber reads on its own machine).
    cpu_ratio = statistics.median(
        a["server_us"] / b["server_us"] for a, b in zip(alone, loaded, strict=True)
    )
    return [
        Row(sec, "orders/s, nobody watching", statistics.median(base), "orders/s"),
        Row(
            sec,
            f"orders/s, {streams} market + {users} user-stream subscribers",
            statistics.median([r["orders_per_s"] for r in loaded]),
            "orders/s",
            "nobody watching",
            ratio,
            ">= 0.5",
            ratio >= 0.5,
        ),
        Row(
            sec,
            "  server CPU per order, nobody watching",
            statistics.median([a["server_us"] for a in alone]),
            "us/order",
        ),
        Row(
            sec,
            "  server CPU per order, watched (capacity vs nobody watching)",
            statistics.median([b["server_us"] for b in loaded]),
            "us/order",
            "nobody watching",
            cpu_ratio,
        ),
        Row(
            sec,
            "  client CPU per order (traders + every subscriber's reading), watched",
            statistics.median([b["client_us"] for b in loaded]),
            "us/order",
        ),
        Row(
            sec,
            "  frames delivered to subscribers",
            statistics.median([r["frames_per_s"] for r in loaded]),
            "frames/s",
        ),
        Row(
            sec,
            "  RSS growth with one subscriber not reading",
            statistics.median([r["rss_growth_mb"] for r in loaded]),
            "MB",
            goal="< 20",
            met=statistics.median([r["rss_growth_mb"] for r in loaded]) < 20,
        ),
        Row(
            sec,
            "  stalled subscribers disconnected",
            statistics.median([r["dropped"] for r in loaded]),
            "of 1",
            goal="1",
            met=all(r["dropped"] >= 1 for r in loaded),
        ),
    ]


def figures(quick: bool) -> list[Row]:
    """Section 7 of the suite."""
    return asyncio.run(measure(quick))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--serve", type=int, metavar="USERS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(serve(args.serve))
        return
    print_table(figures(args.quick))


if __name__ == "__main__":
    main()

"""``oms run``: the example strategy, unchanged, live against ``oms exchange`` on its market
data streams; the market stream client against a real server on 127.0.0.1 (decoding in
Decimal, a bad frame kept, every reconnect a gap); a one-line error when the streams do not
answer; testnet opt-in."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from oms.runtime.journal import Journal
from oms.runtime.ownership import JournalUnavailable
from oms.sim.market import BookTop, Kline, MarketGap, Subscription, Trade
from oms.testing.plugin import LocalExchange, serve_local_exchange
from transports.binance.config import load_config
from transports.binance.market_stream import MarketStream, decode_market_frame

ROOT = Path(__file__).resolve().parents[2]
MM = str(ROOT / "examples" / "market_maker.py")


def _oms(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "oms.app.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def _mid(exchange: LocalExchange, symbol: str) -> Decimal:
    book = exchange.control(f"book?symbol={symbol}")
    assert isinstance(book, dict)
    bid, ask = Decimal(book["bids"][0][0]), Decimal(book["asks"][0][0])
    return (bid + ask) / 2


def _wait_until_quoting(journal: Path, within_s: float = 30.0) -> None:
    """Until the strategy has sent an order (its journal says so), however slowly the
    command started on a loaded machine."""
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        try:
            copy = Journal.snapshot(str(journal))
        except JournalUnavailable:
            pass  # not created yet
        else:
            kinds = {entry.kind for entry in copy.entries()}
            copy.close()
            if "Sent" in kinds:
                return
        time.sleep(0.2)
    raise AssertionError(f"the strategy sent no order within {within_s} s")


def test_example_strategy_runs_live_on_the_local_exchange(tmp_path: Path) -> None:
    with serve_local_exchange("--walk-every", "0.3") as exchange:
        journal = tmp_path / "j.sqlite3"
        env = {**exchange.environ(), "OMS_JOURNAL": str(journal)}
        child = _oms(
            "run", MM, "--env", "local", "--seconds", "8", "--env-file", "/dev/null", env=env
        )
        try:
            _wait_until_quoting(journal)
            time.sleep(1.0)  # the strategy is quoting around the moving mid by now
            mid = _mid(exchange, "ETHUSDT")
            # Push the market through its quotes both ways: live trades, fills, requotes.
            for factor in ("1.003", "0.997", "1.0"):
                exchange.control(
                    "price", {"symbol": "ETHUSDT", "price": str(mid * Decimal(factor))}
                )
                time.sleep(0.7)
            exchange.control("shutdown", {})  # every stream connection dropped: a gap
            out, err = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
    assert child.returncode == 0, err
    assert err == "", err
    line = out.strip().splitlines()[-1]
    numbers = {name: int(n) for n, name in re.findall(r"(\d+) (\w+)", line)}
    assert numbers["market"] > 0 and numbers.get("Trade", 0) > 0, line  # live trades
    assert numbers["gaps"] >= 1, line  # the shutdown was a gap, and the run went on
    assert numbers["orders"] > 0 and numbers.get("CANCELED", 0) > 0, line  # placed, cancelled
    assert numbers.get("FILLED", 0) + numbers.get("PARTIALLY_FILLED", 0) > 0, line


def test_streams_that_do_not_answer_are_one_line_and_non_zero(tmp_path: Path) -> None:
    with serve_local_exchange() as exchange:
        env = {
            **exchange.environ(),
            "OMS_JOURNAL": str(tmp_path / "j.sqlite3"),
            "OMS_MARKET_STREAM_URL": "ws://127.0.0.1:9",  # nothing listens there
        }
        child = _oms("run", MM, "--env", "local", "--seconds", "30", env=env)
        out, err = child.communicate(timeout=60)
    assert child.returncode == 1, (out, err)
    assert err.count("\n") == 1 and "ws://127.0.0.1:9" in err, err
    assert "Traceback" not in err and out == ""


# --- the market stream client against a real server ----------------------------------------

TRADE = (
    '{"stream":"ethusdt@trade","data":{"e":"trade","E":1,"s":"ETHUSDT","t":7,'
    '"p":"3000.10000000","q":"0.00100000","T":1700000000123,"m":true,"M":true}}'
)
KLINE_OPEN = (
    '{"stream":"ethusdt@kline_1m","data":{"e":"kline","E":1,"s":"ETHUSDT","k":{"t":0,'
    '"T":59999,"s":"ETHUSDT","i":"1m","o":"1","c":"2","h":"3","l":"0.5","v":"9","n":4,'
    '"x":false}}}'
)
KLINE = KLINE_OPEN.replace('"x":false', '"x":true')
BOOK = (
    '{"stream":"ethusdt@bookTicker","data":{"u":5,"s":"ETHUSDT","b":"2999.9","B":"1.5",'
    '"a":"3000.1","A":"2"}}'
)


def test_frames_decode_to_market_events_in_decimal() -> None:
    trade = decode_market_frame(TRADE, 42)
    assert trade == Trade("ETHUSDT", 1700000000123000, 7, Decimal("3000.1"), Decimal("0.001"), True)
    assert decode_market_frame(KLINE_OPEN, 42) is None  # open candles are not told
    kline = decode_market_frame(KLINE, 42)
    assert isinstance(kline, Kline) and kline.time_us == 59999000 and kline.high == Decimal(3)
    book = decode_market_frame(BOOK, 42)
    assert book == BookTop("ETHUSDT", 42, Decimal("2999.9"), Decimal("1.5"), Decimal("3000.1"), 2)
    for bad in (TRADE.replace('"3000.10000000"', "3000.1"), '{"e":"trade"}', "[", '{"e":"x"}'):
        with pytest.raises(ValueError):
            decode_market_frame(bad, 42)


async def _server(handler: Callable[[web.WebSocketResponse, int], object]) -> TestServer:
    connections = 0

    async def ws(request: web.Request) -> web.WebSocketResponse:
        nonlocal connections
        connections += 1
        assert request.query["streams"] == "ethusdt@trade/ethusdt@bookTicker"
        sock = web.WebSocketResponse()
        await sock.prepare(request)
        result = handler(sock, connections)
        if asyncio.iscoroutine(result):
            await result
        return sock

    app = web.Application()
    app.router.add_get("/stream", ws)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def _collect(stream: MarketStream, n: int) -> AsyncIterator[object]:
    for _ in range(n):
        yield await asyncio.wait_for(stream.get(), 5)


async def test_every_reconnect_is_a_gap_and_a_bad_frame_is_kept() -> None:
    async def serve(sock: web.WebSocketResponse, number: int) -> None:
        await sock.send_str("not json")
        await sock.send_str(TRADE)
        if number == 1:
            await sock.close()  # the drop
            return
        await sock.send_str(BOOK)
        await asyncio.sleep(5)

    server = await _server(serve)
    wanted = Subscription(symbols=("ETHUSDT",), book_tops=True)
    try:
        async with MarketStream(
            str(server.make_url("")).rstrip("/").replace("http", "ws"), wanted, backoff_s=0.05
        ) as stream:
            got = [item async for item in _collect(stream, 4)]
            assert [type(g) for g in got] == [Trade, MarketGap, Trade, BookTop]
            gap = got[1]
            assert isinstance(gap, MarketGap) and gap.time_us >= gap.since_us
            assert "closed" in gap.reason and gap.attempt == 1
            assert stream.connects == 2 and stream.gaps == 1
            assert [frame for _, frame in stream.rejected] == ["not json", "not json"]
    finally:
        await server.close()


async def test_reconnects_back_off_while_the_server_refuses() -> None:
    attempts: list[float] = []

    async def ws(request: web.Request) -> web.Response:
        attempts.append(time.monotonic())
        return web.Response(status=503)

    app = web.Application()
    app.router.add_get("/stream", ws)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    wanted = Subscription(symbols=("ETHUSDT",))
    try:
        url = str(server.make_url("")).rstrip("/").replace("http", "ws")
        async with MarketStream(url, wanted, backoff_s=0.05, max_backoff_s=0.4):
            await asyncio.sleep(1.2)
    finally:
        await server.close()
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert 4 <= len(attempts) <= 12, attempts
    assert gaps[2] > gaps[0] and max(gaps) < 0.6, gaps


# --- testnet (opt-in) ------------------------------------------------------------------------


@pytest.mark.testnet
def test_example_strategy_runs_on_testnet(tmp_path: Path) -> None:
    config = load_config()
    if config.api_key is None:
        pytest.skip("testnet keys not set (OMS_API_KEY and OMS_API_SECRET / OMS_PRIVATE_KEY_PATH)")
    env = {"OMS_JOURNAL": str(tmp_path / "j.sqlite3")}
    child = _oms("run", MM, "--env", "testnet", "--seconds", "20", env=env)
    out, err = child.communicate(timeout=90)
    assert child.returncode == 0, err
    assert "market events" in out and int(out.split("oms run: ")[1].split()[0]) > 0

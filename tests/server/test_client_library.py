"""A standard Binance client library, pointed at the local server, just works.

python-binance (``pip install python-binance``; 1.0.37 checked) is configured with the
local REST base URL and the demo key, then reads the account, places a MARKET and a LIMIT
order, queries and cancels them. It runs in a child process (our ``tests/binance`` package
would shadow its ``binance`` package here) against the server in this test's event loop.
It signs the percent-encoded payload it sends (symbol quoted, other values plain ASCII),
which is what the 2026-01-15 rule requires (rest-api.md, Request Security). Skipped when the
library is not installed.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import sys
import tempfile
from decimal import Decimal
from typing import Any

import pytest

from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from tests.server.conftest import ServeFactory
from transports.sim.exchange import SimExchange
from transports.sim.server.app import DEMO_API_KEY, DEMO_API_SECRET, ApiAccount
from transports.sim.server.core import wall_clock_ms

VERSION: str | None
try:
    VERSION = importlib.metadata.version("python-binance")
except importlib.metadata.PackageNotFoundError:
    VERSION = None

SCRIPT = """
import asyncio, json, sys
from binance import AsyncClient

async def main(base, key, secret):
    client = AsyncClient(key, secret)
    client.API_URL = base  # http://127.0.0.1:PORT/api, the layout of testnet's .../api
    out = {}
    try:
        out["account"] = await client.get_account()
        out["market"] = await client.create_order(
            symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
        out["limit"] = await client.create_order(
            symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC",
            quantity="0.01", price="59000.00")
        out["query"] = await client.get_order(symbol="BTCUSDT", orderId=out["limit"]["orderId"])
        out["open"] = await client.get_open_orders(symbol="BTCUSDT")
        out["cancel"] = await client.cancel_order(
            symbol="BTCUSDT", orderId=out["limit"]["orderId"])
    finally:
        await client.close_connection()
    print(json.dumps(out))

asyncio.run(main(*sys.argv[1:]))
"""


def demo_with_an_ask() -> SimExchange:
    """A ``demo`` account with USDT, and 1 BTC offered at 60000 by ``maker``."""
    exchange = SimExchange(clock=wall_clock_ms)
    exchange.create_account("demo", {"USDT": Decimal("100000")})
    exchange.create_account("maker", {"BTC": Decimal("10")})
    exchange.place_order(
        "maker",
        NewOrder(
            symbol="BTCUSDT",
            side=Side.SELL,
            order_type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            quantity=Decimal("1"),
            price=Decimal("60000.00"),
        ),
    )
    return exchange


async def run_child(script: str, *args: str) -> Any:
    """Run ``script`` in a child Python in an empty directory (our ``tests/binance`` would
    shadow python-binance's ``binance``); its stdout is one JSON document."""
    with tempfile.TemporaryDirectory() as cwd:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            script,
            *args,
            cwd=cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(child.communicate(), timeout=60)
    assert child.returncode == 0, stderr.decode()[-3000:]
    return json.loads(stdout)


async def run_client(serve: ServeFactory, exchange: SimExchange, script: str) -> Any:
    """Serve ``exchange`` to the demo key and run ``script`` (base URL, key, secret as
    arguments) in a child process; its stdout is JSON."""
    demo = ApiAccount(account="demo", api_key=DEMO_API_KEY, secret=DEMO_API_SECRET)
    h = await serve(exchange=exchange, api_accounts=[demo], clock=None)
    return await run_child(script, h.base, DEMO_API_KEY, DEMO_API_SECRET)


@pytest.mark.skipif(VERSION is None, reason="python-binance is not installed")
async def test_python_binance_round_trip(serve: ServeFactory) -> None:
    exchange = demo_with_an_ask()
    out = await run_client(serve, exchange, SCRIPT)
    balances = {b["asset"]: b["free"] for b in out["account"]["balances"]}
    assert balances["USDT"] == "100000.00000000"
    assert out["market"]["status"] == "FILLED"
    assert out["market"]["fills"][0]["price"] == "60000.00000000"
    assert out["limit"]["status"] == "NEW"
    assert out["query"]["clientOrderId"] == out["limit"]["clientOrderId"]
    assert [o["orderId"] for o in out["open"]] == [out["limit"]["orderId"]]
    assert out["cancel"]["status"] == "CANCELED"
    assert exchange.open_orders("demo") == []
    assert exchange.balance("demo", "BTC")[0] == Decimal("0.01")


MARKET_SCRIPT = """
import asyncio, json, sys
from binance import AsyncClient, BinanceSocketManager
from binance.ws.websocket_api import WebsocketAPI

async def main(base, ws_api, streams, key, secret):
    client = AsyncClient(key, secret)
    client.API_URL = base
    client.ws_api = WebsocketAPI(url=ws_api)
    out = {}
    try:
        out["depth"] = await client.get_order_book(symbol="BTCUSDT", limit=5)
        out["trades"] = await client.get_recent_trades(symbol="BTCUSDT")
        out["aggs"] = await client.get_aggregate_trades(symbol="BTCUSDT")
        out["klines"] = await client.get_klines(symbol="BTCUSDT", interval="1m")
        out["avg"] = await client.get_avg_price(symbol="BTCUSDT")
        out["ticker"] = await client.get_ticker(symbol="BTCUSDT")
        out["price"] = await client.get_symbol_ticker(symbol="BTCUSDT")
        out["book"] = await client.get_orderbook_ticker(symbol="BTCUSDT")
        out["all_orders"] = await client.get_all_orders(symbol="BTCUSDT")
        out["ws_account"] = await client.ws_get_account()
        out["ws_all_orders"] = await client.ws_get_all_orders(symbol="BTCUSDT")
        out["ws_trades"] = await client.ws_get_my_trades(symbol="BTCUSDT")
        out["ws_depth"] = await client.ws_get_order_book(symbol="BTCUSDT", limit=5)
        manager = BinanceSocketManager(client)
        manager.STREAM_URL = streams  # ws://127.0.0.1:PORT/, like wss://stream.binance.com:9443/
        socket = manager.trade_socket("BTCUSDT")
        async with socket as stream:
            await client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
            out["stream"] = await asyncio.wait_for(stream.recv(), 10)
    finally:
        await client.close_connection()
    print(json.dumps(out))

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.mark.skipif(VERSION is None, reason="python-binance is not installed")
async def test_python_binance_market_data_streams_and_ws_api(serve: ServeFactory) -> None:
    exchange = demo_with_an_ask()
    exchange.place_order(
        "demo",
        NewOrder(
            symbol="BTCUSDT",
            side=Side.BUY,
            order_type=OrderType.MARKET,
            quantity=Decimal("0.01"),
        ),
    )
    demo = ApiAccount(account="demo", api_key=DEMO_API_KEY, secret=DEMO_API_SECRET)
    h = await serve(exchange=exchange, api_accounts=[demo], clock=None)
    streams = str(h.server.make_url("/")).replace("http", "ws", 1)
    out = await run_child(MARKET_SCRIPT, h.base, h.ws_url, streams, DEMO_API_KEY, DEMO_API_SECRET)
    assert out["depth"]["asks"] == [["60000.00000000", "0.99000000"]]
    assert [t["price"] for t in out["trades"]] == ["60000.00000000"]
    assert out["aggs"][0]["q"] == "0.01000000"
    assert out["klines"][0][5] == "0.01000000"
    assert out["avg"]["price"] == "60000.00000000"
    assert out["ticker"]["lastPrice"] == "60000.00000000"
    assert out["price"] == {"symbol": "BTCUSDT", "price": "60000.00000000"}
    assert out["book"]["askQty"] == "0.99000000"
    assert [o["status"] for o in out["all_orders"]] == ["FILLED"]
    assert out["ws_account"]["accountType"] == "SPOT"
    assert [o["status"] for o in out["ws_all_orders"]] == ["FILLED"]
    assert out["ws_trades"][0]["price"] == "60000.00000000"
    assert out["ws_depth"]["asks"] == [["60000.00000000", "0.99000000"]]
    assert out["stream"]["e"] == "trade" and out["stream"]["t"] == 2

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


@pytest.mark.skipif(VERSION is None, reason="python-binance is not installed")
async def test_python_binance_round_trip(serve: ServeFactory) -> None:
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
    demo = ApiAccount(account="demo", api_key=DEMO_API_KEY, secret=DEMO_API_SECRET)
    h = await serve(exchange=exchange, api_accounts=[demo], clock=None)
    with tempfile.TemporaryDirectory() as cwd:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SCRIPT,
            h.base,
            DEMO_API_KEY,
            DEMO_API_SECRET,
            cwd=cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(child.communicate(), timeout=30)
    assert child.returncode == 0, stderr.decode()[-2000:]
    out = json.loads(stdout)
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

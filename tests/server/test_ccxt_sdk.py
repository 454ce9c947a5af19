"""ccxt and Binance's own SDK (binance-sdk-spot), pointed at the local server, just work.

Both run in a child process against a server in this test's event loop, with every URL set to
127.0.0.1 (ccxt: its ``public`` / ``private`` API URLs, markets of type spot only, no
currency call; the SDK: its REST base path). Skipped when the library is not installed.
"""

from __future__ import annotations

import importlib.metadata
from decimal import Decimal

import pytest

from tests.server.conftest import ServeFactory
from tests.server.test_client_library import run_child
from transports.sim.exchange import SimExchange
from transports.sim.markets import default_markets
from transports.sim.server.app import DEMO_API_KEY, DEMO_API_SECRET, ApiAccount
from transports.sim.server.core import wall_clock_ms
from transports.sim.server.market_maker import MarketMaker


def version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


# Child-script code pointing a ccxt binance exchange at the local server's REST base.
CCXT_POINT = """
def point(ex, base):
    ex.urls["api"]["public"] = base + "/v3"
    ex.urls["api"]["private"] = base + "/v3"
    ex.urls["api"]["v1"] = base + "/v1"
    ex.options["fetchMarkets"] = {"types": ["spot"]}
    ex.options["fetchCurrencies"] = False
    ex.options["fetchMargins"] = False
"""

CCXT = (
    CCXT_POINT
    + """
import asyncio, json, sys
import ccxt.async_support as ccxt

async def main(base, key, secret):
    ex = ccxt.binance({"apiKey": key, "secret": secret, "enableRateLimit": False})
    point(ex, base)
    out = {}
    try:
        await ex.load_markets()
        out["symbols"] = sorted(ex.symbols)
        out["book"] = await ex.fetch_order_book("BTC/USDT", 5)
        out["ticker"] = await ex.fetch_ticker("BTC/USDT")
        out["ohlcv"] = await ex.fetch_ohlcv("BTC/USDT", "1m")
        out["balance"] = (await ex.fetch_balance())["USDT"]
        order = await ex.create_order("BTC/USDT", "market", "buy", 0.01)
        out["order"] = {"status": order["status"], "filled": order["filled"]}
        out["trades"] = len(await ex.fetch_my_trades("BTC/USDT"))
        out["orders"] = len(await ex.fetch_orders("BTC/USDT"))
    finally:
        await ex.close()
    print(json.dumps(out, default=str))

asyncio.run(main(*sys.argv[1:]))
"""
)

SDK = """
import json, sys
from binance_common.configuration import ConfigurationRestAPI
from binance_sdk_spot.spot import Spot

base, key, secret = sys.argv[1:]
spot = Spot(config_rest_api=ConfigurationRestAPI(api_key=key, api_secret=secret, base_path=base))
out = {}
out["depth"] = spot.rest_api.depth(symbol="BTCUSDT", limit=5).data().to_dict()
out["price"] = spot.rest_api.ticker_price(symbol="BTCUSDT").data().to_dict()
out["klines"] = len(spot.rest_api.klines(symbol="BTCUSDT", interval="1m").data())
out["account"] = spot.rest_api.get_account().data().to_dict()["accountType"]
placed = spot.rest_api.new_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity=0.01)
out["order"] = placed.data().to_dict()["status"]
out["all"] = len(spot.rest_api.all_orders(symbol="BTCUSDT").data())
print(json.dumps(out, default=str))
"""


async def market(serve: ServeFactory) -> str:
    exchange = SimExchange(clock=wall_clock_ms, config=default_markets())
    exchange.create_account("demo", {"USDT": Decimal("100000")})
    MarketMaker(exchange).quote_all()
    demo = ApiAccount(account="demo", api_key=DEMO_API_KEY, secret=DEMO_API_SECRET)
    h = await serve(exchange=exchange, api_accounts=[demo], clock=None)
    return h.base


@pytest.mark.skipif(version("ccxt") is None, reason="ccxt is not installed")
async def test_ccxt_market_data_and_trading(serve: ServeFactory) -> None:
    out = await run_child(CCXT, await market(serve), DEMO_API_KEY, DEMO_API_SECRET)
    assert "BTC/USDT" in out["symbols"]  # type: ignore[operator]
    assert out["order"] == {"status": "closed", "filled": 0.01}
    assert out["trades"] >= 1  # type: ignore[operator]
    assert out["orders"] == 1


@pytest.mark.skipif(version("binance-sdk-spot") is None, reason="binance-sdk-spot not installed")
async def test_binance_sdk_spot(serve: ServeFactory) -> None:
    base = (await market(serve)).removesuffix("/api")
    out = await run_child(SDK, base, DEMO_API_KEY, DEMO_API_SECRET)
    assert out["order"] == "FILLED"
    assert out["account"] == "SPOT"
    assert out["all"] == 1

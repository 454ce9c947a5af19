"""Binance's own SDK (binance-sdk-spot) and ccxt over the local server's WebSockets: WebSocket
API account and market data calls, and market data streams (each in a child process against
a server in this test's event loop, as in test_ccxt_sdk). Skipped when the library is not
installed."""

from __future__ import annotations

import pytest

from tests.server.conftest import ServeFactory
from tests.server.test_ccxt_sdk import CCXT_POINT, market, version
from tests.server.test_client_library import run_child
from transports.sim.server.app import DEMO_API_KEY, DEMO_API_SECRET

SDK = """
import asyncio, json, sys
from binance_common.configuration import (
    ConfigurationWebSocketAPI, ConfigurationWebSocketStreams)
from binance_sdk_spot.spot import Spot

STREAMS = {
    "trade": lambda s: s.trade(symbol="btcusdt"),
    "aggTrade": lambda s: s.agg_trade(symbol="btcusdt"),
    "kline": lambda s: s.kline(symbol="btcusdt", interval="1m"),
    "depth": lambda s: s.diff_book_depth(symbol="btcusdt", update_speed="100ms"),
    "partial": lambda s: s.partial_book_depth(symbol="btcusdt", levels="5"),
    "bookTicker": lambda s: s.book_ticker(symbol="btcusdt"),
    "ticker": lambda s: s.ticker(symbol="btcusdt"),
    "miniTicker": lambda s: s.mini_ticker(symbol="btcusdt"),
    "rolling": lambda s: s.rolling_window_ticker(symbol="btcusdt", window_size="1h"),
    "allRolling": lambda s: s.all_market_rolling_window_ticker(window_size="1h"),
    "allMini": lambda s: s.all_mini_ticker(),
    "avgPrice": lambda s: s.avg_price(symbol="btcusdt"),
}


def plain(value):
    if isinstance(value, list):
        return [plain(v) for v in value]
    try:
        return value.to_dict()
    except AttributeError:  # the SDK's klines model cannot to_dict() its own rows
        return value.model_dump(by_alias=True) if hasattr(value, "model_dump") else value


async def main(base, key, secret):
    ws = base.replace("http", "ws", 1).removesuffix("/api")
    spot = Spot(
        config_ws_api=ConfigurationWebSocketAPI(
            api_key=key, api_secret=secret, stream_url=ws + "/ws-api/v3", timeout=10000,
            reconnect_attempts=1),
        config_ws_streams=ConfigurationWebSocketStreams(stream_url=ws, reconnect_attempts=1),
    )
    got = {}
    streams = await spot.websocket_streams.create_connection()
    for name, make in STREAMS.items():
        handle = await make(streams)
        handle.on("message", lambda m, name=name: got.setdefault(name, []).append(plain(m)))
    api = await spot.websocket_api.create_connection()
    out = {}
    try:
        placed = await api.order_place(symbol="BTCUSDT", side="BUY", type="MARKET", quantity=0.01)
        out["placed"] = plain(placed.data().result)
        calls = {
            "status": lambda: api.account_status(),
            "commission": lambda: api.account_commission(symbol="BTCUSDT"),
            "orderLimits": lambda: api.account_rate_limits_orders(),
            "open": lambda: api.open_orders_status(symbol="BTCUSDT"),
            "all": lambda: api.all_orders(symbol="BTCUSDT"),
            "trades": lambda: api.my_trades(symbol="BTCUSDT"),
            "prevented": lambda: api.my_prevented_matches(symbol="BTCUSDT", prevented_match_id=1),
            "test": lambda: api.order_test(symbol="BTCUSDT", side="SELL", type="MARKET",
                                   quantity=0.01, compute_commission_rates=True),
            "depth": lambda: api.depth(symbol="BTCUSDT", limit=5),
            "klines": lambda: api.klines(symbol="BTCUSDT", interval="1m"),
            "avgPrice": lambda: api.avg_price(symbol="BTCUSDT"),
            "ticker": lambda: api.ticker24hr(symbol="BTCUSDT"),
        }
        for name, call in calls.items():
            out[name] = plain((await call()).data())["result"]
        for _ in range(60):  # every stream has spoken, or 6 s
            if set(STREAMS) <= set(got):
                break
            await asyncio.sleep(0.1)
    finally:
        await api.close_connection(close_session=True)
        await streams.close_connection(close_session=True)
    out["streams"] = {name: frames[0] for name, frames in got.items()}
    print(json.dumps(out, default=str))

asyncio.run(main(*sys.argv[1:]))
"""

CCXT_PRO = (
    CCXT_POINT
    + """
import asyncio, json, sys
import ccxt.pro as ccxtpro

async def main(base, key, secret):
    ws = base.replace("http", "ws", 1).removesuffix("/api")
    ex = ccxtpro.binance({"apiKey": key, "secret": secret, "enableRateLimit": False})
    point(ex, base)
    ex.urls["api"]["ws"]["spot"] = ws + "/ws"
    ex.urls["api"]["ws"]["ws-api"]["spot"] = ws + "/ws-api/v3"
    out = {}
    try:
        await ex.load_markets()
        await ex.create_order("BTC/USDT", "market", "buy", 0.01)
        resting = await ex.create_order("BTC/USDT", "limit", "buy", 0.01, 50000)
        out["resting"] = resting["id"]
        out["balance"] = (await ex.fetch_balance())["BTC"]
        out["open"] = [o["id"] for o in await ex.fetch_open_orders("BTC/USDT")]
        out["trades"] = [t["amount"] for t in await ex.fetch_my_trades("BTC/USDT")]
        out["open_ws"] = [o["id"] for o in await ex.fetch_open_orders_ws("BTC/USDT")]
        out["trades_ws"] = [t["amount"] for t in await ex.fetch_my_trades_ws("BTC/USDT")]
        out["book_ws"] = len((await ex.watch_order_book("BTC/USDT"))["asks"])
        out["ticker_ws"] = (await ex.watch_ticker("BTC/USDT"))["symbol"]
    finally:
        await ex.close()
    print(json.dumps(out, default=str))

asyncio.run(main(*sys.argv[1:]))
"""
)


@pytest.mark.skipif(version("binance-sdk-spot") is None, reason="binance-sdk-spot not installed")
async def test_binance_sdk_websocket_api_and_streams(serve: ServeFactory) -> None:
    out = await run_child(SDK, await market(serve), DEMO_API_KEY, DEMO_API_SECRET)
    assert out["placed"]["status"] == "FILLED"
    assert out["status"]["accountType"] == "SPOT"
    assert out["commission"]["symbol"] == "BTCUSDT"
    assert [x["rateLimitType"] for x in out["orderLimits"]] == ["ORDERS", "ORDERS"]
    assert out["open"] == [] and len(out["all"]) == 1 and len(out["trades"]) == 1
    assert out["prevented"] == []
    assert set(out["test"]) >= {"standardCommissionForOrder", "discount"}
    assert len(out["depth"]["asks"]) == 5 and out["avgPrice"]["mins"] == 5
    assert len(out["klines"]) == 1 and out["ticker"]["count"] == 1
    streams = out["streams"]
    assert streams["trade"]["q"] == "0.01000000"
    assert streams["aggTrade"]["e"] == "aggTrade"
    assert streams["kline"]["k"]["i"] == "1m"
    assert streams["depth"]["e"] == "depthUpdate"
    assert len(streams["partial"]["bids"]) == 5
    assert streams["bookTicker"]["s"] == "BTCUSDT"
    assert streams["ticker"]["e"] == "24hrTicker" and streams["miniTicker"]["s"] == "BTCUSDT"
    assert streams["rolling"]["e"] == "1hTicker" and streams["avgPrice"]["i"] == "5m"
    # The first all-market arrays hold every symbol (web-socket-streams.md, All Market ...).
    assert {t["e"] for t in streams["allRolling"]} == {"1hTicker"}
    assert {t["s"] for t in streams["allRolling"]} == {t["s"] for t in streams["allMini"]}
    assert {"BTCUSDT", "ETHUSDT"} <= {t["s"] for t in streams["allMini"]}


@pytest.mark.skipif(version("ccxt") is None, reason="ccxt is not installed")
async def test_ccxt_account_calls_rest_and_websocket(serve: ServeFactory) -> None:
    out = await run_child(CCXT_PRO, await market(serve), DEMO_API_KEY, DEMO_API_SECRET)
    assert out["balance"]["free"] == 0.01 and out["balance"]["used"] == 0
    assert out["open"] == out["open_ws"] == [out["resting"]]
    assert out["trades"] == out["trades_ws"] == [0.01]
    assert out["book_ws"] > 0 and out["ticker_ws"] == "BTC/USDT"

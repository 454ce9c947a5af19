"""Standard clients call the newer documented calls on the local server (each in a child
process, as in test_client_library): Binance's SDK (binance-sdk-spot: REST and WebSocket API),
python-binance and ccxt. Each test is skipped when its library is not installed."""

from __future__ import annotations

import importlib.metadata
from decimal import Decimal

import pytest

from tests.server.conftest import ServeFactory
from tests.server.test_client_library import run_client
from tests.server.test_client_sdk import SDK_REST_HEAD
from transports.sim.exchange import SimExchange
from transports.sim.server.core import wall_clock_ms


def version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def demo_exchange() -> SimExchange:
    exchange = SimExchange(clock=wall_clock_ms)
    exchange.create_account("demo", {"USDT": Decimal("100000"), "BTC": Decimal("1")})
    return exchange


SDK_REST = (
    SDK_REST_HEAD
    + """
out["rules"] = dump(api.execution_rules(symbol="BTCUSDT"))
out["all_rules"] = dump(api.execution_rules())
out["two_rules"] = dump(api.execution_rules(symbols=["BTCUSDT", "ETHUSDT"]))
out["blocks"] = [x.model_dump(by_alias=True) for x in api.historical_block_trades(
    symbol="BTCUSDT", from_id=0).data()]
out["filters"] = dump(api.my_filters(symbol="BTCUSDT"))
out["info"] = dump(api.exchange_info(symbol="BTCUSDT"))
out["allocations"] = [x.model_dump(by_alias=True) for x in api.my_allocations(
    symbol="BTCUSDT").data()]
oco = api.order_oco(symbol="BTCUSDT", side="SELL", quantity=0.01, price=62000.0,
                    stop_price=57500.0, stop_limit_price=57000.0,
                    stop_limit_time_in_force="GTC")
out["oco"] = dump(oco)
for name, call in (("reference", lambda: api.reference_price(symbol="BTCUSDT")),
                   ("calculation", lambda: api.reference_price_calculation(symbol="BTCUSDT"))):
    try:
        call()
        out[name] = "answered"
    except BadRequestError as exc:
        out[name] = str(exc)
print(json.dumps(out, default=str))
"""
)


@pytest.mark.skipif(version("binance-sdk-spot") is None, reason="binance-sdk-spot missing")
async def test_binance_sdk_spot_rest(serve: ServeFactory) -> None:
    exchange = demo_exchange()
    out = await run_client(serve, exchange, SDK_REST)
    assert [(r["symbol"], r["rules"]) for r in out["rules"]["symbolRules"]] == [("BTCUSDT", [])]
    assert "BTCUSDT" in {r["symbol"] for r in out["all_rules"]["symbolRules"]}
    assert [r["symbol"] for r in out["two_rules"]["symbolRules"]] == ["BTCUSDT", "ETHUSDT"]
    assert out["blocks"] == [] and out["allocations"] == []
    info = out["info"]["symbols"][0]["filters"]
    # The SDK wraps each filter in its oneOf model: the filter is its ``actual_instance``.
    mine = [f["actual_instance"]["filterType"] for f in out["filters"]["symbolFilters"]]
    assert mine == [f["actual_instance"]["filterType"] for f in info]
    assert out["filters"]["assetFilters"] == []
    assert {r["type"] for r in out["oco"]["orderReports"]} == {"LIMIT_MAKER", "STOP_LOSS_LIMIT"}
    assert exchange.balance("demo", "BTC") == (Decimal("0.99"), Decimal("0.01"))
    assert "-2043" in out["reference"], out["reference"]
    assert "reference price" in out["calculation"]


# The SDK's WebSocket API client connected to the server (``api``), results made plain.
SDK_WS_HEAD = """
import asyncio, json, sys
from binance_common.configuration import ConfigurationWebSocketAPI
from binance_sdk_spot.spot import Spot

def plain(value):
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value.to_dict() if hasattr(value, "to_dict") else value

async def main(base, key, secret):
    ws = base.replace("http", "ws", 1).removesuffix("/api")
    spot = Spot(config_ws_api=ConfigurationWebSocketAPI(
        api_key=key, api_secret=secret, stream_url=ws + "/ws-api/v3", timeout=10000,
        reconnect_attempts=1))
"""
SDK_WS = (
    SDK_WS_HEAD
    + """    api = await spot.websocket_api.create_connection()
    out = {}
    try:
        calls = {
            "rules": lambda: api.execution_rules(symbol="BTCUSDT"),
            "two_rules": lambda: api.execution_rules(symbols=["BTCUSDT", "ETHUSDT"]),
            "info": lambda: api.exchange_info(symbols=["BTCUSDT", "ETHUSDT"]),
            "blocks": lambda: api.block_trades_historical(symbol="BTCUSDT", from_id=0),
            "filters": lambda: api.my_filters(symbol="BTCUSDT"),
            "allocations": lambda: api.my_allocations(symbol="BTCUSDT"),
            "oco": lambda: api.order_list_place(
                symbol="BTCUSDT", side="SELL", price=62000.0, quantity=0.01,
                stop_price=57500.0),
        }
        for name, call in calls.items():
            out[name] = plain((await call()).data())
        try:
            out["reference"] = repr((await api.reference_price(symbol="BTCUSDT")).data())
        except Exception as exc:
            out["reference"] = str(exc)
    finally:
        await api.close_connection(close_session=True)
    print(json.dumps(out, default=str))

asyncio.run(main(*sys.argv[1:]))
"""
)


@pytest.mark.skipif(version("binance-sdk-spot") is None, reason="binance-sdk-spot missing")
async def test_binance_sdk_spot_websocket_api(serve: ServeFactory) -> None:
    exchange = demo_exchange()
    out = await run_client(serve, exchange, SDK_WS)
    rules = out["rules"]["result"]["symbolRules"]
    assert [(r["symbol"], r["rules"]) for r in rules] == [("BTCUSDT", [])]
    two = out["two_rules"]["result"]["symbolRules"]
    assert [r["symbol"] for r in two] == ["BTCUSDT", "ETHUSDT"]
    assert [s["symbol"] for s in out["info"]["result"]["symbols"]] == ["BTCUSDT", "ETHUSDT"]
    assert out["blocks"]["result"] == [] and out["allocations"]["result"] == []
    # The SDK's myFilters model reads the filters from the frame's top level, not from
    # "result" (web-socket-api.md, Query Relevant Filters), so only the call and its weight
    # (40) can be seen through it; test_documented_calls checks the body.
    counts = [out[name]["rateLimits"][0]["count"] for name in ("blocks", "filters")]
    assert counts[1] - counts[0] == 40
    reports = out["oco"]["result"]["orderReports"]
    assert {r["type"] for r in reports} == {"LIMIT_MAKER", "STOP_LOSS"}
    assert "-2043" in out["reference"], out["reference"]


PYTHON_BINANCE = """
import asyncio, json, sys
from binance import AsyncClient
from binance.ws.websocket_api import WebsocketAPI

async def main(base, key, secret):
    client = AsyncClient(key, secret)
    client.API_URL = base
    client.ws_api = WebsocketAPI(url=base.replace("http", "ws", 1).removesuffix("/api")
                                 + "/ws-api/v3")
    out = {}
    try:
        out["allocations"] = await client.get_allocations(symbol="BTCUSDT")
        out["ws_allocations"] = await client.ws_get_allocations(symbol="BTCUSDT")
        out["rules"] = await client._get("executionRules", data={"symbol": "BTCUSDT"},
                                         version="v3")
        out["filters"] = await client._get("myFilters", True, data={"symbol": "BTCUSDT"},
                                           version="v3")
    finally:
        await client.close_connection()
    print(json.dumps(out, default=str))

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.mark.skipif(version("python-binance") is None, reason="python-binance missing")
async def test_python_binance(serve: ServeFactory) -> None:
    out = await run_client(serve, demo_exchange(), PYTHON_BINANCE)
    assert out["allocations"] == [] and out["ws_allocations"] == []
    assert out["rules"] == {"symbolRules": [{"symbol": "BTCUSDT", "rules": []}]}
    assert "PRICE_FILTER" in {f["filterType"] for f in out["filters"]["symbolFilters"]}


CCXT = """
import json, sys
import ccxt

base, key, secret = sys.argv[1:]
exchange = ccxt.binance({"apiKey": key, "secret": secret})
for name in ("public", "private", "v3", "v1"):
    exchange.urls["api"][name] = base + "/" + ("v1" if name == "v1" else "v3")
out = {}
out["rules"] = exchange.publicGetExecutionRules({"symbol": "BTCUSDT"})
out["blocks"] = exchange.publicGetHistoricalBlockTrades({"symbol": "BTCUSDT", "fromId": 0})
out["allocations"] = exchange.privateGetMyAllocations({"symbol": "BTCUSDT"})
out["oco"] = exchange.privatePostOrderOco({
    "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01", "price": "62000.00",
    "stopPrice": "57500.00", "stopLimitPrice": "57000.00", "stopLimitTimeInForce": "GTC"})
try:
    exchange.publicGetReferencePriceCalculation({"symbol": "BTCUSDT"})
    out["calculation"] = "answered"
except ccxt.BaseError as exc:
    out["calculation"] = str(exc)
try:
    exchange.publicGetReferencePrice({"symbol": "BTCUSDT"})
    out["reference"] = "answered"
except ccxt.BaseError as exc:
    out["reference"] = str(exc)
print(json.dumps(out, default=str))
"""


@pytest.mark.skipif(version("ccxt") is None, reason="ccxt missing")
async def test_ccxt_implicit_methods(serve: ServeFactory) -> None:
    exchange = demo_exchange()
    out = await run_client(serve, exchange, CCXT)
    assert out["rules"] == {"symbolRules": [{"symbol": "BTCUSDT", "rules": []}]}
    assert out["blocks"] == [] and out["allocations"] == []
    assert "-2043" in out["reference"] and "-2043" in out["calculation"]
    assert {r["type"] for r in out["oco"]["orderReports"]} == {"LIMIT_MAKER", "STOP_LOSS_LIMIT"}
    assert exchange.balance("demo", "BTC") == (Decimal("0.99"), Decimal("0.01"))

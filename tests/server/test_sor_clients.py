"""Standard clients use smart order routing on the local server (each in a child process, as
in test_client_library): python-binance (REST and WebSocket API), Binance's SDK
(binance-sdk-spot: REST and WebSocket API) and ccxt (``createOrder`` with ``sor``), on the
default markets with faqs/sor_faq.md's ask books. Each test is skipped without its library."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.server.conftest import ServeFactory
from tests.server.test_client_ccxt import CCXT_HEAD
from tests.server.test_client_library import run_child, run_client
from tests.server.test_client_sdk import SDK_REST_HEAD
from tests.server.test_documented_calls_clients import SDK_WS_HEAD, version
from tests.sim.test_sor import faq_exchange
from transports.sim.exchange import SimExchange
from transports.sim.server.app import DEMO_API_KEY, DEMO_API_SECRET, ApiAccount
from transports.sim.server.core import wall_clock_ms

FAQ_FILLS = [("28000.00000000", 0), ("29000.00000000", 1), ("30000.00000000", 2)]


def demo_books() -> SimExchange:
    return faq_exchange(clock=wall_clock_ms, taker="demo")


PYTHON_BINANCE = """
import asyncio, json, sys
from binance import AsyncClient
from binance.ws.websocket_api import WebsocketAPI

async def main(base, ws_api, key, secret):
    client = AsyncClient(key, secret)
    client.API_URL = base
    client.ws_api = WebsocketAPI(url=ws_api)
    out = {}
    try:
        out["info"] = await client.get_exchange_info()
        out["test"] = await client.v3_post_sor_order_test(
            symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.5",
            price="31000")
        out["sor"] = await client.v3_post_sor_order(
            symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.5",
            price="31000")
        out["order"] = await client.get_order(symbol="BTCUSDT", orderId=out["sor"]["orderId"])
        out["allocations"] = await client.get_allocations(symbol="BTCUSDT")
        out["trades"] = await client.get_my_trades(symbol="BTCUSDT")
        out["ws_test"] = await client.ws_create_test_sor_order(
            symbol="BTCUSDT", side="BUY", type="MARKET", quantity="1",
            computeCommissionRates="true")
        out["ws_sor"] = await client.ws_create_sor_order(
            symbol="BTCUSDT", side="BUY", type="MARKET", quantity="2")
        out["ws_allocations"] = await client.ws_get_allocations(symbol="BTCUSDT")
    finally:
        await client.close_connection()
    print(json.dumps(out))

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.mark.skipif(version("python-binance") is None, reason="python-binance missing")
async def test_python_binance_places_sor_orders(serve: ServeFactory) -> None:
    exchange = demo_books()
    demo = ApiAccount(account="demo", api_key=DEMO_API_KEY, secret=DEMO_API_SECRET)
    h = await serve(exchange=exchange, api_accounts=[demo], clock=None)
    out = await run_child(PYTHON_BINANCE, h.base, h.ws_url, DEMO_API_KEY, DEMO_API_SECRET)
    assert out["info"]["sors"] == [
        {"baseAsset": "BTC", "symbols": ["BTCUSDT", "BTCUSDC", "BTCUSDP"]}
    ]
    assert out["test"] == {}
    sor = out["sor"]  # faqs/sor_faq.md, Example 1
    assert (sor["status"], sor["cummulativeQuoteQty"]) == ("FILLED", "14000.00000000")
    assert [(f["price"], f["tradeId"], f["allocId"]) for f in sor["fills"]] == [
        ("28000.00000000", -1, 0)
    ]
    assert (sor["workingFloor"], sor["usedSor"]) == ("SOR", True)
    assert (out["order"]["usedSor"], out["order"]["workingFloor"]) == (True, "SOR")
    assert [a["allocationId"] for a in out["allocations"]] == [0]
    assert out["trades"] == []
    assert "standardCommissionForOrder" in out["ws_test"]
    # web-socket-api.md: sor.order.place answers an array holding the order.
    [ws_sor] = out["ws_sor"]
    # The 0.5 BTCUSDC left at 28,000, then 1 BTCUSDP at 29,000, 0.5 BTCUSDC at 30,000.
    assert [(f["price"], f["qty"], f["allocId"]) for f in ws_sor["fills"]] == [
        ("28000.00000000", "0.50000000", 1),
        ("29000.00000000", "1.00000000", 2),
        ("30000.00000000", "0.50000000", 3),
    ]
    assert [a["allocationId"] for a in out["ws_allocations"]] == [0, 1, 2, 3]
    assert exchange.balance("demo", "BTC")[0] == Decimal("102.5")
    assert exchange.balance("demo", "USDT")[0] == Decimal(1_000_000 - 14_000 - 58_000)


SDK_REST = (
    SDK_REST_HEAD
    + """
out["info"] = dump(api.exchange_info(symbol="BTCUSDT"))
out["test"] = dump(api.sor_order_test(symbol="BTCUSDT", side="BUY", type="LIMIT",
                                      quantity=5.0, time_in_force="GTC", price=31000.0,
                                      compute_commission_rates=True))
out["sor"] = dump(api.sor_order(symbol="BTCUSDT", side="BUY", type="LIMIT", quantity=5.0,
                                time_in_force="GTC", price=31000.0))
out["allocations"] = [x.model_dump(by_alias=True) for x in api.my_allocations(
    symbol="BTCUSDT").data()]
print(json.dumps(out, default=str))
"""
)


@pytest.mark.skipif(version("binance-sdk-spot") is None, reason="binance-sdk-spot missing")
async def test_binance_sdk_spot_rest_sor(serve: ServeFactory) -> None:
    exchange = demo_books()
    out = await run_client(serve, exchange, SDK_REST)
    assert [(s["baseAsset"], s["symbols"]) for s in out["info"]["sors"]] == [
        ("BTC", ["BTCUSDT", "BTCUSDC", "BTCUSDP"])
    ]
    assert set(out["test"]) >= {"standardCommissionForOrder", "discount"}
    sor = out["sor"]  # faqs/sor_faq.md, Example 2
    assert (sor["status"], sor["cummulativeQuoteQty"]) == ("FILLED", "148000.00000000")
    assert [(f["price"], f["qty"], f["allocId"], f["matchType"]) for f in sor["fills"]] == [
        ("28000.00000000", "1.00000000", 0, "ONE_PARTY_TRADE_REPORT"),
        ("29000.00000000", "1.00000000", 1, "ONE_PARTY_TRADE_REPORT"),
        ("30000.00000000", "1.00000000", 2, "ONE_PARTY_TRADE_REPORT"),
        ("30500.00000000", "2.00000000", 3, "ONE_PARTY_TRADE_REPORT"),
    ]
    assert (sor["workingFloor"], sor["usedSor"]) == ("SOR", True)
    allocations = out["allocations"]
    assert [(a["allocationId"], a["allocationType"], a["isAllocator"]) for a in allocations] == [
        (0, "SOR", False),
        (1, "SOR", False),
        (2, "SOR", False),
        (3, "SOR", False),
    ]
    assert exchange.balance("demo", "USDT")[0] == Decimal(1_000_000 - 148_000)


SDK_WS = (
    SDK_WS_HEAD
    + """
    api = await spot.websocket_api.create_connection()
    out = {}
    try:
        out["test"] = plain((await api.sor_order_test(
            symbol="BTCUSDT", side="BUY", type="LIMIT", quantity=5.0, time_in_force="GTC",
            price=30000.0)).data())
        out["sor"] = plain((await api.sor_order_place(
            symbol="BTCUSDT", side="BUY", type="LIMIT", quantity=5.0, time_in_force="GTC",
            price=30000.0)).data())
        out["allocations"] = plain((await api.my_allocations(symbol="BTCUSDT")).data())
    finally:
        await api.close_connection(close_session=True)
    print(json.dumps(out, default=str))

asyncio.run(main(*sys.argv[1:]))
"""
)


@pytest.mark.skipif(version("binance-sdk-spot") is None, reason="binance-sdk-spot missing")
async def test_binance_sdk_spot_websocket_api_sor(serve: ServeFactory) -> None:
    exchange = demo_books()
    out = await run_client(serve, exchange, SDK_WS)
    assert out["test"]["result"] == {}
    [order] = out["sor"]["result"]
    # A GTC remainder rests on BTCUSDT: 3 of 5 filled up to 30,000 across the books.
    assert (order["status"], order["executedQty"]) == ("PARTIALLY_FILLED", "3.00000000")
    assert [(f["price"], f["allocId"]) for f in order["fills"]] == FAQ_FILLS
    assert (order["workingFloor"], order["usedSor"]) == ("EXCHANGE", True)
    assert [a["allocationId"] for a in out["allocations"]["result"]] == [0, 1, 2]
    assert exchange.book("BTCUSDT")[0] == [(Decimal("30000"), Decimal("2"))]


CCXT = (
    CCXT_HEAD
    + """
order = ex.create_order("BTC/USDT", "limit", "buy", 5, 30000, {"sor": True})
print(json.dumps(order["info"]))
"""
)


@pytest.mark.skipif(version("ccxt") is None, reason="ccxt missing")
async def test_ccxt_create_order_with_sor(serve: ServeFactory) -> None:
    exchange = demo_books()
    info = await run_client(serve, exchange, CCXT)
    assert (info["status"], info["executedQty"], info["usedSor"]) == (
        "PARTIALLY_FILLED",
        "3.00000000",
        True,
    )
    assert [(f["price"], f["allocId"]) for f in info["fills"]] == FAQ_FILLS

"""python-binance places an iceberg STOP_LOSS_LIMIT order against the local server: it waits
off the book, triggers, and works as a LIMIT iceberg showing only its visible part; past
MAX_NUM_ICEBERG_ORDERS the next iceberg is refused with Binance's filter failure (rest-api.md,
New order, ``icebergQty``; filters.md, MAX_NUM_ICEBERG_ORDERS; errors.md, Filter failures).
Run in a child process, as in test_client_library."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from tests.server.conftest import ServeFactory
from tests.server.test_client_library import VERSION, run_client
from transports.sim.exchange import SimExchange
from transports.sim.server.core import wall_clock_ms

SCRIPT = """
import asyncio, json, sys
from binance import AsyncClient
from binance.exceptions import BinanceAPIException

async def main(base, key, secret):
    client = AsyncClient(key, secret)
    client.API_URL = base
    out = {}
    try:
        info = await client.get_symbol_info("BTCUSDT")
        out["filter"] = [f for f in info["filters"]
                         if f["filterType"] == "MAX_NUM_ICEBERG_ORDERS"]
        stop = await client.create_order(
            symbol="BTCUSDT", side="SELL", type="STOP_LOSS_LIMIT", timeInForce="GTC",
            quantity="0.05", price="58000.00", stopPrice="58500.00", icebergQty="0.01")
        out["waiting"] = await client.get_order_book(symbol="BTCUSDT", limit=5)
        await client.create_order(symbol="BTCUSDT", side="SELL", type="MARKET",
                                  quantity="0.001")
        out["stop"] = await client.get_order(symbol="BTCUSDT", orderId=stop["orderId"])
        out["book"] = await client.get_order_book(symbol="BTCUSDT", limit=5)
        for i in range(4):
            await client.create_order(
                symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC",
                quantity="0.01", price=f"{50000 + i}.00", icebergQty="0.005")
        try:
            await client.create_order(
                symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC",
                quantity="0.01", price="49000.00", icebergQty="0.005")
        except BinanceAPIException as exc:
            out["sixth"] = [exc.code, exc.message, exc.status_code]
    finally:
        await client.close_connection()
    print(json.dumps(out))

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.mark.skipif(VERSION is None, reason="python-binance is not installed")
async def test_python_binance_iceberg_stop_limit_and_max_num_iceberg_orders(
    serve: ServeFactory,
) -> None:
    exchange = SimExchange(clock=wall_clock_ms)
    exchange.create_account("demo", {"USDT": Decimal("100000"), "BTC": Decimal("1")})
    exchange.create_account("maker", {"USDT": Decimal("100000")})
    bid = NewOrder(
        symbol="BTCUSDT", side=Side.BUY, order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC, quantity=Decimal("0.021"), price=Decimal("58400"),
    )  # fmt: skip
    exchange.place_order("maker", bid)
    out = await run_client(serve, exchange, SCRIPT)
    assert out["filter"] == [{"filterType": "MAX_NUM_ICEBERG_ORDERS", "maxNumIcebergOrders": 5}]
    assert out["waiting"]["asks"] == []  # a waiting stop is not on the book
    # The market sell traded at 58400 (<= the stop): the stop took the rest of the bid as
    # a taker, and rests with its visible part only.
    stop = out["stop"]
    assert (stop["type"], stop["status"], stop["isWorking"]) == (
        "STOP_LOSS_LIMIT", "PARTIALLY_FILLED", True,
    )  # fmt: skip
    assert (stop["executedQty"], stop["icebergQty"]) == ("0.02000000", "0.01000000")
    assert out["book"]["asks"] == [["58000.00000000", "0.01000000"]]
    assert out["sixth"] == [-1013, "Filter failure: MAX_NUM_ICEBERG_ORDERS", 400]
    assert len(exchange.open_orders("demo")) == 5

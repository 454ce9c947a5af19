"""python-binance places a stop-limit order and an OCO against the local server, queries and
cancels the list, amends and cancel-replaces an order: the advanced calls of a standard Binance
client work unchanged (run in a child process, as in test_client_library)."""

from __future__ import annotations

from decimal import Decimal

import pytest

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
        out["stop"] = await client.create_order(
            symbol="BTCUSDT", side="SELL", type="STOP_LOSS_LIMIT", timeInForce="GTC",
            quantity="0.01", price="58000.00", stopPrice="58500.00")
        try:
            await client.create_order(
                symbol="BTCUSDT", side="SELL", type="STOP_LOSS", quantity="0.01",
                stopPrice="61000.00")
        except BinanceAPIException as exc:
            out["immediate"] = [exc.code, exc.message]
        out["oco"] = await client.create_oco_order(
            symbol="BTCUSDT", side="SELL", quantity="0.01",
            aboveType="LIMIT_MAKER", abovePrice="62000.00",
            belowType="STOP_LOSS_LIMIT", belowPrice="57000.00", belowStopPrice="57500.00",
            belowTimeInForce="GTC", newOrderRespType="FULL")
        out["open_lists"] = await client.get_open_oco_orders()
        lid = out["oco"]["orderListId"]
        out["list"] = await client.v3_get_order_list(orderListId=lid)
        limit = await client.create_order(
            symbol="BTCUSDT", side="SELL", type="LIMIT", timeInForce="GTC",
            quantity="0.05", price="63000.00")
        out["amend"] = await client._request_api(
            "put", "order/amend/keepPriority", signed=True,
            data={"symbol": "BTCUSDT", "orderId": limit["orderId"], "newQty": "0.02"})
        out["replace"] = await client.cancel_replace_order(
            symbol="BTCUSDT", side="SELL", type="LIMIT", timeInForce="GTC",
            quantity="0.02", price="64000.00", cancelReplaceMode="STOP_ON_FAILURE",
            cancelOrderId=limit["orderId"])
        try:
            await client.cancel_replace_order(
                symbol="BTCUSDT", side="SELL", type="LIMIT", timeInForce="GTC",
                quantity="0.02", price="64000.00", cancelReplaceMode="STOP_ON_FAILURE",
                cancelOrderId=999999)
        except BinanceAPIException as exc:
            out["replace_failed"] = [exc.code, exc.message, exc.status_code]
        out["cancel_list"] = await client.v3_delete_order_list(
            symbol="BTCUSDT", orderListId=lid)
    finally:
        await client.close_connection()
    print(json.dumps(out))

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.mark.skipif(VERSION is None, reason="python-binance is not installed")
async def test_python_binance_stop_limit_oco_amend_and_cancel_replace(serve: ServeFactory) -> None:
    exchange = SimExchange(clock=wall_clock_ms)
    exchange.create_account("demo", {"USDT": Decimal("100000"), "BTC": Decimal("1")})
    out = await run_client(serve, exchange, SCRIPT)
    # A stop order answers ACK by default (rest-api.md, New order: newOrderRespType).
    assert set(out["stop"]) == {
        "symbol", "orderId", "orderListId", "clientOrderId", "transactTime",
    }  # fmt: skip
    assert out["immediate"] == [-2010, "Order would trigger immediately."]
    oco = out["oco"]
    assert (oco["contingencyType"], oco["listStatusType"], oco["listOrderStatus"]) == (
        "OCO", "EXEC_STARTED", "EXECUTING",
    )  # fmt: skip
    above, below = oco["orderReports"]
    assert (above["type"], below["type"]) == ("LIMIT_MAKER", "STOP_LOSS_LIMIT")
    assert below["stopPrice"] == "57500.00000000" and below["workingTime"] == -1
    assert above["fills"] == [] and above["orderListId"] == oco["orderListId"]
    assert [x["orderListId"] for x in out["open_lists"]] == [oco["orderListId"]]
    assert out["list"]["listClientOrderId"] == oco["listClientOrderId"]
    assert out["amend"]["amendedOrder"]["qty"] == "0.02000000"
    replace = out["replace"]
    assert (replace["cancelResult"], replace["newOrderResult"]) == ("SUCCESS", "SUCCESS")
    assert replace["cancelResponse"]["status"] == "CANCELED"
    assert out["replace_failed"] == [-2022, "Order cancel-replace failed.", 400]
    cancel = out["cancel_list"]
    assert cancel["listOrderStatus"] == "ALL_DONE"
    assert {r["status"] for r in cancel["orderReports"]} == {"CANCELED"}
    assert exchange.open_order_lists("demo") == []

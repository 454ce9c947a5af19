"""The newer documented calls over raw HTTP and the WebSocket API: executionRules,
referencePrice(/calculation), historicalBlockTrades, myFilters, myAllocations and the deprecated
OCO (rest-api.md and web-socket-api.md, each call's section): answers, weights, signatures and
the documented errors for bad parameters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.server.conftest import ALICE_KEY, ALICE_SECRET, Harness, Reply


def weight(reply: Reply) -> int:
    return int(reply.headers["X-MBX-USED-WEIGHT-1M"])


async def test_execution_rules_answer_every_symbol_with_no_rules_and_documented_weights(
    harness: Harness,
) -> None:
    client = harness.rest()
    one = await client.public("/v3/executionRules", {"symbol": "BTCUSDT"})
    assert one.status == 200 and weight(one) == 2
    assert one.json() == {"symbolRules": [{"symbol": "BTCUSDT", "rules": []}]}
    many = await client.public("/v3/executionRules", {"symbols": '["BTCUSDT","ETHUSDT"]'})
    assert [r["symbol"] for r in many.json()["symbolRules"]] == ["BTCUSDT", "ETHUSDT"]
    assert weight(many) == 2 + 4  # 2 per symbol
    every = await client.public("/v3/executionRules")
    assert weight(every) == 2 + 4 + 40
    listed = {r["symbol"] for r in every.json()["symbolRules"]}
    info = (await client.public("/v3/exchangeInfo")).json()
    assert listed == {s["symbol"] for s in info["symbols"]}
    trading = await client.public("/v3/executionRules", {"symbolStatus": "TRADING"})
    assert {r["symbol"] for r in trading.json()["symbolRules"]} == listed
    halted = await client.public("/v3/executionRules", {"symbolStatus": "HALT"})
    assert halted.json() == {"symbolRules": []}


async def test_execution_rules_refuse_bad_parameters(harness: Harness) -> None:
    client = harness.rest()
    combos: list[dict[str, str]] = [
        {"symbol": "BTCUSDT", "symbols": '["ETHUSDT"]'},
        {"symbol": "BTCUSDT", "symbolStatus": "TRADING"},
        {"symbols": '["ETHUSDT"]', "symbolStatus": "TRADING"},
    ]
    for params in combos:
        reply = await client.public("/v3/executionRules", params)
        assert (reply.status, reply.code) == (400, -1128), params
    assert (await client.public("/v3/executionRules", {"symbolStatus": "OPEN"})).code == -1122
    assert (await client.public("/v3/executionRules", {"symbol": "NOPE"})).code == -1121
    assert (await client.public("/v3/executionRules", {"symbols": "BTCUSDT"})).code == -1100
    assert (await client.public("/v3/executionRules", {"limit": "5"})).code == -1104


async def test_reference_price_queries_answer_no_reference_price(harness: Harness) -> None:
    client = harness.rest()
    price = await client.public("/v3/referencePrice", {"symbol": "BTCUSDT"})
    assert (price.status, weight(price)) == (400, 2)
    assert price.json() == {"code": -2043, "msg": "This symbol doesn't have a reference price."}
    calc = await client.public("/v3/referencePrice/calculation", {"symbol": "BTCUSDT"})
    assert (calc.code, weight(calc)) == (-2043, 4)
    status = {"symbol": "BTCUSDT", "symbolStatus": "TRADING"}
    assert (await client.public("/v3/referencePrice/calculation", status)).code == -2043
    halted = {"symbol": "BTCUSDT", "symbolStatus": "HALT"}
    assert (await client.public("/v3/referencePrice/calculation", halted)).code == -1220
    assert (await client.public("/v3/referencePrice")).code == -1102
    assert (await client.public("/v3/referencePrice", {"symbol": "NOPE"})).code == -1121
    assert (await client.public("/v3/referencePrice", status)).code == -1104


async def test_historical_block_trades_validate_then_answer_empty(harness: Harness) -> None:
    client = harness.rest()
    reply = await client.public("/v3/historicalBlockTrades", {"symbol": "BTCUSDT", "fromId": "0"})
    assert (reply.status, reply.json(), weight(reply)) == (200, [], 25)
    ok = {"symbol": "BTCUSDT", "fromId": "5", "limit": "1000"}
    assert (await client.public("/v3/historicalBlockTrades", ok)).json() == []
    bad: list[tuple[dict[str, str], int]] = [
        ({"symbol": "BTCUSDT"}, -1102),
        ({"fromId": "1"}, -1102),
        ({"symbol": "NOPE", "fromId": "1"}, -1121),
        ({"symbol": "BTCUSDT", "fromId": "x"}, -1100),
        ({"symbol": "BTCUSDT", "fromId": "1", "limit": "1001"}, -1130),
        ({"symbol": "BTCUSDT", "fromId": "1", "limit": "0"}, -1130),
        ({"symbol": "BTCUSDT", "fromId": "1", "startTime": "1"}, -1104),
    ]
    for params, code in bad:
        assert (await client.public("/v3/historicalBlockTrades", params)).code == code, params


async def test_my_filters_match_exchange_info_and_need_a_signature(harness: Harness) -> None:
    client = harness.rest()
    reply = await client.signed("GET", "/v3/myFilters", {"symbol": "BTCUSDT"})
    assert (reply.status, weight(reply)) == (200, 40)
    info = (await client.public("/v3/exchangeInfo", {"symbol": "BTCUSDT"})).json()
    assert reply.json() == {
        "exchangeFilters": info["exchangeFilters"],
        "symbolFilters": info["symbols"][0]["filters"],
        "assetFilters": [],
    }
    types = {f["filterType"] for f in reply.json()["symbolFilters"]}
    assert {"PRICE_FILTER", "LOT_SIZE", "MAX_NUM_ORDERS", "MAX_NUM_ORDER_LISTS"} <= types
    unsigned = await client.raw("GET", "/v3/myFilters", "symbol=BTCUSDT")
    assert unsigned.status == 400 and unsigned.code in (-1102, -2014)
    assert (await client.signed("GET", "/v3/myFilters")).code == -1102
    assert (await client.signed("GET", "/v3/myFilters", {"symbol": "NOPE"})).code == -1121


async def test_my_allocations_combinations_window_and_limit(harness: Harness) -> None:
    client = harness.rest()
    reply = await client.signed("GET", "/v3/myAllocations", {"symbol": "BTCUSDT"})
    assert (reply.status, reply.json(), weight(reply)) == (200, [], 20)
    now = harness.clock()
    good: list[dict[str, Any]] = [
        {"startTime": now - 1000},
        {"endTime": now},
        {"startTime": now - 86_400_000, "endTime": now},
        {"fromAllocationId": 3},
        {"orderId": 1},
        {"orderId": 1, "fromAllocationId": 0, "limit": 1000},
    ]
    for params in good:
        found = await client.signed("GET", "/v3/myAllocations", {"symbol": "BTCUSDT", **params})
        assert (found.status, found.json()) == (200, []), params
    bad: list[tuple[dict[str, Any], int]] = [
        ({"orderId": 1, "startTime": now}, -1128),
        ({"fromAllocationId": 1, "endTime": now}, -1128),
        ({"startTime": now - 86_400_001, "endTime": now}, -1127),
        ({"limit": 1001}, -1130),
        ({"orderId": "x"}, -1100),
    ]
    for params, code in bad:
        found = await client.signed("GET", "/v3/myAllocations", {"symbol": "BTCUSDT", **params})
        assert found.code == code, params
    assert (await client.signed("GET", "/v3/myAllocations", {"symbol": "NOPE"})).code == -1121
    assert (await client.raw("GET", "/v3/myAllocations", "symbol=BTCUSDT")).status == 400


OLD_OCO_SELL = {
    "symbol": "BTCUSDT",
    "side": "SELL",
    "quantity": "0.01",
    "price": "62000.00",
    "stopPrice": "57500.00",
    "stopLimitPrice": "57000.00",
    "stopLimitTimeInForce": "GTC",
    "limitClientOrderId": "limit-leg",
    "stopClientOrderId": "stop-leg",
    "listClientOrderId": "old-oco",
}


async def test_deprecated_oco_places_a_limit_maker_and_a_stop(harness: Harness) -> None:
    client = harness.rest()
    reply = await client.signed("POST", "/v3/order/oco", OLD_OCO_SELL, in_body=True)
    assert reply.status == 200, reply.json()
    body = reply.json()
    assert (body["contingencyType"], body["listClientOrderId"]) == ("OCO", "old-oco")
    reports = {r["clientOrderId"]: r for r in body["orderReports"]}
    assert reports["limit-leg"]["type"] == "LIMIT_MAKER"
    assert Decimal(reports["limit-leg"]["price"]) == Decimal("62000")
    assert reports["stop-leg"]["type"] == "STOP_LOSS_LIMIT"
    assert Decimal(reports["stop-leg"]["stopPrice"]) == Decimal("57500")
    assert "X-MBX-ORDER-COUNT-10S" in reply.headers
    assert harness.exchange.balance("alice", "BTC")[1] == Decimal("0.01")
    buy = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "quantity": "0.01",
        "price": "50000.00",
        "stopPrice": "65000.00",
    }
    placed = await client.signed("POST", "/v3/order/oco", buy)
    assert placed.status == 200, placed.json()
    types = {r["type"]: r for r in placed.json()["orderReports"]}
    assert set(types) == {"LIMIT_MAKER", "STOP_LOSS"}
    assert Decimal(types["LIMIT_MAKER"]["price"]) == Decimal("50000")


async def test_deprecated_oco_refuses_what_the_docs_refuse(harness: Harness) -> None:
    client = harness.rest()
    no_tif = {k: v for k, v in OLD_OCO_SELL.items() if k != "stopLimitTimeInForce"}
    assert (await client.signed("POST", "/v3/order/oco", no_tif)).code == -1128
    no_price = {k: v for k, v in OLD_OCO_SELL.items() if k != "stopLimitPrice"}
    assert (await client.signed("POST", "/v3/order/oco", no_price)).code == -1106
    no_limit = {k: v for k, v in OLD_OCO_SELL.items() if k != "price"}
    assert (await client.signed("POST", "/v3/order/oco", no_limit)).code == -1102
    # SELL: limit price > last price > stop price (rest-api.md, New OCO - Deprecated).
    swapped = {**OLD_OCO_SELL, "price": "57000.00", "stopPrice": "62000.00"}
    swapped["stopLimitPrice"] = "62500.00"
    refused = await client.signed("POST", "/v3/order/oco", swapped)
    assert refused.status == 400 and refused.code is not None
    assert harness.exchange.open_orders("alice") == []


async def test_ws_api_methods(harness: Harness) -> None:
    ws = await harness.ws()

    def signed(**params: object) -> dict[str, object]:
        return ws.signed_params(ALICE_KEY, ALICE_SECRET, **params)

    rules = await ws.call("executionRules", {"symbol": "BTCUSDT"})
    assert rules["result"] == {"symbolRules": [{"symbol": "BTCUSDT", "rules": []}]}
    combo = await ws.call("executionRules", {"symbol": "BTCUSDT", "symbolStatus": "TRADING"})
    assert (combo["status"], combo["error"]["code"]) == (400, -1128)
    price = await ws.call("referencePrice", {"symbol": "BTCUSDT"})
    assert (price["status"], price["error"]["code"]) == (400, -2043)
    calc = await ws.call("referencePrice.calculation", {"symbol": "BTCUSDT"})
    assert calc["error"]["code"] == -2043
    blocks = await ws.call("blockTrades.historical", {"symbol": "BTCUSDT", "fromId": 1})
    assert (blocks["status"], blocks["result"]) == (200, [])
    assert blocks["rateLimits"][0]["count"] == 2 + 2 + 2 + 2 + 2 + 25
    no_from = await ws.call("blockTrades.historical", {"symbol": "BTCUSDT"})
    assert no_from["error"]["code"] == -1102
    filters = await ws.call("myFilters", signed(symbol="BTCUSDT"))
    assert {f["filterType"] for f in filters["result"]["symbolFilters"]} >= {"LOT_SIZE"}
    unsigned = await ws.call("myFilters", {"symbol": "BTCUSDT"})
    assert (unsigned["status"], unsigned["error"]["code"]) == (401, -2014)
    allocations = await ws.call("myAllocations", signed(symbol="BTCUSDT", orderId=1))
    assert allocations["result"] == []
    bad = await ws.call("myAllocations", signed(symbol="BTCUSDT", orderId=1, endTime=5))
    assert bad["error"]["code"] == -1128
    oco = await ws.call("orderList.place", signed(**OLD_OCO_SELL))
    assert oco["status"] == 200, oco
    assert {r["type"] for r in oco["result"]["orderReports"]} == {
        "LIMIT_MAKER",
        "STOP_LOSS_LIMIT",
    }


# rest-api.md (binance-spot-api-docs a5e0bc3): every documented endpoint.
DOCUMENTED_REST = [
    "DELETE /api/v3/openOrders",
    "DELETE /api/v3/order",
    "DELETE /api/v3/orderList",
    "GET /api/v3/account",
    "GET /api/v3/account/commission",
    "GET /api/v3/aggTrades",
    "GET /api/v3/allOrderList",
    "GET /api/v3/allOrders",
    "GET /api/v3/avgPrice",
    "GET /api/v3/depth",
    "GET /api/v3/exchangeInfo",
    "GET /api/v3/executionRules",
    "GET /api/v3/historicalBlockTrades",
    "GET /api/v3/historicalTrades",
    "GET /api/v3/klines",
    "GET /api/v3/myAllocations",
    "GET /api/v3/myFilters",
    "GET /api/v3/myPreventedMatches",
    "GET /api/v3/myTrades",
    "GET /api/v3/openOrderList",
    "GET /api/v3/openOrders",
    "GET /api/v3/order",
    "GET /api/v3/order/amendments",
    "GET /api/v3/orderList",
    "GET /api/v3/ping",
    "GET /api/v3/rateLimit/order",
    "GET /api/v3/referencePrice",
    "GET /api/v3/referencePrice/calculation",
    "GET /api/v3/ticker",
    "GET /api/v3/ticker/24hr",
    "GET /api/v3/ticker/bookTicker",
    "GET /api/v3/ticker/price",
    "GET /api/v3/ticker/tradingDay",
    "GET /api/v3/time",
    "GET /api/v3/trades",
    "GET /api/v3/uiKlines",
    "POST /api/v3/order",
    "POST /api/v3/order/cancelReplace",
    "POST /api/v3/order/oco",
    "POST /api/v3/order/test",
    "POST /api/v3/orderList/oco",
    "POST /api/v3/orderList/opo",
    "POST /api/v3/orderList/opoco",
    "POST /api/v3/orderList/oto",
    "POST /api/v3/orderList/otoco",
    "POST /api/v3/sor/order",
    "POST /api/v3/sor/order/test",
    "PUT /api/v3/order/amend/keepPriority",
]
# web-socket-api.md (same commit): every documented method but the session ones.
DOCUMENTED_WS = [
    "account.commission",
    "account.rateLimits.orders",
    "account.status",
    "allOrderLists",
    "allOrders",
    "avgPrice",
    "blockTrades.historical",
    "depth",
    "exchangeInfo",
    "executionRules",
    "klines",
    "myAllocations",
    "myFilters",
    "myPreventedMatches",
    "myTrades",
    "openOrderLists.status",
    "openOrders.cancelAll",
    "openOrders.status",
    "order.amend.keepPriority",
    "order.amendments",
    "order.cancel",
    "order.cancelReplace",
    "order.place",
    "order.status",
    "order.test",
    "orderList.cancel",
    "orderList.place",
    "orderList.place.oco",
    "orderList.place.opo",
    "orderList.place.opoco",
    "orderList.place.oto",
    "orderList.place.otoco",
    "orderList.status",
    "ping",
    "referencePrice",
    "referencePrice.calculation",
    "sor.order.place",
    "sor.order.test",
    "ticker",
    "ticker.24hr",
    "ticker.book",
    "ticker.price",
    "ticker.tradingDay",
    "time",
    "trades.aggregate",
    "trades.historical",
    "trades.recent",
    "uiKlines",
]


async def test_every_documented_call_is_routed(harness: Harness) -> None:
    client = harness.rest()
    for call in DOCUMENTED_REST:
        method, path = call.split()
        reply = await client.raw(method, path.removeprefix("/api"))
        assert reply.code != -1020, (call, reply.status, reply.json())
    ws = await harness.ws()
    for method in DOCUMENTED_WS:
        answer = await ws.call(method, {})
        assert "error" not in answer or answer["error"]["code"] != -1020, (method, answer)

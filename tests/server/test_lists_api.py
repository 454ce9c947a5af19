"""Order lists, cancel-replace and amend over the local server's REST and WebSocket API:
Binance's routes, methods, weights, bodies (-2021 with ``data``) and ``listStatus`` events."""

from __future__ import annotations

import json
from decimal import Decimal

from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from tests.server.conftest import ALICE_KEY, ALICE_SECRET, Harness

OCO = {
    "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01", "listClientOrderId": "L1",
    "aboveType": "LIMIT_MAKER", "abovePrice": "62000.00", "aboveClientOrderId": "tp",
    "belowType": "STOP_LOSS", "belowStopPrice": "57500.00", "belowClientOrderId": "sl",
}  # fmt: skip


async def test_rest_oco_query_cancel_and_weights(harness: Harness) -> None:
    rest = harness.rest()
    placed = await rest.signed("POST", "/v3/orderList/oco", OCO)
    assert placed.status == 200, placed.body
    body = json.loads(placed.body)
    assert [o["clientOrderId"] for o in body["orders"]] == ["tp", "sl"]
    query = await rest.signed("GET", "/v3/orderList", {"origClientOrderId": "L1"})
    assert json.loads(query.body)["listStatusType"] == "EXEC_STARTED"
    before = int(query.headers["X-MBX-USED-WEIGHT-1M"])
    lists = await rest.signed("GET", "/v3/openOrderList")
    assert int(lists.headers["X-MBX-USED-WEIGHT-1M"]) == before + 6  # documented weight 6
    every = await rest.signed("GET", "/v3/allOrderList")
    assert len(json.loads(every.body)) == 1
    # An unread parameter is refused like everywhere else (-1104).
    bad = await rest.signed("POST", "/v3/orderList/oco", {**OCO, "listClientOrderId": "L2",
                                                          "aboveClientOrderId": "x",
                                                          "belowClientOrderId": "y",
                                                          "bogus": "1"})  # fmt: skip
    assert json.loads(bad.body)["code"] == -1104
    cancel = await rest.signed("DELETE", "/v3/orderList", {"symbol": "BTCUSDT",
                                                           "listClientOrderId": "L1"})  # fmt: skip
    assert json.loads(cancel.body)["listOrderStatus"] == "ALL_DONE"
    again = await rest.signed("DELETE", "/v3/orderList", {"symbol": "BTCUSDT",
                                                          "listClientOrderId": "L1"})  # fmt: skip
    assert (again.status, json.loads(again.body)["code"]) == (400, -2011)


async def test_cancel_replace_partial_failure_carries_both_results(harness: Harness) -> None:
    rest = harness.rest()
    placed = await rest.signed("POST", "/v3/order", {
        "symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC",
        "quantity": "0.01", "price": "62000.00"})  # fmt: skip
    order_id = json.loads(placed.body)["orderId"]
    # The cancel succeeds, the new LIMIT_MAKER would take (bob bids 61000): -2021, HTTP 409.
    bid = NewOrder(symbol="BTCUSDT", side=Side.BUY, order_type=OrderType.LIMIT,
                   time_in_force=TimeInForce.GTC, quantity=Decimal("0.01"),
                   price=Decimal("61000.00"))  # fmt: skip
    harness.exchange.place_order("bob", bid)
    reply = await rest.signed("POST", "/v3/order/cancelReplace", {
        "symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT_MAKER", "quantity": "0.01",
        "price": "60500.00", "cancelReplaceMode": "ALLOW_FAILURE", "cancelOrderId": order_id,
    })  # fmt: skip
    body = json.loads(reply.body)
    assert reply.status == 409
    assert (body["code"], body["msg"]) == (-2021, "Order cancel-replace partially failed.")
    assert body["data"]["cancelResult"] == "SUCCESS"
    assert body["data"]["newOrderResult"] == "FAILURE"
    assert body["data"]["cancelResponse"]["status"] == "CANCELED"
    assert body["data"]["newOrderResponse"] == {
        "code": -2010, "msg": "Order would immediately match and take.",
    }  # fmt: skip


async def test_ws_api_oco_amend_and_list_status_events(harness: Harness) -> None:
    ws = await harness.ws()
    sub = await ws.call(
        "userDataStream.subscribe.signature", ws.signed_params(ALICE_KEY, ALICE_SECRET)
    )
    assert sub["status"] == 200
    placed = await ws.call("orderList.place.oco", ws.signed_params(ALICE_KEY, ALICE_SECRET, **OCO))
    assert placed["status"] == 200, placed
    assert placed["result"]["contingencyType"] == "OCO"
    events = [f["event"] for f in await ws.events_for(0.3)]
    assert [e["e"] for e in events][:3] == ["executionReport", "executionReport", "listStatus"]
    assert events[1]["w"] is False and "W" not in events[1] and events[1]["g"] == 0
    status = await ws.call(
        "orderList.status", ws.signed_params(ALICE_KEY, ALICE_SECRET, origClientOrderId="L1")
    )
    assert status["result"]["listClientOrderId"] == "L1"
    amend = await ws.call(
        "order.amend.keepPriority",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol="BTCUSDT", origClientOrderId="tp",
                         newQty="0.005", newClientOrderId="tp2"),
    )  # fmt: skip
    assert amend["status"] == 200, amend
    assert amend["result"]["listStatus"]["orders"][0]["clientOrderId"] == "tp2"
    events = [f["event"] for f in await ws.events_for(0.3)]
    # Amending one OCO leg amends both (faqs/order_amend_keep_priority.md).
    replaced = [(e["x"], e["c"], e["q"]) for e in events if e["e"] == "executionReport"]
    assert replaced == [("REPLACED", "tp2", "0.00500000"), ("REPLACED", "sl", "0.00500000")]
    assert [e["l"] for e in events if e["e"] == "listStatus"] == ["UPDATED"]
    open_lists = await ws.call("openOrderLists.status", ws.signed_params(ALICE_KEY, ALICE_SECRET))
    assert len(open_lists["result"]) == 1
    cancel = await ws.call(
        "orderList.cancel",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol="BTCUSDT", orderListId=0),
    )
    assert cancel["result"]["listOrderStatus"] == "ALL_DONE"


async def test_otoco_without_below_leg_takes_ccxt_generated_below_id(harness: Harness) -> None:
    # ccxt fills in a client id for each of an OTOCO's legs (pendingAbove and pendingBelow
    # ClientOrderId) whether or not the optional below leg is sent (rest-api.md, New Order
    # List - OTOCO: pendingBelowType is not mandatory): the id of an absent leg changes
    # nothing, and the list is placed with its one pending order.
    rest = harness.rest()
    otoco = {
        "symbol": "BTCUSDT", "listClientOrderId": "W1", "workingType": "LIMIT",
        "workingSide": "BUY", "workingPrice": "50000.00", "workingQuantity": "0.01",
        "workingTimeInForce": "GTC", "workingClientOrderId": "w",
        "pendingSide": "SELL", "pendingQuantity": "0.01", "pendingAboveType": "LIMIT_MAKER",
        "pendingAbovePrice": "70000.00", "pendingAboveClientOrderId": "a",
        "pendingBelowClientOrderId": "b",
    }  # fmt: skip
    placed = await rest.signed("POST", "/v3/orderList/otoco", otoco)
    assert placed.status == 200, placed.body
    assert [o["clientOrderId"] for o in json.loads(placed.body)["orders"]] == ["w", "a"]
    # A parameter of the absent leg that would change an order is still not read (-1104).
    bad = await rest.signed("POST", "/v3/orderList/otoco", {
        **otoco, "listClientOrderId": "W2", "workingClientOrderId": "w2",
        "pendingAboveClientOrderId": "a2", "pendingBelowPrice": "40000.00"})  # fmt: skip
    assert json.loads(bad.body)["code"] == -1104


async def test_a_leg_refusal_names_the_lists_own_parameter(harness: Harness) -> None:
    # errors.md, -1102 / -1106: the message names the parameter sent (or missing), which for a
    # list's order is the list's own (workingTimeInForce), not the single order's (timeInForce).
    rest = harness.rest()
    oto = {
        "symbol": "BTCUSDT", "workingType": "LIMIT", "workingSide": "BUY",
        "workingPrice": "50000.00", "workingQuantity": "0.01",
        "pendingType": "LIMIT_MAKER", "pendingSide": "SELL", "pendingQuantity": "0.01",
        "pendingPrice": "70000.00",
    }  # fmt: skip
    missing = await rest.signed("POST", "/v3/orderList/oto", oto)
    assert json.loads(missing.body) == {
        "code": -1102,
        "msg": "Mandatory parameter 'workingTimeInForce' was not sent, was empty/null, or "
        "malformed.",
    }
    malformed = await rest.signed("POST", "/v3/orderList/oto", {
        **oto, "workingTimeInForce": "GTC", "pendingPrice": "7e4"})  # fmt: skip
    assert json.loads(malformed.body) == {
        "code": -1100,
        "msg": "Illegal characters found in parameter 'pendingPrice'; legal range is "
        "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
    }


async def test_a_deprecated_oco_refusal_names_the_deprecated_parameter(harness: Harness) -> None:
    # rest-api.md, New OCO - Deprecated: the stop leg's limit price is stopLimitPrice.
    rest = harness.rest()
    oco = {
        "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01", "price": "62000.00",
        "stopPrice": "57500.00", "stopLimitPrice": "5e4", "stopLimitTimeInForce": "GTC",
    }  # fmt: skip
    refused = await rest.signed("POST", "/v3/order/oco", oco)
    assert json.loads(refused.body)["msg"].startswith(
        "Illegal characters found in parameter 'stopLimitPrice';"
    )


def _oto(symbol: str, price: str) -> dict[str, str]:
    return {"symbol": symbol, "workingType": "LIMIT", "workingSide": "BUY",
            "workingPrice": price, "workingQuantity": "0.01", "workingTimeInForce": "GTC",
            "pendingType": "LIMIT", "pendingSide": "SELL", "pendingPrice": price,
            "pendingQuantity": "0.01", "pendingTimeInForce": "GTC"}  # fmt: skip


async def test_all_order_lists_filters_as_documented(harness: Harness) -> None:
    """rest-api.md, Query all Order lists: ``fromId`` / ``startTime`` / ``endTime`` select,
    oldest first across symbols (General API Information: chronological order); ``fromId``
    with a time is -1128, a range over 24 hours -1127 (REST and ``allOrderLists``)."""
    rest = harness.rest()
    start = harness.clock()
    placed = []
    for symbol, price in (("BTCUSDT", "59000.00"), ("ETHUSDT", "2900.00"), ("BTCUSDT", "58000.00")):
        reply = await rest.signed("POST", "/v3/orderList/oto", _oto(symbol, price))
        assert reply.status == 200, reply.body
        placed.append((reply.json()["symbol"], reply.json()["orderListId"]))
        harness.clock.advance(60_000)

    async def lists(**params: int) -> list[tuple[str, int]]:
        reply = await rest.signed("GET", "/v3/allOrderList", params)
        assert reply.status == 200, reply.body
        return [(x["symbol"], x["orderListId"]) for x in reply.json()]

    assert await lists() == placed
    assert await lists(limit=2) == placed[1:]
    assert await lists(startTime=start + 30_000) == placed[1:]
    assert await lists(startTime=start, limit=1) == placed[:1]
    assert await lists(endTime=start + 90_000) == placed[:2]
    assert await lists(startTime=start + 30_000, endTime=start + 90_000) == placed[1:2]
    assert await lists(fromId=1) == [placed[2]]  # ids are per symbol: BTCUSDT's second list
    for bad, code in (({"fromId": 0, "startTime": start}, -1128),
                      ({"fromId": 0, "endTime": start}, -1128),
                      ({"startTime": start, "endTime": start + 86_400_001}, -1127)):  # fmt: skip
        refused = await rest.signed("GET", "/v3/allOrderList", bad)
        assert (refused.status, refused.code) == (400, code), bad
    ws = await harness.ws()
    found = await ws.call(
        "allOrderLists", ws.signed_params(ALICE_KEY, ALICE_SECRET, startTime=start + 30_000)
    )
    assert [(x["symbol"], x["orderListId"]) for x in found["result"]] == placed[1:], found
    mixed = await ws.call(
        "allOrderLists", ws.signed_params(ALICE_KEY, ALICE_SECRET, fromId=0, endTime=start)
    )
    assert mixed["error"]["code"] == -1128, mixed


async def test_order_amendments_read_from_execution_id_and_limit(harness: Harness) -> None:
    """rest-api.md, Query Order Amendments: oldest first, ``fromExecutionId`` on, ``limit``
    (maximum 1000; more is -1130 as for myTrades); web-socket-api.md, order.amendments."""
    rest = harness.rest()
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
             "quantity": "0.05", "price": "59000.00"}  # fmt: skip
    order_id = (await rest.signed("POST", "/v3/order", order)).json()["orderId"]
    for qty in ("0.04", "0.03", "0.02"):
        amend = {"symbol": "BTCUSDT", "orderId": order_id, "newQty": qty}
        assert (await rest.signed("PUT", "/v3/order/amend/keepPriority", amend)).status == 200
    query = {"symbol": "BTCUSDT", "orderId": order_id}
    every = (await rest.signed("GET", "/v3/order/amendments", query)).json()
    assert [a["newQty"] for a in every] == ["0.04000000", "0.03000000", "0.02000000"]
    ids = [a["executionId"] for a in every]
    later = await rest.signed("GET", "/v3/order/amendments", {**query, "fromExecutionId": ids[1]})
    assert [a["executionId"] for a in later.json()] == ids[1:]
    one = await rest.signed("GET", "/v3/order/amendments", {**query, "limit": 1})
    assert [a["executionId"] for a in one.json()] == ids[:1]
    too_many = await rest.signed("GET", "/v3/order/amendments", {**query, "limit": 1001})
    assert (too_many.status, too_many.code) == (400, -1130)
    ws = await harness.ws()
    found = await ws.call(
        "order.amendments", ws.signed_params(ALICE_KEY, ALICE_SECRET, **query, limit=2)
    )
    assert [a["executionId"] for a in found["result"]] == ids[:2], found

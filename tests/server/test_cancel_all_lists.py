"""Cancel all open orders on a symbol with order lists among them, over the local server's REST
and WebSocket API: "This includes orders that are part of an order list" (rest-api.md, Cancel
All Open Orders on a Symbol; web-socket-api.md, Cancel open orders). The answer holds single
orders as order entries and each list as a list entry, ALL_DONE; the user data stream carries
the legs' CANCELED reports and the list's ``listStatus`` ALL_DONE (user-data-stream.md,
listStatus) in the same moment; every list query agrees at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from oms.testing.sim import limit
from oms.wire.enums import Side
from tests.server.conftest import ALICE_KEY, ALICE_SECRET, Harness, ServeFactory, WsClient
from tests.server.test_client_sdk import SDK
from tests.server.test_lists_api import OCO
from tests.server.test_opo import OPO, OPOCO, SDK_HEAD, SDK_TAIL, bob_sells, btc, run_sdk

# An OTO / OTOCO is an OPO / OPOCO with a pending quantity.
OTO = {**OPO, "pendingQuantity": "0.01"}
OTOCO = {**OPOCO, "pendingQuantity": "0.01"}

# (path, params, contingencyType, number of orders)
LISTS = {
    "OCO": ("/v3/orderList/oco", OCO, "OCO", 2),
    "OTO": ("/v3/orderList/oto", OTO, "OTO", 2),
    "OTOCO": ("/v3/orderList/otoco", OTOCO, "OTO", 3),
    "OPO": ("/v3/orderList/opo", OPO, "OTO", 2),
    "OPOCO": ("/v3/orderList/opoco", OPOCO, "OTO", 3),
}
SINGLE = {
    "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
    "quantity": "0.01", "price": "50000.00", "newClientOrderId": "single",
}  # fmt: skip
_LIST_KEYS = {
    "orderListId", "contingencyType", "listStatusType", "listOrderStatus",
    "listClientOrderId", "transactionTime", "symbol", "orders", "orderReports",
}  # fmt: skip


async def subscribed(harness: Harness) -> WsClient:
    ws = await harness.ws()
    params = ws.signed_params(ALICE_KEY, ALICE_SECRET)
    assert (await ws.call("userDataStream.subscribe.signature", params))["status"] == 200
    return ws


def check_answer(answer: list[dict[str, Any]], kind: str, list_id: int) -> None:
    """A single order entry, then the list entry, ALL_DONE with every leg CANCELED."""
    _, params, contingency, legs = LISTS[kind]
    single, entry = answer
    assert (single["clientOrderId"] != "single", single["origClientOrderId"]) == (True, "single")
    assert (single["status"], single["orderListId"]) == ("CANCELED", -1)
    assert set(entry) == _LIST_KEYS
    assert (entry["orderListId"], entry["contingencyType"]) == (list_id, contingency)
    assert (entry["listStatusType"], entry["listOrderStatus"]) == ("ALL_DONE", "ALL_DONE")
    assert entry["listClientOrderId"] == params["listClientOrderId"]
    assert len(entry["orders"]) == len(entry["orderReports"]) == legs
    reports = entry["orderReports"]
    assert [r["orderId"] for r in reports] == [o["orderId"] for o in entry["orders"]]
    assert {(r["status"], r["orderListId"]) for r in reports} == {("CANCELED", list_id)}
    # The legs of one list are cancelled under one new client id (both documented answers).
    assert len({r["clientOrderId"] for r in reports}) == 1


async def check_stream(ws: WsClient, list_id: int, legs: int) -> None:
    """The legs' CANCELED reports, then the list's ``listStatus`` ALL_DONE, at once."""
    events = [f["event"] for f in await ws.events_for(0.3)]
    kinds = [
        (e["e"], e.get("x") or e.get("L")) for e in events if e["e"] != "outboundAccountPosition"
    ]
    assert kinds == [("executionReport", "CANCELED")] * (legs + 1) + [("listStatus", "ALL_DONE")]
    status = next(e for e in events if e["e"] == "listStatus")
    assert (status["g"], status["l"], status["L"]) == (list_id, "ALL_DONE", "ALL_DONE")


async def check_queries(harness: Harness, list_id: int) -> None:
    client = harness.rest()
    assert (await client.signed("GET", "/v3/openOrderList")).json() == []
    one = (await client.signed("GET", "/v3/orderList", {"orderListId": str(list_id)})).json()
    assert (one["listStatusType"], one["listOrderStatus"]) == ("ALL_DONE", "ALL_DONE")
    every = (await client.signed("GET", "/v3/allOrderList")).json()
    assert [x["listOrderStatus"] for x in every] == ["ALL_DONE"]
    assert (await client.signed("GET", "/v3/openOrders", {"symbol": "BTCUSDT"})).json() == []


@pytest.mark.parametrize("kind", sorted(LISTS))
async def test_rest_cancel_all_ends_the_list_at_once(harness: Harness, kind: str) -> None:
    path, params, _, legs = LISTS[kind]
    client = harness.rest()
    ws = await subscribed(harness)
    assert (await client.signed("POST", "/v3/order", SINGLE)).status == 200
    placed = await client.signed("POST", path, params)
    assert placed.status == 200, placed.body
    list_id = placed.json()["orderListId"]
    await ws.events_for(0.2)
    reply = await client.signed("DELETE", "/v3/openOrders", {"symbol": "BTCUSDT"})
    assert reply.status == 200, reply.body
    check_answer(reply.json(), kind, list_id)
    await check_stream(ws, list_id, legs)
    await check_queries(harness, list_id)
    assert harness.exchange.balance("alice", "USDT")[1] == 0
    again = await client.signed("DELETE", "/v3/openOrders", {"symbol": "BTCUSDT"})
    assert (again.status, again.code) == (400, -2011)


@pytest.mark.parametrize("kind", ["OPO", "OPOCO"])
async def test_ws_api_cancel_all_unlocks_what_an_opo_received(harness: Harness, kind: str) -> None:
    # faqs/opo.md: "If the order list is canceled before the pending order is placed ... these
    # locked funds are unlocked".
    path, params, _, legs = LISTS[kind]
    client = harness.rest()
    ws = await subscribed(harness)
    assert (await client.signed("POST", "/v3/order", SINGLE)).status == 200
    list_id = (await client.signed("POST", path, params)).json()["orderListId"]
    bob_sells(harness, "0.004")
    assert await btc(client) == ("100.00000000", "0.00400000")
    await ws.events_for(0.2)
    reply = await ws.call(
        "openOrders.cancelAll", ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol="BTCUSDT")
    )
    assert reply["status"] == 200, reply
    assert reply["rateLimits"][0]["count"] >= 1
    check_answer(reply["result"], kind, list_id)
    working = reply["result"][1]["orderReports"][0]
    assert (working["executedQty"], working["status"]) == ("0.00400000", "CANCELED")
    await check_stream(ws, list_id, legs)
    await check_queries(harness, list_id)
    assert await btc(client) == ("100.00400000", "0.00000000")


async def test_a_leg_left_working_after_its_oco_ended_is_a_single_order(
    harness: Harness,
) -> None:
    # A fill of an OCO's above (LIMIT_MAKER) leg expires the below leg and ends the list
    # (OCO_TRIGGER); the above leg works on, so the cancel-all answers it as an order entry.
    # (Two LIMIT_MAKER legs are no OCO: -1168, errors.md.)
    client = harness.rest()
    placed = await client.signed("POST", "/v3/orderList/oco", OCO)
    assert placed.status == 200, placed.body
    harness.exchange.place_order("bob", limit(Side.BUY, "0.004", "62000"))
    reply = (await client.signed("DELETE", "/v3/openOrders", {"symbol": "BTCUSDT"})).json()
    assert [(r["origClientOrderId"], r["orderListId"], "orderReports" in r) for r in reply] == [
        ("tp", 0, False)
    ]


async def test_ws_api_placements_report_the_order_counts(harness: Harness) -> None:
    # web-socket-api.md, Unfilled Order Count: "Successfully placed orders update the ORDERS
    # rate limit type"; the documented answers of orderList.place.oco / .oto / .otoco and
    # order.cancelReplace carry the ORDERS counts in "rateLimits" (OPO / OPOCO are OTO /
    # OTOCO without a pending quantity: faqs/opo.md).
    ws = await harness.ws()
    placed = 0
    for number, kind in enumerate(("OCO", "OTO", "OTOCO", "OPO", "OPOCO")):
        _, params, _, orders = LISTS[kind]
        ids = {k: v for k, v in params.items() if not k.endswith("ClientOrderId")}
        ids["listClientOrderId"] = f"list{number}"
        method = "orderList.place." + kind.lower()
        reply = await ws.call(method, ws.signed_params(ALICE_KEY, ALICE_SECRET, **ids))
        assert reply["status"] == 200, reply
        placed += orders
        counts = [(r["interval"], r["count"]) for r in reply["rateLimits"][1:]]
        assert counts == [("SECOND", placed), ("DAY", placed)], (kind, reply["rateLimits"])
    replace = {
        "symbol": "BTCUSDT", "cancelReplaceMode": "STOP_ON_FAILURE", "cancelOrderId": 1,
        "side": "SELL", "type": "LIMIT_MAKER", "quantity": "0.01", "price": "63000.00",
    }  # fmt: skip
    reply = await ws.call(
        "order.cancelReplace", ws.signed_params(ALICE_KEY, ALICE_SECRET, **replace)
    )
    assert reply["status"] == 200, reply
    assert [r["rateLimitType"] for r in reply["rateLimits"]] == [
        "REQUEST_WEIGHT",
        "ORDERS",
        "ORDERS",
    ]


SDK_SCRIPT = (
    SDK_HEAD
    + """
api.order_list_opo(
    symbol="BTCUSDT", working_type="LIMIT_MAKER", working_side="BUY", working_price=58000.0,
    working_quantity=0.01, pending_type="LIMIT_MAKER", pending_side="SELL",
    pending_price=61000.0)
cancelled = api.delete_open_orders(symbol="BTCUSDT").data()
out["rest"] = [x.model_dump(by_alias=True, exclude_none=True) for x in cancelled]

async def ws_api():
    ws = await ws_connection()
    try:
        await ws.order_place(symbol="BTCUSDT", side="BUY", type="LIMIT", time_in_force="GTC",
                             quantity=0.01, price=50000.0)
        await ws.order_list_place_opoco(
            symbol="BTCUSDT", working_type="LIMIT", working_side="BUY", working_price=58000.0,
            working_quantity=0.01, working_time_in_force="GTC", pending_side="SELL",
            pending_above_type="LIMIT_MAKER", pending_above_price=62000.0,
            pending_below_type="STOP_LOSS", pending_below_stop_price=57000.0)
        cancelled = await ws.open_orders_cancel_all(symbol="BTCUSDT")
        out["ws"] = [x.model_dump(by_alias=True, exclude_none=True)
                     for x in cancelled.data().result]
        lists = await ws.all_order_lists()
        out["lists"] = [x.model_dump(by_alias=True, exclude_none=True)
                        for x in lists.data().result]
    finally:
        await ws.close_connection(close_session=True)
"""
    + SDK_TAIL
)


@pytest.mark.skipif(SDK is None, reason="binance-sdk-spot is not installed")
async def test_binance_sdk_spot_cancels_all_with_lists(serve: ServeFactory) -> None:
    exchange, out = await run_sdk(serve, SDK_SCRIPT)
    # The REST SDK's entry model keeps what every entry shares: the list's id.
    assert [x["orderListId"] for x in out["rest"]] == [0]
    single, entry = out["ws"]
    assert (single["orderListId"], single["status"]) == (-1, "CANCELED")
    assert (entry["orderListId"], entry["listOrderStatus"]) == (1, "ALL_DONE")
    assert [r["status"] for r in entry["orderReports"]] == ["CANCELED"] * 3
    assert [x["listOrderStatus"] for x in out["lists"]] == ["ALL_DONE", "ALL_DONE"]
    assert exchange.balance("demo", "USDT") == (Decimal("100000"), Decimal(0))

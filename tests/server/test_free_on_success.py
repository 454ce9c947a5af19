"""Successful order-list placements, cancel-replaces and list cancels weigh 0; failed ones pay
the documented weight (CHANGELOG.md, 2026-03-27: "Request weights for the following endpoints
and methods become 0 when the request is successful"), on REST and the WebSocket API."""

from __future__ import annotations

from tests.server.conftest import ALICE_KEY, ALICE_SECRET, Harness
from tests.server.test_documented_calls import OLD_OCO_SELL, weight
from tests.server.test_lists_api import OCO


async def test_rest_list_placements_and_cancels_are_free_when_they_succeed(
    harness: Harness,
) -> None:
    client = harness.rest()
    placed = await client.signed("POST", "/v3/orderList/oco", OCO)
    assert (placed.status, weight(placed)) == (200, 0)
    old = await client.signed("POST", "/v3/order/oco", OLD_OCO_SELL)
    assert (old.status, weight(old)) == (200, 0)
    cancel = {"symbol": "BTCUSDT", "listClientOrderId": "L1"}
    gone = await client.signed("DELETE", "/v3/orderList", cancel)
    assert (gone.status, weight(gone)) == (200, 0)
    again = await client.signed("DELETE", "/v3/orderList", cancel)
    assert (again.status, weight(again)) == (400, 1)  # failed: charged
    order = await client.signed(
        "POST",
        "/v3/order",
        {**{k: OCO[k] for k in ("symbol", "side", "quantity")}, "type": "LIMIT",
         "timeInForce": "GTC", "price": "63000.00"},
    )  # fmt: skip
    replaced = await client.signed(
        "POST",
        "/v3/order/cancelReplace",
        {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.01", "price": "63500.00", "cancelReplaceMode": "STOP_ON_FAILURE",
         "cancelOrderId": order.json()["orderId"]},
    )  # fmt: skip
    assert (replaced.status, weight(replaced)) == (200, 1)  # still only the failed cancel
    query = await client.signed("GET", "/v3/openOrderList")
    assert weight(query) == 1 + 6


async def test_ws_list_placements_are_free_when_they_succeed(harness: Harness) -> None:
    ws = await harness.ws()
    placed = await ws.call("orderList.place.oco", ws.signed_params(ALICE_KEY, ALICE_SECRET, **OCO))
    assert placed["status"] == 200
    used = placed["rateLimits"][0]["count"]
    old = await ws.call(
        "orderList.place", ws.signed_params(ALICE_KEY, ALICE_SECRET, **OLD_OCO_SELL)
    )
    assert (old["status"], old["rateLimits"][0]["count"]) == (200, used)
    twice = await ws.call("orderList.place.oco", ws.signed_params(ALICE_KEY, ALICE_SECRET, **OCO))
    assert twice["status"] == 400  # the list client id is taken: charged
    assert twice["rateLimits"][0]["count"] == used + 1

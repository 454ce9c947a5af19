"""cancelReplace's ``cancelRestrictions`` and ``orderRateLimitExceededMode`` (rest-api.md, Cancel
an Existing Order and Send a New Order, its table of modes and "Regarding cancelRestrictions")."""

from __future__ import annotations

from typing import Any

from tests.server.conftest import ALICE_KEY, ALICE_SECRET, Harness, RestClient, ServeFactory
from transports.sim.server.app import ServerOptions

ASK = {
    "symbol": "BTCUSDT",
    "side": "SELL",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.01",
    "price": "62000.00",
}


async def replace(client: RestClient, order_id: int, **extra: str) -> Any:
    params = {
        **ASK,
        "price": "62500.00",
        "cancelReplaceMode": "STOP_ON_FAILURE",
        "cancelOrderId": str(order_id),
        **extra,
    }
    return await client.signed("POST", "/v3/order/cancelReplace", params)


async def test_cancel_restrictions(harness: Harness) -> None:
    client = harness.rest()
    order_id = (await client.signed("POST", "/v3/order", ASK)).json()["orderId"]
    refused = await replace(client, order_id, cancelRestrictions="ONLY_PARTIALLY_FILLED")
    body = refused.json()
    assert (refused.status, body["code"]) == (400, -2022)
    assert body["data"]["cancelResult"] == "FAILURE"
    assert body["data"]["newOrderResult"] == "NOT_ATTEMPTED"
    assert body["data"]["cancelResponse"] == {
        "code": -2011,
        "msg": "Order was not canceled due to cancel restrictions.",
    }
    [still] = harness.exchange.open_orders("alice")
    assert still.order_id == order_id
    allowed = {"cancelReplaceMode": "ALLOW_FAILURE", "cancelRestrictions": "ONLY_PARTIALLY_FILLED"}
    both = await replace(client, order_id, **allowed)
    assert (both.status, both.json()["code"]) == (409, -2021)  # cancel failed, new placed
    assert both.json()["data"]["newOrderResult"] == "SUCCESS"
    done = await replace(client, order_id, cancelRestrictions="ONLY_NEW")
    assert done.status == 200, done.json()
    assert done.json()["cancelResponse"]["status"] == "CANCELED"
    bad = await replace(client, order_id, cancelRestrictions="ONLY_FILLED")
    assert bad.json() == {"code": -1145, "msg": "Invalid cancelRestrictions"}


async def test_order_rate_limit_exceeded_mode(serve: ServeFactory) -> None:
    h = await serve(ServerOptions(orders_per_10s=1))
    client = h.rest()
    order_id = (await client.signed("POST", "/v3/order", ASK)).json()["orderId"]
    # At the limit, DO_NOTHING (the default) refuses the whole request: -1015, nothing canceled.
    nothing = await replace(client, order_id, orderRateLimitExceededMode="DO_NOTHING")
    assert (nothing.status, nothing.json()["code"]) == (429, -1015)
    assert [o.order_id for o in h.exchange.open_orders("alice")] == [order_id]
    # CANCEL_ONLY cancels anyway; the new order fails with the -1015: -2021, HTTP 429.
    cancel_only = await replace(client, order_id, orderRateLimitExceededMode="CANCEL_ONLY")
    body = cancel_only.json()
    assert (cancel_only.status, body["code"]) == (429, -2021)
    assert (body["data"]["cancelResult"], body["data"]["newOrderResult"]) == (
        "SUCCESS",
        "FAILURE",
    )
    assert body["data"]["newOrderResponse"]["code"] == -1015
    assert h.exchange.open_orders("alice") == []
    gone = await replace(client, order_id, orderRateLimitExceededMode="CANCEL_ONLY")
    assert (gone.status, gone.json()["code"]) == (429, -2022)
    assert gone.json()["data"]["newOrderResult"] == "NOT_ATTEMPTED"
    bad = await replace(client, order_id, orderRateLimitExceededMode="SOMETIMES")
    assert bad.json()["code"] == -1130


async def test_ws_order_cancel_takes_cancel_restrictions(harness: Harness) -> None:
    ws = await harness.ws()
    client = harness.rest()
    order_id = (await client.signed("POST", "/v3/order", ASK)).json()["orderId"]

    def cancel(restriction: str) -> dict[str, object]:
        return ws.signed_params(
            ALICE_KEY,
            ALICE_SECRET,
            symbol="BTCUSDT",
            orderId=order_id,
            cancelRestrictions=restriction,
        )

    kept = await ws.call("order.cancel", cancel("ONLY_PARTIALLY_FILLED"))
    assert kept["error"] == {
        "code": -2011,
        "msg": "Order was not canceled due to cancel restrictions.",
    }
    bad = await ws.call("order.cancel", cancel("SOMETIMES"))
    assert bad["error"]["code"] == -1145
    done = await ws.call("order.cancel", cancel("ONLY_NEW"))
    assert done["result"]["status"] == "CANCELED"

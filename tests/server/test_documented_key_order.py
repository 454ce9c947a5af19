"""Answers keep the key order of Binance's documented examples where a conditional field
appears: ``stopPrice`` right after ``side``, ``icebergQty`` after ``workingTime``
(rest-api.md, New Order list - OCO and Cancel Order list, "Response"), for single orders as
for the orders of a list. Raw HTTP: a client library would hide the order."""

from __future__ import annotations

from tests.server.conftest import Harness
from tests.server.test_sor_review import FULL_KEYS

# The keys every RESULT answer starts with, through ``side`` (the documented SOR answer's).
HEAD = FULL_KEYS[: FULL_KEYS.index("side") + 1]
# rest-api.md, New Order list - OCO, Response (the STOP_LOSS_LIMIT leg with an iceberg).
PLACED_STOP = [*HEAD, "stopPrice", "workingTime", "icebergQty", "selfTradePreventionMode"]
# rest-api.md, Cancel Order list, Response (the STOP_LOSS_LIMIT leg).
CANCELED_STOP = [
    "symbol",
    "origClientOrderId",
    *HEAD[1:],
    "stopPrice",
    "selfTradePreventionMode",
]
STOP = {
    "symbol": "BTCUSDT",
    "side": "SELL",
    "type": "STOP_LOSS_LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.01",
    "price": "57000.00",
    "stopPrice": "57500.00",
    "newOrderRespType": "RESULT",
}


async def test_single_stop_order_answers_put_stop_price_after_side(harness: Harness) -> None:
    rest = harness.rest()
    placed = await rest.signed("POST", "/v3/order", STOP)
    assert list(placed.json()) == [*HEAD, "stopPrice", "workingTime", "selfTradePreventionMode"]
    order_id = placed.json()["orderId"]
    canceled = await rest.signed("DELETE", "/v3/order", {"symbol": "BTCUSDT", "orderId": order_id})
    assert list(canceled.json()) == CANCELED_STOP
    iceberg = await rest.signed("POST", "/v3/order", {**STOP, "icebergQty": "0.002"})
    assert list(iceberg.json()) == PLACED_STOP
    # icebergQty shows in the cancel too (rest-api.md, Conditional fields in Order Responses).
    gone = await rest.signed(
        "DELETE", "/v3/order", {"symbol": "BTCUSDT", "orderId": iceberg.json()["orderId"]}
    )
    assert gone.json()["icebergQty"] == "0.00200000"
    assert list(gone.json()) == [*CANCELED_STOP[:-1], "icebergQty", "selfTradePreventionMode"]


# A SELL OCO: a LIMIT_MAKER above, a STOP_LOSS_LIMIT below.
SELL_OCO = {
    "symbol": "BTCUSDT",
    "side": "SELL",
    "quantity": "0.01",
    "aboveType": "LIMIT_MAKER",
    "abovePrice": "62000.00",
    "belowType": "STOP_LOSS_LIMIT",
    "belowPrice": "57000.00",
    "belowStopPrice": "57500.00",
    "belowTimeInForce": "GTC",
}


async def test_order_list_reports_keep_the_documented_order(harness: Harness) -> None:
    rest = harness.rest()
    oco = {**SELL_OCO, "belowIcebergQty": "0.002", "newOrderRespType": "RESULT"}
    placed = await rest.signed("POST", "/v3/orderList/oco", oco)
    assert placed.status == 200, placed.body
    above, below = placed.json()["orderReports"]
    assert list(above) == [*HEAD, "workingTime", "selfTradePreventionMode"]
    assert list(below) == PLACED_STOP
    list_id = placed.json()["orderListId"]
    canceled = await rest.signed(
        "DELETE", "/v3/orderList", {"symbol": "BTCUSDT", "orderListId": list_id}
    )
    below_canceled = canceled.json()["orderReports"][1]
    assert list(below_canceled) == [*CANCELED_STOP[:-1], "icebergQty", "selfTradePreventionMode"]

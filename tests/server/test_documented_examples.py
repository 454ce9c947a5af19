"""The local server's answers against Binance's documented examples (tests/core/documented.py)
where test_documented_key_order.py and test_documented_calls.py do not already hold them: the
conditional fields of cancels and queries in the documented order, order.cancel of an order of
a list, and the -2022 STOP_ON_FAILURE body. Raw HTTP and WebSocket frames: a client library
would hide key order and nulls."""

from __future__ import annotations

import json
from typing import Any

from tests.core import documented as doc
from tests.core.test_decoding import DOC_REPORT
from tests.server.conftest import ALICE_KEY, ALICE_SECRET, Harness
from tests.server.test_documented_key_order import SELL_OCO, STOP

# A stop order with every conditional field of web-socket-api.md's examples: a trailing
# delta, an iceberg quantity and the strategy labels.
CONDITIONAL = {
    **STOP,
    "trailingDelta": "100",
    "icebergQty": "0.002",
    "strategyId": "37463720",
    "strategyType": "1000000",
}


def keys(frame: bytes, *path: Any) -> list[str]:
    value = json.loads(frame)
    for step in path:
        value = value[step]
    return list(value)


async def test_cancel_and_query_keep_the_documented_conditional_fields(harness: Harness) -> None:
    rest = harness.rest()
    placed = await rest.signed("POST", "/v3/order", CONDITIONAL)
    assert placed.status == 200, placed.body
    order_id = placed.json()["orderId"]
    query = await rest.signed("GET", "/v3/order", {"symbol": "BTCUSDT", "orderId": order_id})
    # web-socket-api.md, Query order: the order of its keys, every conditional one included
    # (no prevention happened: no preventedMatchId / preventedQuantity).
    assert list(query.json()) == keys(doc.WS_ORDER_STATUS, "result")[:-2]
    assert (query.json()["trailingDelta"], query.json()["strategyType"]) == (100, 1000000)
    canceled = await rest.signed("DELETE", "/v3/order", {"symbol": "BTCUSDT", "orderId": order_id})
    # web-socket-api.md, Cancel open orders: a cancel's keys with the same conditional fields.
    assert list(canceled.json()) == keys(doc.WS_CANCEL_OPEN_ORDERS, "result", 0)
    assert canceled.json()["strategyId"] == 37463720
    assert isinstance(canceled.json()["trailingTime"], int)


async def test_ws_cancel_of_a_list_order_answers_the_list(harness: Harness) -> None:
    rest = harness.rest()
    placed = (await rest.signed("POST", "/v3/orderList/oco", SELL_OCO)).json()
    above, below = placed["orders"]
    ws = await harness.ws()
    params = ws.signed_params(
        ALICE_KEY, ALICE_SECRET, symbol="BTCUSDT", orderId=below["orderId"], newClientOrderId="x1"
    )
    answer = await ws.call("order.cancel", params)
    assert answer["status"] == 200, answer
    result = answer["result"]
    # web-socket-api.md, Cancel order, "When an order list is canceled".
    assert list(result) == keys(doc.WS_CANCEL_LIST, "result")
    assert (result["orderListId"], result["listStatusType"]) == (placed["orderListId"], "ALL_DONE")
    reports = result["orderReports"]
    assert [r["orderId"] for r in reports] == [above["orderId"], below["orderId"]]
    assert [r["clientOrderId"] for r in reports] == ["x1", "x1"]
    assert [r["status"] for r in reports] == ["CANCELED", "CANCELED"]
    assert list(reports[1]) == keys(doc.WS_CANCEL_LIST, "result", "orderReports", 0)
    # A single order still answers alone.
    single = await rest.signed("POST", "/v3/order", STOP)
    alone = await ws.call(
        "order.cancel",
        ws.signed_params(
            ALICE_KEY, ALICE_SECRET, symbol="BTCUSDT", orderId=single.json()["orderId"]
        ),
    )
    assert "orderReports" not in alone["result"] and alone["result"]["status"] == "CANCELED"


async def test_cancel_replace_stop_on_failure_sends_new_order_response_null(
    harness: Harness,
) -> None:
    # rest-api.md, Cancel an Existing Order and Send a New Order: the -2022 STOP_ON_FAILURE
    # example carries "newOrderResponse": null (it was left out).
    request = {
        **STOP,
        "cancelReplaceMode": "STOP_ON_FAILURE",
        "cancelOrderId": "999999",
    }
    rest_answer = await harness.rest().signed("POST", "/v3/order/cancelReplace", request)
    assert rest_answer.status == 400
    assert rest_answer.json() == json.loads(doc.CANCEL_REPLACE_CANCEL_FAILED)
    ws = await harness.ws()
    answer = await ws.call(
        "order.cancelReplace", ws.signed_params(ALICE_KEY, ALICE_SECRET, **request)
    )
    assert answer["error"] == json.loads(doc.CANCEL_REPLACE_CANCEL_FAILED)


async def test_stp_execution_report_puts_prevented_match_id_after_trade_id(
    harness: Harness,
) -> None:
    # user-data-stream.md, Order Update: "v" (Prevented Match Id) between "t" and "I".
    ws = await harness.ws()
    await ws.call("userDataStream.subscribe.signature", ws.signed_params(ALICE_KEY, ALICE_SECRET))
    rest = harness.rest()
    maker = {"symbol": "BTCUSDT", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01"}
    await rest.signed("POST", "/v3/order", {**maker, "side": "BUY", "price": "60000"})
    taker = {**maker, "side": "SELL", "price": "60000", "selfTradePreventionMode": "EXPIRE_MAKER"}
    await rest.signed("POST", "/v3/order", taker)
    events = [frame["event"] for frame in await ws.events_for(0.3)]
    (expired,) = [e for e in events if e.get("e") == "executionReport" and "v" in e]
    assert expired["X"] == "EXPIRED_IN_MATCH"
    documented = keys(DOC_REPORT, "event")
    assert list(expired)[: len(documented)] == documented

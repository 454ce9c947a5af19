"""Smart order routing on the local server checked against Binance's documents field by field
(rest-api.md, New order using SOR, Test new order using SOR, Order Amend Keep Priority,
Conditional fields in Order Responses; web-socket-api.md, the same methods; faqs/sor_faq.md;
CHANGELOG.md): key order of the placement answers, the test endpoint's commission rates, and
the SOR fields of amend answers."""

from __future__ import annotations

import msgspec
import pytest

from oms.wire.amends import AmendResponse
from tests.server.conftest import ALICE_KEY, ALICE_SECRET, ServeFactory
from tests.server.test_client_library import run_client
from tests.server.test_client_sdk import SDK_REST_HEAD
from tests.server.test_documented_calls_clients import version
from tests.server.test_sor import ORDER, faq_server
from tests.server.test_sor_clients import demo_books

# rest-api.md, New order using SOR, "Response" (and faqs/sor_faq.md, examples 1-4): the keys
# in Binance's order; RESULT is the same without ``fills``.
FULL_KEYS = [
    "symbol",
    "orderId",
    "orderListId",
    "clientOrderId",
    "transactTime",
    "price",
    "origQty",
    "executedQty",
    "origQuoteOrderQty",
    "cummulativeQuoteQty",
    "status",
    "timeInForce",
    "type",
    "side",
    "workingTime",
    "fills",
    "workingFloor",
    "selfTradePreventionMode",
    "usedSor",
]
FILL_KEYS = ["matchType", "price", "qty", "commission", "commissionAsset", "tradeId", "allocId"]


async def test_sor_answers_keep_binances_key_order(serve: ServeFactory) -> None:
    h = await faq_server(serve)
    client = h.rest()
    full = await client.signed("POST", "/v3/sor/order", {**ORDER, "quantity": "0.5"})
    assert full.status == 200, full.body
    assert list(full.json()) == FULL_KEYS
    assert [list(f) for f in full.json()["fills"]] == [FILL_KEYS]
    result = await client.signed(
        "POST", "/v3/sor/order", {**ORDER, "quantity": "0.5", "newOrderRespType": "RESULT"}
    )
    assert list(result.json()) == [k for k in FULL_KEYS if k != "fills"]
    ack = await client.signed(
        "POST", "/v3/sor/order", {**ORDER, "quantity": "0.5", "newOrderRespType": "ACK"}
    )
    assert list(ack.json()) == FULL_KEYS[:5]
    # An expired MARKET remainder: expiryReason (CHANGELOG 2026-03-27) after the documented keys.
    market = await client.signed(
        "POST",
        "/v3/sor/order",
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "100"},
    )
    assert list(market.json()) == [*FULL_KEYS, "expiryReason"]
    ws = await h.ws()
    placed = await ws.call(
        "sor.order.place", ws.signed_params(ALICE_KEY, ALICE_SECRET, **{**ORDER, "quantity": "0.5"})
    )
    [order] = placed["result"]
    assert list(order) == FULL_KEYS


# rest-api.md, Test new order, "Response" with computeCommissionRates (key order); CHANGELOG
# 2025-08-12: ``POST /api/v3/sor/order/test`` and ``sor.order.test`` have specialCommission.
RATES_KEYS = [
    "standardCommissionForOrder",
    "specialCommissionForOrder",
    "taxCommissionForOrder",
    "discount",
]


async def test_test_order_rates_include_special_commission_in_order(serve: ServeFactory) -> None:
    h = await faq_server(serve)
    client = h.rest()
    for path in ("/v3/sor/order/test", "/v3/order/test"):
        reply = await client.signed("POST", path, {**ORDER, "computeCommissionRates": "true"})
        assert reply.status == 200, reply.body
        assert list(reply.json()) == RATES_KEYS, path
        assert reply.json()["specialCommissionForOrder"] == {
            "maker": "0.00000000",
            "taker": "0.00000000",
        }
    ws = await h.ws()
    tested = await ws.call(
        "sor.order.test",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, **ORDER, computeCommissionRates="true"),
    )
    assert list(tested["result"]) == RATES_KEYS


async def test_amend_keep_priority_answer_carries_the_sor_fields(serve: ServeFactory) -> None:
    h = await faq_server(serve)
    client = h.rest()
    # A LIMIT GTC remainder rests on the submitted book (faqs/sor_faq.md, Note).
    sent = {**ORDER, "price": "30000", "strategyId": 7, "strategyType": 1000000}
    placed = (await client.signed("POST", "/v3/sor/order", sent)).json()
    assert (placed["status"], placed["workingFloor"]) == ("PARTIALLY_FILLED", "EXCHANGE")
    amend = {"symbol": "BTCUSDT", "orderId": placed["orderId"], "newQty": "4"}
    reply = await client.signed("PUT", "/v3/order/amend/keepPriority", amend)
    assert reply.status == 200, reply.body
    amended = reply.json()["amendedOrder"]
    assert (amended["qty"], amended["usedSor"], amended["workingFloor"]) == (
        "4.00000000",
        True,
        "EXCHANGE",
    )
    # Conditional fields in Order Responses, in that table's order, after the documented keys.
    keys = list(amended)
    assert keys[-6:] == [
        "workingTime",
        "selfTradePreventionMode",
        "strategyId",
        "strategyType",
        "usedSor",
        "workingFloor",
    ]
    assert (amended["strategyId"], amended["strategyType"]) == (7, 1000000)
    decoded = msgspec.json.decode(reply.body, type=AmendResponse).amended_order
    assert (decoded.used_sor, decoded.working_floor) == (True, "EXCHANGE")
    ws = await h.ws()
    again = await ws.call(
        "order.amend.keepPriority",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, **{**amend, "newQty": "3.5"}),
    )
    assert again["status"] == 200, again
    assert list(again["result"]["amendedOrder"]) == keys
    assert again["result"]["amendedOrder"]["usedSor"] is True
    # An order not placed using SOR has neither field; its own conditional fields are there.
    sent = {**ORDER, "quantity": "1", "price": "20000", "icebergQty": "0.2", "strategyId": 9}
    plain = await client.signed("POST", "/v3/order", sent)
    other = {"symbol": "BTCUSDT", "orderId": plain.json()["orderId"], "newQty": "0.5"}
    answer = (await client.signed("PUT", "/v3/order/amend/keepPriority", other)).json()
    assert not {"usedSor", "workingFloor"} & set(answer["amendedOrder"])
    assert list(answer["amendedOrder"])[-3:] == [
        "selfTradePreventionMode",
        "icebergQty",
        "strategyId",
    ]
    assert (answer["amendedOrder"]["icebergQty"], answer["amendedOrder"]["strategyId"]) == (
        "0.20000000",
        9,
    )


SDK_AMEND = (
    SDK_REST_HEAD
    + """
placed = api.sor_order(symbol="BTCUSDT", side="BUY", type="LIMIT", quantity=5.0,
                       time_in_force="GTC", price=30000.0).data()
amended = api.order_amend_keep_priority(symbol="BTCUSDT", new_qty=4.0,
                                        order_id=placed.order_id).data().amended_order
test = api.sor_order_test(symbol="BTCUSDT", side="BUY", type="LIMIT", quantity=1.0,
                          time_in_force="GTC", price=30000.0, compute_commission_rates=True)
print(json.dumps({
    "placed": [placed.working_floor, placed.used_sor, placed.fills[0].alloc_id],
    "amended": [amended.qty, amended.used_sor, amended.working_floor],
    "test": test.data().model_dump(by_alias=True, exclude_none=True),
}))
"""
)


@pytest.mark.skipif(version("binance-sdk-spot") is None, reason="binance-sdk-spot missing")
async def test_binance_sdk_spot_reads_sor_fields_of_an_amend(serve: ServeFactory) -> None:
    out = await run_client(serve, demo_books(), SDK_AMEND)
    assert out["placed"] == ["EXCHANGE", True, 0]
    # The SDK's amendedOrder model has usedSor and workingFloor (rest-api.md, Conditional
    # fields in Order Responses); they now arrive.
    assert out["amended"] == ["4.00000000", True, "EXCHANGE"]
    assert "standardCommissionForOrder" in out["test"]

"""A BUY OCO as the official example places it (web-socket-api.md, Place new Order list - OCO:
``side`` BUY, ``aboveType`` STOP_LOSS_LIMIT with its stop above the last price, ``belowType``
LIMIT_MAKER below it; "BUY: LIMIT_MAKER price < Last Traded Price < stopPrice"): accepted
over REST and the WebSocket API, the legs reported above first; the same legs named the
other way round put a BUY's limit order above: -1165 "A limit order in a buy OCO must be
below." (errors.md, -1165 BUY_OCO_LIMIT_MUST_BE_BELOW).
The deprecated OCO reports a BUY's stop leg first, as its BUY example shows (rest-api.md,
New OCO - Deprecated)."""

from __future__ import annotations

from tests.server.conftest import ALICE_KEY, ALICE_SECRET, Harness

# The documented example's shape on BTCUSDT, whose last price here is 60000.
BUY_OCO = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "quantity": "0.01",
    "aboveType": "STOP_LOSS_LIMIT",
    "abovePrice": "61000.00",
    "aboveStopPrice": "60500.00",
    "aboveTimeInForce": "GTC",
    "belowType": "LIMIT_MAKER",
    "belowPrice": "59000.00",
}
INVERTED = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "quantity": "0.01",
    "aboveType": "LIMIT_MAKER",
    "abovePrice": "59000.00",
    "belowType": "STOP_LOSS_LIMIT",
    "belowPrice": "61000.00",
    "belowStopPrice": "60500.00",
    "belowTimeInForce": "GTC",
}
BAD_PRICES = (400, -1165, "A limit order in a buy OCO must be below.")


async def test_buy_oco_has_its_stop_above_and_its_limit_maker_below(harness: Harness) -> None:
    rest = harness.rest()
    placed = await rest.signed("POST", "/v3/orderList/oco", BUY_OCO)
    assert placed.status == 200, placed.body
    reports = placed.json()["orderReports"]
    assert [(r["type"], r["side"]) for r in reports] == [
        ("STOP_LOSS_LIMIT", "BUY"),
        ("LIMIT_MAKER", "BUY"),
    ]
    assert [r["status"] for r in reports] == ["NEW", "NEW"]
    wrong = await rest.signed("POST", "/v3/orderList/oco", INVERTED)
    assert (wrong.status, wrong.code, wrong.json()["msg"]) == BAD_PRICES

    ws = await harness.ws()
    answer = await ws.call(
        "orderList.place.oco", ws.signed_params(ALICE_KEY, ALICE_SECRET, **BUY_OCO)
    )
    assert answer["status"] == 200, answer
    assert [r["type"] for r in answer["result"]["orderReports"]] == [
        "STOP_LOSS_LIMIT",
        "LIMIT_MAKER",
    ]
    refused = await ws.call(
        "orderList.place.oco", ws.signed_params(ALICE_KEY, ALICE_SECRET, **INVERTED)
    )
    error = refused["error"]
    assert (refused["status"], error["code"], error["msg"]) == BAD_PRICES
    await ws.ws.close()
    assert len(harness.exchange.open_orders("alice")) == 4


async def test_deprecated_buy_oco_lists_its_stop_leg_first(harness: Harness) -> None:
    rest = harness.rest()
    buy = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "quantity": "0.01",
        "price": "59000.00",
        "stopPrice": "60500.00",
        "stopLimitPrice": "61000.00",
        "stopLimitTimeInForce": "GTC",
    }
    placed = await rest.signed("POST", "/v3/order/oco", buy)
    assert placed.status == 200, placed.body
    types = [r["type"] for r in placed.json()["orderReports"]]
    assert types == ["STOP_LOSS_LIMIT", "LIMIT_MAKER"]
    inverted = {**buy, "price": "61000.00", "stopPrice": "59000.00", "stopLimitPrice": "58000.00"}
    refused = await rest.signed("POST", "/v3/order/oco", inverted)
    # A BUY stop under the last price breaks the OCO's price restrictions, which errors.md
    # names for it (-2010 messages: "BUY: LIMIT_MAKER price < Last Traded Price < stopPrice"),
    # before the stop leg's own "Order would trigger immediately.".
    assert (refused.status, refused.code, refused.json()["msg"]) == (
        400,
        -2010,
        "The relationship of the prices for the orders is not correct.",
    )
    assert len(harness.exchange.open_orders("alice")) == 2

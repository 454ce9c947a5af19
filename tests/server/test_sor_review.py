"""Smart order routing on the local server checked against Binance's documents field by field
(rest-api.md, New order using SOR, Test new order using SOR, Order Amend Keep Priority,
Conditional fields in Order Responses; web-socket-api.md, the same methods; faqs/sor_faq.md;
CHANGELOG.md): key order of the placement answers, the test endpoint's commission rates, and
the SOR fields of amend answers."""

from __future__ import annotations

from tests.server.conftest import ALICE_KEY, ALICE_SECRET, ServeFactory
from tests.server.test_sor import ORDER, faq_server

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

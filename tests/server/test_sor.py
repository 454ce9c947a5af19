"""Smart order routing on the local server, REST and WebSocket API (rest-api.md, New order
using SOR, Test new order using SOR, Query Allocations; web-socket-api.md, the same methods;
faqs/sor_faq.md): the FAQ's example 2 over the wire, weights and order counts, refusals, a
resting remainder queried, streamed and cancelled, and myAllocations' filters."""

from __future__ import annotations

from typing import Any

from tests.server.conftest import (
    ALICE_KEY,
    ALICE_SECRET,
    BOB_KEY,
    BOB_SECRET,
    START_MS,
    Harness,
    ServeFactory,
)
from tests.sim.test_sor import faq_exchange, fill
from transports.sim.exchange import ManualClock
from transports.sim.server.app import ApiAccount
from transports.sim.server.rest import STATE_KEY
from transports.sim.server.serve import _parser, build

ORDER = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "5",
    "price": "31000",
}


async def faq_server(serve: ServeFactory) -> Harness:
    """faqs/sor_faq.md's ask books on the default markets; alice's key is the ``taker``."""
    clock = ManualClock(START_MS)
    api = [
        ApiAccount(account="taker", api_key=ALICE_KEY, secret=ALICE_SECRET),
        ApiAccount(account="maker", api_key=BOB_KEY, secret=BOB_SECRET),
    ]
    return await serve(exchange=faq_exchange(clock=clock), api_accounts=api, clock=clock)


async def test_rest_sor_order_reproduces_example_2(serve: ServeFactory) -> None:
    h = await faq_server(serve)
    client = h.rest()
    reply = await client.signed("POST", "/v3/sor/order", ORDER, in_body=True)
    assert reply.status == 200, reply.body
    answer = reply.json()
    assert (answer["status"], answer["executedQty"], answer["cummulativeQuoteQty"]) == (
        "FILLED",
        "5.00000000",
        "148000.00000000",
    )
    assert answer["fills"] == [
        fill("28000", "1", 0),
        fill("29000", "1", 1),
        fill("30000", "1", 2),
        fill("30500", "2", 3),
    ]
    assert (answer["workingFloor"], answer["usedSor"]) == ("SOR", True)
    # Weight 1, 0 when successful (CHANGELOG 2026-03-27); one order counted, and taken back
    # by its first fill as a taker (faqs/order_count_decrement.md, Example 1).
    assert reply.headers["X-MBX-USED-WEIGHT-1M"] == "0"
    assert reply.headers["X-MBX-ORDER-COUNT-10S"] == "0"
    order_id = answer["orderId"]
    query = await client.signed("GET", "/v3/order", {"symbol": "BTCUSDT", "orderId": order_id})
    assert (query.json()["usedSor"], query.json()["workingFloor"]) == (True, "SOR")
    every = await client.signed("GET", "/v3/allOrders", {"symbol": "BTCUSDT"})
    assert [o.get("usedSor") for o in every.json()] == [True]
    trades = await client.signed("GET", "/v3/myTrades", {"symbol": "BTCUSDT"})
    assert trades.json() == []  # allocations are not trades
    allocations = await client.signed("GET", "/v3/myAllocations", {"symbol": "BTCUSDT"})
    assert [(a["allocationId"], a["price"]) for a in allocations.json()] == [
        (0, "28000.00000000"),
        (1, "29000.00000000"),
        (2, "30000.00000000"),
        (3, "30500.00000000"),
    ]
    assert allocations.json()[3] == {
        "symbol": "BTCUSDT",
        "allocationId": 3,
        "allocationType": "SOR",
        "orderId": order_id,
        "orderListId": -1,
        "price": "30500.00000000",
        "qty": "2.00000000",
        "quoteQty": "61000.00000000",
        "commission": "0.00000000",
        "commissionAsset": "BTC",
        "time": START_MS,
        "isBuyer": True,
        "isMaker": False,
        "isAllocator": False,
    }
    assert allocations.headers["X-MBX-USED-WEIGHT-1M"] == str(4 + 20 + 20 + 20)


async def test_my_allocations_filters(serve: ServeFactory) -> None:
    h = await faq_server(serve)
    client = h.rest()
    first = (await client.signed("POST", "/v3/sor/order", {**ORDER, "quantity": "1"})).json()
    h.clock.advance(1000)
    second = (await client.signed("POST", "/v3/sor/order", {**ORDER, "quantity": "2"})).json()
    assert [f["allocId"] for f in second["fills"]] == [1, 2]

    async def ids(**params: Any) -> list[int]:
        reply = await client.signed("GET", "/v3/myAllocations", {"symbol": "BTCUSDT", **params})
        assert reply.status == 200, reply.body
        return [a["allocationId"] for a in reply.json()]

    assert await ids() == [0, 1, 2]
    assert await ids(orderId=second["orderId"]) == [1, 2]
    assert await ids(orderId=second["orderId"], fromAllocationId=2) == [2]
    assert await ids(fromAllocationId=1, limit=1) == [1]
    assert await ids(startTime=START_MS + 1) == [1, 2]
    assert await ids(endTime=START_MS) == [0]
    assert await ids(endTime=START_MS + 1000, limit=1) == [2]  # the newest until endTime
    assert await ids(startTime=START_MS, endTime=START_MS + 999) == [0]
    assert first["orderId"] + 1 == second["orderId"]
    assert await ids(symbol="BTCUSDC") == []
    bad = await client.signed(
        "GET", "/v3/myAllocations", {"symbol": "BTCUSDT", "orderId": 1, "startTime": START_MS}
    )
    assert bad.json()["code"] == -1128


async def test_rest_refusals_are_charged(serve: ServeFactory) -> None:
    h = await faq_server(serve)
    client = h.rest()
    cases = [
        # "quoteOrderQty is not supported": not a parameter of the endpoint.
        ({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "100"}, -1104),
        ({**ORDER, "stopPrice": "30000"}, -1104),
        ({**ORDER, "type": "STOP_LOSS_LIMIT", "stopPrice": "1"}, -1104),
        ({**ORDER, "type": "LIMIT_MAKER"}, -1116),
        ({**ORDER, "symbol": "ETHUSDT", "price": "3000"}, -1020),
        ({**ORDER, "quantity": "100"}, -2010),
        ({**ORDER, "timeInForce": None}, -1102),
    ]
    for weight, (params, code) in enumerate(cases, start=1):
        sent = {k: v for k, v in params.items() if v is not None}
        reply = await client.signed("POST", "/v3/sor/order", sent)
        assert (reply.status, reply.json()["code"]) == (400, code), (params, reply.body)
        assert reply.headers["X-MBX-USED-WEIGHT-1M"] == str(weight)
    assert h.exchange.open_orders("taker") == []
    assert h.exchange.balance("taker", "USDT")[1] == 0


async def test_rest_sor_order_test(serve: ServeFactory) -> None:
    h = await faq_server(serve)
    client = h.rest()
    plain = await client.signed("POST", "/v3/sor/order/test", ORDER)
    assert (plain.status, plain.json()) == (200, {})
    assert plain.headers["X-MBX-USED-WEIGHT-1M"] == "1"
    rates = await client.signed(
        "POST", "/v3/sor/order/test", {**ORDER, "computeCommissionRates": "true"}
    )
    assert rates.headers["X-MBX-USED-WEIGHT-1M"] == "21"
    # CHANGELOG 2025-08-12: specialCommission in sor/order/test too (test_sor_review.py).
    assert set(rates.json()) == {
        "standardCommissionForOrder",
        "specialCommissionForOrder",
        "taxCommissionForOrder",
        "discount",
    }
    assert rates.json()["standardCommissionForOrder"] == {
        "maker": "0.00000000",
        "taker": "0.00000000",
    }
    refused = await client.signed("POST", "/v3/sor/order/test", {**ORDER, "quoteOrderQty": "1"})
    assert refused.json()["code"] == -1104
    # Validation only: nothing traded, nothing locked, no allocation.
    assert h.exchange.balance("taker", "USDT") == (1_000_000, 0)
    assert h.exchange.my_allocations("taker", "BTCUSDT") == []


async def test_exchange_info_lists_the_sors(serve: ServeFactory) -> None:
    h = await faq_server(serve)
    info = (await h.rest().public("/v3/exchangeInfo", {"symbol": "BTCUSDC"})).json()
    assert info["sors"] == [{"baseAsset": "BTC", "symbols": ["BTCUSDT", "BTCUSDC", "BTCUSDP"]}]
    plain = await serve()  # the default SimConfig: no SOR
    assert "sors" not in (await plain.rest().public("/v3/exchangeInfo")).json()


async def test_ws_api_sor_methods_and_user_data(serve: ServeFactory) -> None:
    h = await faq_server(serve)
    ws = await h.ws()
    sub = await ws.call(
        "userDataStream.subscribe.signature", ws.signed_params(ALICE_KEY, ALICE_SECRET)
    )
    assert sub["status"] == 200
    tested = await ws.call(
        "sor.order.test",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, **ORDER, computeCommissionRates="true"),
    )
    assert tested["status"] == 200 and "standardCommissionForOrder" in tested["result"]
    # Connecting and subscribing weigh 2 each; the test with computeCommissionRates 20.
    assert tested["rateLimits"][0]["count"] == 2 + 2 + 20
    placed = await ws.call(
        "sor.order.place",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, **{**ORDER, "price": "30000"}),
    )
    assert placed["status"] == 200, placed
    # web-socket-api.md, Place new order using SOR: "result" is an array.
    [order] = placed["result"]
    assert (order["status"], order["executedQty"]) == ("PARTIALLY_FILLED", "3.00000000")
    assert (order["workingFloor"], order["usedSor"]) == ("EXCHANGE", True)
    assert [f["allocId"] for f in order["fills"]] == [0, 1, 2]
    limits = {(r["rateLimitType"], r["interval"]): r["count"] for r in placed["rateLimits"]}
    # Counted, and taken back by its first fill (faqs/order_count_decrement.md, Example 1).
    assert limits[("ORDERS", "SECOND")] == 0
    assert limits[("REQUEST_WEIGHT", "MINUTE")] == 24  # the placement itself weighed 0
    events = [e["event"] for e in await ws.events_for(0.3)]
    reports = [e for e in events if e["e"] == "executionReport"]
    assert [(r["x"], r["k"], r["uS"], r.get("b"), r.get("a"), r["t"]) for r in reports] == [
        ("NEW", "SOR", True, None, None, -1),
        ("TRADE", "SOR", True, "ONE_PARTY_TRADE_REPORT", 0, -1),
        ("TRADE", "SOR", True, "ONE_PARTY_TRADE_REPORT", 1, -1),
        ("TRADE", "SOR", True, "ONE_PARTY_TRADE_REPORT", 2, -1),
    ]
    assert events[-1]["e"] == "outboundAccountPosition"
    status = await ws.call(
        "openOrders.status", ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol="BTCUSDT")
    )
    assert [(o["usedSor"], o["workingFloor"]) for o in status["result"]] == [(True, "EXCHANGE")]
    mine = await ws.call(
        "myAllocations",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol="BTCUSDT", orderId=order["orderId"]),
    )
    assert [a["allocationId"] for a in mine["result"]] == [0, 1, 2]
    cancel = await ws.call(
        "order.cancel",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol="BTCUSDT", orderId=order["orderId"]),
    )
    assert (cancel["result"]["status"], cancel["result"]["usedSor"]) == ("CANCELED", True)
    cancelled = next(e["event"] for e in await ws.events_for(0.3))
    assert (cancelled["x"], cancelled["k"], cancelled["uS"]) == ("CANCELED", "EXCHANGE", True)
    refused = await ws.call(
        "sor.order.place",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, **{**ORDER, "type": "LIMIT_MAKER"}),
    )
    assert (refused["status"], refused["error"]["code"]) == (400, -1116)


def test_oms_exchange_serves_the_faq_configuration_by_default() -> None:
    app, _ = build(_parser().parse_args(["--no-liquidity"]))
    exchange = app[STATE_KEY].exchange
    assert [(s.base_asset, s.symbols) for s in exchange.sors()] == [
        ("BTC", ("BTCUSDT", "BTCUSDC", "BTCUSDP"))
    ]
    assert exchange.balance("demo", "USDC")[0] > 0 and exchange.balance("demo", "USDP")[0] > 0

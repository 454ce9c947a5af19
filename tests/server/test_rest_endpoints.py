"""Every REST endpoint round-trips with Binance's response shape, decoded into oms.wire.rest."""

from __future__ import annotations

import json
from decimal import Decimal

from oms.wire.decoding import decode_body
from oms.wire.enums import OrderStatus, OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from oms.wire.rest import (
    AccountInfo,
    CancelResponse,
    CommissionResponse,
    ExchangeInfo,
    MyTrade,
    NewOrderAck,
    NewOrderFull,
    QueryOrderResponse,
    ServerTime,
)
from tests.server.conftest import BOB_KEY, BOB_SECRET, START_MS, Harness

LIMIT_BUY = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.01000",
    "price": "59000.00",
}


def maker_asks(h: Harness, price: str = "60000.00") -> None:
    """Resting liquidity from an account the server has no key for."""
    h.exchange.place_order(
        "maker",
        NewOrder(
            symbol="BTCUSDT",
            side=Side.SELL,
            order_type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            quantity=Decimal("1"),
            price=Decimal(price),
        ),
    )


async def test_public_endpoints(harness: Harness) -> None:
    client = harness.rest()
    ping = await client.public("/v3/ping")
    assert (ping.status, ping.json()) == (200, {})
    time = decode_body((await client.public("/v3/time")).body, ServerTime)
    assert time.server_time == START_MS
    one = await client.public("/v3/exchangeInfo", {"symbol": "ETHUSDT"})
    info = decode_body(one.body, ExchangeInfo)
    assert [s.symbol for s in info.symbols] == ["ETHUSDT"]
    assert one.headers["X-MBX-USED-WEIGHT-1M"] == str(1 + 1 + 20)
    many = await client.public("/v3/exchangeInfo", {"symbols": '["BTCUSDT","BNBUSDT"]'})
    assert [s.symbol for s in decode_body(many.body, ExchangeInfo).symbols] == [
        "BTCUSDT",
        "BNBUSDT",
    ]
    every = decode_body((await client.public("/v3/exchangeInfo")).body, ExchangeInfo)
    assert len(every.symbols) == 3
    assert {(r.rate_limit_type, r.interval, r.limit) for r in every.rate_limits} >= {
        ("REQUEST_WEIGHT", "MINUTE", 6000),
        ("ORDERS", "SECOND", 50),
    }
    bad = await client.public("/v3/exchangeInfo", {"symbol": "NOPE"})
    assert (bad.status, bad.json()) == (400, {"code": -1121, "msg": "Invalid symbol."})
    malformed = await client.public("/v3/exchangeInfo", {"symbols": "BTCUSDT"})
    assert malformed.code == -1100
    both = await client.public("/v3/exchangeInfo", {"symbol": "BTCUSDT", "symbols": '["X"]'})
    assert both.code == -1128


async def test_order_lifecycle_round_trips(harness: Harness) -> None:
    h = harness
    maker_asks(h)
    client = h.rest()
    placed = await client.signed("POST", "/v3/order", {**LIMIT_BUY, "newClientOrderId": "rest-1"})
    assert placed.status == 200, placed.body
    assert placed.headers["X-MBX-ORDER-COUNT-10S"] == "1"
    assert placed.headers["X-MBX-ORDER-COUNT-1D"] == "1"
    assert placed.headers["X-MBX-USED-WEIGHT-1M"] == "0"  # a successful order costs 0
    resting = decode_body(placed.body, NewOrderFull)
    assert (resting.status, resting.fills) == (OrderStatus.NEW, ())
    assert json.loads(placed.body)["cummulativeQuoteQty"] == "0.00000000"

    query = await client.signed(
        "GET", "/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "rest-1"}
    )
    got = decode_body(query.body, QueryOrderResponse)
    assert (got.order_id, got.price) == (resting.order_id, Decimal("59000"))
    assert query.headers["X-MBX-USED-WEIGHT-1M"] == "4"

    opened = await client.signed("GET", "/v3/openOrders", {"symbol": "BTCUSDT"})
    assert [o.order_id for o in decode_body(opened.body, list[QueryOrderResponse])] == [
        resting.order_id
    ]
    everywhere = await client.signed("GET", "/v3/openOrders")
    assert everywhere.headers["X-MBX-USED-WEIGHT-1M"] == str(4 + 6 + 80)

    # A MARKET buy (params in the body) takes the maker's ask: FULL with fills.
    market = await client.signed(
        "POST",
        "/v3/order",
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.02000"},
        in_body=True,
    )
    filled = decode_body(market.body, NewOrderFull)
    assert filled.status is OrderStatus.FILLED
    assert [(f.price, f.qty) for f in filled.fills] == [(Decimal("60000"), Decimal("0.02"))]
    assert market.headers["X-MBX-ORDER-COUNT-10S"] == "1"  # the first fill took it back

    trades = await client.signed("GET", "/v3/myTrades", {"symbol": "BTCUSDT"})
    mine = decode_body(trades.body, list[MyTrade])
    assert [(t.order_id, t.qty, t.is_buyer) for t in mine] == [
        (filled.order_id, Decimal("0.02"), True)
    ]
    by_order = await client.signed(
        "GET", "/v3/myTrades", {"symbol": "BTCUSDT", "orderId": filled.order_id}
    )
    assert len(decode_body(by_order.body, list[MyTrade])) == 1

    cancel = await client.signed(
        "DELETE", "/v3/order", {"symbol": "BTCUSDT", "orderId": resting.order_id}
    )
    cancelled = decode_body(cancel.body, CancelResponse)
    assert (cancelled.status, cancelled.orig_client_order_id) == (OrderStatus.CANCELED, "rest-1")
    again = await client.signed(
        "DELETE", "/v3/order", {"symbol": "BTCUSDT", "orderId": resting.order_id}
    )
    assert (again.status, again.json()) == (400, {"code": -2011, "msg": "Unknown order sent."})
    missing = await client.signed("GET", "/v3/order", {"symbol": "BTCUSDT", "orderId": 999})
    assert missing.json() == {"code": -2013, "msg": "Order does not exist."}


async def test_cancel_all_account_commission_and_test_order(harness: Harness) -> None:
    client = harness.rest()
    for i in range(2):
        placed = await client.signed(
            "POST", "/v3/order", {**LIMIT_BUY, "newOrderRespType": "ACK", "price": f"5900{i}.00"}
        )
        decode_body(placed.body, NewOrderAck)
    cancelled = await client.signed("DELETE", "/v3/openOrders", {"symbol": "BTCUSDT"})
    assert [c.status for c in decode_body(cancelled.body, list[CancelResponse])] == [
        OrderStatus.CANCELED
    ] * 2
    none_left = await client.signed("DELETE", "/v3/openOrders", {"symbol": "BTCUSDT"})
    assert none_left.code == -2011

    account = decode_body((await client.signed("GET", "/v3/account")).body, AccountInfo)
    assert {b.asset: b.free for b in account.balances}["USDT"] == Decimal("1000000")
    omitted = await client.signed("GET", "/v3/account", {"omitZeroBalances": "true"})
    assert all(b.free or b.locked for b in decode_body(omitted.body, AccountInfo).balances)

    rates = await client.signed("GET", "/v3/account/commission", {"symbol": "BTCUSDT"})
    assert decode_body(rates.body, CommissionResponse).symbol == "BTCUSDT"

    test = await client.signed("POST", "/v3/order/test", LIMIT_BUY)
    assert (test.status, test.json()) == (200, {})
    with_rates = await client.signed(
        "POST", "/v3/order/test", {**LIMIT_BUY, "computeCommissionRates": "true"}
    )
    body = with_rates.json()
    assert set(body["standardCommissionForOrder"]) == {"maker", "taker"}
    assert harness.exchange.open_orders("alice") == []


async def test_parameter_errors_as_binance_gives_them(harness: Harness) -> None:
    client = harness.rest()
    cases: list[tuple[dict[str, str], int, str]] = [
        ({**LIMIT_BUY, "side": "UP"}, -1117, "Invalid side."),
        ({**LIMIT_BUY, "type": "SOON"}, -1116, "Invalid orderType."),
        ({**LIMIT_BUY, "timeInForce": "GTX"}, -1115, "Invalid timeInForce."),
        ({**LIMIT_BUY, "quantity": "1e-3"}, -1100, "Illegal characters found in parameter"),
        ({**LIMIT_BUY, "quantity": "0.000000001"}, -1111, "too much precision"),
        ({**LIMIT_BUY, "symbol": "NOPE"}, -1121, "Invalid symbol."),
        ({k: v for k, v in LIMIT_BUY.items() if k != "price"}, -1102, "'price'"),
        ({**LIMIT_BUY, "newClientOrderId": "has space"}, -1100, "newClientOrderId"),
        ({**LIMIT_BUY, "colour": "red"}, -1104, "Not all sent parameters were read"),
        ({**LIMIT_BUY, "icebergQty": ""}, -1105, "Parameter 'icebergQty' was empty."),
        (
            {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "1", "price": "1"},
            -1106,
            "Parameter 'price' sent when not required.",
        ),
        (
            {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET"},
            -1102,
            "Param 'quantity' or 'quoteOrderQty' must be sent",
        ),
    ]
    for params, code, text in cases:
        reply = await client.signed("POST", "/v3/order", params)
        assert (reply.status, reply.code) == (400, code), (params, reply.body)
        assert text in reply.json()["msg"]
        assert "X-MBX-ORDER-COUNT-10S" in reply.headers
    duplicate = await client.raw(
        "POST", "/v3/order", f"symbol=BTCUSDT&symbol=ETHUSDT&timestamp={START_MS}&signature=0"
    )
    assert duplicate.code == -1101
    no_ids = await client.signed("DELETE", "/v3/order", {"symbol": "BTCUSDT"})
    assert no_ids.json()["msg"] == (
        "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
    )
    failed = await client.signed("POST", "/v3/order", {**LIMIT_BUY, "side": "UP"})
    assert int(failed.headers["X-MBX-USED-WEIGHT-1M"]) > 0  # failed orders are not free
    assert harness.exchange.open_orders("alice") == []


async def test_query_string_wins_over_body(harness: Harness) -> None:
    client = harness.rest()
    query = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=59000"
    body = f"price=1.00&timestamp={START_MS}"
    signed = client.sign((query + body).encode())
    reply = await client.raw("POST", "/v3/order", query, f"{body}&signature={signed}")
    assert reply.status == 200, reply.body
    assert decode_body(reply.body, NewOrderFull).price == Decimal("59000")


async def test_account_isolation(harness: Harness) -> None:
    alice = harness.rest()
    bob = harness.rest(BOB_KEY, BOB_SECRET)
    placed = decode_body((await alice.signed("POST", "/v3/order", LIMIT_BUY)).body, NewOrderFull)
    ids = {"symbol": "BTCUSDT", "orderId": placed.order_id}
    assert (await bob.signed("GET", "/v3/order", ids)).code == -2013
    assert (await bob.signed("DELETE", "/v3/order", ids)).code == -2011
    by_client = {"symbol": "BTCUSDT", "origClientOrderId": placed.client_order_id}
    assert (await bob.signed("GET", "/v3/order", by_client)).code == -2013
    assert (
        decode_body((await bob.signed("GET", "/v3/openOrders")).body, list[QueryOrderResponse])
        == []
    )
    assert (await bob.signed("DELETE", "/v3/openOrders", {"symbol": "BTCUSDT"})).code == -2011
    still = await alice.signed("GET", "/v3/order", ids)
    assert decode_body(still.body, QueryOrderResponse).status is OrderStatus.NEW


async def test_removed_listen_key_endpoints_are_gone(harness: Harness) -> None:
    client = harness.rest()
    for method in ("POST", "PUT", "DELETE"):
        for path in ("/v3/userDataStream",):
            reply = await client.raw(method, path)
            assert reply.status == 410
            assert "X-MBX-USED-WEIGHT-1M" in reply.headers
    legacy = await client.raw("POST", "/../api/v1/userDataStream")
    assert legacy.status in (404, 410)
    v1 = await harness.session.post(str(harness.server.make_url("/api/v1/userDataStream")))
    assert v1.status == 410
    v1.release()

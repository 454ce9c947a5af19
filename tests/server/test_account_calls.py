"""Account calls beyond trading (REST and WebSocket API) and the WebSocket API market methods."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

from oms.wire.decoding import decode_body
from oms.wire.enums import OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.requests import NewOrder
from oms.wire.rest import AccountInfo, QueryOrderResponse
from tests.server.conftest import ALICE_KEY, ALICE_SECRET, Harness, ServeFactory
from tests.server.test_rest_endpoints import LIMIT_BUY, maker_asks
from transports.sim.server.app import HUB_KEY, ServerOptions


def self_trade(h: Harness) -> None:
    """alice rests an ask, then crosses it herself with EXPIRE_MAKER: one prevented match."""
    for side in (Side.SELL, Side.BUY):
        h.exchange.place_order(
            "alice",
            NewOrder(
                symbol="BTCUSDT",
                side=side,
                order_type=OrderType.LIMIT,
                time_in_force=TimeInForce.GTC,
                quantity=Decimal("0.1"),
                price=Decimal("60000"),
                self_trade_prevention_mode=SelfTradePreventionMode.EXPIRE_MAKER,
            ),
        )


async def test_rest_all_orders_rate_limit_and_prevented_matches(harness: Harness) -> None:
    client = harness.rest()
    for price in ("59000.00", "59100.00", "59200.00"):
        await client.signed("POST", "/v3/order", {**LIMIT_BUY, "price": price})
    reply = await client.signed("GET", "/v3/allOrders", {"symbol": "BTCUSDT"})
    orders = decode_body(reply.body, list[QueryOrderResponse])
    assert [o.price for o in orders] == [Decimal("59000"), Decimal("59100"), Decimal("59200")]
    since = await client.signed("GET", "/v3/allOrders", {"symbol": "BTCUSDT", "orderId": "2"})
    assert [o["orderId"] for o in since.json()] == [2, 3]
    counts = (await client.signed("GET", "/v3/rateLimit/order")).json()
    assert [(c["interval"], c["count"]) for c in counts] == [("SECOND", 3), ("DAY", 3)]
    self_trade(harness)
    by_order = await client.signed(
        "GET", "/v3/myPreventedMatches", {"symbol": "BTCUSDT", "orderId": "5"}
    )
    [match] = by_order.json()
    assert (match["takerOrderId"], match["makerOrderId"]) == (5, 4)
    assert match["selfTradePreventionMode"] == "EXPIRE_MAKER"
    assert match["makerPreventedQuantity"] == "0.10000000"
    bad = await client.signed("GET", "/v3/myPreventedMatches", {"symbol": "BTCUSDT"})
    assert bad.json()["code"] == -1128


async def test_ws_api_account_methods(harness: Harness) -> None:
    h = harness
    ws = await h.ws()

    def signed(**params: object) -> dict[str, object]:
        return ws.signed_params(ALICE_KEY, ALICE_SECRET, **params)

    status = await ws.call("account.status", signed(omitZeroBalances="true"))
    info = decode_body(ws_result(status), AccountInfo)
    assert {b.asset for b in info.balances} == {"USDT", "BTC", "ETH"}
    assert status["rateLimits"][0]["count"] == 2 + 20  # the connection, then the call
    commission = await ws.call("account.commission", signed(symbol="BTCUSDT"))
    assert commission["result"]["symbol"] == "BTCUSDT"
    placed = await ws.call("order.place", signed(**LIMIT_BUY))
    assert placed["status"] == 200
    opened = await ws.call("openOrders.status", signed(symbol="BTCUSDT"))
    assert [o["orderId"] for o in opened["result"]] == [placed["result"]["orderId"]]
    counts = await ws.call("account.rateLimits.orders", signed())
    assert counts["result"][0]["count"] == 1
    tested = await ws.call("order.test", signed(**LIMIT_BUY, computeCommissionRates="true"))
    assert "standardCommissionForOrder" in tested["result"]
    cancelled = await ws.call("openOrders.cancelAll", signed(symbol="BTCUSDT"))
    assert [c["status"] for c in cancelled["result"]] == ["CANCELED"]
    history = await ws.call("allOrders", signed(symbol="BTCUSDT"))
    assert [o["status"] for o in history["result"]] == ["CANCELED"]
    maker_asks(h)
    await ws.call("order.place", signed(**{**LIMIT_BUY, "price": "60000.00"}))
    trades = await ws.call("myTrades", signed(symbol="BTCUSDT"))
    assert [t["qty"] for t in trades["result"]] == ["0.01000000"]
    none = await ws.call("myPreventedMatches", signed(symbol="BTCUSDT", preventedMatchId=1))
    assert none["result"] == []
    await ws.ws.send_str("[" * 1000 + "]" * 1000)  # nested 1,000 deep: an answer, no drop
    deep = json.loads((await ws.ws.receive(timeout=3)).data)
    assert deep["error"]["code"] == -1135  # errors.md, -1135 INVALID_JSON
    await ws.ws.send_str('{"id": "\\ud800", "method": "ping"}')  # a lone surrogate
    lone = json.loads((await ws.ws.receive(timeout=3)).data)
    assert lone["error"]["code"] == -1135
    assert (await ws.call("ping"))["status"] == 200
    pegged = await ws.call("order.place", signed(**LIMIT_BUY, pegPriceType="PRIMARY_PEG"))
    assert pegged["error"] == {
        "code": -2010,
        "msg": "Pegged orders are not supported for this symbol.",
    }


def ws_result(frame: dict[str, object]) -> bytes:
    return json.dumps(frame["result"]).encode()


async def test_ws_api_market_methods(harness: Harness) -> None:
    h = harness
    maker_asks(h)
    ws = await h.ws()
    depth = await ws.call("depth", {"symbol": "BTCUSDT", "limit": 5})
    assert depth["result"]["asks"] == [["60000.00000000", "1.00000000"]]
    assert depth["rateLimits"][0]["count"] == 2 + 5
    info = await ws.call("exchangeInfo", {"symbol": "BTCUSDT"})
    assert info["result"]["symbols"][0]["symbol"] == "BTCUSDT"
    for method, params in (
        ("trades.recent", {"symbol": "BTCUSDT"}),
        ("trades.aggregate", {"symbol": "BTCUSDT"}),
        ("klines", {"symbol": "BTCUSDT", "interval": "1h"}),
        ("avgPrice", {"symbol": "BTCUSDT"}),
        ("ticker.24hr", {"symbol": "BTCUSDT"}),
        ("ticker", {"symbol": "BTCUSDT", "windowSize": "1h"}),
        ("ticker.tradingDay", {"symbol": "BTCUSDT"}),
        ("ticker.price", {"symbol": "BTCUSDT"}),
        ("ticker.book", {"symbol": "BTCUSDT"}),
    ):
        answer = await ws.call(method, params)
        assert answer["status"] == 200, (method, answer)
    book = await ws.call("ticker.book", {"symbol": "BTCUSDT"})
    assert book["result"]["askPrice"] == "60000.00000000"


async def test_user_stream_reader_that_stops_reading_is_cut_off(serve: ServeFactory) -> None:
    h = await serve(ServerOptions(stream_queue_frames=20))
    ws = await h.ws()
    params = ws.signed_params(ALICE_KEY, ALICE_SECRET)
    assert (await ws.call("userDataStream.subscribe.signature", params))["status"] == 200
    hub = h.server.app[HUB_KEY]
    assert len(hub.connections) == 1
    for _ in range(2):
        maker_asks(h)  # 2 BTC at 60000
    for i in range(1500):  # alice buys from maker: events her connection never reads
        h.exchange.place_order(
            "alice",
            NewOrder(
                symbol="BTCUSDT",
                side=Side.BUY,
                order_type=OrderType.MARKET,
                quantity=Decimal("0.001"),
            ),
        )
        if i % 100 == 0:
            await asyncio.sleep(0.01)
    for _ in range(100):
        if not hub.connections:
            break
        await asyncio.sleep(0.02)
    assert not hub.connections


async def test_large_answers_arrive_whole(harness: Harness) -> None:
    """Frames of each length class (< 126, < 65,536 and larger bytes; RFC 6455 §5.2)."""
    for i in range(2000):  # MAX_NUM_ORDERS is 200 per account: ten accounts
        account = f"deep{i // 200}"
        if i % 200 == 0:
            harness.exchange.create_account(account, {"USDT": Decimal(10) ** 9})
        harness.exchange.place_order(
            account,
            NewOrder(
                symbol="BTCUSDT",
                side=Side.BUY,
                order_type=OrderType.LIMIT,
                time_in_force=TimeInForce.GTC,
                quantity=Decimal("0.001"),
                price=Decimal(50000 + i),
            ),
        )
    ws = await harness.ws()
    small = await ws.call("ping")
    assert small["result"] == {}
    middle = await ws.call("depth", {"symbol": "BTCUSDT", "limit": 100})
    assert len(middle["result"]["bids"]) == 100
    large = await ws.call("depth", {"symbol": "BTCUSDT", "limit": 5000})
    assert len(large["result"]["bids"]) == 2000
    assert len(json.dumps(large)) > 65_536


async def test_rest_iceberg_depth_and_stp_decrement(harness: Harness) -> None:
    client = harness.rest()
    ask = {
        "symbol": "BTCUSDT",
        "side": "SELL",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.6",
        "price": "60000.00",
        "icebergQty": "0.2",
        "newOrderRespType": "FULL",
    }
    placed = (await client.signed("POST", "/v3/order", ask)).json()
    assert placed["status"] == "NEW" and placed["icebergQty"] == "0.20000000"
    depth = (await client.public("/v3/depth", {"symbol": "BTCUSDT"})).json()
    assert depth["asks"] == [["60000.00000000", "0.20000000"]]
    bid = {**ask, "side": "BUY", "quantity": "0.2", "selfTradePreventionMode": "DECREMENT"}
    del bid["icebergQty"]
    taker = (await client.signed("POST", "/v3/order", bid)).json()
    assert (taker["status"], taker["preventedQuantity"]) == ("EXPIRED_IN_MATCH", "0.20000000")
    reply = await client.signed(
        "GET", "/v3/myPreventedMatches", {"symbol": "BTCUSDT", "orderId": str(taker["orderId"])}
    )
    [match] = reply.json()
    assert match["selfTradePreventionMode"] == "DECREMENT"
    assert match["takerPreventedQuantity"] == match["makerPreventedQuantity"] == "0.20000000"
    # The maker keeps 0.4, shown 0.2 at a time (its part refilled at the back of the level).
    depth = (await client.public("/v3/depth", {"symbol": "BTCUSDT"})).json()
    assert depth["asks"] == [["60000.00000000", "0.20000000"]]

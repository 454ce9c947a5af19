"""REST market data from the simulated book and trade tape, with Binance's shapes and weights."""

from __future__ import annotations

from decimal import Decimal

from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from tests.server.conftest import START_MS, Harness


def limit(side: Side, qty: str, price: str) -> NewOrder:
    return NewOrder(
        symbol="BTCUSDT",
        side=side,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=Decimal(qty),
        price=Decimal(price),
    )


def trade_some(h: Harness) -> None:
    """Two asks from maker, then bob buys through both: two trades, one aggregate each."""
    h.exchange.place_order("maker", limit(Side.SELL, "0.5", "60000.00"))
    h.exchange.place_order("maker", limit(Side.SELL, "0.5", "60010.00"))
    h.exchange.place_order("maker", limit(Side.BUY, "1", "59000.00"))
    h.clock.advance(1000)
    h.exchange.place_order("bob", limit(Side.BUY, "0.7", "60010.00"))


async def test_unknown_path_answers_json(harness: Harness) -> None:
    reply = await harness.rest().public("/v3/noSuchThing")
    assert reply.status == 404
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.json()["code"] == -1020


async def test_depth_snapshot_and_weight(harness: Harness) -> None:
    trade_some(harness)
    client = harness.rest()
    reply = await client.public("/v3/depth", {"symbol": "BTCUSDT", "limit": "5"})
    body = reply.json()
    assert body["bids"] == [["59000.00000000", "1.00000000"]]
    assert body["asks"] == [["60010.00000000", "0.30000000"]]
    assert body["lastUpdateId"] == harness.exchange.market_data("BTCUSDT").update_id > 0
    assert reply.headers["X-MBX-USED-WEIGHT-1M"] == "5"
    big = await client.public("/v3/depth", {"symbol": "BTCUSDT", "limit": "1000"})
    assert big.headers["X-MBX-USED-WEIGHT-1M"] == str(5 + 50)
    unknown = await client.public("/v3/depth", {"symbol": "NOPE"})
    assert (unknown.status, unknown.json()["code"]) == (400, -1121)


async def test_trades_and_aggregates(harness: Harness) -> None:
    trade_some(harness)
    client = harness.rest()
    trades = (await client.public("/v3/trades", {"symbol": "BTCUSDT"})).json()
    assert [(t["id"], t["price"], t["qty"], t["isBuyerMaker"]) for t in trades] == [
        (1, "60000.00000000", "0.50000000", False),
        (2, "60010.00000000", "0.20000000", False),
    ]
    assert trades[0]["quoteQty"] == "30000.00000000"
    old = (await client.public("/v3/historicalTrades", {"symbol": "BTCUSDT", "fromId": "2"})).json()
    assert [t["id"] for t in old] == [2]
    aggs = (await client.public("/v3/aggTrades", {"symbol": "BTCUSDT"})).json()
    assert [(a["a"], a["f"], a["l"], a["p"]) for a in aggs] == [
        (1, 1, 1, "60000.00000000"),
        (2, 2, 2, "60010.00000000"),
    ]


async def test_klines_and_tickers(harness: Harness) -> None:
    trade_some(harness)
    client = harness.rest()
    rows = (await client.public("/v3/klines", {"symbol": "BTCUSDT", "interval": "1m"})).json()
    assert len(rows) == 1
    row = rows[0]
    assert row[0] == (START_MS + 1000) // 60_000 * 60_000
    assert row[1:6] == [
        "60000.00000000",
        "60010.00000000",
        "60000.00000000",
        "60010.00000000",
        "0.70000000",
    ]
    assert row[8] == 2 and row[9] == "0.70000000"
    ui = (await client.public("/v3/uiKlines", {"symbol": "BTCUSDT", "interval": "1d"})).json()
    assert ui[0][5] == "0.70000000"
    bad = await client.public("/v3/klines", {"symbol": "BTCUSDT", "interval": "7m"})
    assert bad.json()["code"] == -1120
    avg = (await client.public("/v3/avgPrice", {"symbol": "BTCUSDT"})).json()
    assert avg == {"mins": 5, "price": "60002.85714286", "closeTime": START_MS + 1000}
    day = (await client.public("/v3/ticker/24hr", {"symbol": "BTCUSDT"})).json()
    assert day["lastPrice"] == "60010.00000000" and day["count"] == 2
    assert day["bidPrice"] == "59000.00000000" and day["askQty"] == "0.30000000"
    assert day["priceChangePercent"] == "0.017"
    price = (await client.public("/v3/ticker/price", {"symbols": '["BTCUSDT","ETHUSDT"]'})).json()
    assert price == [
        {"symbol": "BTCUSDT", "price": "60010.00000000"},
        {"symbol": "ETHUSDT", "price": "3000.00000000"},
    ]
    book = (await client.public("/v3/ticker/bookTicker", {"symbol": "BTCUSDT"})).json()
    assert book["bidPrice"] == "59000.00000000"
    rolling = await client.public(
        "/v3/ticker", {"symbol": "BTCUSDT", "windowSize": "5m", "type": "MINI"}
    )
    assert rolling.json()["volume"] == "0.70000000"
    trading_day = await client.public("/v3/ticker/tradingDay", {"symbol": "BTCUSDT"})
    assert trading_day.json()["count"] == 2
    missing = await client.public("/v3/ticker", {})
    assert missing.json()["code"] == -1102

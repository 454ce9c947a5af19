"""The local exchange's market data checked for meaning against Binance's documents.

A realistic sequence (two symbols, trades at several prices on both sides, partial fills, an
iceberg, a cancel, trades across 1-minute boundaries with an idle minute between) is driven
on the served exchange with its manual clock; then every market-data answer is recomputed
from the public trade tape and the book and compared:
- rest-api.md, Order book / Recent trades list / Old trade lookup / Compressed/Aggregate trades
  list / Kline/Candlestick data / UIKlines / Current average price / 24hr ticker / Trading Day
  Ticker / Symbol price ticker / Symbol order book ticker / Rolling window price change
  statistics;
- web-socket-api.md, Market data requests (the same values as REST);
- web-socket-streams.md, the trade / aggTrade / bookTicker / depth streams against REST.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from decimal import Decimal
from typing import Any

import aiohttp

from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import CancelOrder, NewOrder
from tests.server.conftest import START_MS, Harness

_MINUTE = 60_000


def order(symbol: str, side: Side, qty: str, price: str, iceberg: str | None = None) -> NewOrder:
    return NewOrder(
        symbol=symbol,
        side=side,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=Decimal(qty),
        price=Decimal(price),
        iceberg_qty=Decimal(iceberg) if iceberg else None,
    )


def scenario(h: Harness) -> None:
    """START_MS is 20 s into a minute. Minute 0: a taker buy through two asks; minute 1: a
    taker sell through two bids and an ETH trade; minute 2: nothing; minute 3: a taker buy
    through two makers at one price and an iceberg's refilled tips, a cancel, a partial."""
    place = h.exchange.place_order
    btc, eth = "BTCUSDT", "ETHUSDT"
    place("maker", order(btc, Side.SELL, "0.5", "60000.00"))
    place("maker", order(btc, Side.SELL, "0.5", "60010.00"))
    place("maker", order(btc, Side.SELL, "0.3", "60010.00"))
    place("maker", order(btc, Side.SELL, "1.0", "60020.00", iceberg="0.2"))
    place("maker", order(btc, Side.SELL, "0.4", "60030.00"))
    place("maker", order(btc, Side.BUY, "0.4", "59990.00"))
    place("maker", order(btc, Side.BUY, "1.0", "59980.00"))
    gone = place("maker", order(btc, Side.BUY, "0.5", "59980.00"))
    place("maker", order(btc, Side.BUY, "0.2", "59970.00"))
    place("maker", order(eth, Side.SELL, "2", "3001.00"))
    place("maker", order(eth, Side.BUY, "3", "2999.00"))
    h.clock.advance(1000)
    place("bob", order(btc, Side.BUY, "0.7", "60010.00"))
    h.clock.advance(50_000)
    place("alice", order(btc, Side.SELL, "0.6", "59980.00"))
    place("bob", order(eth, Side.BUY, "1", "3001.00"))
    h.clock.advance(130_000)
    place("bob", order(btc, Side.BUY, "1.0", "60020.00"))
    h.exchange.cancel_order("maker", CancelOrder(symbol=btc, order_id=gone.order_id))
    h.clock.advance(5000)
    place("alice", order(btc, Side.SELL, "0.3", "59980.00"))
    place("alice", order(btc, Side.SELL, "5", "59900.00"))  # through every bid, rests the rest
    place("maker", order(btc, Side.BUY, "0.7", "59000.00"))
    h.clock.advance(2000)


async def get(h: Harness, path: str, **params: str) -> Any:
    reply = await h.rest().public(path, params)
    return reply.json()


async def tape(h: Harness, symbol: str = "BTCUSDT") -> list[dict[str, Any]]:
    return list(await get(h, "/v3/historicalTrades", symbol=symbol, fromId="0", limit="1000"))


def dec(text: str) -> Decimal:
    return Decimal(text)


# --- trades ------------------------------------------------------------------------------


async def test_trade_ids_are_consecutive_and_paging_by_from_id_is_exact(harness: Harness) -> None:
    scenario(harness)
    trades = await tape(harness)
    ids = [t["id"] for t in trades]
    assert ids == list(range(ids[0], ids[0] + len(ids))) and len(ids) >= 9
    assert [t["time"] for t in trades] == sorted(t["time"] for t in trades)
    for t in trades:
        assert dec(t["quoteQty"]) == dec(t["price"]) * dec(t["qty"])
    # rest-api.md, Recent trades list: the most recent ones, oldest first.
    recent = await get(harness, "/v3/trades", symbol="BTCUSDT", limit="3")
    assert recent == trades[-3:]
    paged: list[dict[str, Any]] = []
    while len(paged) < len(trades):
        page = await get(
            harness,
            "/v3/historicalTrades",
            symbol="BTCUSDT",
            fromId=str(ids[len(paged)]),
            limit="4",
        )
        assert page and page[0]["id"] == ids[len(paged)]
        paged += page
    assert paged == trades
    beyond = await get(harness, "/v3/historicalTrades", symbol="BTCUSDT", fromId=str(ids[-1] + 1))
    assert beyond == []


async def test_is_buyer_maker_follows_the_taker_side(harness: Harness) -> None:
    scenario(harness)
    by_price = defaultdict(set)
    for t in await tape(harness):
        by_price[t["price"]].add(t["isBuyerMaker"])
    # Asks (60000..60020) were hit by taker buys: the buyer was the taker.
    for price in ("60000.00000000", "60010.00000000", "60020.00000000"):
        assert by_price[price] == {False}
    # Bids were hit by taker sells: the buyer was the maker.
    for price in ("59990.00000000", "59980.00000000", "59970.00000000"):
        assert by_price[price] == {True}


async def test_trade_limits(harness: Harness) -> None:
    scenario(harness)
    for path in ("/v3/trades", "/v3/historicalTrades", "/v3/aggTrades"):
        assert len(await get(harness, path, symbol="BTCUSDT", limit="1")) == 1
        for bad in ("0", "1001"):
            reply = await harness.rest().public(path, {"symbol": "BTCUSDT", "limit": bad})
            assert reply.status == 400, (path, bad)


# --- aggregate trades --------------------------------------------------------------------


async def test_aggregates_cover_the_tape_by_taker_and_price(harness: Harness) -> None:
    scenario(harness)
    trades = {t["id"]: t for t in await tape(harness)}
    aggs = await get(harness, "/v3/aggTrades", symbol="BTCUSDT", fromId="0", limit="1000")
    assert [a["a"] for a in aggs] == list(range(aggs[0]["a"], aggs[0]["a"] + len(aggs)))
    covered: list[int] = []
    for a in aggs:
        members = [trades[i] for i in range(a["f"], a["l"] + 1)]
        covered += [m["id"] for m in members]
        assert {m["price"] for m in members} == {a["p"]}
        assert {m["isBuyerMaker"] for m in members} == {a["m"]}
        assert {m["time"] for m in members} == {a["T"]}
        assert sum(dec(m["qty"]) for m in members) == dec(a["q"])
    assert covered == sorted(trades)
    # Two makers at 60010 and the iceberg's refilled tips at 60020, one taker: one aggregate
    # per price (rest-api.md, Compressed/Aggregate trades list).
    multi = [a for a in aggs if a["l"] > a["f"]]
    assert {a["p"] for a in multi} >= {"60010.00000000", "60020.00000000"}
    # Two taker orders at one price in one millisecond stay two aggregates (same taker only).
    last_second = [a for a in aggs if a["p"] == "59980.00000000" and a["T"] == aggs[-1]["T"]]
    assert [dec(a["q"]) for a in last_second] == [Decimal("0.3"), Decimal("0.5")]


async def test_aggregate_time_and_id_filters_are_inclusive(harness: Harness) -> None:
    scenario(harness)
    aggs = await get(harness, "/v3/aggTrades", symbol="BTCUSDT", fromId="0", limit="1000")
    times = sorted({a["T"] for a in aggs})
    start, end = times[1], times[2]
    window = await get(
        harness, "/v3/aggTrades", symbol="BTCUSDT", startTime=str(start), endTime=str(end)
    )
    assert window == [a for a in aggs if start <= a["T"] <= end]
    middle = aggs[2]["a"]
    tail = await get(harness, "/v3/aggTrades", symbol="BTCUSDT", fromId=str(middle), limit="2")
    assert tail == aggs[2:4]
    latest = await get(harness, "/v3/aggTrades", symbol="BTCUSDT", limit="2")
    assert latest == aggs[-2:]
    # CHANGELOG.md 2022-12-05: "the 1 hour limit has been removed"; equal times are allowed.
    day = await get(
        harness,
        "/v3/aggTrades",
        symbol="BTCUSDT",
        startTime=str(START_MS - 86_400_000),
        endTime=str(START_MS + 86_400_000),
    )
    assert day == aggs
    same = await get(
        harness, "/v3/aggTrades", symbol="BTCUSDT", startTime=str(end), endTime=str(end)
    )
    assert same == [a for a in aggs if a["T"] == end]


# --- klines ------------------------------------------------------------------------------


def expected_klines(trades: list[dict[str, Any]], size: int, offset: int = 0) -> dict[int, list]:
    """Open time -> the documented row, computed from the tape."""
    buckets: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for t in trades:
        buckets[(t["time"] + offset) // size * size - offset].append(t)
    out = {}
    for open_time, group in buckets.items():
        prices = [dec(t["price"]) for t in group]
        taker_buys = [t for t in group if not t["isBuyerMaker"]]
        out[open_time] = [
            open_time,
            prices[0],
            max(prices),
            min(prices),
            prices[-1],
            sum(dec(t["qty"]) for t in group),
            open_time + size - 1,
            sum(dec(t["quoteQty"]) for t in group),
            len(group),
            sum((dec(t["qty"]) for t in taker_buys), Decimal(0)),
            sum((dec(t["quoteQty"]) for t in taker_buys), Decimal(0)),
        ]
    return out


def as_numbers(row: list[Any]) -> list[Any]:
    return [dec(v) if isinstance(v, str) else v for v in row[:11]]


async def test_klines_are_computed_from_the_trades(harness: Harness) -> None:
    scenario(harness)
    trades = await tape(harness)
    day = 86_400_000
    # Weeks open on Monday 00:00 UTC: 1970-01-01 was a Thursday, 4 days after one.
    for interval, size, offset in (
        ("1s", 1000, 0),
        ("1m", _MINUTE, 0),
        ("3m", 3 * _MINUTE, 0),
        ("1h", 60 * _MINUTE, 0),
        ("1d", day, 0),
        ("1w", 7 * day, -4 * day),
    ):
        rows = await get(harness, "/v3/klines", symbol="BTCUSDT", interval=interval)
        assert rows == await get(harness, "/v3/uiKlines", symbol="BTCUSDT", interval=interval)
        expected = expected_klines(trades, size, offset)
        opens = [r[0] for r in rows]
        assert opens == list(range(opens[0], opens[-1] + size, size)), interval
        now = harness.clock.now_ms
        assert opens[-1] == (now + offset) // size * size - offset
        previous_close = None
        for row in rows:
            assert row[6] == row[0] + size - 1 and row[11] == "0"
            if row[0] in expected:
                assert as_numbers(row) == expected[row[0]], (interval, row)
            else:  # an interval without trades: flat at the previous close, nothing traded
                assert previous_close is not None
                assert {row[1], row[2], row[3], row[4]} == {previous_close}
                assert row[5] == row[7] == row[9] == row[10] == "0.00000000"
                assert row[8] == 0
            previous_close = row[4]
    minutes = await get(harness, "/v3/klines", symbol="BTCUSDT", interval="1m")
    assert any(r[8] == 0 for r in minutes), "the idle minute is listed"


async def test_kline_time_zone_moves_the_boundaries_not_the_data(harness: Harness) -> None:
    scenario(harness)
    trades = await tape(harness)
    size = 60 * _MINUTE
    for zone, offset in (("0", 0), ("05:45", (5 * 60 + 45) * _MINUTE), ("-1:00", -size)):
        rows = await get(harness, "/v3/klines", symbol="BTCUSDT", interval="1h", timeZone=zone)
        expected = expected_klines(trades, size, offset)
        assert {r[0]: as_numbers(r) for r in rows if r[8]} == expected, zone
    bad = await harness.rest().public(
        "/v3/klines", {"symbol": "BTCUSDT", "interval": "1h", "timeZone": "15"}
    )
    assert bad.status == 400


async def test_kline_start_end_and_limit(harness: Harness) -> None:
    scenario(harness)
    rows = await get(harness, "/v3/klines", symbol="BTCUSDT", interval="1m")
    assert len(rows) >= 4
    first, second = rows[0][0], rows[1][0]
    assert await get(harness, "/v3/klines", symbol="BTCUSDT", interval="1m", limit="2") == rows[-2:]
    assert (
        await get(
            harness,
            "/v3/klines",
            symbol="BTCUSDT",
            interval="1m",
            startTime=str(first),
            endTime=str(second),
        )
        == rows[:2]
    )
    assert (
        await get(
            harness, "/v3/klines", symbol="BTCUSDT", interval="1m", startTime=str(first), limit="1"
        )
        == rows[:1]
    )
    # Only endTime: the latest klines up to the one holding it.
    assert (
        await get(
            harness, "/v3/klines", symbol="BTCUSDT", interval="1m", endTime=str(second), limit="1"
        )
        == rows[1:2]
    )
    for bad in ("0", "1001"):
        reply = await harness.rest().public(
            "/v3/klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": bad}
        )
        assert reply.status == 400


# --- the book ----------------------------------------------------------------------------


async def test_depth_levels_are_sorted_aggregated_and_limited(harness: Harness) -> None:
    scenario(harness)
    h = harness
    h.exchange.place_order("maker", order("BTCUSDT", Side.SELL, "0.1", "60030.00"))
    depth = await get(h, "/v3/depth", symbol="BTCUSDT")
    bids = [(dec(p), dec(q)) for p, q in depth["bids"]]
    asks = [(dec(p), dec(q)) for p, q in depth["asks"]]
    assert [p for p, _ in bids] == sorted({p for p, _ in bids}, reverse=True)
    assert [p for p, _ in asks] == sorted({p for p, _ in asks})
    assert all(q > 0 for _, q in bids + asks)
    # One level per price, the sum of the resting orders' visible quantities: the iceberg's
    # tip only (rest-api.md, Order book; the hidden part is not public).
    assert dict(asks)[Decimal("60030")] == Decimal("0.5")
    assert dict(asks)[Decimal("60020")] == Decimal("0.2")
    assert depth["lastUpdateId"] == h.exchange.market_data("BTCUSDT").update_id
    one = await get(h, "/v3/depth", symbol="BTCUSDT", limit="1")
    assert one["bids"] == depth["bids"][:1] and one["asks"] == depth["asks"][:1]
    assert one["lastUpdateId"] == depth["lastUpdateId"]
    # "If limit > 5000, only 5000 entries will be returned" (rest-api.md, Order book).
    assert (await get(h, "/v3/depth", symbol="BTCUSDT", limit="6000"))["asks"] == depth["asks"]
    book = await get(h, "/v3/ticker/bookTicker", symbol="BTCUSDT")
    assert [book["bidPrice"], book["bidQty"]] == depth["bids"][0]
    assert [book["askPrice"], book["askQty"]] == depth["asks"][0]


# --- tickers -----------------------------------------------------------------------------


def stats_of(trades: list[dict[str, Any]]) -> dict[str, Any]:
    prices = [dec(t["price"]) for t in trades]
    volume = sum(dec(t["qty"]) for t in trades)
    quote = sum(dec(t["quoteQty"]) for t in trades)
    change = prices[-1] - prices[0]
    return {
        "priceChange": change,
        "priceChangePercent": (change * 100 / prices[0]).quantize(Decimal("0.001")),
        "weightedAvgPrice": (quote / volume).quantize(Decimal("0.00000001")),
        "openPrice": prices[0],
        "highPrice": max(prices),
        "lowPrice": min(prices),
        "lastPrice": prices[-1],
        "volume": volume,
        "quoteVolume": quote,
        "firstId": trades[0]["id"],
        "lastId": trades[-1]["id"],
        "count": len(trades),
    }


def numbers(body: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: dec(v) if isinstance(v, str) else v for k, v in body.items() if k in keys}


# rest-api.md, 24hr ticker / Rolling window / Trading Day Ticker: the documented field order.
_MINI_ORDER = [
    "symbol",
    "openPrice",
    "highPrice",
    "lowPrice",
    "lastPrice",
    "volume",
    "quoteVolume",
    "openTime",
    "closeTime",
    "firstId",
    "lastId",
    "count",
]
_MINI = set(_MINI_ORDER)
_FULL_WINDOW = ["symbol", "priceChange", "priceChangePercent", "weightedAvgPrice", *_MINI_ORDER[1:]]
_FULL_24H = (
    _FULL_WINDOW[:4]
    + ["prevClosePrice", "lastPrice", "lastQty", "bidPrice", "bidQty", "askPrice", "askQty"]
    + [k for k in _MINI_ORDER[1:] if k != "lastPrice"]
)


async def test_tickers_are_computed_from_the_trades(harness: Harness) -> None:
    scenario(harness)
    h = harness
    trades = await tape(h)
    expected = stats_of(trades)
    now = h.clock.now_ms
    day = await get(h, "/v3/ticker/24hr", symbol="BTCUSDT")
    assert numbers(day, set(expected)) == expected
    # rest-api.md, 24hr ticker: the percent with 3 decimals, as "-95.960".
    assert len(day["priceChangePercent"].partition(".")[2]) == 3
    assert dec(day["lastQty"]) == dec(trades[-1]["qty"])
    assert (day["openTime"], day["closeTime"]) == (now - 86_400_000, now)
    book = await get(h, "/v3/ticker/bookTicker", symbol="BTCUSDT")
    assert {k: day[k] for k in ("bidPrice", "bidQty", "askPrice", "askQty")} == {
        k: book[k] for k in ("bidPrice", "bidQty", "askPrice", "askQty")
    }
    assert list(day) == _FULL_24H
    mini = await get(h, "/v3/ticker/24hr", symbol="BTCUSDT", type="MINI")
    assert set(mini) == _MINI and {k: day[k] for k in _MINI} == mini
    price = await get(h, "/v3/ticker/price", symbol="BTCUSDT")
    assert price == {"symbol": "BTCUSDT", "price": trades[-1]["price"]}
    rolling = await get(h, "/v3/ticker", symbol="BTCUSDT", windowSize="1h")
    assert numbers(rolling, set(expected)) == expected
    # rest-api.md, Rolling window: openTime starts on a minute, closeTime is now.
    assert rolling["openTime"] == (now - 3_600_000) // _MINUTE * _MINUTE
    assert rolling["closeTime"] == now
    assert list(rolling) == _FULL_WINDOW
    for path, extra in (("/v3/ticker", {"windowSize": "1h"}), ("/v3/ticker/tradingDay", {})):
        small = await get(h, path, symbol="BTCUSDT", type="MINI", **extra)
        assert list(small) == _MINI_ORDER and {k: small[k] for k in _MINI} == {
            k: (await get(h, path, symbol="BTCUSDT", **extra))[k] for k in _MINI
        }
    zoned = await get(h, "/v3/ticker/tradingDay", symbol="BTCUSDT", timeZone="8")
    assert zoned["openTime"] == (now + 8 * 3_600_000) // 86_400_000 * 86_400_000 - 8 * 3_600_000
    trading = await get(h, "/v3/ticker/tradingDay", symbol="BTCUSDT")
    assert numbers(trading, set(expected)) == expected
    assert trading["openTime"] == now // 86_400_000 * 86_400_000
    assert trading["closeTime"] == trading["openTime"] + 86_400_000 - 1
    # The last three minutes only: from the taker buy of minute 3 on.
    recent = [t for t in trades if t["time"] >= (now - 3 * _MINUTE) // _MINUTE * _MINUTE]
    short = await get(h, "/v3/ticker", symbol="BTCUSDT", windowSize="3m")
    assert numbers(short, set(expected)) == stats_of(recent)
    # rest-api.md, Current average price: the 5-minute volume-weighted average.
    five = [t for t in trades if t["time"] >= now - 5 * _MINUTE]
    avg = await get(h, "/v3/avgPrice", symbol="BTCUSDT")
    assert dec(avg["price"]) == stats_of(five)["weightedAvgPrice"]
    assert avg["closeTime"] == trades[-1]["time"]


async def test_prev_close_is_the_trade_before_the_window(harness: Harness) -> None:
    scenario(harness)
    h = harness
    trades = await tape(h)
    # The window opens at START + 100 s: the trades of minutes 0 and 1 are before it.
    h.clock.advance(START_MS + 86_400_000 + 100_000 - h.clock.now_ms)
    now = h.clock.now_ms
    inside = [t for t in trades if t["time"] >= now - 86_400_000]
    before = [t for t in trades if t["time"] < now - 86_400_000]
    assert inside and before
    day = await get(h, "/v3/ticker/24hr", symbol="BTCUSDT")
    assert day["firstId"] == inside[0]["id"] and day["count"] == len(inside)
    # web-socket-streams.md, Individual Symbol Ticker Streams: "x": "First trade(F)-1 price".
    assert day["prevClosePrice"] == before[-1]["price"]


async def test_symbols_parameter_combinations(harness: Harness) -> None:
    scenario(harness)
    h = harness
    both = await get(h, "/v3/ticker/24hr", symbols='["ETHUSDT","BTCUSDT"]')
    assert [t["symbol"] for t in both] == ["ETHUSDT", "BTCUSDT"] or [t["symbol"] for t in both] == [
        "BTCUSDT",
        "ETHUSDT",
    ]
    eth = await get(h, "/v3/ticker/24hr", symbol="ETHUSDT")
    assert eth in both and eth["count"] == 1 and eth["lastPrice"] == "3001.00000000"
    for path in ("/v3/ticker/24hr", "/v3/ticker/price", "/v3/ticker/bookTicker", "/v3/ticker"):
        reply = await h.rest().public(
            path, {"symbol": "BTCUSDT", "symbols": '["BTCUSDT"]', "windowSize": "1d"}
        )
        assert reply.status == 400, path
    unknown = await h.rest().public("/v3/ticker/price", {"symbols": '["BTCUSDT","NOPE"]'})
    assert (unknown.status, unknown.json()["code"]) == (400, -1121)
    every = await get(h, "/v3/ticker/price")
    assert {"symbol": "ETHUSDT", "price": "3001.00000000"} in every


# --- the WebSocket API -------------------------------------------------------------------


async def test_websocket_api_market_methods_answer_as_rest(harness: Harness) -> None:
    scenario(harness)
    h = harness
    ws = await h.ws()
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("depth", "/v3/depth", {"symbol": "BTCUSDT", "limit": 5}),
        ("trades.recent", "/v3/trades", {"symbol": "BTCUSDT"}),
        ("trades.historical", "/v3/historicalTrades", {"symbol": "BTCUSDT", "fromId": 2}),
        ("trades.aggregate", "/v3/aggTrades", {"symbol": "BTCUSDT"}),
        ("klines", "/v3/klines", {"symbol": "BTCUSDT", "interval": "1m"}),
        ("uiKlines", "/v3/uiKlines", {"symbol": "BTCUSDT", "interval": "3m", "timeZone": "8"}),
        ("avgPrice", "/v3/avgPrice", {"symbol": "BTCUSDT"}),
        ("ticker.24hr", "/v3/ticker/24hr", {"symbol": "BTCUSDT"}),
        ("ticker.tradingDay", "/v3/ticker/tradingDay", {"symbol": "BTCUSDT"}),
        ("ticker", "/v3/ticker", {"symbol": "BTCUSDT", "windowSize": "2h"}),
        ("ticker.price", "/v3/ticker/price", {"symbol": "ETHUSDT"}),
        ("ticker.book", "/v3/ticker/bookTicker", {"symbol": "BTCUSDT"}),
    ]
    for method, path, params in calls:
        answer = await ws.call(method, params)
        rest = await get(h, path, **{k: str(v) for k, v in params.items()})
        assert answer["status"] == 200 and answer["result"] == rest, method


# --- streams -----------------------------------------------------------------------------


def stream_url(h: Harness, path: str) -> str:
    return str(h.server.make_url(path)).replace("http", "ws", 1)


async def read_until_quiet(ws: aiohttp.ClientWebSocketResponse, quiet: float) -> list[Any]:
    out = []
    while True:
        try:
            message = await ws.receive(timeout=quiet)
        except TimeoutError:
            return out
        if message.type is not aiohttp.WSMsgType.TEXT:
            return out
        out.append(message.json())


async def test_trade_and_aggregate_streams_match_rest(harness: Harness) -> None:
    h = harness
    ws = await h.session.ws_connect(
        stream_url(h, "/stream?streams=btcusdt@trade/btcusdt@aggTrade/btcusdt@bookTicker")
    )
    h.sockets.append(ws)
    await asyncio.sleep(0.05)
    scenario(h)
    events = await read_until_quiet(ws, 0.5)
    trades = await tape(h)
    streamed = [e["data"] for e in events if e["stream"] == "btcusdt@trade"]
    assert [(e["t"], e["p"], e["q"], e["T"], e["m"]) for e in streamed] == [
        (t["id"], t["price"], t["qty"], t["time"], t["isBuyerMaker"]) for t in trades
    ]
    aggs = await get(h, "/v3/aggTrades", symbol="BTCUSDT", fromId="0")
    streamed_aggs = [e["data"] for e in events if e["stream"] == "btcusdt@aggTrade"]
    assert [{k: v for k, v in e.items() if k not in ("e", "E", "s")} for e in streamed_aggs] == aggs
    tickers = [e["data"] for e in events if e["stream"] == "btcusdt@bookTicker"]
    ids = [t["u"] for t in tickers]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    depth = await get(h, "/v3/depth", symbol="BTCUSDT", limit="1")
    last = tickers[-1]
    assert [last["b"], last["B"]] == depth["bids"][0] and [last["a"], last["A"]] == depth["asks"][0]
    # The last action (a new best bid) changed the top: the book ticker's ``u`` is that
    # action's order book update id (web-socket-streams.md, Individual Symbol Book Ticker
    # Streams: "order book updateId"), the snapshot's ``lastUpdateId``.
    assert last["u"] == depth["lastUpdateId"]


async def test_partial_depth_stream_is_the_snapshot(harness: Harness) -> None:
    h = harness
    scenario(h)
    ws = await h.session.ws_connect(stream_url(h, "/ws/btcusdt@depth5@100ms"))
    h.sockets.append(ws)
    event = await asyncio.wait_for(ws.receive_json(), 3)
    snapshot = await get(h, "/v3/depth", symbol="BTCUSDT", limit="5")
    assert event == snapshot


class LocalBook:
    """web-socket-streams.md, "How to manage a local order book correctly", step by step."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.update_id: int = snapshot["lastUpdateId"]
        self.bids = {p: q for p, q in snapshot["bids"]}
        self.asks = {p: q for p, q in snapshot["asks"]}

    def apply(self, event: dict[str, Any]) -> None:
        if event["u"] < self.update_id:
            return
        assert event["U"] <= self.update_id + 1, "missed events"
        for side, key in ((self.bids, "b"), (self.asks, "a")):
            for p, q in event[key]:
                if dec(q) == 0:
                    side.pop(p, None)
                else:
                    side[p] = q
        self.update_id = event["u"]

    def snapshot(self) -> dict[str, Any]:
        return {
            "lastUpdateId": self.update_id,
            "bids": [[p, self.bids[p]] for p in sorted(self.bids, key=dec, reverse=True)],
            "asks": [[p, self.asks[p]] for p in sorted(self.asks, key=dec)],
        }


async def follow_book(h: Harness, before: Any, after: Any) -> dict[str, Any]:
    """Stream, buffer, snapshot, apply (the documented procedure) around ``after``; the local
    book must equal a fresh snapshot. Returns that snapshot."""
    ws = await h.session.ws_connect(stream_url(h, "/ws/btcusdt@depth@100ms"))
    h.sockets.append(ws)
    await before()
    buffered = await read_until_quiet(ws, 0.3)
    first_u = buffered[0]["U"]
    snapshot = await get(h, "/v3/depth", symbol="BTCUSDT", limit="5000")
    assert snapshot["lastUpdateId"] >= first_u
    await after()
    buffered += await read_until_quiet(ws, 0.3)
    events = [e for e in buffered if e["u"] > snapshot["lastUpdateId"]]
    book = LocalBook(snapshot)
    for event in events:
        book.apply(event)
    fresh = await get(h, "/v3/depth", symbol="BTCUSDT", limit="5000")
    assert book.snapshot() == fresh
    return fresh


async def test_local_book_follows_icebergs_partial_fills_and_cancels(harness: Harness) -> None:
    h = harness

    async def before() -> None:
        h.exchange.place_order("maker", order("BTCUSDT", Side.SELL, "0.1", "60500.00"))

    async def after() -> None:
        scenario(h)

    fresh = await follow_book(h, before, after)
    # The iceberg (0.6 left) still shows its 0.2 tip only.
    assert ["60020.00000000", "0.20000000"] in fresh["asks"]


OCO_BUY = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "quantity": "0.01",
    "aboveType": "STOP_LOSS_LIMIT",
    "abovePrice": "60500.00",
    "aboveStopPrice": "60500.00",
    "aboveTimeInForce": "GTC",
    "belowType": "LIMIT_MAKER",
    "belowPrice": "59000.00",
}


async def test_local_book_sees_the_oco_leg_that_expires(harness: Harness) -> None:
    """The stop leg triggers: the LIMIT_MAKER leg leaves the book (OCO_TRIGGER), and that
    level change is an update like any other."""
    h = harness
    rest = h.rest()

    async def before() -> None:
        placed = await rest.signed("POST", "/v3/orderList/oco", OCO_BUY)
        assert placed.status == 200, placed.json()

    async def after() -> None:
        h.exchange.place_order("maker", order("BTCUSDT", Side.SELL, "0.1", "60500.00"))
        h.exchange.place_order("bob", order("BTCUSDT", Side.BUY, "0.05", "60500.00"))

    fresh = await follow_book(h, before, after)
    assert all(p != "59000.00000000" for p, _ in fresh["bids"])


async def test_local_book_sees_an_amend_keep_priority(harness: Harness) -> None:
    h = harness
    rest = h.rest()
    placed: dict[str, Any] = {}

    async def before() -> None:
        reply = await rest.signed(
            "POST",
            "/v3/order",
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "quantity": "1",
                "price": "59000.00",
            },
        )
        placed.update(reply.json())

    async def after() -> None:
        reply = await rest.signed(
            "PUT",
            "/v3/order/amend/keepPriority",
            {"symbol": "BTCUSDT", "orderId": placed["orderId"], "newQty": "0.4"},
        )
        assert reply.status == 200, reply.json()

    fresh = await follow_book(h, before, after)
    assert fresh["bids"] == [["59000.00000000", "0.40000000"]]


async def first_of_each(ws: aiohttp.ClientWebSocketResponse, names: list[str]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    while len(seen) < len(names):
        message = await asyncio.wait_for(ws.receive_json(), 3)
        seen.setdefault(message["stream"], message["data"])
    return seen


async def test_periodic_streams_match_rest_at_the_same_moment(harness: Harness) -> None:
    h = harness
    scenario(h)
    names = [
        "btcusdt@ticker",
        "btcusdt@miniTicker",
        "btcusdt@ticker_1h",
        "btcusdt@avgPrice",
        "btcusdt@kline_1m",
        "btcusdt@kline_1h@+08:00",
    ]
    ws = await h.session.ws_connect(stream_url(h, "/stream?streams=" + "/".join(names)))
    h.sockets.append(ws)
    seen = await first_of_each(ws, names)
    now = h.clock.now_ms
    day = await get(h, "/v3/ticker/24hr", symbol="BTCUSDT")
    short = {
        "p": "priceChange",
        "P": "priceChangePercent",
        "w": "weightedAvgPrice",
        "x": "prevClosePrice",
        "c": "lastPrice",
        "Q": "lastQty",
        "b": "bidPrice",
        "B": "bidQty",
        "a": "askPrice",
        "A": "askQty",
        "o": "openPrice",
        "h": "highPrice",
        "l": "lowPrice",
        "v": "volume",
        "q": "quoteVolume",
        "O": "openTime",
        "C": "closeTime",
        "F": "firstId",
        "L": "lastId",
        "n": "count",
    }
    ticker = seen["btcusdt@ticker"]
    assert (ticker["e"], ticker["E"], ticker["s"]) == ("24hrTicker", now, "BTCUSDT")
    assert {k: ticker[k] for k in short} == {k: day[v] for k, v in short.items()}
    mini = seen["btcusdt@miniTicker"]
    assert {k: mini[k] for k in "cohlvq"} == {k: day[short[k]] for k in "cohlvq"}
    hour = await get(h, "/v3/ticker", symbol="BTCUSDT", windowSize="1h")
    rolling = seen["btcusdt@ticker_1h"]
    assert rolling["e"] == "1hTicker"
    assert {k: rolling[k] for k in "pPohlcwvqOCFLn"} == {
        k: hour[short[k]] for k in "pPohlcwvqOCFLn"
    }
    avg = await get(h, "/v3/avgPrice", symbol="BTCUSDT")
    assert seen["btcusdt@avgPrice"] == {
        "e": "avgPrice",
        "E": now,
        "s": "BTCUSDT",
        "i": "5m",
        "w": avg["price"],
        "T": avg["closeTime"],
    }
    for name, interval, zone in (
        ("btcusdt@kline_1m", "1m", "0"),
        ("btcusdt@kline_1h@+08:00", "1h", "8"),
    ):
        row = (await get(h, "/v3/klines", symbol="BTCUSDT", interval=interval, timeZone=zone))[-1]
        k = seen[name]["k"]
        assert not k["x"] and k["i"] == interval
        stream_row = [k[f] for f in "tohlcvTqnVQ"]
        assert stream_row == row[:11], name


async def test_kline_stream_closes_the_interval_with_the_rest_values(harness: Harness) -> None:
    h = harness
    scenario(h)
    ws = await h.session.ws_connect(stream_url(h, "/ws/btcusdt@kline_1m"))
    h.sockets.append(ws)
    current = (await asyncio.wait_for(ws.receive_json(), 3))["k"]
    minute = await get(h, "/v3/klines", symbol="BTCUSDT", interval="1m", limit="1")
    assert current["t"] == minute[0][0] and not current["x"] and current["n"] == minute[0][8]
    h.exchange.place_order("bob", order("BTCUSDT", Side.BUY, "0.1", "59900.00"))
    h.clock.advance(_MINUTE)
    closed = None
    while closed is None:
        k = (await asyncio.wait_for(ws.receive_json(), 3))["k"]
        if k["x"]:
            closed = k
    # web-socket-streams.md, Kline/Candlestick Streams: "x": "Is this kline closed?"; the
    # closed kline is the one REST lists for that open time, with the trade just made.
    row = (
        await get(h, "/v3/klines", symbol="BTCUSDT", interval="1m", startTime=str(current["t"]))
    )[0]
    assert [closed[f] for f in "tohlcvTqnVQ"] == row[:11]
    assert closed["n"] == current["n"] + 1
    trades = await tape(h)
    assert (closed["f"], closed["L"]) == (
        min(t["id"] for t in trades if t["time"] >= current["t"]),
        trades[-1]["id"],
    )
    after = (await asyncio.wait_for(ws.receive_json(), 3))["k"]
    assert after["t"] == current["t"] + _MINUTE and not after["x"] and after["n"] == 0


async def test_aggregates_by_end_time_alone_are_the_latest_before_it(harness: Harness) -> None:
    """CHANGELOG.md 2022-12-05, Changes to GET /api/v3/aggTrades: "When using ``endTime``
    only, this will return trades before that time, up to the ``limit`` provided" (and with
    both, "the oldest items are returned")."""
    scenario(harness)
    aggs = await get(harness, "/v3/aggTrades", symbol="BTCUSDT", fromId="0")
    end = aggs[-3]["T"]
    before = [a for a in aggs if a["T"] <= end]
    found = await get(harness, "/v3/aggTrades", symbol="BTCUSDT", endTime=str(end), limit="2")
    assert found == before[-2:]
    oldest = await get(
        harness,
        "/v3/aggTrades",
        symbol="BTCUSDT",
        startTime=str(aggs[0]["T"]),
        endTime=str(end),
        limit="2",
    )
    assert oldest == aggs[:2]


async def test_aggregates_from_id_with_a_time_is_refused(harness: Harness) -> None:
    """web-socket-api.md, Compressed/Aggregate trades: "``fromId`` cannot be used together
    with ``startTime`` and ``endTime``" (-1128, errors.md)."""
    scenario(harness)
    ws = await harness.ws()
    for extra in ({"startTime": START_MS}, {"endTime": START_MS + 5000}):
        params = {"symbol": "BTCUSDT", "fromId": 1, **extra}
        reply = await harness.rest().public("/v3/aggTrades", {k: str(v) for k, v in params.items()})
        assert (reply.status, reply.json()["code"]) == (400, -1128)
        answer = await ws.call("trades.aggregate", params)
        assert answer["error"]["code"] == -1128


def limit_params(side: str, qty: str, price: str, **extra: str) -> dict[str, str]:
    return {
        "symbol": "BTCUSDT",
        "side": side,
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": qty,
        "price": price,
        **extra,
    }


async def test_local_book_through_every_kind_of_book_change(harness: Harness) -> None:
    """Cancel-replace, self-trade prevention expiring a maker, an OTO's pending leg going on,
    an order list cancelled, a MARKET order by quote, cancel-all: each level change reaches
    the diff."""
    h = harness
    rest = h.rest()
    ids: dict[str, Any] = {}

    async def ok(method: str, path: str, params: dict[str, str]) -> Any:
        reply = await rest.signed(method, path, params)
        assert reply.status == 200, (path, reply.json())
        return reply.json()

    async def before() -> None:
        ids["a"] = (await ok("POST", "/v3/order", limit_params("BUY", "0.3", "59500.00")))[
            "orderId"
        ]
        await ok("POST", "/v3/order", limit_params("BUY", "0.2", "59400.00"))
        h.exchange.place_order("maker", order("BTCUSDT", Side.SELL, "1", "60100.00"))

    async def after() -> None:
        await ok(
            "POST",
            "/v3/order/cancelReplace",
            {
                **limit_params("BUY", "0.25", "59600.00"),
                "cancelReplaceMode": "STOP_ON_FAILURE",
                "cancelOrderId": str(ids["a"]),
            },
        )
        await ok(
            "POST",
            "/v3/order",
            limit_params("SELL", "0.1", "59400.00", selfTradePreventionMode="EXPIRE_MAKER"),
        )
        await ok(
            "POST",
            "/v3/orderList/oto",
            {
                "symbol": "BTCUSDT",
                "workingType": "LIMIT",
                "workingSide": "BUY",
                "workingPrice": "60100.00",
                "workingQuantity": "0.1",
                "workingTimeInForce": "GTC",
                "pendingType": "LIMIT",
                "pendingSide": "SELL",
                "pendingPrice": "60300.00",
                "pendingQuantity": "0.1",
                "pendingTimeInForce": "GTC",
            },
        )
        placed = await ok("POST", "/v3/orderList/oco", OCO_BUY)
        await ok(
            "DELETE",
            "/v3/orderList",
            {"symbol": "BTCUSDT", "orderListId": str(placed["orderListId"])},
        )
        await ok(
            "POST",
            "/v3/order",
            {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "12020"},
        )
        await ok("POST", "/v3/order", limit_params("BUY", "0.1", "59000.00"))
        await ok("DELETE", "/v3/openOrders", {"symbol": "BTCUSDT"})

    fresh = await follow_book(h, before, after)
    assert ["60300.00000000", "0.10000000"] not in fresh["asks"]  # cancelled with the rest
    assert fresh["asks"] == [["60100.00000000", "0.70000000"]]


async def test_kline_start_time_inside_an_interval_starts_at_the_next_one(harness: Harness) -> None:
    """web-socket-api.md, Klines: the example asks ``1h`` klines from ``startTime``
    1655969280000 (07:28) and gets the kline opening at 1655971200000 (08:00): klines are
    listed by open time, from the first opening at or after ``startTime``."""
    scenario(harness)
    rows = await get(harness, "/v3/klines", symbol="BTCUSDT", interval="1m")
    inside = rows[0][0] + 30_000
    found = await get(
        harness, "/v3/klines", symbol="BTCUSDT", interval="1m", startTime=str(inside), limit="2"
    )
    assert found == rows[1:3]
    ws = await harness.ws()
    answer = await ws.call(
        "klines", {"symbol": "BTCUSDT", "interval": "1m", "startTime": inside, "limit": 1}
    )
    assert answer["result"] == rows[1:2]


async def test_trading_day_ticker_is_the_day_kline_of_its_time_zone(harness: Harness) -> None:
    """rest-api.md, Trading Day Ticker and Kline/Candlestick data: the same trading day, in
    the same ``timeZone``, holds the same trades."""
    scenario(harness)
    for zone in ("0", "8", "-5:30", "14"):
        day = await get(harness, "/v3/ticker/tradingDay", symbol="BTCUSDT", timeZone=zone)
        row = (await get(harness, "/v3/klines", symbol="BTCUSDT", interval="1d", timeZone=zone))[-1]
        assert [row[0], row[6], row[8]] == [day["openTime"], day["closeTime"], day["count"]]
        assert row[1:6] == [
            day["openPrice"],
            day["highPrice"],
            day["lowPrice"],
            day["lastPrice"],
            day["volume"],
        ]
        assert row[7] == day["quoteVolume"]

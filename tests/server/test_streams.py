"""Market data streams: names, live subscribing, limits, and a local book kept from the diffs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from decimal import Decimal
from typing import Any

import aiohttp

from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import CancelOrder, NewOrder
from tests.server.conftest import Harness, ServeFactory
from transports.sim.errors import SimError
from transports.sim.server.app import STREAMS_KEY, ServerOptions


def order(side: Side, qty: str, price: str, tif: TimeInForce = TimeInForce.GTC) -> NewOrder:
    return NewOrder(
        symbol="BTCUSDT",
        side=side,
        order_type=OrderType.LIMIT,
        time_in_force=tif,
        quantity=Decimal(qty),
        price=Decimal(price),
    )


def stream_url(h: Harness, path: str) -> str:
    return str(h.server.make_url(path)).replace("http", "ws", 1)


async def receive(ws: aiohttp.ClientWebSocketResponse, timeout: float = 3.0) -> Any:
    message = await ws.receive(timeout=timeout)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    return json.loads(message.data)


async def test_raw_trade_and_combined_streams(harness: Harness) -> None:
    raw = await harness.session.ws_connect(stream_url(harness, "/ws/btcusdt@trade"))
    combined = await harness.session.ws_connect(
        stream_url(harness, "/stream?streams=btcusdt@aggTrade/btcusdt@bookTicker")
    )
    harness.exchange.place_order("maker", order(Side.SELL, "0.5", "60000.00"))
    harness.exchange.place_order("bob", order(Side.BUY, "0.2", "60000.00"))
    trade = await receive(raw)
    assert trade["e"] == "trade" and trade["s"] == "BTCUSDT"
    assert (trade["t"], trade["p"], trade["q"], trade["m"]) == (
        1,
        "60000.00000000",
        "0.20000000",
        False,
    )
    first = await receive(combined)
    assert first["stream"] == "btcusdt@bookTicker"
    assert first["data"]["a"] == "60000.00000000" and first["data"]["A"] == "0.50000000"
    agg = await receive(combined)
    assert agg["stream"] == "btcusdt@aggTrade" and agg["data"]["a"] == 1
    ticker = await receive(combined)
    assert ticker["data"]["A"] == "0.30000000"
    await raw.close()
    await combined.close()


async def test_live_subscribing(harness: Harness) -> None:
    ws = await harness.session.ws_connect(stream_url(harness, "/ws"))
    await ws.send_str(
        json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@trade", "ethusdt@depth5"], "id": 1})
    )
    assert await receive(ws) == {"result": None, "id": 1}
    await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 2}))
    assert await receive(ws) == {"result": ["btcusdt@trade", "ethusdt@depth5"], "id": 2}
    await ws.send_str(json.dumps({"method": "UNSUBSCRIBE", "params": ["ethusdt@depth5"], "id": 3}))
    assert await receive(ws) == {"result": None, "id": 3}
    await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["nope@trade"], "id": 4}))
    assert (await receive(ws))["error"]["code"] == 2
    await ws.send_str(json.dumps({"method": "GET_PROPERTY", "params": ["combined"], "id": 5}))
    assert await receive(ws) == {"result": False, "id": 5}
    await asyncio.sleep(1.05)  # at most 5 incoming messages a second
    await ws.send_str(json.dumps({"method": "FLY", "id": 6}))
    assert (await receive(ws))["error"]["code"] == 2
    await ws.send_str("[" * 1000 + "]" * 1000)
    assert (await receive(ws))["error"]["code"] in (2, 3)
    await ws.close()


async def test_more_than_five_messages_a_second_disconnects(harness: Harness) -> None:
    ws = await harness.session.ws_connect(stream_url(harness, "/ws"))
    for i in range(8):
        await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": i}))
    answers = 0
    while True:
        message = await ws.receive(timeout=3)
        if message.type is not aiohttp.WSMsgType.TEXT:
            break
        answers += 1
    assert answers == 5
    assert ws.closed


async def test_unread_subscriber_is_disconnected(serve: ServeFactory) -> None:
    h = await serve(ServerOptions(stream_queue_frames=20))
    slow = await h.session.ws_connect(stream_url(h, "/ws/btcusdt@trade"))
    for i in range(400):
        h.exchange.place_order("maker", order(Side.SELL, "0.001", "60000.00"))
        h.exchange.place_order("bob", order(Side.BUY, "0.001", "60000.00"))
        if i % 50 == 0:
            await asyncio.sleep(0)
    await asyncio.sleep(0.2)
    frames = 0
    while True:
        message = await slow.receive(timeout=3)
        if message.type is not aiohttp.WSMsgType.TEXT:
            break
        frames += 1
    assert frames < 400
    assert slow.closed
    assert not h.server.app[STREAMS_KEY].connections


class LocalBook:
    """web-socket-streams.md, "How to manage a local order book correctly", step by step."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.update_id: int = snapshot["lastUpdateId"]
        self.bids = {Decimal(p): Decimal(q) for p, q in snapshot["bids"]}
        self.asks = {Decimal(p): Decimal(q) for p, q in snapshot["asks"]}

    def apply(self, event: dict[str, Any]) -> None:
        if event["u"] < self.update_id:
            return
        assert event["U"] <= self.update_id + 1, "missed events"
        for side, key in ((self.bids, "b"), (self.asks, "a")):
            for p, q in event[key]:
                if Decimal(q) == 0:
                    side.pop(Decimal(p), None)
                else:
                    side[Decimal(p)] = Decimal(q)
        self.update_id = event["u"]


async def test_local_book_from_snapshot_and_diffs_equals_the_book(harness: Harness) -> None:
    ex = harness.exchange
    rng = random.Random(7)
    open_ids: list[tuple[str, int]] = []

    def random_action() -> None:
        account = rng.choice(["alice", "bob", "carol", "maker"])
        if open_ids and rng.random() < 0.3:
            owner, order_id = open_ids.pop(rng.randrange(len(open_ids)))
            with contextlib.suppress(SimError):
                ex.cancel_order(owner, CancelOrder(symbol="BTCUSDT", order_id=order_id))
            return
        side = rng.choice([Side.BUY, Side.SELL])
        price = f"{60000 + rng.randint(-40, 40) * 5}.00"
        qty = f"0.{rng.randint(1, 500):05d}"
        tif = TimeInForce.IOC if rng.random() < 0.1 else TimeInForce.GTC
        try:
            placed = ex.place_order(account, order(side, qty, price, tif))
        except SimError:
            return
        open_ids.append((account, placed.order_id))

    for _ in range(200):
        random_action()
    ws = await harness.session.ws_connect(stream_url(harness, "/ws/btcusdt@depth@100ms"))
    buffered: list[dict[str, Any]] = []
    done = asyncio.Event()

    async def read() -> None:
        async for message in ws:
            buffered.append(json.loads(message.data))
            if done.is_set() and buffered[-1]["u"] == ex.market_data("BTCUSDT").update_id:
                return

    reader = asyncio.create_task(read())
    for _ in range(300):
        random_action()
    await asyncio.sleep(0.25)
    first_u = buffered[0]["U"]
    snapshot = (
        await harness.rest().public("/v3/depth", {"symbol": "BTCUSDT", "limit": "5000"})
    ).json()
    assert snapshot["lastUpdateId"] >= first_u
    book = LocalBook(snapshot)
    for step in range(3000):
        random_action()
        if step % 100 == 0:
            await asyncio.sleep(0.02)
    done.set()
    random_action()
    await asyncio.wait_for(reader, 3)
    events = [e for e in buffered if e["u"] > book.update_id]
    assert events[0]["U"] <= book.update_id + 1 <= events[0]["u"]
    for event in events:
        book.apply(event)
    bids, asks = ex.book("BTCUSDT")
    assert sorted(book.bids.items(), reverse=True) == bids
    assert sorted(book.asks.items()) == asks
    assert len(bids) > 5 and len(asks) > 5
    await ws.close()


async def test_periodic_streams(harness: Harness) -> None:
    names = [
        "btcusdt@kline_1m",
        "btcusdt@ticker",
        "btcusdt@miniTicker",
        "btcusdt@depth5",
        "btcusdt@avgPrice",
        "!miniTicker@arr",
        "btcusdt@ticker_1h",
        "btcusdt@kline_1d@+08:00",
    ]
    ws = await harness.session.ws_connect(stream_url(harness, "/stream?streams=" + "/".join(names)))
    harness.exchange.place_order("maker", order(Side.SELL, "0.5", "60000.00"))
    harness.exchange.place_order("bob", order(Side.BUY, "0.2", "60000.00"))
    seen: dict[str, Any] = {}
    while len(seen) < len(names):
        frame = await receive(ws, timeout=3)
        seen.setdefault(frame["stream"], frame["data"])
    kline = seen["btcusdt@kline_1m"]["k"]
    assert (kline["i"], kline["o"], kline["v"], kline["n"], kline["x"]) == (
        "1m",
        "60000.00000000",
        "0.20000000",
        1,
        False,
    )
    assert seen["btcusdt@ticker"]["e"] == "24hrTicker"
    assert seen["btcusdt@ticker"]["a"] == "60000.00000000"
    assert seen["btcusdt@miniTicker"]["v"] == "0.20000000"
    assert seen["btcusdt@depth5"]["asks"] == [["60000.00000000", "0.30000000"]]
    assert seen["btcusdt@avgPrice"]["w"] == "60000.00000000"
    assert {t["s"] for t in seen["!miniTicker@arr"]} >= {"BTCUSDT", "ETHUSDT"}
    hour = seen["btcusdt@ticker_1h"]
    assert (hour["e"], hour["v"], hour["n"]) == ("1hTicker", "0.20000000", 1)
    assert hour["O"] % 60_000 == 0
    day = seen["btcusdt@kline_1d@+08:00"]["k"]
    # The UTC+8 day opens at 16:00 UTC (web-socket-streams.md, timezone offset streams).
    assert (day["t"] + 8 * 3_600_000) % 86_400_000 == 0 and day["T"] - day["t"] == 86_399_999
    await ws.close()


async def test_all_market_rolling_window_arrays_hold_what_changed(harness: Harness) -> None:
    """``!ticker_1h@arr``: every symbol first, then only those whose ticker changed
    (web-socket-streams.md, All Market Rolling Window Statistics Streams)."""
    ws = await harness.session.ws_connect(stream_url(harness, "/ws/!ticker_1h@arr"))
    first = await receive(ws)
    assert {t["s"] for t in first} == {s.symbol for s in harness.exchange.config.symbols}
    assert {t["e"] for t in first} == {"1hTicker"}
    with contextlib.suppress(TimeoutError):  # the clock stands still: nothing changes
        unexpected = await receive(ws, timeout=1.5)
        raise AssertionError(f"an array with nothing changed: {unexpected}")
    harness.exchange.place_order("maker", order(Side.SELL, "0.5", "60000.00"))
    harness.exchange.place_order("bob", order(Side.BUY, "0.2", "60000.00"))
    changed = await receive(ws)
    assert [(t["s"], t["v"], t["n"]) for t in changed] == [("BTCUSDT", "0.20000000", 1)]
    assert list(changed[0]) == [*"eEspPohlcwvqOCFLn"]  # the documented fields, in order
    await ws.close()


async def test_unknown_names_in_the_path_open_an_empty_connection(harness: Harness) -> None:
    """ccxt opens ``/ws/0`` and then subscribes; only SUBSCRIBE checks names."""
    ws = await harness.session.ws_connect(stream_url(harness, "/ws/0"))
    await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@trade"], "id": 1}))
    assert await receive(ws) == {"result": None, "id": 1}
    await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 2}))
    assert await receive(ws) == {"result": ["btcusdt@trade"], "id": 2}
    await ws.close()


async def test_kline_stream_runs_through_intervals_without_trades(harness: Harness) -> None:
    ws = await harness.session.ws_connect(stream_url(harness, "/ws/btcusdt@kline_1m"))
    harness.exchange.place_order("maker", order(Side.SELL, "0.5", "60000.00"))
    harness.exchange.place_order("bob", order(Side.BUY, "0.2", "60000.00"))
    first = (await receive(ws))["k"]
    assert (first["n"], first["x"]) == (1, False)
    harness.clock.advance(120_000)  # two minutes, no trades
    seen = [(await receive(ws))["k"] for _ in range(2)]
    closed = [k for k in seen if k["x"]]
    assert [k["t"] for k in closed] == [first["t"]]
    quiet = next(k for k in seen if not k["x"])
    assert quiet["t"] == first["t"] + 120_000
    assert (quiet["o"], quiet["c"], quiet["v"], quiet["n"], quiet["f"], quiet["L"]) == (
        "60000.00000000",
        "60000.00000000",
        "0.00000000",
        0,
        -1,
        -1,
    )
    await ws.close()

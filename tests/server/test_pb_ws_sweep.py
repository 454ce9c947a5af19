"""Every WebSocket API method of python-binance's ``AsyncClient`` (``ws_*``), its user data
socket and the spot market streams of its ``BinanceSocketManager`` against the local server,
each answer and event checked for its values (in a child process, as in
test_client_library).

python-binance 1.0.37 reads the user data stream over the WebSocket API
(``userDataStream.subscribe.signature``, user-data-stream.md), not with a listenKey: its
``user_socket`` is swept with every event kind (executionReport, outboundAccountPosition,
listStatus, balanceUpdate, externalLockUpdate). The child places a resting order named
``deposit-signal`` when it is ready for the balance events; the test then credits and locks
balance on the served exchange. The child lists the ``ws_*`` methods itself, from
python-binance's source, and must call them all.

Market streams: trade, aggTrade, kline, diff and partial depth (1000 / 100 ms), symbol
ticker, mini ticker and book ticker, combined streams (``multiplex_socket``, also for the
all-market ``!miniTicker@arr`` and ``!ticker_1h@arr``) and the ``DepthCacheManager`` (depth
snapshot plus diff stream), each read after one MARKET sell. ``miniticker_socket`` asks for
``!miniTicker@arr@1000ms``, not a documented name but one Binance answers as
``!miniTicker@arr``: the server does too. Two python-binance sockets stay silent, as the server
serves no retired stream: ``ticker_socket`` asks for ``!ticker@arr`` (retired 2026-03-26) and
``book_ticker_socket`` for ``!bookTicker`` (removed 2022; CHANGELOG.md). Skipped when
python-binance is missing.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from tests.server.conftest import ServeFactory
from tests.server.test_client_library import VERSION, run_child
from tests.server.test_pb_rest_sweep import PB_HEAD, exchange, fields
from tests.server.test_sdk_ws_sweep import deposit_on_signal
from transports.sim.server.app import DEMO_API_KEY, DEMO_API_SECRET, ApiAccount

SCRIPT = (
    PB_HEAD
    + """
import contextlib
from decimal import Decimal
from binance import AsyncClient, BinanceSocketManager, DepthCacheManager
from binance.ws.reconnecting_websocket import ReconnectingWebsocket

# A socket closes once its read loop's wait for a message (TIMEOUT, 10 s) ends: a second
# here, three for the WebSocket API (its answers take milliseconds on loopback).
ReconnectingWebsocket.TIMEOUT = 1

async def market_data(c):
    await call("ws_ping", c.ws_ping())
    await call("ws_get_time", c.ws_get_time())
    await call("ws_get_exchange_info", c.ws_get_exchange_info(symbol=S))
    await call("ws_get_order_book", c.ws_get_order_book(symbol=S, limit=5))
    await call("ws_get_recent_trades", c.ws_get_recent_trades(symbol=S, limit=5))
    await call("ws_get_historical_trades", c.ws_get_historical_trades(symbol=S, fromId=0))
    await call("ws_get_aggregate_trades", c.ws_get_aggregate_trades(symbol=S))
    await call("ws_get_klines", c.ws_get_klines(symbol=S, interval="1m"))
    await call("ws_get_uiKlines", c.ws_get_uiKlines(symbol=S, interval="1m", timeZone="8"))
    await call("ws_get_avg_price", c.ws_get_avg_price(symbol=S))
    await call("ws_get_ticker", c.ws_get_ticker(symbol=S))
    await call("ws_get_trading_day_ticker", c.ws_get_trading_day_ticker(symbol=S))
    await call("ws_get_symbol_ticker_window", c.ws_get_symbol_ticker_window(
        symbol=S, windowSize="1h"))
    await call("ws_get_symbol_ticker", c.ws_get_symbol_ticker(symbol=S))
    await call("ws_get_orderbook_ticker", c.ws_get_orderbook_ticker(symbol=S))

async def trading(c):
    lim = dict(symbol=S, quantity="0.01")
    await call("ws_create_order", c.ws_create_order(
        symbol=S, side="BUY", type="MARKET", quantity="0.01", newClientOrderId="ws-market"))
    await market_data(c)
    await call("ws_order_market_buy", c.ws_order_market_buy(symbol=S, quoteOrderQty="600"))
    await call("ws_order_market_sell", c.ws_order_market_sell(symbol=S, quantity="0.001"))
    await call("ws_order_market", c.ws_order_market(symbol=S, side="BUY", quantity="0.001"))
    await call("ws_order_limit", c.ws_order_limit(
        side="BUY", price="55000", newClientOrderId="ws-gtc", **lim))
    await call("ws_order_limit_buy", c.ws_order_limit_buy(price="59500", **lim))
    await call("ws_order_limit_sell", c.ws_order_limit_sell(
        price="59500", selfTradePreventionMode="EXPIRE_TAKER", **lim))
    await call("ws_create_test_order", c.ws_create_test_order(
        side="BUY", type="LIMIT", timeInForce="GTC", price="55000",
        computeCommissionRates="true", **lim))
    await call("ws_get_order", c.ws_get_order(symbol=S, origClientOrderId="ws-gtc"))
    await call("ws_get_open_orders", c.ws_get_open_orders(symbol=S))
    await call("ws_cancel_and_replace_order", c.ws_cancel_and_replace_order(
        symbol=S, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.02", price="55100",
        cancelReplaceMode="STOP_ON_FAILURE", cancelOrigClientOrderId="ws-gtc",
        newClientOrderId="ws-replaced"))
    await call("ws_cancel_order", c.ws_cancel_order(symbol=S, origClientOrderId="ws-replaced"))
    await call("ws_create_oco_order", c.ws_create_oco_order(
        symbol=S, side="SELL", quantity="0.01", aboveType="LIMIT_MAKER", abovePrice="62000",
        belowType="STOP_LOSS_LIMIT", belowPrice="57000", belowStopPrice="57500",
        belowTimeInForce="GTC", listClientOrderId="ws-oco"))
    await call("ws_get_oco_order", c.ws_get_oco_order(origClientOrderId="ws-oco"))
    await call("ws_get_oco_open_orders", c.ws_get_oco_open_orders())
    await call("ws_cancel_oco_order", c.ws_cancel_oco_order(
        symbol=S, listClientOrderId="ws-oco"))
    working = dict(symbol=S, workingType="LIMIT", workingSide="BUY", workingPrice="55000",
                   workingQuantity="0.001", workingTimeInForce="GTC")
    await call("ws_create_oto_order", c.ws_create_oto_order(
        **working, pendingType="LIMIT_MAKER", pendingSide="SELL", pendingPrice="65000",
        pendingQuantity="0.001"))
    await call("ws_create_otoco_order", c.ws_create_otoco_order(
        **working, pendingSide="SELL", pendingQuantity="0.001", pendingAboveType="LIMIT_MAKER",
        pendingAbovePrice="65000", pendingBelowType="STOP_LOSS", pendingBelowStopPrice="50000"))
    await call("ws_cancel_all_open_orders", c.ws_cancel_all_open_orders(symbol=S))
    await call("ws_create_sor_order", c.ws_create_sor_order(
        symbol=S, side="BUY", type="MARKET", quantity="0.002"))
    await call("ws_create_test_sor_order", c.ws_create_test_sor_order(
        symbol=S, side="BUY", type="MARKET", quantity="0.002", computeCommissionRates="true"))

async def account(c):
    await call("ws_get_account", c.ws_get_account(omitZeroBalances="true"))
    await call("ws_get_account_rate_limits_orders", c.ws_get_account_rate_limits_orders())
    await call("ws_get_commission_rates", c.ws_get_commission_rates(symbol=S))
    await call("ws_get_my_trades", c.ws_get_my_trades(symbol=S, limit=3))
    await call("ws_get_all_orders", c.ws_get_all_orders(symbol=S, limit=2))
    stp = out["ws_order_limit_sell"]["orderId"]
    await call("ws_get_prevented_matches", c.ws_get_prevented_matches(symbol=S, orderId=stp))
    await call("ws_get_allocations", c.ws_get_allocations(symbol=S))

async def user_data(c, manager):
    # Orders, a list, a cancel-all, then (from the test) a deposit and an external lock.
    events = []
    async with manager.user_socket() as socket:
        async def drain(until):
            while until not in {e.get("e") for e in events}:
                events.append(await asyncio.wait_for(socket.recv(), 5))
        await c.ws_order_market_buy(symbol=S, quantity="0.001")
        await c.ws_create_oco_order(
            symbol=S, side="SELL", quantity="0.002", aboveType="LIMIT_MAKER",
            abovePrice="62000", belowType="STOP_LOSS", belowStopPrice="57500")
        await c.ws_cancel_all_open_orders(symbol=S)
        await drain("listStatus")
        await c.ws_order_limit_buy(symbol=S, quantity="0.001", price="50000",
                                   newClientOrderId="deposit-signal")
        await drain("externalLockUpdate")
        await c.ws_cancel_all_open_orders(symbol=S)
        await asyncio.sleep(0.2)
        with contextlib.suppress(asyncio.TimeoutError):
            while True:
                events.append(await asyncio.wait_for(socket.recv(), 0.2))
    out["user_data"] = events

STREAMS = {
    "trade": lambda m: m.trade_socket(S),
    "aggtrade": lambda m: m.aggtrade_socket(S),
    "kline": lambda m: m.kline_socket(S, "1m"),
    "depth": lambda m: m.depth_socket(S),
    "depth@100ms": lambda m: m.depth_socket(S, interval=100),
    "depth5": lambda m: m.depth_socket(S, depth="5"),
    "depth20@100ms": lambda m: m.depth_socket(S, depth="20", interval=100),
    "symbol_ticker": lambda m: m.symbol_ticker_socket(S),
    "symbol_miniticker": lambda m: m.symbol_miniticker_socket(S),
    "symbol_book_ticker": lambda m: m.symbol_book_ticker_socket(S),
    "multiplex": lambda m: m.multiplex_socket(["btcusdt@trade", "btcusdt@bookTicker"]),
    "multiplex all": lambda m: m.multiplex_socket(["!miniTicker@arr", "!ticker_1h@arr"]),
    "miniticker": lambda m: m.miniticker_socket(),
    "ticker": lambda m: m.ticker_socket(),
    "book_ticker": lambda m: m.book_ticker_socket(),
}

async def streams(c, manager, cache_manager):
    # The sockets are opened together, read after one MARKET sell, and closed together.
    got, sockets = {}, {name: make(manager) for name, make in STREAMS.items()}
    # python-binance's local order book: depth snapshot (REST) plus the diff depth stream.
    sockets["depth_cache"] = DepthCacheManager(
        c, S, bm=cache_manager, refresh_interval=0, conv_type=Decimal, ws_interval=100)
    for socket in sockets.values():
        await socket.__aenter__()
    try:
        sold = await c.ws_order_market_sell(symbol=S, quantity="0.001")
        book = await c.get_order_book(symbol=S, limit=5)
        def after_sale(message):
            # A periodic stream's push may come before the sale: the first one after it.
            if not isinstance(message, dict):
                return True  # the depth cache: built from the snapshot and the diff stream
            data = message.get("data", message)
            if "lastUpdateId" in data:
                return data["lastUpdateId"] >= book["lastUpdateId"]
            event = data[0] if isinstance(data, list) else data
            return "E" not in event or event["E"] >= sold["transactTime"]
        async def first(name, socket):
            try:
                async with asyncio.timeout(3):
                    while not after_sale(message := await socket.recv()):
                        pass
                    got[name] = message
            except TimeoutError:
                got[name] = "silent"
        await asyncio.gather(*(first(n, s) for n, s in sockets.items()))
    finally:
        await asyncio.gather(*(s.__aexit__(None, None, None) for s in sockets.values()))
    cache = got.pop("depth_cache")
    got["depth_cache"] = {
        "bids": [[str(p), str(q)] for p, q in cache.get_bids()[:2]],
        "asks": [[str(p), str(q)] for p, q in cache.get_asks()[:2]],
    }
    out["streams"] = got

async def main(base, ws_api, stream_url, key, secret):
    class Local(AsyncClient):
        API_URL = base
        WS_API_URL = ws_api
    c = await Local.create(key, secret)
    c.ws_api.TIMEOUT = 3
    manager, cache_manager = BinanceSocketManager(c), BinanceSocketManager(c)
    for m in (manager, cache_manager):  # like wss://stream.binance.com:9443/
        m.STREAM_URL = stream_url
    try:
        for phase in (trading, account):
            try:
                await phase(c)
            except Exception as exc:  # reported, and the sweep goes on
                out["crashed " + phase.__name__] = repr(exc)
        await user_data(c, manager)
        await streams(c, manager, cache_manager)
    finally:
        await c.close_connection()
    kinds = {"_ws_api_request"}
    out["not_called"] = sorted(swept(AsyncClient, kinds) - called)
    print(json.dumps(out))

asyncio.run(main(*sys.argv[1:]))
"""
)


def check_market_data(out: dict[str, Any]) -> None:
    """After one MARKET buy of 0.01 at 60000."""
    assert out["ws_ping"] == {}
    assert set(out["ws_get_time"]) == {"serverTime"}
    assert [s["symbol"] for s in out["ws_get_exchange_info"]["symbols"]] == ["BTCUSDT"]
    assert out["ws_get_order_book"]["asks"][0] == ["60000.00000000", "0.99000000"]
    trade = {"price": "60000.00000000", "qty": "0.01000000", "quoteQty": "600.00000000"}
    for name in ("ws_get_recent_trades", "ws_get_historical_trades"):
        [got] = out[name]
        assert fields(got, *trade) == tuple(trade.values()), name
    assert fields(out["ws_get_aggregate_trades"][0], "p", "q") == ("60000.00000000", "0.01000000")
    [kline] = out["ws_get_klines"]
    assert kline[1:6] == ["60000.00000000"] * 4 + ["0.01000000"]
    assert out["ws_get_uiKlines"][0][1:9] == kline[1:9]
    assert out["ws_get_avg_price"]["price"] == "60000.00000000"
    for name in ("ws_get_ticker", "ws_get_trading_day_ticker", "ws_get_symbol_ticker_window"):
        assert fields(out[name], "lastPrice", "volume", "count") == (
            "60000.00000000",
            "0.01000000",
            1,
        ), name
    assert out["ws_get_symbol_ticker"] == {"symbol": "BTCUSDT", "price": "60000.00000000"}
    assert fields(out["ws_get_orderbook_ticker"], "bidPrice", "askQty") == (
        "59000.00000000",
        "0.99000000",
    )


def check_trading(out: dict[str, Any]) -> None:
    market = out["ws_create_order"]
    assert fields(market, "clientOrderId", "status", "cummulativeQuoteQty") == (
        "ws-market",
        "FILLED",
        "600.00000000",
    )
    assert fields(market["fills"][0], "price", "commission", "commissionAsset") == (
        "60000.00000000",
        "0.00001000",
        "BTC",
    )
    assert fields(out["ws_order_market_buy"], "origQuoteOrderQty", "executedQty") == (
        "600.00000000",
        "0.01000000",
    )
    assert fields(out["ws_order_market_sell"]["fills"][0], "price", "commission") == (
        "59000.00000000",
        "0.05900000",
    )
    assert out["ws_order_market"]["status"] == "FILLED"
    assert fields(out["ws_order_limit"], "clientOrderId", "status", "price") == (
        "ws-gtc",
        "NEW",
        "55000.00000000",
    )
    stp = out["ws_order_limit_sell"]
    assert fields(stp, "status", "preventedQuantity") == ("EXPIRED_IN_MATCH", "0.01000000")
    assert out["ws_create_test_order"]["standardCommissionForOrder"]["taker"] == "0.00100000"
    assert fields(out["ws_get_order"], "clientOrderId", "isWorking") == ("ws-gtc", True)
    assert [o["price"] for o in out["ws_get_open_orders"]] == ["55000.00000000", "59500.00000000"]
    replaced = out["ws_cancel_and_replace_order"]
    assert fields(replaced, "cancelResult", "newOrderResult") == ("SUCCESS", "SUCCESS")
    assert replaced["newOrderResponse"]["clientOrderId"] == "ws-replaced"
    assert fields(out["ws_cancel_order"], "origClientOrderId", "status", "origQty") == (
        "ws-replaced",
        "CANCELED",
        "0.02000000",
    )
    oco = out["ws_create_oco_order"]
    assert fields(oco, "listClientOrderId", "listOrderStatus") == ("ws-oco", "EXECUTING")
    assert out["ws_get_oco_order"]["orders"] == oco["orders"]
    assert [x["listClientOrderId"] for x in out["ws_get_oco_open_orders"]] == ["ws-oco"]
    assert out["ws_cancel_oco_order"]["listOrderStatus"] == "ALL_DONE"
    assert [r["status"] for r in out["ws_create_oto_order"]["orderReports"]] == [
        "NEW",
        "PENDING_NEW",
    ]
    assert len(out["ws_create_otoco_order"]["orderReports"]) == 3
    ended = out["ws_cancel_all_open_orders"]
    assert [x.get("status", x.get("listOrderStatus")) for x in ended] == [
        "CANCELED",
        "ALL_DONE",
        "ALL_DONE",
    ]
    # web-socket-api.md, Place new order using SOR: "result" is an array.
    [sor] = out["ws_create_sor_order"]
    assert fields(sor, "status", "usedSor", "cummulativeQuoteQty") == (
        "FILLED",
        True,
        "120.00000000",
    )
    assert out["ws_create_test_sor_order"]["standardCommissionForOrder"]["taker"] == "0.00100000"


def check_account(out: dict[str, Any]) -> None:
    balances = {b["asset"]: (b["free"], b["locked"]) for b in out["ws_get_account"]["balances"]}
    # 100000 - 600 - 600 + 58.941 - 60 - 120 USDT; 2 + 0.00999 * 2 - 0.001 + 0.000999 +
    # 0.001998 BTC.
    assert balances == {
        "USDT": ("98678.94100000", "0.00000000"),
        "BTC": ("2.02197700", "0.00000000"),
    }
    # 12 orders placed (3 lists: 7), 4 of them filled (faqs/order_count_decrement.md).
    assert out["ws_get_account_rate_limits_orders"][1]["count"] == 11
    assert out["ws_get_commission_rates"]["standardCommission"]["taker"] == "0.00100000"
    assert [t["commission"] for t in out["ws_get_my_trades"]] == [
        "0.00001000",
        "0.05900000",
        "0.00000100",
    ]
    assert [o["status"] for o in out["ws_get_all_orders"]] == ["CANCELED", "FILLED"]
    [match] = out["ws_get_prevented_matches"]
    # EXPIRE_TAKER: only the taker's prevented quantity (faqs/stp_faq.md).
    assert fields(match, "takerOrderId", "price", "takerPreventedQuantity") == (
        out["ws_order_limit_sell"]["orderId"],
        "59500.00000000",
        "0.01000000",
    )
    [allocation] = out["ws_get_allocations"]
    assert fields(allocation, "qty", "commission") == ("0.00200000", "0.00000200")


def check_user_data(events: list[dict[str, Any]]) -> None:
    """user-data-stream.md: every event kind, with the values of what happened."""
    kinds = [e["e"] for e in events]
    assert set(kinds) == {
        "executionReport",
        "outboundAccountPosition",
        "listStatus",
        "balanceUpdate",
        "externalLockUpdate",
    }
    reports = [e for e in events if e["e"] == "executionReport"]
    assert [(r["o"], r["x"]) for r in reports] == [
        ("MARKET", "NEW"),
        ("MARKET", "TRADE"),
        ("LIMIT_MAKER", "NEW"),
        ("STOP_LOSS", "NEW"),
        ("LIMIT_MAKER", "CANCELED"),
        ("STOP_LOSS", "CANCELED"),
        ("LIMIT", "NEW"),
        ("LIMIT", "CANCELED"),
    ]
    trade = reports[1]
    assert fields(trade, "X", "l", "L", "n", "N") == (
        "FILLED",
        "0.00100000",
        "60000.00000000",
        "0.00000100",
        "BTC",
    )
    assert [e["L"] for e in events if e["e"] == "listStatus"] == ["EXECUTING", "ALL_DONE"]
    [deposit] = [e for e in events if e["e"] == "balanceUpdate"]
    assert fields(deposit, "a", "d") == ("BTC", "0.50000000")
    [lock] = [e for e in events if e["e"] == "externalLockUpdate"]
    assert fields(lock, "a", "d") == ("BTC", "0.10000000")
    positions = [e["B"] for e in events if e["e"] == "outboundAccountPosition"]
    assert positions[-3:-1] == [
        [{"a": "BTC", "f": "2.52297600", "l": "0.00000000"}],
        [{"a": "BTC", "f": "2.42297600", "l": "0.10000000"}],
    ]


def check_streams(got: dict[str, Any]) -> None:
    """web-socket-streams.md, after a MARKET sell of 0.001 into the 59000 bid."""
    sold = {"p": "59000.00000000", "q": "0.00100000", "m": True}
    assert fields(got["trade"], "e", *sold) == ("trade", *sold.values())
    assert fields(got["aggtrade"], "e", *sold) == ("aggTrade", *sold.values())
    assert got["multiplex"]["stream"] in ("btcusdt@trade", "btcusdt@bookTicker")
    for name in ("depth", "depth@100ms"):
        update = got[name]
        assert update["e"] == "depthUpdate", name
        bids, asks = dict(map(tuple, update["b"])), dict(map(tuple, update["a"]))
        assert bids.pop("59000.00000000") == "0.99800000", name
        # A diff holds every change of its window (web-socket-streams.md, Diff. Depth
        # Stream): levels the earlier phases emptied within the same second may ride
        # along, as removals only.
        assert set(bids.values()) | set(asks.values()) <= {"0.00000000"}, (name, update)
    for name in ("depth5", "depth20@100ms"):
        assert got[name]["bids"][0] == ["59000.00000000", "0.99800000"], name
    assert fields(got["kline"]["k"], "i", "c", "x") == ("1m", "59000.00000000", False)
    assert fields(got["symbol_ticker"], "e", "c") == ("24hrTicker", "59000.00000000")
    assert fields(got["symbol_miniticker"], "e", "c") == ("24hrMiniTicker", "59000.00000000")
    assert fields(got["symbol_book_ticker"], "b", "B") == ("59000.00000000", "0.99800000")
    every = got["multiplex all"]
    assert every["stream"] in ("!miniTicker@arr", "!ticker_1h@arr")
    assert "BTCUSDT" in {t["s"] for t in every["data"]}
    # python-binance's own all-market names: "!miniTicker@arr@1000ms" is served as
    # "!miniTicker@arr" (a raw stream: the array itself); "!ticker@arr" was retired on
    # 2026-03-26 and "!bookTicker" in 2022 (CHANGELOG.md): nothing comes.
    minis = got["miniticker"]
    assert {t["e"] for t in minis} == {"24hrMiniTicker"}
    assert "BTCUSDT" in {t["s"] for t in minis}
    assert [got[n] for n in ("ticker", "book_ticker")] == ["silent"] * 2
    assert got["depth_cache"] == {
        "bids": [["59000.00000000", "0.99800000"], ["58900.00000000", "1.00000000"]],
        "asks": [["60000.00000000", "0.97600000"], ["60100.00000000", "1.00000000"]],
    }


@pytest.mark.skipif(VERSION is None, reason="python-binance is not installed")
async def test_every_websocket_call_stream_and_user_event(serve: ServeFactory) -> None:
    served = exchange()
    keys = [ApiAccount(account="demo", api_key=DEMO_API_KEY, secret=DEMO_API_SECRET)]
    h = await serve(exchange=served, api_accounts=keys, clock=None)
    streams = str(h.server.make_url("/")).replace("http", "ws", 1)
    signal = asyncio.create_task(deposit_on_signal(served, "demo"))
    try:
        args = (h.base, h.ws_url, streams, DEMO_API_KEY, DEMO_API_SECRET)
        out: dict[str, Any] = await run_child(SCRIPT, *args)
    finally:
        signal.cancel()
    assert out.pop("not_called") == []
    assert not [k for k in out if k.startswith("crashed")], out
    check_market_data(out)
    check_trading(out)
    check_account(out)
    check_user_data(out["user_data"])
    check_streams(out["streams"])
    # The deposit and the external lock stay; the streams' MARKET sell took 0.001 more.
    assert served.balance("demo", "BTC") == (Decimal("2.421976"), Decimal("0.1"))
    assert served.open_orders("demo") == []

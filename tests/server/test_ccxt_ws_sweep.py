"""Every ccxt.pro ``binance`` WebSocket call a Binance Spot user makes, against the local
server (run in a child process, as in test_client_library): the market streams behind the
``watch_*`` methods, the WebSocket API behind the ``*_ws`` methods, and the User Data Stream
behind ``watch_balance`` / ``watch_orders`` / ``watch_my_trades``, which ccxt 4.5.90
subscribes for spot with ``userDataStream.subscribe.signature`` on the WebSocket API
(user-data-stream.md; no listenKey: those endpoints are gone since 2026-02-20, CHANGELOG.md
2026-01-21).

The child points ccxt's stream URL (``urls.api.ws.spot``) at ``/ws`` and its WebSocket API URL
(``urls.api.ws.ws-api.spot``) at ``/ws-api/v3``, records ccxt's parsed result of each call or
the ccxt error it raised, and this test asserts the values. Each watcher that needs an event
is started first and fed by an order the child then places. Skipped when ccxt is missing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import ServeFactory
from tests.server.test_ccxt_rest_sweep import (
    CCXT_COMMON,
    ccxt_exchange,
    errors,
    fields,
    run_ccxt,
    run_script,
)
from tests.server.test_ccxt_sdk import version
from tests.server.test_sdk_ws_sweep import deposit_on_signal
from transports.sim.server.serve import _parser, build

HEAD = (
    CCXT_COMMON
    + """
import asyncio
import ccxt
import ccxt.pro as ccxtpro

S = "BTC/USDT"
out = {}

async def call(label, make, timeout=6):
    try:
        value = await asyncio.wait_for(make(), timeout)
    except ccxt.BaseError as exc:
        out[label] = {"error": type(exc).__name__, "message": str(exc)[:300]}
        return None
    out[label] = keep(value)
    return value

async def fed(label, watch, *feed, until=None, state=None, timeout=6):
    # Start ``watch()`` (it subscribes), run the ``feed`` calls, then give its first answer;
    # or, with ``until``, wait until ccxt's caches (which every message updates, awaited or
    # not) satisfy it and give ``state()``.
    async def run():
        task = asyncio.ensure_future(watch())
        await asyncio.sleep(0.5)
        for make in feed:
            await make()
        if until is None:
            return await task
        while not until():
            await asyncio.sleep(0.02)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return state()
    return await call(label, run, timeout)

async def main(base, key, secret, part):
    ex = ccxtpro.binance({"apiKey": key, "secret": secret, "enableRateLimit": False,
                          "options": {"adjustForTimeDifference": False}})
    point(ex, base)
    try:
        await ex.load_markets()
        await globals()[part](ex)
    finally:
        await ex.close()
    print(json.dumps(out, default=str))
"""
)

STREAMS = (
    HEAD
    + """
async def streams(ex):
    buy = lambda: ex.create_order(S, "market", "buy", 0.001)
    inside = lambda: ex.create_order(S, "limit", "buy", 0.001, 59990)
    await call("watch_ticker", lambda: ex.watch_ticker(S))
    await call("watch_ticker ticker", lambda: ex.watch_ticker(S, {"name": "ticker"}))
    await call("watch_ticker 1h", lambda: ex.watch_ticker(S, {"name": "ticker_1h"}))
    pair = lambda: {s: ex.tickers[s] for s in (S, "ETH/USDT") if s in ex.tickers}
    await fed("watch_tickers", lambda: ex.watch_tickers([S, "ETH/USDT"]),
              until=lambda: len(pair()) == 2, state=pair)
    await fed("watch_bids_asks", lambda: ex.watch_bids_asks([S]), inside,
              until=lambda: S in ex.bidsasks and ex.bidsasks[S]["bid"] == 59990,
              state=lambda: {S: ex.bidsasks[S]})
    await call("watch_order_book", lambda: ex.watch_order_book(S))
    book = ex.orderbooks[S]
    out["watch_order_book top"] = [book["bids"][0], book["asks"][0]]
    await call("watch_order_book_for_symbols", lambda: ex.watch_order_book_for_symbols(
        [S, "ETH/USDT"]))
    await fed("watch_trades", lambda: ex.watch_trades(S), buy)
    await fed("watch_trades aggTrade", lambda: ex.watch_trades(S, None, None, {"name": "aggTrade"}),
              buy)
    # The first array of an all-market stream holds every symbol (web-socket-streams.md).
    await call("watch_tickers all", lambda: ex.watch_tickers())
    await call("watch_tickers ticker_1h all", lambda: ex.watch_tickers(None, {"name": "ticker_1h"}))
    await call("watch_tickers ticker all", lambda: ex.watch_tickers(None, {"name": "ticker"}))
    await call("watch_bids_asks all", lambda: ex.watch_bids_asks())
    await fed("watch_trades_for_symbols", lambda: ex.watch_trades_for_symbols([S, "ETH/USDT"]),
              lambda: ex.create_order("ETH/USDT", "market", "buy", 0.01))
    await call("watch_ohlcv", lambda: ex.watch_ohlcv(S, "1d"))
    await call("watch_ohlcv_for_symbols", lambda: ex.watch_ohlcv_for_symbols([[S, "1m"]]))
    await fed("watch_order_book after", lambda: ex.watch_order_book(S),
              lambda: ex.cancel_all_orders(S),
              until=lambda: ex.orderbooks[S]["bids"][0][0] != 59990,
              state=lambda: {side: ex.orderbooks[S][side][:1] for side in ("bids", "asks")})
    for name in ("un_watch_ticker", "un_watch_order_book", "un_watch_trades", "un_watch_ohlcv"):
        args = (S, "1d") if name == "un_watch_ohlcv" else (S,)
        await call(name, lambda: getattr(ex, name)(*args))
    await call("un_watch_bids_asks", lambda: ex.un_watch_bids_asks([S]))
    await call("un_watch_tickers", lambda: ex.un_watch_tickers([S, "ETH/USDT"]))
    # WebSocket API market data.
    await call("fetch_trades_ws", lambda: ex.fetch_trades_ws(S, None, 3))
    await call("fetch_ohlcv_ws", lambda: ex.fetch_ohlcv_ws(S, "1d", None, 3))
    await call("fetch_ticker_ws", lambda: ex.fetch_ticker_ws(S))
    await call("fetch_order_book_ws", lambda: ex.fetch_order_book_ws(S, 5))

asyncio.run(main(*sys.argv[1:4], "streams"))
"""
)

ACCOUNT = (
    HEAD
    + """
async def account(ex):
    # userDataStream.subscribe.signature, answered before the watchers below start.
    await call("authenticate", lambda: ex.authenticate())
    balance = await call("fetch_balance_ws", lambda: ex.fetch_balance_ws())
    out["fetch_balance_ws info"] = [b for b in balance["info"]["balances"]
                                    if b["asset"] in ("BTC", "USDT")]
    await fed("watch_balance", lambda: ex.watch_balance(),
              lambda: ex.create_order_ws(S, "market", "buy", 0.01))
    # The test deposits 0.5 BTC (balanceUpdate) and locks 0.1 BTC (externalLockUpdate) once
    # the deposit-signal order rests (as test_sdk_ws_sweep does).
    await fed("watch_balance deposit", lambda: ex.watch_balance(),
              lambda: ex.create_order_ws(S, "limit", "buy", 0.001, 50000,
                                         {"newClientOrderId": "deposit-signal"}),
              until=lambda: ex.balance["spot"]["BTC"]["used"] == 0.1,
              state=lambda: ex.balance["spot"])
    await ex.cancel_all_orders_ws(S)
    sold = lambda: [o for o in ex.orders if o["side"] == "sell" and o["status"] == "closed"]
    await fed("watch_orders", lambda: ex.watch_orders(S),
              lambda: ex.create_order_ws(S, "market", "sell", 0.01), until=sold, state=sold)
    await fed("watch_my_trades", lambda: ex.watch_my_trades(S),
              lambda: ex.create_order_ws(S, "market", "buy", 0.002))
    await fed("watch_orders limit", lambda: ex.watch_orders(),
              lambda: ex.create_order_ws(S, "limit", "buy", 0.01, 55000,
                                         {"newClientOrderId": "ws-limit"}),
              until=lambda: any(o["clientOrderId"] == "ws-limit" for o in ex.orders),
              state=lambda: [o for o in ex.orders if o["clientOrderId"] == "ws-limit"])
    limit = out["watch_orders limit"][-1]
    await call("fetch_order_ws", lambda: ex.fetch_order_ws(limit["id"], S))
    await call("fetch_order_ws clientOrderId", lambda: ex.fetch_order_ws(
        None, S, {"origClientOrderId": "ws-limit"}))
    edited = await call("edit_order_ws", lambda: ex.edit_order_ws(
        limit["id"], S, "limit", "buy", 0.02, 55500))
    await call("fetch_open_orders_ws", lambda: ex.fetch_open_orders_ws(S))
    await call("cancel_order_ws", lambda: ex.cancel_order_ws(edited["id"], S))
    for label, args in (
        ("create_order_ws LIMIT_MAKER", ("LIMIT_MAKER", "buy", 0.01, 55000)),
        ("create_order_ws IOC", ("limit", "buy", 0.01, 55000, {"timeInForce": "IOC"})),
        ("create_order_ws FOK", ("limit", "buy", 0.01, 61000, {"timeInForce": "FOK"})),
        ("create_order_ws quoteOrderQty", ("market", "buy", None, None, {"quoteOrderQty": 100})),
        ("create_order_ws STOP_LOSS_LIMIT", ("STOP_LOSS_LIMIT", "sell", 0.01, 49000,
                                             {"stopPrice": 50000})),
        ("create_order_ws TAKE_PROFIT", ("TAKE_PROFIT", "sell", 0.01, None, {"stopPrice": 70000})),
        ("create_order_ws trailingDelta", ("STOP_LOSS", "sell", 0.01, None,
                                           {"trailingDelta": 100})),
        ("create_order_ws icebergQty", ("limit", "sell", 0.01, 65000, {"icebergQty": 0.005})),
        ("create_order_ws test", ("limit", "buy", 0.01, 55000, {"test": True})),
        ("create_order_ws sor", ("market", "buy", 0.001, None, {"sor": True})),
        ("create_order_ws sor test", ("market", "buy", 0.001, None, {"sor": True, "test": True})),
        # ccxt's unified parameters, which create_order_ws also sends as they are.
        ("create_order_ws clientOrderId", ("limit", "buy", 0.01, 55000,
                                           {"clientOrderId": "ws-unified"})),
        ("create_order_ws stopLossPrice", ("limit", "sell", 0.01, 49000,
                                           {"stopLossPrice": 50000})),
        ("create_order_ws postOnly", ("limit", "buy", 0.01, 55000, {"postOnly": True})),
    ):
        await call(label, lambda: ex.create_order_ws(S, *args))
    await call("fetch_open_orders_ws all", lambda: ex.fetch_open_orders_ws(S))
    await call("cancel_all_orders_ws", lambda: ex.cancel_all_orders_ws(S))
    await call("fetch_orders_ws", lambda: ex.fetch_orders_ws(S))
    await call("fetch_closed_orders_ws", lambda: ex.fetch_closed_orders_ws(S))
    await call("fetch_my_trades_ws", lambda: ex.fetch_my_trades_ws(S))
    await call("fetch_balance_ws after", lambda: ex.fetch_balance_ws())
    oco = {"symbol": "BTCUSDT", "side": "SELL", "quantity": "0.002", "aboveType": "LIMIT_MAKER",
           "abovePrice": "62000", "belowType": "STOP_LOSS_LIMIT", "belowPrice": "57000",
           "belowStopPrice": "57500", "belowTimeInForce": "GTC"}
    # Each executionReport answers one watch: the legs are read from ccxt's order cache.
    legs = lambda: [o for o in ex.orders if o["side"] == "sell" and o["amount"] == 0.002]
    await fed("watch_orders oco", lambda: ex.watch_orders(S),
              lambda: ex.private_post_orderlist_oco(oco), until=lambda: len(legs()) == 2,
              state=legs)
    await fed("watch_orders oco canceled", lambda: ex.watch_orders(S),
              lambda: call("cancel_all_orders_ws list", lambda: ex.cancel_all_orders_ws(S)),
              until=lambda: [o["status"] for o in legs()] == ["canceled"] * 2, state=legs)
    await call("watch_orders_for_symbols", lambda: ex.watch_orders_for_symbols([S]))

asyncio.run(main(*sys.argv[1:4], "account"))
"""
)


LIVE = (
    HEAD
    + """
async def live(ex):
    async def quotes():
        seen = []
        while len(seen) < 8:
            quote = (await ex.watch_bids_asks([S]))[S]
            seen.append([quote["bid"], quote["ask"]])
        return seen
    async def book():
        nonces = []
        while len(nonces) < 8:
            book = await ex.watch_order_book(S)
            nonces.append(book["nonce"])
        return {"nonces": nonces, "top": [book["bids"][0][0], book["asks"][0][0]],
                "levels": [len(book["bids"]), len(book["asks"])]}
    await call("watch_ohlcv before a trade", lambda: ex.watch_ohlcv(S, "1m"))
    await call("watch_bids_asks", quotes)
    await call("watch_order_book", book)
    await fed("watch_trades", lambda: ex.watch_trades(S),
              lambda: ex.create_order(S, "market", "buy", 0.001))
    await call("watch_ohlcv", lambda: ex.watch_ohlcv(S, "1d"))

asyncio.run(main(*sys.argv[1:4], "live"))
"""
)

# ccxt's limits, not the server's: the spot WebSocket API calls ccxt refuses before sending,
# and create_order_ws, which sends ccxt's unified parameters as they are, next to the
# Binance ones it made of them (errors.md, -1104: every parameter sent must be read).
STREAMS_REFUSED = {
    # !ticker@arr was retired on 2026-03-26 (CHANGELOG.md, 2025-12-02): a stream name the
    # server does not know (web-socket-streams.md, error 2 "Invalid request").
    "watch_tickers ticker all": ("ExchangeError", "invalid stream name"),
    # !bookTicker was removed in 2022 (CHANGELOG.md); ccxt asks for symbols.
    "watch_bids_asks all": ("ArgumentsRequired", "requires symbols"),
    "fetch_ticker_ws": ("BadRequest", "fetchTickerWs only supports swap markets"),
    "fetch_order_book_ws": ("BadRequest", "fetchOrderBookWs only supports swap markets"),
}
UNREAD = "Not all sent parameters were read; read '{}' parameter(s) but was sent '{}'."
ACCOUNT_REFUSED = {
    "create_order_ws clientOrderId": ("BadRequest", UNREAD.format(13, 14)),
    "create_order_ws stopLossPrice": ("BadRequest", UNREAD.format(14, 15)),
    "create_order_ws postOnly": ("BadRequest", UNREAD.format(12, 13)),
    # exchange.has claims it; ccxt 4.5.90's binance leaves the base class's refusal.
    "watch_orders_for_symbols": ("NotSupported", "watchOrdersForSymbols() is not supported yet"),
}


@pytest.mark.skipif(version("ccxt") is None, reason="ccxt missing")
@pytest.mark.parametrize("part", ["streams", "account"])
async def test_every_websocket_call(serve: ServeFactory, part: str) -> None:
    served = ccxt_exchange()
    signal = asyncio.create_task(deposit_on_signal(served, "demo"))
    try:
        out: dict[str, Any] = await run_ccxt(
            serve, served, STREAMS if part == "streams" else ACCOUNT
        )
    finally:
        signal.cancel()
    refused = STREAMS_REFUSED if part == "streams" else ACCOUNT_REFUSED
    found = errors(out)
    assert set(found) == set(refused)
    for name, (kind, text) in refused.items():
        assert found[name][0] == kind and text in found[name][1], found[name]
    if part == "streams":
        check_streams(out)
    else:
        check_account(out)
    assert served.open_orders("demo") == []


def check_streams(out: dict[str, Any]) -> None:
    # The book quoted once: best bid 59988, best ask 60012, last price 60000; the child rests
    # a bid at 59990, buys 0.001 BTC twice, cancels the bid (web-socket-streams.md, each stream).
    mini = out["watch_ticker"]
    assert (mini["symbol"], mini["last"], mini["open"], mini["bid"]) == (
        "BTC/USDT",
        60000,
        60000,
        None,
    )
    full = out["watch_ticker ticker"]  # <symbol>@ticker carries the best bid and ask
    assert (full["last"], full["bid"], full["ask"]) == (60000, 59988, 60012)
    assert out["watch_ticker 1h"]["last"] == 60000
    assert out["watch_tickers"]["ETH/USDT"]["last"] == 3000
    quotes = out["watch_bids_asks"]["BTC/USDT"]
    assert (quotes["bid"], quotes["bidVolume"], quotes["ask"], quotes["askVolume"]) == (
        59990, 0.001, 60012, 0.83332,
    )  # fmt: skip
    # watch_order_book: the REST snapshot and the diff stream after it (web-socket-streams.md,
    # How to manage a local order book correctly).
    assert out["watch_order_book top"] == [[59990, 0.001], [60012, 0.83332]]
    assert out["watch_order_book_for_symbols"]["bids"][0] == [59990, 0.001]
    after = out["watch_order_book after"]
    assert after["bids"][0] == [59988, 0.83332] and after["asks"][0] == [60012, 0.83132]
    trade = out["watch_trades"][-1]
    assert (trade["symbol"], trade["price"], trade["amount"], trade["side"]) == (
        "BTC/USDT", 60012, 0.001, "buy",
    )  # fmt: skip
    agg = out["watch_trades aggTrade"][-1]
    assert (agg["price"], agg["amount"], agg["side"]) == (60012, 0.001, "buy")
    assert out["watch_tickers all"]["BTC/USDT"]["last"] == 60012  # after the buys
    assert out["watch_tickers ticker_1h all"]["BTC/USDT"]["last"] == 60012
    eth = out["watch_trades_for_symbols"][-1]
    assert (eth["symbol"], eth["amount"], eth["side"]) == ("ETH/USDT", 0.01, "buy")
    # The two buys in today's kline; the current 1m kline holds them or, past the minute's
    # end, reads as their close with no volume (README, Market data).
    candle = out["watch_ohlcv"][-1]
    assert candle[1:] == [60012, 60012, 60012, 60012, 0.002]
    assert out["watch_ohlcv_for_symbols"]["BTC/USDT"]["1m"][-1][1:5] == [60012] * 4
    for name in ("ticker", "order_book", "trades", "ohlcv", "bids_asks", "tickers"):
        assert out[f"un_watch_{name}"] is True, name
    assert [(t["id"], t["price"]) for t in out["fetch_trades_ws"]] == [("1", 60012), ("2", 60012)]
    assert out["fetch_ohlcv_ws"] == [candle]


def check_account(out: dict[str, Any]) -> None:
    # ccxt 4.5.90 parses account.status's balances only for a margin type: fetch_balance_ws
    # gives none for spot, though the answer holds them (web-socket-api.md, Account information).
    assert out["fetch_balance_ws"]["free"] == {}
    assert [(b["asset"], b["free"]) for b in out["fetch_balance_ws info"]] == [
        ("USDT", "100000.00000000"), ("BTC", "1.00000000"),
    ]  # fmt: skip
    # outboundAccountPosition after the buy of 0.01 BTC at 60012, 0.1 % fee in BTC
    # (user-data-stream.md, Account Update).
    balance = out["watch_balance"]
    assert balance["BTC"] == {"free": 1.00999, "used": 0, "total": 1.00999}
    assert balance["USDT"]["free"] == pytest.approx(100000 - 600.12)
    # The deposit of 0.5 BTC and the external lock of 0.1 (user-data-stream.md, Balance Update,
    # External Lock Update, each followed by the account position).
    assert out["watch_balance deposit"]["BTC"] == {
        "free": pytest.approx(1.40999), "used": 0.1, "total": pytest.approx(1.50999),
    }  # fmt: skip
    # executionReport (user-data-stream.md, Order Update) through watch_orders / watch_my_trades.
    filled = out["watch_orders"][-1]
    assert fields(filled, "type", "side", "status", "amount", "filled", "average") == (
        "market", "sell", "closed", 0.01, 0.01, 59988,
    )  # fmt: skip
    assert filled["fee"] == {"currency": "USDT", "cost": pytest.approx(0.59988)}
    trades = out["watch_my_trades"]
    assert [(t["side"], t["amount"], t["takerOrMaker"]) for t in trades][-1] == (
        "buy",
        0.002,
        "taker",
    )
    assert trades[-1]["fee"] == {"currency": "BTC", "cost": pytest.approx(0.000002)}
    resting = out["watch_orders limit"][-1]
    assert fields(resting, "clientOrderId", "status", "price", "amount", "filled") == (
        "ws-limit", "open", 55000, 0.01, 0,
    )  # fmt: skip
    assert out["fetch_order_ws"] == out["fetch_order_ws clientOrderId"]
    assert fields(out["fetch_order_ws"], "id", "status", "timeInForce") == (
        resting["id"],
        "open",
        "GTC",
    )
    edited = out["edit_order_ws"]  # order.cancelReplace: a new order, the old one canceled
    assert fields(edited, "status", "price", "amount") == ("open", 55500, 0.02)
    assert [o["id"] for o in out["fetch_open_orders_ws"]] == [edited["id"]]
    assert fields(out["cancel_order_ws"], "id", "status") == (edited["id"], "canceled")
    expect = {
        "create_order_ws LIMIT_MAKER": ("LIMIT_MAKER", "open", None),
        "create_order_ws IOC": ("LIMIT", "expired", None),
        "create_order_ws FOK": ("LIMIT", "closed", None),
        "create_order_ws quoteOrderQty": ("MARKET", "closed", None),
        "create_order_ws STOP_LOSS_LIMIT": ("STOP_LOSS_LIMIT", "open", 50000),
        "create_order_ws TAKE_PROFIT": ("TAKE_PROFIT", "open", 70000),
        "create_order_ws trailingDelta": ("STOP_LOSS", "open", None),
        "create_order_ws icebergQty": ("LIMIT", "open", None),
    }
    for name, (raw, status, trigger) in expect.items():
        order = out[name]
        assert (order["raw"]["type"], order["status"], order["triggerPrice"]) == (
            raw,
            status,
            trigger,
        )
    assert out["create_order_ws LIMIT_MAKER"]["postOnly"] is True
    assert out["create_order_ws FOK"]["fee"] == {"currency": "BTC", "cost": pytest.approx(0.00001)}
    assert out["create_order_ws quoteOrderQty"]["raw"]["origQuoteOrderQty"] == "100.00000000"
    assert out["create_order_ws trailingDelta"]["raw"]["trailingDelta"] == 100
    assert out["create_order_ws icebergQty"]["raw"]["icebergQty"] == "0.00500000"
    # ccxt takes an order's time from workingTime first: -1 for a stop not yet working
    # (rest-api.md, New Order list - OCO, the stop leg's "workingTime": -1).
    assert out["create_order_ws STOP_LOSS_LIMIT"]["timestamp"] == -1
    assert out["create_order_ws test"]["id"] is None  # order.test answers {}
    # ccxt sends sor.order.place only with test: with sor alone it sends order.place.
    sor = out["create_order_ws sor"]
    assert (sor["status"], sor["filled"]) == ("closed", 0.001) and "usedSor" not in sor["raw"]
    assert out["create_order_ws sor test"]["id"] is None  # sor.order.test answers {}
    resting_ids = [o["id"] for o in out["fetch_open_orders_ws all"]]
    assert len(resting_ids) == 5
    canceled = out["cancel_all_orders_ws"]
    assert [o["id"] for o in canceled] == resting_ids
    assert {o["status"] for o in canceled} == {"canceled"}
    statuses = [o["status"] for o in out["fetch_orders_ws"]]
    counts = {status: statuses.count(status) for status in ("closed", "canceled", "expired")}
    assert counts == {"closed": 6, "canceled": 8, "expired": 1}
    assert len(out["fetch_closed_orders_ws"]) == 6
    # An OCO's legs through executionReport, and cancel-all ending the list: its answer holds
    # the list's entry (web-socket-api.md, Cancel open orders), which ccxt parses as one order
    # with no id; the legs' CANCELED reports reach watch_orders.
    legs = out["watch_orders oco"]
    assert [(o["raw"]["o"], o["status"], o["price"]) for o in legs] == [
        ("LIMIT_MAKER", "open", 62000), ("STOP_LOSS_LIMIT", "open", 57000),
    ]  # fmt: skip
    assert [o["id"] for o in out["cancel_all_orders_ws list"]] == [None]
    ended = out["watch_orders oco canceled"]
    assert [(o["id"], o["status"]) for o in ended] == [(o["id"], "canceled") for o in legs]
    mine = out["fetch_my_trades_ws"]
    assert [t["order"] for t in mine] == [o["id"] for o in out["fetch_closed_orders_ws"]]
    assert mine[0]["fee"] == {"currency": "BTC", "cost": pytest.approx(0.00001)}


@pytest.mark.skipif(version("ccxt") is None, reason="ccxt missing")
async def test_streams_of_a_moving_market(aiohttp_server: Any, tmp_path: Path) -> None:
    """``oms exchange`` as served (demo key, the liquidity provider re-quoting its whole
    ladder every 100 ms): every best bid and ask ccxt watches is a real one, and its order
    book stays in sync with the diff stream."""
    app, _ = build(_parser().parse_args(["--walk-every", "0.1"]))
    server = await aiohttp_server(app)
    out: dict[str, Any] = await run_script(LIVE, str(server.make_url("/api")))
    assert errors(out) == {}
    # A re-quote cancels the ladder, then quotes anew: no bookTicker of the empty book between
    # (web-socket-streams.md, Individual Symbol Book Ticker Streams).
    for bid, ask in out["watch_bids_asks"]:
        assert 0 < bid < ask, out["watch_bids_asks"]
    book = out["watch_order_book"]
    assert book["nonces"] == sorted(set(book["nonces"])) and book["levels"] == [10, 10]
    assert 0 < book["top"][0] < book["top"][1]
    # Before the first trade the kline stream pushes the current kline at the reference price,
    # with no volume (web-socket-streams.md, Kline/Candlestick Streams: every second).
    assert [k[1:] for k in out["watch_ohlcv before a trade"]] == [[60000, 60000, 60000, 60000, 0]]
    trade = out["watch_trades"][-1]
    assert (trade["side"], trade["amount"]) == ("buy", 0.001)
    assert out["watch_ohlcv"][-1][5] >= 0.001

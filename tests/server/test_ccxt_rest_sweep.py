"""Every ccxt ``binance`` call a Binance Spot user makes over REST, against the local server:
the unified methods binance claims (``exchange.has``) that map to ``/api/v3``, every order
type ccxt builds for spot, and every implicit ``public_*`` / ``private_*`` method of
``/api/v3`` (run in a child process, as in test_client_library; sync ``ccxt.binance`` and
``ccxt.async_support.binance`` drive the same sweep).

The child records ccxt's parsed result of each call (the unified structure, plus a few raw
fields where ccxt keeps a value only in ``info``) or the ccxt error it raised; this test
asserts the values. The unified methods that do not reach ``/api/v3`` for spot are called
too and must fail inside ccxt or on ``/sapi`` (ccxt limitations, listed in CCXT_REFUSES).
Skipped when ccxt is not installed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from tests.server.conftest import ServeFactory
from tests.server.test_ccxt_sdk import version
from transports.sim.exchange import SimExchange
from transports.sim.markets import default_markets
from transports.sim.server.app import DEMO_API_KEY, DEMO_API_SECRET, ApiAccount
from transports.sim.server.core import wall_clock_ms
from transports.sim.server.market_maker import MarketMaker

D = Decimal

# Child-script code shared with test_ccxt_ws_sweep: ``point(ex, base)`` aims a ccxt binance
# at the server exactly as a user aims it at testnet (its REST and WebSocket URLs, spot
# markets only, no wallet call); ``keep(value)`` is ccxt's parsed value without ``info``,
# an order's or trade's ``info`` narrowed to the raw fields ccxt does not unify.
CCXT_COMMON = """
import json, re, sys
RAW = ("type", "status", "stopPrice", "icebergQty", "trailingDelta", "selfTradePreventionMode",
       "timeInForce", "origQuoteOrderQty", "usedSor", "workingFloor", "X", "o", "f", "P", "d",
       "x")

def point(ex, base):
    for name, url in list(ex.urls["api"].items()):
        if isinstance(url, str) and url.startswith("https://api.binance.com/api"):
            ex.urls["api"][name] = url.replace("https://api.binance.com/api", base)
    ex.urls["api"]["sapi"] = base.removesuffix("/api") + "/sapi/v1"
    ws = ex.urls["api"].get("ws")
    if ws is not None:
        host = base.replace("http", "ws", 1).removesuffix("/api")
        ws["spot"] = host + "/ws"
        ws["ws-api"]["spot"] = host + "/ws-api/v3"
    ex.options["fetchMarkets"] = {"types": ["spot"]}
    ex.options["fetchCurrencies"] = False
    ex.options["fetchMargins"] = False
    ex.timeout = 5000

def keep(value):
    if isinstance(value, list):
        return [keep(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: keep(v) for k, v in value.items() if k not in ("info", "fees")}
    info = value.get("info")
    if isinstance(info, dict) and ("id" in value or "order" in value):
        out["raw"] = {k: info[k] for k in RAW if k in info}
    return out
"""

SCRIPT = (
    CCXT_COMMON
    + """
import asyncio, inspect
import ccxt
import ccxt.async_support as ccxt_async

MODE = sys.argv[4]
S = "BTC/USDT"
out, called = {}, set()

async def call(label, fn):
    called.add(label.split(" ")[0])
    try:
        value = fn()
        if inspect.isawaitable(value):
            value = await value
    except ccxt.BaseError as exc:
        out[label] = {"error": type(exc).__name__, "message": str(exc)[:300]}
        return None
    out[label] = keep(value)
    return value

def camel(api, method, path):
    words = re.split(r"[^A-Za-z0-9]", path)
    return api + method.capitalize() + "".join(w[:1].upper() + w[1:] for w in words)

async def markets(ex):
    await call("load_markets", lambda: ex.load_markets())
    market = ex.market(S)
    out["market"] = {k: market[k] for k in ("id", "base", "quote", "type", "spot", "active",
                                            "precision", "limits", "maker", "taker")}
    await call("fetch_markets", lambda: ex.fetch_markets())
    out["fetch_markets"] = sorted(m["symbol"] for m in out["fetch_markets"])
    await call("fetch_time", lambda: ex.fetch_time())
    await call("fetch_ticker", lambda: ex.fetch_ticker(S))
    await call("fetch_ticker rolling", lambda: ex.fetch_ticker(S, {"rolling": True}))
    await call("fetch_tickers", lambda: ex.fetch_tickers([S, "ETH/USDT"]))
    await call("fetch_tickers all", lambda: ex.fetch_tickers())
    await call("fetch_bids_asks", lambda: ex.fetch_bids_asks([S]))
    await call("fetch_bids_asks all", lambda: ex.fetch_bids_asks())
    await call("fetch_last_prices", lambda: ex.fetch_last_prices([S]))
    await call("fetch_last_prices all", lambda: ex.fetch_last_prices())
    await call("fetch_order_book", lambda: ex.fetch_order_book(S, 5))
    await call("fetch_l2_order_book", lambda: ex.fetch_l2_order_book(S, 5))
    await call("fetch_balance", lambda: ex.fetch_balance())

async def trading(ex):
    buy = await call("create_order market buy", lambda: ex.create_order(S, "market", "buy", 0.01))
    await call("create_order market sell", lambda: ex.create_order(S, "market", "sell", 0.01))
    await call("create_market_buy_order_with_cost", lambda: ex.create_market_buy_order_with_cost(
        S, 100))
    await call("create_market_sell_order_with_cost",
               lambda: ex.create_market_sell_order_with_cost(S, 100))
    await call("create_market_order_with_cost", lambda: ex.create_market_order_with_cost(
        S, "buy", 50))
    await call("create_order quoteOrderQty", lambda: ex.create_order(
        S, "market", "buy", None, None, {"quoteOrderQty": 30}))
    await call("create_market_buy_order", lambda: ex.create_market_buy_order(S, 0.001))
    await call("create_market_sell_order", lambda: ex.create_market_sell_order(S, 0.001))
    await call("fetch_trades", lambda: ex.fetch_trades(S))
    await call("fetch_trades since", lambda: ex.fetch_trades(S, ex.milliseconds() - 60000, 2))
    await call("fetch_trades trades", lambda: ex.fetch_trades(
        S, None, 3, {"fetchTradesMethod": "publicGetTrades"}))
    await call("fetch_trades historical", lambda: ex.fetch_trades(
        S, None, 3, {"fetchTradesMethod": "publicGetHistoricalTrades", "fromId": 1}))
    await call("fetch_trades method", lambda: ex.fetch_trades(
        S, None, 3, {"method": "publicGetHistoricalTrades"}))
    await call("fetch_ohlcv", lambda: ex.fetch_ohlcv(S, "1m", None, 5))
    await call("fetch_ohlcv since", lambda: ex.fetch_ohlcv(S, "1h", ex.milliseconds() - 7200000))
    await call("fetch_my_trades", lambda: ex.fetch_my_trades(S))
    # ccxt's time windows: startTime and endTime (rest-api.md, each endpoint's parameters).
    now = ex.milliseconds()
    until = {"until": now + 1000}
    await call("fetch_trades until", lambda: ex.fetch_trades(S, now - 60000, None, until))
    await call("fetch_ohlcv until", lambda: ex.fetch_ohlcv(S, "1m", now - 600000, None, until))
    await call("fetch_my_trades until", lambda: ex.fetch_my_trades(S, now - 60000, None, until))
    await call("fetch_orders until", lambda: ex.fetch_orders(S, now - 60000, None, until))
    await call("fetch_ohlcv paginate", lambda: ex.fetch_ohlcv(
        S, "1m", now - 3600000, None, {"paginate": True, "paginationCalls": 2}))
    await call("fetch_my_trades paginate", lambda: ex.fetch_my_trades(
        S, now - 60000, None, {"paginate": True, "paginationCalls": 2}))
    await call("fetch_my_trades since", lambda: ex.fetch_my_trades(
        S, ex.milliseconds() - 60000, 2))
    await call("fetch_order_trades", lambda: ex.fetch_order_trades(buy["id"], S))
    limit = await call("create_order limit", lambda: ex.create_order(
        S, "limit", "buy", 0.01, 55000, {"clientOrderId": "ccxt-limit"}))
    await call("fetch_order", lambda: ex.fetch_order(limit["id"], S))
    await call("fetch_order clientOrderId", lambda: ex.fetch_order(
        None, S, {"clientOrderId": "ccxt-limit"}))
    edited = await call("edit_order", lambda: ex.edit_order(
        limit["id"], S, "limit", "buy", 0.02, 55500))
    await call("fetch_order edited", lambda: ex.fetch_order(limit["id"], S))
    await call("fetch_open_orders", lambda: ex.fetch_open_orders(S))
    await call("cancel_order", lambda: ex.cancel_order(edited["id"], S))
    await call("cancel_order again", lambda: ex.cancel_order(edited["id"], S))
    await call("create_order IOC", lambda: ex.create_order(
        S, "limit", "buy", 0.01, 55000, {"timeInForce": "IOC"}))
    await call("create_order FOK", lambda: ex.create_order(
        S, "limit", "buy", 0.01, 61000, {"timeInForce": "FOK"}))
    await call("create_order FOK unfilled", lambda: ex.create_order(
        S, "limit", "buy", 0.01, 55000, {"timeInForce": "FOK"}))
    await call("create_order postOnly", lambda: ex.create_order(
        S, "limit", "buy", 0.01, 55000, {"postOnly": True}))
    await call("create_post_only_order", lambda: ex.create_post_only_order(
        S, "limit", "buy", 0.01, 55100))
    await call("create_order LIMIT_MAKER", lambda: ex.create_order(
        S, "LIMIT_MAKER", "sell", 0.01, 65000))
    await call("create_order postOnly crossing", lambda: ex.create_order(
        S, "limit", "buy", 0.01, 61000, {"postOnly": True}))
    await call("create_order icebergAmount", lambda: ex.create_order(
        S, "limit", "buy", 0.01, 55000, {"icebergAmount": 0.002}))
    await call("create_order icebergQty", lambda: ex.create_order(
        S, "limit", "sell", 0.01, 65000, {"icebergQty": 0.005}))
    await call("create_limit_buy_order", lambda: ex.create_limit_buy_order(S, 0.001, 54000))
    await call("create_limit_sell_order", lambda: ex.create_limit_sell_order(S, 0.001, 66000))
    await call("create_order selfTradePrevention", lambda: ex.create_order(
        S, "limit", "buy", 0.001, 54000, {"selfTradePrevention": "expire_both"}))
    await call("create_order test", lambda: ex.create_order(
        S, "limit", "buy", 0.01, 55000, {"test": True}))
    await call("create_order sor", lambda: ex.create_order(
        S, "market", "buy", 0.001, None, {"sor": True}))
    await call("create_order sor test", lambda: ex.create_order(
        S, "market", "buy", 0.001, None, {"sor": True, "test": True}))
    ex.options["fetchOpenOrders"] = {"warnWithoutSymbol": False}
    await call("fetch_open_orders all", lambda: ex.fetch_open_orders())
    await call("cancel_all_orders", lambda: ex.cancel_all_orders(S))

async def conditional(ex):
    # At most 5 stop orders rest per symbol (filters.md, MAX_NUM_ALGO_ORDERS): cleared in fives.
    await call("create_order stopLossPrice", lambda: ex.create_order(
        S, "market", "sell", 0.01, None, {"stopLossPrice": 50000}))
    await call("create_order stopLossPrice limit", lambda: ex.create_order(
        S, "limit", "sell", 0.01, 49000, {"stopLossPrice": 50000}))
    await call("create_order takeProfitPrice", lambda: ex.create_order(
        S, "market", "sell", 0.01, None, {"takeProfitPrice": 70000}))
    await call("create_order takeProfitPrice limit", lambda: ex.create_order(
        S, "limit", "sell", 0.01, 71000, {"takeProfitPrice": 70000}))
    await call("create_order triggerPrice limit", lambda: ex.create_order(
        S, "limit", "buy", 0.01, 70500, {"triggerPrice": 70000}))
    await call("fetch_open_orders stops", lambda: ex.fetch_open_orders(S))
    await call("cancel_all_orders stops", lambda: ex.cancel_all_orders(S))
    await call("create_stop_loss_order", lambda: ex.create_stop_loss_order(
        S, "market", "sell", 0.01, None, 50000))
    await call("create_take_profit_order", lambda: ex.create_take_profit_order(
        S, "limit", "sell", 0.01, 71000, 70000))
    await call("create_stop_limit_order", lambda: ex.create_stop_limit_order(
        S, "sell", 0.01, 49000, 50000))
    await call("create_stop_order", lambda: ex.create_stop_order(
        S, "limit", "sell", 0.01, 49000, 50000))
    await call("create_trigger_order", lambda: ex.create_trigger_order(
        S, "market", "buy", 0.01, None, 70000))
    await call("cancel_all_orders triggers", lambda: ex.cancel_all_orders(S))
    await call("create_order STOP_LOSS trailingDelta", lambda: ex.create_order(
        S, "STOP_LOSS", "sell", 0.01, None, {"trailingDelta": 100}))
    await call("create_order trailingPercent", lambda: ex.create_order(
        S, "market", "sell", 0.01, None,
        {"trailingPercent": 1, "stopLossOrTakeProfit": "stopLoss"}))
    await call("create_order trailingPercent limit", lambda: ex.create_order(
        S, "limit", "sell", 0.01, 70500, {"trailingPercent": 0.5, "trailingTriggerPrice": 70000,
                                          "stopLossOrTakeProfit": "takeProfit"}))
    await call("create_trailing_percent_order", lambda: ex.create_trailing_percent_order(
        S, "market", "sell", 0.01, None, 2, None, {"stopLossOrTakeProfit": "stopLoss"}))
    await call("create_order trailingPercent alone", lambda: ex.create_order(
        S, "market", "sell", 0.01, None, {"trailingPercent": 1}))
    await call("cancel_all_orders trailing", lambda: ex.cancel_all_orders(S))
    await call("fetch_orders", lambda: ex.fetch_orders(S))
    await call("fetch_closed_orders", lambda: ex.fetch_closed_orders(S))
    await call("fetch_canceled_orders", lambda: ex.fetch_canceled_orders(S))
    await call("fetch_canceled_and_closed_orders", lambda: ex.fetch_canceled_and_closed_orders(S))

async def refused(ex):
    # Unified methods binance has but not for spot over /api/v3: refused inside ccxt, or sent
    # to /sapi (pointed here at the server, which serves no /sapi: 404).
    await call("fetch_status", lambda: ex.fetch_status())
    await call("fetch_trading_fee", lambda: ex.fetch_trading_fee(S))
    await call("fetch_trading_fees", lambda: ex.fetch_trading_fees())
    await call("fetch_open_order", lambda: ex.fetch_open_order("1", S))
    await call("create_orders", lambda: ex.create_orders(
        [{"symbol": S, "type": "limit", "side": "buy", "amount": 0.01, "price": 55000}]))
    await call("cancel_orders", lambda: ex.cancel_orders(["1"], S))
    await call("edit_orders", lambda: ex.edit_orders(
        [{"id": "1", "symbol": S, "type": "limit", "side": "buy", "amount": 0.01,
          "price": 55000}]))

async def failing(ex):
    # Refusals a user meets, each as the ccxt error its code maps to (errors.md).
    await call("error insufficient", lambda: ex.create_order(S, "market", "buy", 100))
    await call("error unknown order", lambda: ex.fetch_order("99999999", S))
    await call("error PERCENT_PRICE_BY_SIDE", lambda: ex.create_order(
        S, "limit", "buy", 0.01, 1000))
    await call("error NOTIONAL", lambda: ex.create_order(S, "limit", "buy", 0.00001, 55000))
    await call("error below the step", lambda: ex.create_order(
        S, "limit", "buy", 0.000001, 55000))
    kept = await call("create_order kept", lambda: ex.create_order(
        S, "limit", "buy", 0.01, 55000, {"clientOrderId": "ccxt-kept"}))
    await call("error duplicate", lambda: ex.create_order(
        S, "limit", "buy", 0.01, 55000, {"clientOrderId": "ccxt-kept"}))
    await call("error edit_order", lambda: ex.edit_order(
        kept["id"], S, "limit", "buy", 0.01, 70000, {"postOnly": True}))
    await call("fetch_order after failed edit", lambda: ex.fetch_order(kept["id"], S))
    await call("error cancel_all_orders none", lambda: ex.cancel_all_orders(S))
    oco = ex.private_post_orderlist_oco({
        "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.002", "aboveType": "LIMIT_MAKER",
        "abovePrice": "62000", "belowType": "STOP_LOSS", "belowStopPrice": "57500"})
    if inspect.isawaitable(oco):
        await oco
    await call("cancel_all_orders list", lambda: ex.cancel_all_orders(S))
    stranger = type(ex)({"apiKey": "x" * 64, "secret": "y" * 64})
    point(stranger, ex.urls["api"]["public"].removesuffix("/v3"))
    await call("error unknown key", lambda: stranger.fetch_balance())
    if MODE == "async":
        await stranger.close()

async def implicit(ex):
    # Every implicit /api/v3 method ccxt defines (its ``public`` and ``private`` API maps), and
    # the /api/v3 calls it has no method for, through its generic ``request``.
    B = "BTCUSDT"
    def hit(api, method, path, params=None):
        name = camel(api, method, path)
        return call(f"{api} {method.upper()} {path}", lambda: getattr(ex, name)(params or {}))
    working = {"symbol": B, "workingType": "LIMIT", "workingSide": "BUY", "workingPrice": "55000",
               "workingQuantity": "0.001", "workingTimeInForce": "GTC"}
    above = {"pendingSide": "SELL", "pendingAboveType": "LIMIT_MAKER", "pendingAbovePrice": "65000",
             "pendingBelowType": "STOP_LOSS", "pendingBelowStopPrice": "50000"}
    for path, params in (
        ("ping", None), ("time", None), ("depth", {"symbol": B, "limit": 5}),
        ("trades", {"symbol": B, "limit": 2}), ("aggTrades", {"symbol": B, "limit": 2}),
        ("historicalTrades", {"symbol": B, "limit": 2, "fromId": 0}),
        ("klines", {"symbol": B, "interval": "1m", "limit": 2}),
        ("uiKlines", {"symbol": B, "interval": "1m", "limit": 2}),
        ("ticker/24hr", {"symbol": B}), ("ticker", {"symbol": B, "windowSize": "1h"}),
        ("ticker/tradingDay", {"symbol": B}), ("ticker/price", {"symbol": B}),
        ("ticker/bookTicker", {"symbol": B}), ("exchangeInfo", {"symbol": B}),
        ("executionRules", {"symbol": B}), ("avgPrice", {"symbol": B}),
        ("referencePrice", {"symbol": B}), ("referencePrice/calculation", {"symbol": B}),
        ("historicalBlockTrades", {"symbol": B, "fromId": 0}),
    ):
        await hit("public", "get", path, params)
    for method in ("post", "put", "delete"):
        key = None if method == "post" else {"listenKey": "x"}
        await hit("public", method, "userDataStream", key)
    oco = await hit("private", "post", "orderList/oco", {
        "symbol": B, "side": "SELL", "quantity": "0.002", "aboveType": "LIMIT_MAKER",
        "abovePrice": "62000", "belowType": "STOP_LOSS_LIMIT", "belowPrice": "57000",
        "belowStopPrice": "57500", "belowTimeInForce": "GTC"})
    list_id = {"orderListId": oco["orderListId"]}
    await hit("private", "get", "orderList", list_id)
    await hit("private", "get", "openOrderList")
    await hit("private", "get", "allOrderList", {"limit": 5})
    await hit("private", "delete", "orderList", {"symbol": B, **list_id})
    await hit("private", "post", "order/oco", {
        "symbol": B, "side": "SELL", "quantity": "0.002", "price": "62000", "stopPrice": "57500",
        "stopLimitPrice": "57000", "stopLimitTimeInForce": "GTC"})
    await hit("private", "delete", "openOrders", {"symbol": B})
    await hit("private", "post", "orderList/oto", {
        **working, "pendingType": "LIMIT_MAKER", "pendingSide": "SELL", "pendingPrice": "65000",
        "pendingQuantity": "0.001"})
    await hit("private", "post", "orderList/otoco", {
        **working, **above, "pendingQuantity": "0.001"})
    await hit("private", "post", "orderList/opo", {
        **working, "pendingType": "LIMIT_MAKER", "pendingSide": "SELL", "pendingPrice": "65000"})
    await hit("private", "post", "orderList/opoco", {**working, **above})
    await hit("private", "delete", "openOrders", {"symbol": B})
    placed = await hit("private", "post", "order", {
        "symbol": B, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01",
        "price": "55000", "newClientOrderId": "ccxt-implicit"})
    order = {"symbol": B, "orderId": placed["orderId"]}
    await hit("private", "get", "order", {"symbol": B, "origClientOrderId": "ccxt-implicit"})
    await hit("private", "get", "openOrders", {"symbol": B})
    await hit("private", "get", "allOrders", {"symbol": B, "limit": 5})
    await call("request PUT order/amend/keepPriority", lambda: ex.request(
        "order/amend/keepPriority", ["private"], "PUT", {**order, "newQty": "0.005"}))
    await call("request GET order/amendments", lambda: ex.request(
        "order/amendments", ["private"], "GET", order))
    replaced = await hit("private", "post", "order/cancelReplace", {
        "symbol": B, "side": "BUY", "type": "LIMIT", "cancelReplaceMode": "STOP_ON_FAILURE",
        "timeInForce": "GTC", "quantity": "0.01", "price": "55500",
        "cancelOrderId": placed["orderId"]})
    await hit("private", "delete", "order", {
        "symbol": B, "orderId": replaced["newOrderResponse"]["orderId"]})
    await hit("private", "post", "order/test", {
        "symbol": B, "side": "BUY", "type": "MARKET", "quantity": "0.01",
        "computeCommissionRates": "true"})
    await hit("private", "post", "sor/order", {
        "symbol": B, "side": "BUY", "type": "MARKET", "quantity": "0.001"})
    await hit("private", "post", "sor/order/test", {
        "symbol": B, "side": "BUY", "type": "MARKET", "quantity": "0.001"})
    await hit("private", "get", "account", {"omitZeroBalances": "true"})
    await hit("private", "get", "account/commission", {"symbol": B})
    await hit("private", "get", "myTrades", {"symbol": B, "limit": 2})
    await hit("private", "get", "rateLimit/order")
    await hit("private", "get", "myPreventedMatches", {"symbol": B, "preventedMatchId": 1})
    await hit("private", "get", "myAllocations", {"symbol": B})
    await call("request GET myFilters", lambda: ex.request("myFilters", ["private"], "GET",
                                                           {"symbol": B}))
    defined = {f"{api} {m.upper()} {path}" for api in ("public", "private")
               for m, paths in ex.api[api].items() for path in paths}
    out["implicit_not_called"] = sorted(defined - set(out))

async def main(base, key, secret):
    kind = ccxt.binance if MODE == "sync" else ccxt_async.binance
    ex = kind({"apiKey": key, "secret": secret, "enableRateLimit": False,
               "options": {"adjustForTimeDifference": False}})
    point(ex, base)
    try:
        for part in (markets, trading, conditional, refused, failing, implicit):
            await part(ex)
    finally:
        if MODE == "async":
            await ex.close()
    out["has"] = {k: ex.has[k] for k in sorted(ex.has) if k[:1].islower()}
    print(json.dumps(out, default=str))

asyncio.run(main(*sys.argv[1:4]))
"""
)


def ccxt_exchange() -> SimExchange:
    """The default markets quoted once (the ladder does not move), a taker and maker fee of
    0.1 %, and a demo account holding both sides of BTCUSDT."""
    config = msgspec.structs.replace(
        default_markets(), maker_commission=D("0.001"), taker_commission=D("0.001")
    )
    exchange = SimExchange(clock=wall_clock_ms, config=config)
    exchange.create_account("demo", {"USDT": D("100000"), "BTC": D("1")})
    MarketMaker(exchange).quote_all()
    return exchange


async def run_ccxt(
    serve: ServeFactory, exchange: SimExchange, script: str, *args: str, timeout: float = 25
) -> Any:
    """Serve ``exchange`` to the demo key and run ``script`` against it (``run_script``)."""
    demo = ApiAccount(account="demo", api_key=DEMO_API_KEY, secret=DEMO_API_SECRET)
    h = await serve(exchange=exchange, api_accounts=[demo], clock=None)
    return await run_script(script, h.base, *args, timeout=timeout)


async def run_script(script: str, base: str, *args: str, timeout: float = 25) -> Any:
    """Run ``script`` (``base``, the demo key and secret, ``args``) in a child Python in an
    empty directory, killed after ``timeout`` seconds; its stdout is one JSON document."""
    with tempfile.TemporaryDirectory() as cwd:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            script,
            base,
            DEMO_API_KEY,
            DEMO_API_SECRET,
            *args,
            cwd=cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            stdout, stderr = await asyncio.wait_for(child.communicate(), timeout)
        except TimeoutError:
            child.kill()
            await child.communicate()
            raise
    assert child.returncode == 0, stderr.decode()[-3000:]
    return json.loads(stdout)


# Unified methods binance has (``exchange.has``) that never reach /api/v3 for spot: ccxt refuses
# them itself, or calls /sapi (wallet endpoints outside the Spot API documents: the server
# answers -1020 there, as for any path it does not serve).
CCXT_REFUSES = {
    "fetch_status": ("BadRequest", "-1020"),  # GET /sapi/v1/system/status
    "fetch_trading_fee": ("BadRequest", "-1020"),  # GET /sapi/v1/asset/tradeFee
    "fetch_trading_fees": ("BadRequest", "-1020"),  # idem
    "fetch_open_order": ("NotSupported", "does not support spot markets"),
    "create_orders": ("NotSupported", "does not support spot orders"),
    "cancel_orders": ("BadRequest", "only supported for swap markets"),
    "edit_orders": ("NotSupported", "does not support spot orders"),
}
# What binance claims (``exchange.has``) and this sweep calls; the rest of its claims are
# margin, futures, options, convert and wallet calls, outside the Spot API.
# fmt: off
CLAIMED = [
    "fetchMarkets", "fetchTime", "fetchStatus", "fetchTicker", "fetchTickers", "fetchBidsAsks",
    "fetchLastPrices", "fetchOrderBook", "fetchL2OrderBook", "fetchTrades", "fetchOHLCV",
    "fetchBalance", "fetchTradingFee", "fetchTradingFees", "createOrder", "createOrders",
    "createLimitBuyOrder", "createLimitSellOrder", "createMarketBuyOrder",
    "createMarketSellOrder", "createMarketBuyOrderWithCost", "createMarketSellOrderWithCost",
    "createMarketOrderWithCost", "createPostOnlyOrder", "createStopLossOrder",
    "createTakeProfitOrder", "createStopLimitOrder", "createStopOrder", "createTriggerOrder",
    "createTrailingPercentOrder", "editOrder", "editOrders", "cancelOrder", "cancelOrders",
    "cancelAllOrders", "fetchOrder", "fetchOpenOrder", "fetchOrders", "fetchOpenOrders",
    "fetchClosedOrders", "fetchCanceledOrders", "fetchCanceledAndClosedOrders", "fetchMyTrades",
    "fetchOrderTrades",
]
# fmt: on
ORDER = ("type", "side", "status", "timeInForce", "price", "amount", "filled", "remaining")


def fields(order: dict[str, Any], *names: str) -> tuple[Any, ...]:
    return tuple(order[n] for n in names)


def errors(out: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        k: (v["error"], v["message"])
        for k, v in out.items()
        if isinstance(v, dict) and "error" in v
    }


@pytest.mark.skipif(version("ccxt") is None, reason="ccxt missing")
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_every_rest_call(serve: ServeFactory, mode: str) -> None:
    served = ccxt_exchange()
    out: dict[str, Any] = await run_ccxt(serve, served, SCRIPT, mode)
    has = out.pop("has")
    assert [name for name in CLAIMED if not has[name]] == []
    check_refusals(out)
    check_market_data(out)
    check_trading(out)
    check_conditional(out)
    check_implicit(out)
    assert served.open_orders("demo") == []


def check_refusals(out: dict[str, Any]) -> None:
    found = errors(out)
    refusals = {k: found.pop(k) for k in list(found) if k.startswith("error ")}
    assert {k: v[0] for k, v in refusals.items()} == {
        "error insufficient": "InsufficientFunds",  # -2010, "Account has insufficient ..."
        "error unknown order": "OrderNotFound",  # -2013
        "error PERCENT_PRICE_BY_SIDE": "InvalidOrder",  # -1013 (filters.md)
        "error NOTIONAL": "BadRequest",  # -1013 (filters.md)
        "error below the step": "InvalidOrder",  # ccxt's own check of the LOT_SIZE step
        "error duplicate": "InvalidOrder",  # -2010 "Duplicate order sent."
        "error cancel_all_orders none": "OrderNotFound",  # -2011
        # -2021 (rest-api.md, Cancel an Existing Order and Send a New Order): the cancel
        # succeeded, the new LIMIT_MAKER would take; ccxt raises, the old order is canceled.
        "error edit_order": "ExchangeError",
        "error unknown key": "AuthenticationError",  # -2015
    }
    assert "PERCENT_PRICE_BY_SIDE" in refusals["error PERCENT_PRICE_BY_SIDE"][1]
    assert "NOTIONAL" in refusals["error NOTIONAL"][1]
    assert (
        "-2021" in refusals["error edit_order"][1]
        and '"newOrderResult":"FAILURE"' in (refusals["error edit_order"][1])
    )
    assert out["fetch_order after failed edit"]["status"] == "canceled"
    # DELETE /api/v3/openOrders ends an open OCO as one list entry holding its legs' reports
    # (rest-api.md, Cancel All Open Orders on a Symbol); ccxt parses it as one order, no id.
    assert [o["id"] for o in out["cancel_all_orders list"]] == [None]
    for name, (kind, text) in CCXT_REFUSES.items():
        assert found.pop(name)[0] == kind and text in out[name]["message"], out[name]
    assert {k: v[0] for k, v in found.items()} == {
        # -2011 (errors.md, Messages for -1010, -2010, -2011): the order is gone.
        "cancel_order again": "OrderNotFound",
        # A LIMIT_MAKER that would take is rejected (rest-api.md, New order: LIMIT_MAKER).
        "create_order postOnly crossing": "OrderImmediatelyFillable",
        # ccxt: a spot trailingPercent needs its stopLossOrTakeProfit parameter.
        "create_order trailingPercent alone": "InvalidOrder",
        # ccxt reads params["method"] but leaves it in the request: -1104 (errors.md).
        "fetch_trades method": "BadRequest",
        # No reference price is ever set (docs/local-exchange-coverage.md).
        "public GET referencePrice": "ExchangeError",
        "public GET referencePrice/calculation": "ExchangeError",
        # listenKeys are gone since 2026-02-20 (CHANGELOG.md, 2026-01-21): HTTP 410, which ccxt
        # maps to ExchangeNotAvailable.
        "public POST userDataStream": "ExchangeNotAvailable",
        "public PUT userDataStream": "ExchangeNotAvailable",
        "public DELETE userDataStream": "ExchangeNotAvailable",
    }
    assert "-1104" in out["fetch_trades method"]["message"]
    assert "-2043" in out["public GET referencePrice"]["message"]
    assert "410" in out["public POST userDataStream"]["message"]


def check_market_data(out: dict[str, Any]) -> None:
    market = out["market"]
    assert (market["id"], market["type"], market["spot"], market["active"]) == (
        "BTCUSDT", "spot", True, True,
    )  # fmt: skip
    # exchangeInfo's PRICE_FILTER, LOT_SIZE, NOTIONAL and MARKET_LOT_SIZE (filters.md).
    assert (market["precision"]["price"], market["precision"]["amount"]) == (0.01, 0.00001)
    limits = market["limits"]
    assert (limits["amount"]["min"], limits["price"]["min"], limits["cost"]["min"]) == (
        0.00001, 0.01, 5.0,
    )  # fmt: skip
    assert "BTC/USDT" in out["fetch_markets"] and "ETH/USDT" in out["fetch_markets"]
    assert abs(out["fetch_time"] - wall_clock_ms()) < 60_000
    book = out["fetch_order_book"]
    bid, ask = book["bids"][0], book["asks"][0]
    assert len(book["bids"]) == len(book["asks"]) == 5 and bid[0] < ask[0]
    assert book["nonce"] > 0
    assert out["fetch_l2_order_book"]["bids"] == book["bids"]
    ticker = out["fetch_ticker"]
    assert (ticker["symbol"], ticker["bid"], ticker["ask"], ticker["last"]) == (
        "BTC/USDT", bid[0], ask[0], 60000.0,
    )  # fmt: skip
    assert (ticker["bidVolume"], ticker["askVolume"], ticker["baseVolume"]) == (bid[1], ask[1], 0)
    assert out["fetch_ticker rolling"]["last"] == 60000.0
    assert set(out["fetch_tickers"]) == {"BTC/USDT", "ETH/USDT"}
    assert out["fetch_tickers"]["ETH/USDT"]["last"] == 3000.0
    assert {"BTC/USDT", "ETH/USDT"} <= set(out["fetch_tickers all"])
    quotes = out["fetch_bids_asks"]["BTC/USDT"]
    assert (quotes["bid"], quotes["bidVolume"], quotes["ask"], quotes["askVolume"]) == (
        bid[0], bid[1], ask[0], ask[1],
    )  # fmt: skip
    assert "ETH/USDT" in out["fetch_bids_asks all"]
    assert out["fetch_last_prices"]["BTC/USDT"]["price"] == 60000.0
    assert out["fetch_last_prices all"]["ETH/USDT"]["price"] == 3000.0
    balance = out["fetch_balance"]
    assert balance["BTC"] == {"free": 1.0, "used": 0.0, "total": 1.0}
    assert balance["USDT"]["total"] == 100000.0


def check_trading(out: dict[str, Any]) -> None:
    bid, ask = out["fetch_order_book"]["bids"][0][0], out["fetch_order_book"]["asks"][0][0]
    buy = out["create_order market buy"]
    assert fields(buy, *ORDER) == ("market", "buy", "closed", "GTC", ask, 0.01, 0.01, 0.0)
    assert (buy["average"], buy["cost"]) == (ask, pytest.approx(ask * 0.01))
    # A taker fee of 0.1 % of what the buyer receives (faqs/commission_faq.md).
    assert buy["fee"] == {"currency": "BTC", "cost": pytest.approx(0.00001)}
    assert [(t["price"], t["amount"]) for t in buy["trades"]] == [(ask, 0.01)]
    sell = out["create_order market sell"]
    assert fields(sell, "status", "average", "filled") == ("closed", bid, 0.01)
    assert sell["fee"] == {"currency": "USDT", "cost": pytest.approx(bid * 0.01 * 0.001)}
    # quoteOrderQty (rest-api.md, New order: MARKET): the quantity bought for that much USDT.
    for name, quote in (
        ("create_market_buy_order_with_cost", 100),
        ("create_market_sell_order_with_cost", 100),
        ("create_market_order_with_cost", 50),
        ("create_order quoteOrderQty", 30),
    ):
        order = out[name]
        assert (
            order["status"] == "closed" and order["raw"]["origQuoteOrderQty"] == f"{quote}.00000000"
        )
        assert quote - order["average"] * 0.00001 < order["cost"] <= quote, name
    for name in ("create_market_buy_order", "create_market_sell_order"):
        assert fields(out[name], "type", "status", "filled") == ("market", "closed", 0.001)
    aggs = out["fetch_trades"]
    assert [(t["id"], t["price"], t["amount"], t["side"]) for t in aggs[:2]] == [
        ("1", ask, 0.01, "buy"), ("2", bid, 0.01, "sell"),
    ]  # fmt: skip
    assert [t["id"] for t in out["fetch_trades since"]] == ["1", "2"]
    assert len(out["fetch_trades trades"]) == 3
    assert [t["id"] for t in out["fetch_trades historical"]] == ["1", "2", "3"]
    # Every trade so far in the 1m and 1h klines (the sweep may cross a minute's or an hour's
    # end): their highs and lows are the best ask and bid the market orders took.
    volume = sum(t["amount"] for t in aggs)
    for name in ("fetch_ohlcv", "fetch_ohlcv since"):
        klines = out[name]
        assert sum(k[5] for k in klines) == pytest.approx(volume), name
        assert (max(k[2] for k in klines), min(k[3] for k in klines)) == (ask, bid), name
    mine = out["fetch_my_trades"]
    assert (mine[0]["order"], mine[0]["takerOrMaker"], mine[0]["side"]) == (
        buy["id"],
        "taker",
        "buy",
    )
    assert mine[0]["fee"] == buy["fee"] and mine[1]["fee"] == sell["fee"]
    assert len(out["fetch_my_trades since"]) == 2
    # Windows over the whole sweep so far (startTime / endTime), and ccxt's pagination.
    ids = [t["id"] for t in mine]
    assert [t["id"] for t in out["fetch_trades until"]] == [t["id"] for t in aggs] == ids
    assert [t["id"] for t in out["fetch_my_trades until"]] == ids
    assert [t["id"] for t in out["fetch_my_trades paginate"]] == ids
    assert [o["id"] for o in out["fetch_orders until"]] == [t["order"] for t in mine]
    for name in ("fetch_ohlcv until", "fetch_ohlcv paginate"):
        assert sum(k[5] for k in out[name]) == pytest.approx(volume), name
    assert [t["id"] for t in out["fetch_order_trades"]] == [mine[0]["id"]]
    limit = out["create_order limit"]
    assert fields(limit, *ORDER) == ("limit", "buy", "open", "GTC", 55000, 0.01, 0, 0.01)
    assert limit["clientOrderId"] == "ccxt-limit"
    assert out["fetch_order"] == out["fetch_order clientOrderId"]
    assert fields(out["fetch_order"], "id", "status", "clientOrderId") == (
        limit["id"], "open", "ccxt-limit",
    )  # fmt: skip
    # edit_order is a cancel-replace (rest-api.md, Cancel an Existing Order and Send a New
    # Order): a new order, the old one canceled.
    edited = out["edit_order"]
    assert fields(edited, *ORDER) == ("limit", "buy", "open", "GTC", 55500, 0.02, 0, 0.02)
    assert edited["id"] != limit["id"] and out["fetch_order edited"]["status"] == "canceled"
    assert [o["id"] for o in out["fetch_open_orders"]] == [edited["id"]]
    canceled = out["cancel_order"]
    assert fields(canceled, "id", "status", "amount", "filled") == (
        edited["id"],
        "canceled",
        0.02,
        0,
    )
    assert fields(out["create_order IOC"], "status", "timeInForce", "filled") == (
        "expired",
        "IOC",
        0,
    )
    assert fields(out["create_order FOK"], "status", "timeInForce", "filled", "average") == (
        "closed", "FOK", 0.01, ask,
    )  # fmt: skip
    assert fields(out["create_order FOK unfilled"], "status", "filled") == ("expired", 0)
    for name in ("create_order postOnly", "create_post_only_order", "create_order LIMIT_MAKER"):
        order = out[name]
        assert (order["postOnly"], order["status"], order["raw"]["type"]) == (
            True,
            "open",
            "LIMIT_MAKER",
        )
    assert out["create_order icebergAmount"]["raw"]["icebergQty"] == "0.00200000"
    assert out["create_order icebergQty"]["raw"]["icebergQty"] == "0.00500000"
    assert fields(out["create_limit_buy_order"], "side", "price", "status") == (
        "buy",
        54000,
        "open",
    )
    assert fields(out["create_limit_sell_order"], "side", "price", "status") == (
        "sell",
        66000,
        "open",
    )
    assert (
        out["create_order selfTradePrevention"]["raw"]["selfTradePreventionMode"] == "EXPIRE_BOTH"
    )
    # order/test answers {} (rest-api.md, Test new order): nothing for ccxt to parse.
    assert out["create_order test"]["id"] is None
    # ccxt's sor parameter: POST /api/v3/sor/order (rest-api.md, New order using SOR).
    sor = out["create_order sor"]
    assert fields(sor, "status", "filled", "average") == ("closed", 0.001, ask)
    assert (sor["raw"]["usedSor"], sor["raw"]["workingFloor"]) == (True, "SOR")
    assert out["create_order sor test"]["id"] is None
    resting = out["fetch_open_orders all"]
    assert len(resting) == 8 and {o["status"] for o in resting} == {"open"}
    assert sorted(o["id"] for o in out["cancel_all_orders"]) == sorted(o["id"] for o in resting)
    assert {o["status"] for o in out["cancel_all_orders"]} == {"canceled"}


def check_conditional(out: dict[str, Any]) -> None:
    # Binance's stop types, as ccxt builds them from its unified parameters (rest-api.md,
    # New order: type) and parses them back (type market / limit, triggerPrice = stopPrice).
    expect = {
        "create_order stopLossPrice": ("STOP_LOSS", "market", None, 50000),
        "create_order stopLossPrice limit": ("STOP_LOSS_LIMIT", "limit", 49000, 50000),
        "create_order takeProfitPrice": ("TAKE_PROFIT", "market", None, 70000),
        "create_order takeProfitPrice limit": ("TAKE_PROFIT_LIMIT", "limit", 71000, 70000),
        "create_order triggerPrice limit": ("STOP_LOSS_LIMIT", "limit", 70500, 70000),
        "create_stop_loss_order": ("STOP_LOSS", "market", None, 50000),
        "create_take_profit_order": ("TAKE_PROFIT_LIMIT", "limit", 71000, 70000),
        "create_stop_limit_order": ("STOP_LOSS_LIMIT", "limit", 49000, 50000),
        "create_stop_order": ("STOP_LOSS_LIMIT", "limit", 49000, 50000),
        "create_trigger_order": ("STOP_LOSS", "market", None, 70000),
    }
    for name, (raw, kind, price, stop) in expect.items():
        order = out[name]
        assert (order["raw"]["type"], order["type"], order["price"]) == (raw, kind, price), name
        assert (order["status"], order["triggerPrice"], order["stopPrice"]) == ("open", stop, stop)
        assert order["raw"]["stopPrice"] == f"{stop}.00000000", name
    assert out["create_order takeProfitPrice"]["takeProfitPrice"] == 70000
    stops = out["fetch_open_orders stops"]
    assert [o["triggerPrice"] for o in stops] == [50000, 50000, 70000, 70000, 70000]
    assert {o["status"] for o in out["cancel_all_orders stops"]} == {"canceled"}
    # Trailing stops (faqs/trailing-stop-faq.md): trailingDelta in BIPS; ccxt's trailingPercent
    # is sent as percent x 100, its trailingTriggerPrice as the activation stopPrice.
    trailing = {
        "create_order STOP_LOSS trailingDelta": ("STOP_LOSS", 100, None),
        "create_order trailingPercent": ("STOP_LOSS", 100, None),
        "create_order trailingPercent limit": ("TAKE_PROFIT_LIMIT", 50, 70000),
        "create_trailing_percent_order": ("STOP_LOSS", 200, None),
    }
    for name, (raw, delta, stop) in trailing.items():
        order = out[name]
        assert (order["raw"]["type"], order["raw"]["trailingDelta"]) == (raw, delta), name
        assert (order["status"], order["triggerPrice"]) == ("open", stop), name
    assert len(out["cancel_all_orders trailing"]) == 4
    statuses = [o["status"] for o in out["fetch_orders"]]
    # 10 filled, 2 expired (IOC, FOK), 24 canceled: every order this sweep placed with ccxt.
    assert statuses.count("closed") == len(out["fetch_closed_orders"]) == 10
    assert statuses.count("expired") == 2
    assert statuses.count("canceled") == len(out["fetch_canceled_orders"]) == 24
    assert len(out["fetch_canceled_and_closed_orders"]) == 34


def check_implicit(out: dict[str, Any]) -> None:
    assert out.pop("implicit_not_called") == []
    assert out["public GET ping"] == {}
    assert out["public GET depth"]["bids"][0][0] == "59988.00000000"
    assert out["public GET executionRules"] == {"symbolRules": [{"symbol": "BTCUSDT", "rules": []}]}
    assert out["public GET historicalBlockTrades"] == []
    lists = {
        "private POST orderList/oco": "OCO",
        "private POST order/oco": "OCO",
        "private POST orderList/oto": "OTO",
        "private POST orderList/otoco": "OTO",
        # OPO and OPOCO report contingencyType OTO (rest-api.md, New Order list - OPO).
        "private POST orderList/opo": "OTO",
        "private POST orderList/opoco": "OTO",
    }
    for name, kind in lists.items():
        assert (out[name]["contingencyType"], out[name]["listOrderStatus"]) == (kind, "EXECUTING")
    assert out["private DELETE orderList"]["listOrderStatus"] == "ALL_DONE"
    assert (
        out["private GET openOrderList"][0]["orderListId"]
        == out["private GET orderList"]["orderListId"]
    )
    assert out["private GET order"]["clientOrderId"] == "ccxt-implicit"
    amended = out["request PUT order/amend/keepPriority"]["amendedOrder"]
    assert (amended["qty"], amended["status"]) == ("0.00500000", "NEW")
    assert out["request GET order/amendments"][0]["newQty"] == "0.00500000"
    replaced = out["private POST order/cancelReplace"]
    assert (replaced["cancelResult"], replaced["newOrderResult"]) == ("SUCCESS", "SUCCESS")
    assert out["private DELETE order"]["status"] == "CANCELED"
    assert out["private POST order/test"]["standardCommissionForOrder"]["taker"] == "0.00100000"
    assert out["private POST sor/order"]["status"] == "FILLED"
    assert out["private POST sor/order/test"] == {}
    assert out["private GET account"]["commissionRates"]["taker"] == "0.00100000"
    assert out["private GET account/commission"]["symbol"] == "BTCUSDT"
    # The allocations of the two SOR orders: ccxt's (create_order sor) and the implicit one.
    allocated = [a["orderId"] for a in out["private GET myAllocations"]]
    assert allocated == [
        int(out["create_order sor"]["id"]),
        out["private POST sor/order"]["orderId"],
    ]
    assert out["private GET myPreventedMatches"] == []
    assert "PRICE_FILTER" in {
        f["filterType"] for f in out["request GET myFilters"]["symbolFilters"]
    }

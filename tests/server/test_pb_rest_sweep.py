"""Every REST method of python-binance's ``AsyncClient`` that reaches ``/api/v3`` against
the local server, each answer checked for its values (in a child process, as in
test_client_library), and a few of the same calls (REST and WebSocket API) through the
synchronous ``Client``.

The child lists the methods itself: every ``AsyncClient`` method whose body (or a helper it
calls) sends to ``/api/v3`` (``_get`` / ``_post`` / ``_put`` / ``_delete`` /
``_request_api``), found in python-binance's own source; the sweep must call them all.
Answers are compared with Binance's documented strings (rest-api.md, each endpoint's
Response: prices and quantities as 8-decimal strings) and with the served exchange's own
balances. The few calls that fail are python-binance's: a path Binance never served
(``v3_post_cancel_replace``: ``/api/v3/cancelReplace``) and the listenKey endpoints Binance
removed in 2026-02 (docs/local-exchange-coverage.md). A second test signs with an Ed25519
key (REST, WebSocket API, user data socket), trades the Unicode symbol and checks error
answers. Skipped when python-binance is missing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from tests.server.conftest import CAROL_KEY, CAROL_PEM, CAROL_PRIVATE, ServeFactory
from tests.server.test_client_library import VERSION, run_child, run_client
from transports.sim.exchange import SimExchange
from transports.sim.markets import UNICODE_SYMBOL, default_markets
from transports.sim.server.app import ApiAccount
from transports.sim.server.core import wall_clock_ms

# Child-script code shared with test_pb_ws_sweep: ``call(label, coro)`` records an answer
# (or the error python-binance raised) under ``label`` and the method name as called;
# ``swept(cls, kinds)`` lists the public methods of ``cls`` whose body, or a method of
# ``cls`` it calls, calls one of ``kinds`` (python-binance's own senders), read from
# python-binance's source.
PB_HEAD = """
import ast, asyncio, inspect, json, sys
from binance.exceptions import BinanceAPIException

S = "BTCUSDT"
out, called = {}, set()

async def call(label, coro):
    called.add(label.split(" ")[0])
    try:
        out[label] = await coro
    except BinanceAPIException as exc:
        out[label] = {"error": [exc.status_code, exc.code, exc.message]}
    return out[label]

def swept(cls, kinds):
    tree = ast.parse(inspect.getsource(inspect.getmodule(cls)))
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
    sends, uses = {}, {}
    for fn in body.body:
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        names = {n.func.attr for n in ast.walk(fn) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
                 and n.func.value.id == "self"}
        sends[fn.name] = bool(names & kinds)
        uses[fn.name] = names - kinds
    def reaches(name, seen=()):
        return name not in seen and name in sends and (
            sends[name] or any(reaches(u, seen + (name,)) for u in uses[name]))
    return {n for n in sends if not n.startswith("_") and reaches(n)}
"""

SCRIPT = (
    PB_HEAD
    + """
from binance import AsyncClient, Client

async def collect(label, agen):
    called.add(label)
    out[label] = [item async for item in agen]

async def market_data(c):
    await call("ping", c.ping())
    await call("get_server_time", c.get_server_time())
    await call("get_exchange_info", c.get_exchange_info())
    await call("get_symbol_info", c.get_symbol_info(S))
    await call("get_order_book", c.get_order_book(symbol=S, limit=5))
    await call("get_recent_trades", c.get_recent_trades(symbol=S, limit=5))
    await call("get_historical_trades", c.get_historical_trades(symbol=S, fromId=0))
    await call("get_aggregate_trades", c.get_aggregate_trades(symbol=S))
    await collect("aggregate_trade_iter", c.aggregate_trade_iter(S))
    first = out["aggregate_trade_iter"][0]["T"]  # by time: startTime / endTime, then fromId
    await collect("aggregate_trade_iter start", c.aggregate_trade_iter(S, start_str=first))
    await call("get_historical_klines all", c.get_historical_klines(S, "1d"))
    await call("get_klines", c.get_klines(symbol=S, interval="1h"))
    await call("get_ui_klines", c.get_ui_klines(symbol=S, interval="1h", timeZone="8"))
    start = out["get_klines"][0][0]
    await call("get_historical_klines", c.get_historical_klines(S, "1h", start))
    await collect("get_historical_klines_generator",
                  await c.get_historical_klines_generator(S, "1h", start))
    await call("get_avg_price", c.get_avg_price(symbol=S))
    await call("get_ticker", c.get_ticker(symbol=S))
    await call("get_symbol_ticker", c.get_symbol_ticker(symbol=S))
    await call("get_symbol_ticker_window", c.get_symbol_ticker_window(symbol=S, windowSize="1h"))
    await call("get_orderbook_ticker", c.get_orderbook_ticker(symbol=S))
    await call("get_orderbook_tickers", c.get_orderbook_tickers(symbols='["BTCUSDT","ETHUSDT"]'))
    await call("get_all_tickers", c.get_all_tickers())
    await call("v3_get_ticker_trading_day", c.v3_get_ticker_trading_day(symbol=S))

async def orders(c):
    lim = dict(symbol=S, timeInForce="GTC", quantity="0.01")
    await call("create_order MARKET", c.create_order(
        symbol=S, side="BUY", type="MARKET", quantity="0.01", newClientOrderId="pb-market"))
    await call("get_account after", c.get_account(omitZeroBalances="true"))
    await call("create_order MARKET quote", c.create_order(
        symbol=S, side="BUY", type="MARKET", quoteOrderQty="600"))
    await call("order_market_buy", c.order_market_buy(symbol=S, quantity="0.001"))
    await call("order_market_sell", c.order_market_sell(symbol=S, quantity="0.001"))
    await call("order_market", c.order_market(symbol=S, side="BUY", quoteOrderQty="60"))
    await call("create_order GTC", c.create_order(
        side="BUY", type="LIMIT", price="55000", newClientOrderId="pb-gtc", **lim))
    await call("create_order IOC", c.create_order(
        symbol=S, side="BUY", type="LIMIT", timeInForce="IOC", quantity="0.01", price="59500"))
    await call("create_order FOK", c.create_order(
        symbol=S, side="SELL", type="LIMIT", timeInForce="FOK", quantity="1.5", price="59000"))
    await call("create_order IOC partial", c.create_order(
        symbol=S, side="SELL", type="LIMIT", timeInForce="IOC", quantity="1.2", price="58950"))
    await call("create_order LIMIT_MAKER", c.create_order(
        symbol=S, side="SELL", type="LIMIT_MAKER", quantity="0.01", price="61000"))
    await call("create_order LIMIT_MAKER taking", c.create_order(
        symbol=S, side="BUY", type="LIMIT_MAKER", quantity="0.01", price="60000"))
    await call("create_order STOP_LOSS", c.create_order(
        symbol=S, side="SELL", type="STOP_LOSS", quantity="0.01", stopPrice="50000"))
    await call("create_order STOP_LOSS_LIMIT", c.create_order(
        side="SELL", type="STOP_LOSS_LIMIT", price="49900", stopPrice="50000", **lim))
    await call("create_order TAKE_PROFIT", c.create_order(
        symbol=S, side="SELL", type="TAKE_PROFIT", quantity="0.01", stopPrice="70000"))
    await call("create_order TAKE_PROFIT_LIMIT", c.create_order(
        side="SELL", type="TAKE_PROFIT_LIMIT", price="70100", stopPrice="70000", **lim))
    await call("create_order trailingDelta", c.create_order(
        symbol=S, side="SELL", type="STOP_LOSS", quantity="0.01", trailingDelta="100"))
    await call("create_order icebergQty", c.create_order(
        side="BUY", type="LIMIT", price="55000", icebergQty="0.002", **lim))
    for kind in ("ACK", "RESULT", "FULL"):
        await call("create_order " + kind, c.create_order(
            side="BUY", type="LIMIT", price="55000", newOrderRespType=kind, **lim))
    await call("order_limit_buy", c.order_limit_buy(symbol=S, quantity="0.01", price="59500"))
    await call("order_limit_sell STP", c.order_limit_sell(
        symbol=S, quantity="0.01", price="59500", selfTradePreventionMode="EXPIRE_TAKER"))
    await call("order_limit", c.order_limit(
        symbol=S, side="SELL", quantity="0.01", price="62000"))
    await call("create_test_order", c.create_test_order(
        side="BUY", type="LIMIT", price="55000", computeCommissionRates="true", **lim))
    await call("v3_post_order_test", c.v3_post_order_test(
        symbol=S, side="BUY", type="MARKET", quantity="0.01"))
    await call("v3_post_order", c.v3_post_order(
        side="BUY", type="LIMIT", price="55000", newClientOrderId="pb-v3", **lim))

async def lists(c):
    # The five stop orders fill the symbol's MAX_NUM_ALGO_ORDERS (filters.md): cancel them.
    for kind in ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT",
                 "trailingDelta"):
        await call("cancel_order " + kind, c.cancel_order(
            symbol=S, orderId=out["create_order " + kind]["orderId"]))
    oco = dict(symbol=S, quantity="0.01", aboveType="LIMIT_MAKER", abovePrice="62000",
               belowType="STOP_LOSS_LIMIT", belowPrice="57000", belowStopPrice="57500",
               belowTimeInForce="GTC")
    await call("create_oco_order", c.create_oco_order(side="SELL", **oco))
    await call("order_oco_sell", c.order_oco_sell(listClientOrderId="pb-oco", **oco))
    await call("order_oco_buy", c.order_oco_buy(
        symbol=S, quantity="0.01", aboveType="STOP_LOSS_LIMIT", abovePrice="61500",
        aboveStopPrice="61000", aboveTimeInForce="GTC", belowType="LIMIT_MAKER",
        belowPrice="58000"))
    await call("v3_post_order_list_oco", c.v3_post_order_list_oco(side="SELL", **oco))
    working = dict(symbol=S, workingType="LIMIT", workingSide="BUY", workingPrice="55000",
                   workingQuantity="0.001", workingTimeInForce="GTC")
    await call("v3_post_order_list_oto", c.v3_post_order_list_oto(
        **working, pendingType="LIMIT_MAKER", pendingSide="SELL", pendingPrice="65000",
        pendingQuantity="0.001"))
    await call("v3_post_order_list_otoco", c.v3_post_order_list_otoco(
        **working, pendingSide="SELL", pendingQuantity="0.001", pendingAboveType="LIMIT_MAKER",
        pendingAbovePrice="65000", pendingBelowType="STOP_LOSS", pendingBelowStopPrice="50000"))
    listed = out["order_oco_sell"]["orderListId"]
    await call("get_open_oco_orders", c.get_open_oco_orders())
    await call("v3_get_open_order_list", c.v3_get_open_order_list())
    await call("v3_get_order_list", c.v3_get_order_list(orderListId=listed))
    await call("v3_get_all_order_list", c.v3_get_all_order_list(limit=2))
    await call("v3_delete_order_list", c.v3_delete_order_list(
        symbol=S, listClientOrderId="pb-oco"))

async def queries(c):
    gtc = out["create_order GTC"]["orderId"]
    await call("get_order", c.get_order(symbol=S, origClientOrderId="pb-gtc"))
    await call("v3_get_order", c.v3_get_order(symbol=S, orderId=gtc))
    await call("get_open_orders", c.get_open_orders(symbol=S))
    await call("v3_get_open_orders", c.v3_get_open_orders(symbol=S))
    await call("get_all_orders", c.get_all_orders(symbol=S, limit=3))
    await call("v3_get_all_orders", c.v3_get_all_orders(symbol=S, orderId=gtc, limit=1))
    await call("get_my_trades", c.get_my_trades(symbol=S, limit=2))
    await call("v3_get_my_trades", c.v3_get_my_trades(symbol=S, fromId=0, limit=1))
    stp = out["order_limit_sell STP"]["orderId"]
    await call("get_prevented_matches", c.get_prevented_matches(symbol=S, orderId=stp))
    await call("v3_get_my_prevented_matches", c.v3_get_my_prevented_matches(
        symbol=S, preventedMatchId=out["get_prevented_matches"][0]["preventedMatchId"]))
    await call("get_current_order_count", c.get_current_order_count())
    await call("v3_get_rate_limit_order", c.v3_get_rate_limit_order())
    await call("v3_get_account_commission", c.v3_get_account_commission(symbol=S))
    await call("get_asset_balance", c.get_asset_balance("BTC"))
    await call("v3_get_account", c.v3_get_account(omitZeroBalances="true"))

async def cancels(c):
    gtc = out["create_order GTC"]["orderId"]
    await call("cancel_replace_order", c.cancel_replace_order(
        symbol=S, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.02",
        price="55100", cancelReplaceMode="STOP_ON_FAILURE", cancelOrderId=gtc,
        newClientOrderId="pb-replaced"))
    await call("v3_post_order_cancel_replace", c.v3_post_order_cancel_replace(
        symbol=S, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01",
        price="55200", cancelReplaceMode="ALLOW_FAILURE", cancelOrigClientOrderId="pb-replaced"))
    await call("v3_post_cancel_replace", c.v3_post_cancel_replace(
        symbol=S, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01",
        price="55200", cancelReplaceMode="STOP_ON_FAILURE", cancelOrderId=gtc))
    await call("cancel_order", c.cancel_order(
        symbol=S, orderId=out["create_order icebergQty"]["orderId"]))
    await call("v3_delete_order", c.v3_delete_order(symbol=S, origClientOrderId="pb-v3"))
    await call("v3_post_sor_order", c.v3_post_sor_order(
        symbol=S, side="BUY", type="MARKET", quantity="0.002"))
    await call("v3_post_sor_order_test", c.v3_post_sor_order_test(
        symbol=S, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.002",
        price="55000", computeCommissionRates="true"))
    await call("get_allocations", c.get_allocations(symbol=S))
    await call("v3_get_my_allocations", c.v3_get_my_allocations(symbol=S, fromAllocationId=0))
    await call("cancel_all_open_orders", c.cancel_all_open_orders(symbol=S))
    await call("v3_delete_open_orders", c.v3_delete_open_orders(symbol=S))
    await call("get_account", c.get_account())

async def user_stream(c):
    # Binance removed the listenKey endpoints in 2026-02; python-binance still has them.
    await call("stream_get_listen_key", c.stream_get_listen_key())
    await call("stream_keepalive", c.stream_keepalive("x" * 60))
    await call("stream_close", c.stream_close("x" * 60))
    await call("v3_post_user_data_stream", c.v3_post_user_data_stream())
    await call("v3_put_user_data_stream", c.v3_put_user_data_stream(listenKey="x" * 60))
    await call("v3_delete_user_data_stream", c.v3_delete_user_data_stream(listenKey="x" * 60))

async def main(base, key, secret):
    class Local(AsyncClient):
        API_URL = base
    called.add("create")
    c = await Local.create(key, secret)
    try:
        for phase in (orders, market_data, lists, queries, cancels, user_stream):
            try:
                await phase(c)
            except Exception as exc:  # reported, and the sweep goes on
                out["crashed " + phase.__name__] = repr(exc)
    finally:
        await c.close_connection()
    # X-MBX-TIME-UNIT (rest-api.md, General API Information): times in microseconds.
    micro = await Local.create(key, secret, time_unit="MICROSECOND")
    try:
        await call("micro get_server_time", micro.get_server_time())
        await call("micro order_market_buy", micro.order_market_buy(symbol=S, quantity="0.001"))
        await call("micro get_my_trades", micro.get_my_trades(symbol=S, limit=1))
    finally:
        await micro.close_connection()
    kinds = {"_get", "_post", "_put", "_delete", "_request_api"}
    spot = {n for n in swept(AsyncClient, kinds) if not n.startswith("futures_")}
    out["not_called"] = sorted(spot - called)

def sync(base, key, secret):
    # The synchronous client: the same requests through ``requests``.
    class Local(Client):
        API_URL = base
        WS_API_URL = base.replace("http", "ws", 1).removesuffix("/api") + "/ws-api/v3"
    c = Local(key, secret)
    c.ws_api.TIMEOUT = 3  # an answer's wait, and closing's for its read loop (10 s by default)
    got = {}
    try:
        got["ping"] = c.ping()
        got["market"] = c.order_market_sell(symbol=S, quantity="0.001")
        got["limit"] = c.order_limit_buy(symbol=S, quantity="0.01", price="55000")
        got["get_order"] = c.get_order(symbol=S, orderId=got["limit"]["orderId"])
        got["cancel"] = c.cancel_order(symbol=S, orderId=got["limit"]["orderId"])
        got["oco"] = c.create_oco_order(
            symbol=S, side="SELL", quantity="0.01", aboveType="LIMIT_MAKER",
            abovePrice="62000", belowType="STOP_LOSS", belowStopPrice="57500")
        got["cancel_all"] = c.cancel_all_open_orders(symbol=S)
        got["trades"] = c.get_my_trades(symbol=S, orderId=got["market"]["orderId"])
        got["balance"] = c.get_asset_balance("USDT")
        # Its WebSocket API calls run on an event loop of their own.
        got["ws_order"] = c.ws_create_order(
            symbol=S, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01",
            price="55000")
        got["ws_cancel"] = c.ws_cancel_order(symbol=S, orderId=got["ws_order"]["orderId"])
        got["ws_account"] = c.ws_get_account()
    finally:
        c.close_connection()  # the session only: python-binance leaves its WebSocket open
        c.loop.run_until_complete(c.ws_api.close())
    out["sync"] = got

asyncio.run(main(*sys.argv[1:]))
sync(*sys.argv[1:])
print(json.dumps(out))
"""
)


def exchange() -> SimExchange:
    """The default markets at a 0.1 % taker commission; ``demo`` holds 100000 USDT and 2 BTC;
    ``maker`` asks 1 BTC at 60000 and 60100 and bids 1 BTC at 59000 and 58900 on BTCUSDT (and
    asks 1 BTC at 60050 on BTCUSDC, for the SOR)."""
    config = msgspec.structs.replace(default_markets(), taker_commission=Decimal("0.001"))
    exchange = SimExchange(clock=wall_clock_ms, config=config)
    exchange.create_account("demo", {"USDT": Decimal("100000"), "BTC": Decimal("2")})
    exchange.create_account(
        "maker", {"USDT": Decimal("1000000"), "USDC": Decimal("0"), "BTC": Decimal("10")}
    )
    for symbol, side, price in (
        ("BTCUSDT", Side.SELL, "60000"),
        ("BTCUSDT", Side.SELL, "60100"),
        ("BTCUSDT", Side.BUY, "59000"),
        ("BTCUSDT", Side.BUY, "58900"),
        ("BTCUSDC", Side.SELL, "60050"),
    ):
        exchange.place_order(
            "maker",
            NewOrder(
                symbol=symbol,
                side=side,
                order_type=OrderType.LIMIT,
                time_in_force=TimeInForce.GTC,
                quantity=Decimal("1"),
                price=Decimal(price),
            ),
        )
    return exchange


GONE = 410  # docs/local-exchange-coverage.md: the listenKey endpoints, removed 2026-02
USER_STREAM = (
    "stream_get_listen_key",
    "stream_keepalive",
    "stream_close",
    "v3_post_user_data_stream",
    "v3_put_user_data_stream",
    "v3_delete_user_data_stream",
)


def fields(answer: dict[str, Any], *names: str) -> tuple[Any, ...]:
    return tuple(answer.get(name) for name in names)


def check_market_orders(out: dict[str, Any]) -> None:
    """Taker fills at the maker's prices, 0.1 % commission in the received asset."""
    market = out["create_order MARKET"]
    assert fields(market, "clientOrderId", "status", "executedQty", "cummulativeQuoteQty") == (
        "pb-market",
        "FILLED",
        "0.01000000",
        "600.00000000",
    )
    assert market["fills"] == [
        {
            "price": "60000.00000000",
            "qty": "0.01000000",
            "commission": "0.00001000",
            "commissionAsset": "BTC",
            "tradeId": market["fills"][0]["tradeId"],
        }
    ]
    after = {b["asset"]: (b["free"], b["locked"]) for b in out["get_account after"]["balances"]}
    assert after == {"USDT": ("99400.00000000", "0.00000000"), "BTC": ("2.00999000", "0.00000000")}
    quote = out["create_order MARKET quote"]
    assert fields(quote, "origQuoteOrderQty", "executedQty", "status") == (
        "600.00000000",
        "0.01000000",
        "FILLED",
    )
    sold = out["order_market_sell"]
    assert fields(sold, "side", "type", "cummulativeQuoteQty") == ("SELL", "MARKET", "59.00000000")
    assert fields(sold["fills"][0], "price", "commission", "commissionAsset") == (
        "59000.00000000",
        "0.05900000",
        "USDT",
    )
    assert out["order_market_buy"]["fills"][0]["commission"] == "0.00000100"
    assert fields(out["order_market"], "origQuoteOrderQty", "executedQty") == (
        "60.00000000",
        "0.00100000",
    )


def check_limit_orders(out: dict[str, Any]) -> None:
    """Time in force, LIMIT_MAKER, stops, trailing, iceberg, response types, STP."""
    gtc = out["create_order GTC"]
    assert fields(gtc, "clientOrderId", "status", "price", "origQty", "fills") == (
        "pb-gtc",
        "NEW",
        "55000.00000000",
        "0.01000000",
        [],
    )
    ioc = out["create_order IOC"]
    assert fields(ioc, "status", "executedQty", "expiryReason") == (
        "EXPIRED",
        "0.00000000",
        "UNFILLED_IOC_QUANTITY_EXPIRED",
    )
    fok = out["create_order FOK"]
    assert fields(fok, "status", "executedQty", "expiryReason") == (
        "EXPIRED",
        "0.00000000",
        "UNFILLED_FOK_ORDER_EXPIRED",
    )
    partial = out["create_order IOC partial"]
    assert fields(partial, "status", "executedQty", "cummulativeQuoteQty") == (
        "EXPIRED",
        "0.99900000",
        "58941.00000000",
    )
    assert partial["fills"][0]["commission"] == "58.94100000"
    # rest-api.md, New order: newOrderRespType defaults to FULL for MARKET and LIMIT, to ACK
    # for every other type.
    ack_keys = {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    for kind in (
        "LIMIT_MAKER",
        "STOP_LOSS",
        "STOP_LOSS_LIMIT",
        "TAKE_PROFIT",
        "TAKE_PROFIT_LIMIT",
        "trailingDelta",
        "ACK",
    ):
        assert set(out["create_order " + kind]) == ack_keys, kind
    assert out["create_order LIMIT_MAKER taking"] == {
        "error": [400, -2010, "Order would immediately match and take."]
    }
    assert "fills" not in out["create_order RESULT"]
    assert out["create_order RESULT"]["status"] == out["create_order FULL"]["status"] == "NEW"
    assert out["create_order FULL"]["fills"] == []
    assert out["create_order icebergQty"]["icebergQty"] == "0.00200000"
    canceled = {
        kind: fields(out["cancel_order " + kind], "status", "type", "stopPrice", "price")
        for kind in ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
    }
    assert canceled == {
        "STOP_LOSS": ("CANCELED", "STOP_LOSS", "50000.00000000", "0.00000000"),
        "STOP_LOSS_LIMIT": ("CANCELED", "STOP_LOSS_LIMIT", "50000.00000000", "49900.00000000"),
        "TAKE_PROFIT": ("CANCELED", "TAKE_PROFIT", "70000.00000000", "0.00000000"),
        "TAKE_PROFIT_LIMIT": ("CANCELED", "TAKE_PROFIT_LIMIT", "70000.00000000", "70100.00000000"),
    }
    trailing = out["cancel_order trailingDelta"]
    assert fields(trailing, "type", "trailingDelta", "stopPrice") == (
        "STOP_LOSS",
        100,
        "0.00000000",
    )
    stp = out["order_limit_sell STP"]
    assert fields(stp, "status", "selfTradePreventionMode", "preventedQuantity") == (
        "EXPIRED_IN_MATCH",
        "EXPIRE_TAKER",
        "0.01000000",
    )
    assert out["get_prevented_matches"] == out["v3_get_my_prevented_matches"]
    [match] = out["get_prevented_matches"]
    assert fields(match, "preventedMatchId", "takerOrderId", "makerOrderId") == (
        stp["preventedMatchId"],
        stp["orderId"],
        out["order_limit_buy"]["orderId"],
    )
    # EXPIRE_TAKER: only the taker's prevented quantity (faqs/stp_faq.md, What is a Prevented
    # Match?).
    assert fields(match, "price", "takerPreventedQuantity") == ("59500.00000000", "0.01000000")
    test = out["create_test_order"]
    assert test["standardCommissionForOrder"] == {"maker": "0.00000000", "taker": "0.00100000"}
    assert out["v3_post_order_test"] == {}
    assert out["v3_post_order"]["clientOrderId"] == "pb-v3"


def kline_values() -> list[str]:
    """Open, high, low, close, volume of the six trades."""
    return ["60000.00000000", "60000.00000000", "59000.00000000", "59000.00000000", "1.02200000"]


def check_market_data(out: dict[str, Any]) -> None:
    """Six trades: 60000 x4 then 59000 (0.001) and 59000 (0.999) interleaved as placed."""
    assert out["ping"] == {}
    assert set(out["get_server_time"]) == {"serverTime"}
    assert out["get_symbol_info"] == next(
        s for s in out["get_exchange_info"]["symbols"] if s["symbol"] == "BTCUSDT"
    )
    book = out["get_order_book"]
    assert book["bids"][0] == ["59500.00000000", "0.01000000"]
    assert book["asks"][0] == ["60000.00000000", "0.97800000"]
    prices = ["60000", "60000", "60000", "59000", "60000", "59000"]
    history = out["get_historical_trades"]
    assert [t["price"] for t in history] == [p + ".00000000" for p in prices]
    assert [t["id"] for t in out["get_recent_trades"]] == [t["id"] for t in history[-5:]]
    assert out["get_aggregate_trades"] == out["aggregate_trade_iter"]
    assert out["aggregate_trade_iter start"] == out["aggregate_trade_iter"]
    # From the earliest kline (python-binance asks klines with startTime=0, limit=1 first).
    [day] = out["get_historical_klines all"]
    assert day[1:6] == kline_values()
    assert [a["q"] for a in out["aggregate_trade_iter"]] == [
        "0.01000000",
        "0.01000000",
        "0.00100000",
        "0.00100000",
        "0.00100000",
        "0.99900000",
    ]
    [kline] = out["get_klines"]
    assert kline[1:6] == kline_values()
    assert kline[8] == 6
    assert out["get_historical_klines"] == out["get_historical_klines_generator"] == [kline]
    ui = out["get_ui_klines"][0]
    assert (ui[1:6], ui[7:11]) == (kline[1:6], kline[7:11])
    assert out["get_avg_price"]["price"] == out["get_ticker"]["weightedAvgPrice"]
    assert fields(out["get_ticker"], "lastPrice", "volume", "quoteVolume", "count") == (
        "59000.00000000",
        "1.02200000",
        "60320.00000000",
        6,
    )
    for name in ("get_symbol_ticker_window", "v3_get_ticker_trading_day"):
        assert fields(out[name], "openPrice", "lastPrice", "count") == (
            "60000.00000000",
            "59000.00000000",
            6,
        )
    assert out["get_symbol_ticker"] == {"symbol": "BTCUSDT", "price": "59000.00000000"}
    assert out["get_orderbook_tickers"][0] == out["get_orderbook_ticker"]
    assert [t["symbol"] for t in out["get_orderbook_tickers"]] == ["BTCUSDT", "ETHUSDT"]
    assert {"symbol": "BTCUSDT", "price": "59000.00000000"} in out["get_all_tickers"]


def check_lists(out: dict[str, Any]) -> None:
    for name in ("create_oco_order", "order_oco_sell", "order_oco_buy", "v3_post_order_list_oco"):
        placed = out[name]
        assert fields(placed, "contingencyType", "listOrderStatus") == ("OCO", "EXECUTING")
        assert [r["status"] for r in placed["orderReports"]] == ["NEW", "NEW"]
    assert out["order_oco_sell"]["listClientOrderId"] == "pb-oco"
    assert [r["side"] for r in out["order_oco_buy"]["orderReports"]] == ["BUY", "BUY"]
    assert [r["type"] for r in out["v3_post_order_list_otoco"]["orderReports"]] == [
        "LIMIT",
        "LIMIT_MAKER",
        "STOP_LOSS",
    ]
    assert [r["status"] for r in out["v3_post_order_list_oto"]["orderReports"]] == [
        "NEW",
        "PENDING_NEW",
    ]
    open_lists = [x["orderListId"] for x in out["get_open_oco_orders"]]
    assert open_lists == [x["orderListId"] for x in out["v3_get_open_order_list"]]
    assert len(open_lists) == 6
    assert out["v3_get_order_list"]["listClientOrderId"] == "pb-oco"
    assert [x["contingencyType"] for x in out["v3_get_all_order_list"]] == ["OTO", "OTO"]
    deleted = out["v3_delete_order_list"]
    assert fields(deleted, "listClientOrderId", "listOrderStatus") == ("pb-oco", "ALL_DONE")
    assert [r["status"] for r in deleted["orderReports"]] == ["CANCELED", "CANCELED"]


def check_queries_and_cancels(out: dict[str, Any]) -> None:
    assert out["get_order"] == out["v3_get_order"]
    assert fields(out["get_order"], "clientOrderId", "status", "isWorking") == (
        "pb-gtc",
        "NEW",
        True,
    )
    assert out["get_open_orders"] == out["v3_get_open_orders"]
    assert [o["orderListId"] for o in out["get_all_orders"]] == [5, 5, 5]  # the OTOCO, last
    assert [o["clientOrderId"] for o in out["v3_get_all_orders"]] == ["pb-gtc"]
    trades = out["get_my_trades"]
    assert [(t["price"], t["commission"], t["commissionAsset"]) for t in trades] == [
        ("60000.00000000", "0.00000100", "BTC"),
        ("59000.00000000", "58.94100000", "USDT"),
    ]
    assert out["v3_get_my_trades"][0]["orderId"] == out["create_order MARKET"]["orderId"]
    assert out["get_current_order_count"] == out["v3_get_rate_limit_order"]
    # 23 orders and 13 list orders placed, 6 of them filled (faqs/order_count_decrement.md).
    assert out["get_current_order_count"][1]["count"] == 30
    assert out["v3_get_account_commission"]["standardCommission"]["taker"] == "0.00100000"
    assert out["get_asset_balance"] == next(
        b for b in out["v3_get_account"]["balances"] if b["asset"] == "BTC"
    )
    replaced = out["cancel_replace_order"]
    assert fields(replaced, "cancelResult", "newOrderResult") == ("SUCCESS", "SUCCESS")
    assert replaced["cancelResponse"]["origClientOrderId"] == "pb-gtc"
    assert fields(replaced["newOrderResponse"], "clientOrderId", "price", "origQty") == (
        "pb-replaced",
        "55100.00000000",
        "0.02000000",
    )
    again = out["v3_post_order_cancel_replace"]
    assert again["cancelResponse"]["origClientOrderId"] == "pb-replaced"
    assert out["cancel_order"]["status"] == out["v3_delete_order"]["status"] == "CANCELED"
    sor = out["v3_post_sor_order"]
    assert fields(sor, "status", "usedSor", "workingFloor", "cummulativeQuoteQty") == (
        "FILLED",
        True,
        "SOR",
        "120.00000000",
    )
    assert out["get_allocations"] == out["v3_get_my_allocations"]
    [allocation] = out["get_allocations"]
    assert fields(allocation, "orderId", "qty", "commission") == (
        sor["orderId"],
        "0.00200000",
        "0.00000200",
    )
    assert out["v3_post_sor_order_test"]["standardCommissionForOrder"]["taker"] == "0.00100000"
    # Every open order and order list, then nothing left to cancel.
    ended = out["cancel_all_open_orders"]
    assert [x["orderListId"] for x in ended if "contingencyType" in x] == [0, 2, 3, 4, 5]
    assert {x.get("status", x.get("listOrderStatus")) for x in ended} == {"CANCELED", "ALL_DONE"}
    assert out["v3_delete_open_orders"] == {"error": [400, -2011, "Unknown order sent."]}
    final = {b["asset"]: (b["free"], b["locked"]) for b in out["get_account"]["balances"]}
    assert final["USDT"] == ("157501.00000000", "0.00000000")
    assert final["BTC"] == ("1.02397600", "0.00000000")


@pytest.mark.skipif(VERSION is None, reason="python-binance is not installed")
async def test_every_rest_call(serve: ServeFactory) -> None:
    served = exchange()
    out: dict[str, Any] = await run_client(serve, served, SCRIPT)
    assert out.pop("not_called") == []
    assert not [k for k in out if k.startswith("crashed")], out
    check_market_orders(out)
    check_limit_orders(out)
    check_market_data(out)
    check_lists(out)
    check_queries_and_cancels(out)
    # time_unit="MICROSECOND": every time in microseconds (rest-api.md, General API
    # Information); the clock is 2026's, so 16 digits.
    micro = out["micro get_server_time"]["serverTime"], out["micro get_my_trades"][0]["time"]
    placed = out["micro order_market_buy"]
    assert [len(str(t)) for t in (*micro, placed["transactTime"], placed["workingTime"])] == [
        16
    ] * 4
    assert out["micro get_my_trades"][0]["orderId"] == placed["orderId"]
    # python-binance's own: a path Binance never served, and the removed listenKey calls.
    assert out["v3_post_cancel_replace"]["error"][0] == 404
    assert {out[name]["error"][0] for name in USER_STREAM} == {GONE}
    sync = out["sync"]
    assert sync["ping"] == {}
    assert fields(sync["market"], "status", "cummulativeQuoteQty") == ("FILLED", "58.90000000")
    assert sync["get_order"]["orderId"] == sync["limit"]["orderId"]
    assert sync["cancel"]["status"] == "CANCELED"
    assert sync["oco"]["listOrderStatus"] == "EXECUTING"
    assert [x["listOrderStatus"] for x in sync["cancel_all"]] == ["ALL_DONE"]
    assert [t["commission"] for t in sync["trades"]] == ["0.05890000"]
    assert fields(sync["ws_order"], "status", "price") == ("NEW", "55000.00000000")
    assert sync["ws_cancel"]["status"] == "CANCELED"
    usdt = served.balance("demo", "USDT")
    assert {"asset": "USDT", "free": f"{usdt[0]:.8f}", "locked": "0.00000000"} in sync[
        "ws_account"
    ]["balances"]
    assert sync["balance"] == {"asset": "USDT", "free": f"{usdt[0]:.8f}", "locked": "0.00000000"}
    assert usdt == (Decimal("157501") - Decimal("60") + Decimal("58.8411"), Decimal(0))


# An Ed25519 key (python-binance: a private key of at most 120 characters), the Unicode
# symbol, error answers, and the user data socket signed with that key.
KEYS_SCRIPT = (
    PB_HEAD
    + """
from binance import AsyncClient, BinanceSocketManager
U = "这是测试币456"

async def main(base, ws_api, key, pem):
    class Local(AsyncClient):
        API_URL = base
        WS_API_URL = ws_api
    c = await Local.create(key, private_key=pem)
    c.ws_api.TIMEOUT = 3  # an answer's wait, and closing's for its read loop (10 s by default)
    try:
        await call("create_order unicode", c.create_order(
            symbol=U, side="BUY", type="LIMIT", timeInForce="GTC", quantity="10",
            price="0.9000", newClientOrderId="ed-1"))
        await call("get_order unicode", c.get_order(symbol=U, origClientOrderId="ed-1"))
        await call("get_open_orders unicode", c.get_open_orders(symbol=U))
        await call("ws_get_order unicode", c.ws_get_order(symbol=U, origClientOrderId="ed-1"))
        await call("cancel_order unicode", c.cancel_order(symbol=U, origClientOrderId="ed-1"))
        async with BinanceSocketManager(c).user_socket() as socket:
            await call("order_market_buy", c.order_market_buy(symbol=S, quantity="0.001"))
            out["events"] = [await asyncio.wait_for(socket.recv(), 5) for _ in range(3)]
        await call("get_order unknown", c.get_order(symbol=S, orderId=999999))
        await call("cancel_order unknown", c.cancel_order(symbol=S, orderId=999999))
        await call("ws_get_order unknown", c.ws_get_order(symbol=S, orderId=999999))
        await call("create_order off tick", c.create_order(
            symbol=S, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01",
            price="55000.001"))
        replace = dict(symbol=S, side="BUY", type="LIMIT", timeInForce="GTC",
                       quantity="0.01", price="55000", cancelReplaceMode="STOP_ON_FAILURE",
                       cancelOrderId=999999)
        await call("cancel_replace_order unknown", c.cancel_replace_order(**replace))
        await call("ws_cancel_and_replace_order unknown", c.ws_cancel_and_replace_order(
            **replace))
        await call("get_orderbook_tickers list", c.get_orderbook_tickers(
            symbols=["BTCUSDT", "ETHUSDT"]))
    finally:
        await c.close_connection()
    print(json.dumps(out))

asyncio.run(main(*sys.argv[1:]))
"""
)
CAROL_PRIVATE_PEM = CAROL_PRIVATE.private_bytes(
    Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
).decode()


@pytest.mark.skipif(VERSION is None, reason="python-binance is not installed")
async def test_ed25519_key_unicode_symbol_and_errors(serve: ServeFactory) -> None:
    served = exchange()
    served.create_account("carol", {"USDT": Decimal("1000"), "456": Decimal("1000")})
    keys = [ApiAccount(account="carol", api_key=CAROL_KEY, ed25519_public_key=CAROL_PEM)]
    h = await serve(exchange=served, api_accounts=keys, clock=None)
    out = await run_child(KEYS_SCRIPT, h.base, h.ws_url, CAROL_KEY, CAROL_PRIVATE_PEM)
    placed = out["create_order unicode"]
    assert fields(placed, "symbol", "status", "price", "origQty") == (
        UNICODE_SYMBOL,
        "NEW",
        "0.90000000",
        "10.00000000",
    )
    assert out["get_order unicode"]["orderId"] == placed["orderId"]
    assert [o["clientOrderId"] for o in out["get_open_orders unicode"]] == ["ed-1"]
    assert out["cancel_order unicode"]["status"] == "CANCELED"
    assert served.balance("carol", "456") == (Decimal("1000"), Decimal(0))
    # python-binance signs a WebSocket API request over its percent-encoded parameters
    # (base_client.py, _generate_ws_api_signature: urlencode); web-socket-api.md, SIGNED
    # request example: the payload holds the symbol's own UTF-8 text, not its percent-encoding.
    assert out["ws_get_order unicode"] == {
        "error": [400, -1022, "Signature for this request is not valid."]
    }
    market = out["order_market_buy"]
    assert fields(market, "status", "cummulativeQuoteQty") == ("FILLED", "60.00000000")
    events = out["events"]
    assert [(e["e"], e.get("x")) for e in events] == [
        ("executionReport", "NEW"),
        ("executionReport", "TRADE"),
        ("outboundAccountPosition", None),
    ]
    assert fields(events[1], "i", "L", "n", "N") == (
        market["orderId"],
        "60000.00000000",
        "0.00000100",
        "BTC",
    )
    assert out["get_order unknown"] == {"error": [400, -2013, "Order does not exist."]}
    assert out["cancel_order unknown"] == {"error": [400, -2011, "Unknown order sent."]}
    assert out["ws_get_order unknown"] == {"error": [400, -2013, "Order does not exist."]}
    assert out["create_order off tick"] == {"error": [400, -1013, "Filter failure: PRICE_FILTER"]}
    # python-binance writes a list's repr into the query unencoded ("symbols=['BTCUSDT',
    # 'ETHUSDT']": a space in the request line); documented: symbols=["BTCUSDT","ETHUSDT"].
    assert out["get_orderbook_tickers list"]["error"][0] == 400
    # rest-api.md, Cancel an Existing Order and Send a New Order: the cancel failed, the new
    # order was not attempted.
    failed = {"error": [400, -2022, "Order cancel-replace failed."]}
    assert out["cancel_replace_order unknown"] == failed
    assert out["ws_cancel_and_replace_order unknown"] == failed

"""Every ``SpotWebsocketAPIClient`` method of Binance's legacy Python connector
(``binance-connector`` 3.13.0), its user data, and every market stream of its
``SpotWebsocketStreamClient``, against the local server (in a child process, with the
connector first on its ``sys.path``: see test_connector_rest_sweep).

The connector's WebSocket clients are callback-driven threads (websocket-client): a method
sends one request and returns nothing; the child waits for the answer bearing the request's
``id``. The child lists the API client's methods itself (every one whose source names a
``"method"``) and must call them all. The connector has no method for
``userDataStream.subscribe.signature`` (only the listenKey ``userDataStream.start`` /
``.ping`` / ``.stop`` Binance removed in 2026-02, answered with -1020 here), so user data is
reached with its generic ``send`` and its own ``websocket_api_signature`` helper.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.server.conftest import ServeFactory
from tests.server.test_client_library import run_child
from tests.server.test_connector_rest_sweep import CONNECTOR, HEAD, needs_connector
from tests.server.test_pb_rest_sweep import exchange, fields
from transports.sim.server.app import DEMO_API_KEY, DEMO_API_SECRET, ApiAccount

SCRIPT = (
    HEAD
    + """
import itertools, threading, time
from binance.lib.utils import websocket_api_signature
from binance.spot import Spot
from binance.websocket.spot.websocket_api import SpotWebsocketAPIClient
from binance.websocket.spot.websocket_stream import SpotWebsocketStreamClient

answers, waits, pushes, ids = {}, {}, [], itertools.count(1)

def on_message(_, text):
    msg = json.loads(text)
    if msg.get("id") in waits:
        answers[msg["id"]] = msg
        waits[msg["id"]].set()
    else:
        pushes.append(msg)

def wcall(label, fn, *args, **kwargs):
    # One request, its answer awaited by id: the result, or [status, code, msg].
    called.add(label.split(" ")[0])
    rid = "bc-%d" % next(ids)
    waits[rid] = threading.Event()
    fn(*args, id=rid, **kwargs)
    if not waits[rid].wait(5):
        out[label] = {"timeout": rid}
        return out[label]
    msg = answers[rid]
    out[label] = msg["result"] if msg["status"] == 200 else {
        "error": [msg["status"], msg["error"]["code"], msg["error"]["msg"]]}
    return out[label]

def wcall_default_id(label, fn, *args, **kwargs):
    # The connector's own id (a uuid): its exchange_info refuses an ``id`` beside a filter.
    called.add(label.split(" ")[0])
    del pushes[:]
    fn(*args, **kwargs)
    until(lambda: any("status" in m for m in pushes))
    msg = next((m for m in pushes if "status" in m), {"result": {"timeout": label}})
    out[label] = msg.get("result", msg.get("error"))
    out[label + " id"] = msg.get("id")
    return out[label]

def until(test, seconds=5.0):
    end = time.monotonic() + seconds
    while not test() and time.monotonic() < end:
        time.sleep(0.02)
    return test()

def market(c, key):
    wcall("ping_connectivity", c.ping_connectivity)
    wcall("server_time", c.server_time)
    try:
        c.exchange_info(symbols=[S, "ETHUSDT"], id="bc-info")
    except Exception as exc:
        out["exchange_info with id"] = repr(exc)
    wcall_default_id("exchange_info", c.exchange_info, symbols=[S, "ETHUSDT"])
    wcall("order_book", c.order_book, S, limit=5)
    wcall("recent_trades", c.recent_trades, S, limit=5)
    wcall("historical_trades", c.historical_trades, S, key, fromId=0)
    wcall("aggregate_trades", c.aggregate_trades, S)
    wcall("klines", c.klines, S, "1h")
    wcall("ui_klines", c.ui_klines, S, "1h", timeZone="8")
    wcall("avg_price", c.avg_price, S)
    wcall("ticker_24hr", c.ticker_24hr, symbol=S)
    wcall("ticker", c.ticker, symbol=S, windowSize="1h")
    wcall("ticker_price", c.ticker_price, symbols=[S, "ETHUSDT"])
    wcall("ticker_book", c.ticker_book, symbol=S)

def trade(c):
    lim = dict(timeInForce="GTC", quantity="0.01")
    wcall("new_order MARKET", c.new_order, S, "BUY", "MARKET", quantity="0.01",
          newClientOrderId="bcw-market")
    wcall("new_order GTC", c.new_order, S, "BUY", "LIMIT", price="55000",
          newClientOrderId="bcw-gtc", **lim)
    wcall("new_order bid", c.new_order, S, "BUY", "LIMIT", price="59500", **lim)
    wcall("new_order STP", c.new_order, S, "SELL", "LIMIT", price="59500",
          selfTradePreventionMode="EXPIRE_TAKER", **lim)
    wcall("new_order_test bool", c.new_order_test, S, "BUY", "LIMIT", price="55000",
          computeCommissionRates=True, **lim)
    wcall("new_order_test", c.new_order_test, S, "BUY", "LIMIT", price="55000",
          computeCommissionRates="true", **lim)
    wcall("get_order", c.get_order, S, origClientOrderId="bcw-gtc")
    wcall("cancel_replace_order", c.cancel_replace_order, S, "STOP_ON_FAILURE", "BUY",
          "LIMIT", cancelOrigClientOrderId="bcw-gtc", timeInForce="GTC", quantity="0.02",
          price="55100", newClientOrderId="bcw-replaced")
    wcall("get_open_orders", c.get_open_orders, symbol=S)
    wcall("cancel_order", c.cancel_order, S, origClientOrderId="bcw-replaced")
    wcall("new_oco_order", c.new_oco_order, S, "SELL", "0.01", "LIMIT_MAKER",
          "STOP_LOSS_LIMIT", abovePrice="62000", belowPrice="57000", belowStopPrice="57500",
          belowTimeInForce="GTC", listClientOrderId="bcw-oco")
    wcall("new_oto_order", c.new_oto_order, S, "LIMIT", "BUY", "55000", "0.001",
          "LIMIT_MAKER", "SELL", "0.001", workingTimeInForce="GTC", pendingPrice="65000")
    wcall("new_otoco_order", c.new_otoco_order, S, "LIMIT", "BUY", "55000", "SELL", "0.001",
          "LIMIT_MAKER", workingQuantity="0.001", workingTimeInForce="GTC",
          pendingAbovePrice="65000",
          pendingBelowType="STOP_LOSS", pendingBelowStopPrice="50000")
    wcall("get_oco_order", c.get_oco_order, origClientOrderId="bcw-oco")
    wcall("get_open_oco_orders", c.get_open_oco_orders)
    wcall("cancel_oco_order", c.cancel_oco_order, S, listClientOrderId="bcw-oco")

def account(c):
    wcall("account bool", c.account, omitZeroBalances=True)
    wcall("account", c.account, omitZeroBalances="true")
    wcall("order_rate_limit", c.order_rate_limit)
    wcall("order_history", c.order_history, symbol=S, limit=3)
    wcall("oco_history", c.oco_history, limit=2)
    wcall("my_trades", c.my_trades, symbol=S)
    wcall("prevented_matches", c.prevented_matches, S,
          orderId=out["new_order STP"]["orderId"])
    wcall("cancel_open_orders", c.cancel_open_orders, S)

def user_data(c, key, secret):
    # Binance removed the listenKey requests in 2026-02; the connector still has them.
    wcall("user_data_start", c.user_data_start)
    wcall("user_data_ping", c.user_data_ping, "x" * 60)
    wcall("user_data_stop", c.user_data_stop, "x" * 60)
    # web-socket-api.md, Subscribe to User Data Stream through signature: no connector method.
    def subscribe(id):
        c.send({"id": id, "method": "userDataStream.subscribe.signature",
                "params": websocket_api_signature(key, secret, {})})
    wcall("send userDataStream.subscribe.signature", subscribe)
    del pushes[:]
    wcall("new_order user", c.new_order, S, "SELL", "MARKET", quantity="0.002")
    until(lambda: len(pushes) >= 3)
    out["user_pushes"] = list(pushes)

sent = []

def pace():
    # web-socket-streams.md, WebSocket Limits: more than 5 incoming messages a second
    # disconnects, and each of the connector's stream methods sends one SUBSCRIBE.
    if len(sent) >= 5:
        time.sleep(max(0.0, sent[-5] + 1.05 - time.monotonic()))
    sent.append(time.monotonic())

def streams(base, ws):
    got, answers = [], []
    def on_message(_, text):
        msg = json.loads(text)
        (got if "stream" in msg else answers).append(msg)
    s = SpotWebsocketStreamClient(stream_url=ws, on_message=on_message, is_combined=True,
                                  timeout=5)
    subscriptions = [
        ("agg_trade", s.agg_trade, (S,)), ("trade", s.trade, (S,)),
        ("kline", s.kline, (S, "1m")), ("kline_timezone_offset", s.kline_timezone_offset,
                                         (S, "1m")),
        ("mini_ticker", s.mini_ticker, (S,)), ("mini_ticker all", s.mini_ticker, ()),
        ("ticker", s.ticker, (S,)), ("ticker all", s.ticker, ()),
        ("book_ticker", s.book_ticker, (S,)),
        ("partial_book_depth", s.partial_book_depth, (S, 5, 100)),
        ("rolling_window_ticker", s.rolling_window_ticker, (S, "1h")),
        ("rolling_window_ticker_all_symbols", s.rolling_window_ticker_all_symbols, ("1h",)),
        ("diff_book_depth", s.diff_book_depth, (S, 100)),
    ]
    for n, (label, fn, args) in enumerate(subscriptions, 1):
        called.add(label.split(" ")[0])
        pace()
        fn(*args, id=n)
    pace()
    s.list_subscribe(id=99)
    until(lambda: len(answers) == len(subscriptions) + 1)
    rest = Spot(DEMO[0], DEMO[1], base_url=base, timeout=5)
    rest.new_order(S, "BUY", "MARKET", quantity="0.003")
    names = lambda: {m["stream"] for m in got}
    until(lambda: len(names()) >= 12, 6)  # all but the retired !ticker@arr
    pace()
    s.trade(S, id=100, action=s.ACTION_UNSUBSCRIBE)
    pace()
    s.list_subscribe(id=101)
    until(lambda: len(answers) == len(subscriptions) + 3)
    s.stop()
    out["stream_answers"] = answers
    firsts = {}
    for m in got:
        firsts.setdefault(m["stream"], m["data"])
    out["streams"] = firsts
    # One raw stream (/ws), times in microseconds (web-socket-streams.md, General WSS
    # information: timeUnit=MICROSECOND).
    raw = []
    r = SpotWebsocketStreamClient(stream_url=ws, timeout=5, time_unit="MICROSECOND",
                                  on_message=lambda _, text: raw.append(json.loads(text)))
    r.trade(S, id=1)
    until(lambda: len(raw) >= 1)
    rest.new_order(S, "BUY", "MARKET", quantity="0.001")
    until(lambda: len(raw) >= 2)
    r.stop()
    out["raw"] = raw[:2]

def main(base, ws_api, ws, key, secret):
    global DEMO
    DEMO = (key, secret)
    c = SpotWebsocketAPIClient(stream_url=ws_api, api_key=key, api_secret=secret,
                               on_message=on_message, timeout=5)
    try:
        for phase in (lambda: trade(c), lambda: market(c, key), lambda: account(c),
                      lambda: user_data(c, key, secret)):
            try:
                phase()
            except Exception as exc:  # reported, and the sweep goes on
                out["crashed"] = out.get("crashed", []) + [repr(exc)]
        wcall_default_id("ping_connectivity default", c.ping_connectivity)
    finally:
        c.stop()
    api = {n for n, fn in inspect.getmembers(SpotWebsocketAPIClient, inspect.isfunction)
           if fn.__module__.startswith("binance.websocket.spot.websocket_api.")}
    out["swept"] = sorted(api)
    out["not_called"] = sorted(api - called)
    streams(base, ws)

main(*sys.argv[1:])
print(json.dumps(out))
"""
)


BAD_SIGNATURE = [400, -1022, "Signature for this request is not valid."]


def check_trading(out: dict[str, Any]) -> None:
    market = out["new_order MARKET"]
    assert fields(market, "clientOrderId", "status", "executedQty", "cummulativeQuoteQty") == (
        "bcw-market",
        "FILLED",
        "0.01000000",
        "600.00000000",
    )
    assert fields(market["fills"][0], "price", "commission", "commissionAsset") == (
        "60000.00000000",
        "0.00001000",
        "BTC",
    )
    assert fields(out["new_order GTC"], "status", "price", "origQty") == (
        "NEW",
        "55000.00000000",
        "0.01000000",
    )
    assert out["new_order STP"]["status"] == "EXPIRED_IN_MATCH"
    # Connector limitation: it signs a Python True as "True" (urlencode), while the server
    # reads the JSON true as "true" (web-socket-api.md, SIGNED request security: the values
    # as sent); binance/binance-connector-python#378 (closed unmerged). Strings work.
    assert out["new_order_test bool"]["error"] == BAD_SIGNATURE
    assert out["new_order_test"]["standardCommissionForOrder"]["taker"] == "0.00100000"
    assert fields(out["get_order"], "clientOrderId", "status") == ("bcw-gtc", "NEW")
    replaced = out["cancel_replace_order"]
    assert fields(replaced, "cancelResult", "newOrderResult") == ("SUCCESS", "SUCCESS")
    assert replaced["cancelResponse"]["status"] == "CANCELED"
    assert fields(replaced["newOrderResponse"], "clientOrderId", "price", "origQty") == (
        "bcw-replaced",
        "55100.00000000",
        "0.02000000",
    )
    assert [o["price"] for o in out["get_open_orders"]] == ["59500.00000000", "55100.00000000"]
    assert fields(out["cancel_order"], "origClientOrderId", "status") == (
        "bcw-replaced",
        "CANCELED",
    )
    oco = out["new_oco_order"]
    assert fields(oco, "contingencyType", "listOrderStatus", "listClientOrderId") == (
        "OCO",
        "EXECUTING",
        "bcw-oco",
    )
    assert [r["status"] for r in out["new_oto_order"]["orderReports"]] == ["NEW", "PENDING_NEW"]
    otoco = out["new_otoco_order"]["orderReports"]
    assert [r["status"] for r in otoco] == ["NEW", "PENDING_NEW", "PENDING_NEW"]
    assert out["get_oco_order"]["orderListId"] == oco["orderListId"]
    assert [x["contingencyType"] for x in out["get_open_oco_orders"]] == ["OCO", "OTO", "OTO"]
    cancelled = out["cancel_oco_order"]
    assert cancelled["listOrderStatus"] == "ALL_DONE"
    assert {r["status"] for r in cancelled["orderReports"]} == {"CANCELED"}


def check_market_data(out: dict[str, Any]) -> None:
    # Connector limitation: its exchange_info counts ``id`` among the filters and raises.
    assert "Only one of symbol" in out["exchange_info with id"]
    assert [x["symbol"] for x in out["exchange_info"]["symbols"]] == ["BTCUSDT", "ETHUSDT"]
    assert out["ping_connectivity"] == {} and out["ping_connectivity default"] == {}
    assert isinstance(out["server_time"]["serverTime"], int)
    book = out["order_book"]
    assert book["bids"][0] == ["59500.00000000", "0.01000000"]
    assert book["asks"] == [["60000.00000000", "0.99000000"], ["60100.00000000", "1.00000000"]]
    trade = {
        "id": 1,
        "price": "60000.00000000",
        "qty": "0.01000000",
        "quoteQty": "600.00000000",
        "time": out["recent_trades"][0]["time"],
        "isBuyerMaker": False,
        "isBestMatch": True,
    }
    assert out["recent_trades"] == [trade]
    # CHANGELOG.md, 2023-07-11: trades.historical ignores the apiKey the connector sends.
    assert out["historical_trades"] == [trade]
    assert fields(out["aggregate_trades"][0], "p", "q", "f", "l") == (
        "60000.00000000",
        "0.01000000",
        1,
        1,
    )
    assert out["klines"][0][1:9] == [
        "60000.00000000",
        "60000.00000000",
        "60000.00000000",
        "60000.00000000",
        "0.01000000",
        out["klines"][0][6],
        "600.00000000",
        1,
    ]
    assert out["ui_klines"] == out["klines"]
    assert out["avg_price"]["price"] == "60000.00000000"
    assert fields(out["ticker_24hr"], "lastPrice", "volume", "bidPrice", "askQty") == (
        "60000.00000000",
        "0.01000000",
        "59500.00000000",
        "0.99000000",
    )
    assert fields(out["ticker"], "lastPrice", "quoteVolume", "count") == (
        "60000.00000000",
        "600.00000000",
        1,
    )
    assert out["ticker_price"] == [
        {"symbol": "BTCUSDT", "price": "60000.00000000"},
        {"symbol": "ETHUSDT", "price": "3000.00000000"},
    ]
    assert fields(out["ticker_book"], "bidPrice", "askPrice") == (
        "59500.00000000",
        "60000.00000000",
    )


def check_account(out: dict[str, Any]) -> None:
    assert out["account bool"]["error"] == BAD_SIGNATURE
    balances = {b["asset"]: (b["free"], b["locked"]) for b in out["account"]["balances"]}
    # 100000 - 600 - the bid 595 and the OTO / OTOCO working bids 2 x 55 locked.
    assert balances["USDT"] == ("98695.00000000", "705.00000000")
    assert balances["BTC"] == ("2.00999000", "0.00000000")
    assert [c["count"] for c in out["order_rate_limit"]] == [11, 11]
    # web-socket-api.md, Account order history: the most recent orders (the OTOCO's three).
    assert [o["orderListId"] for o in out["order_history"]] == [2, 2, 2]
    assert [x["orderListId"] for x in out["oco_history"]] == [1, 2]
    assert [(t["price"], t["commission"]) for t in out["my_trades"]] == [
        ("60000.00000000", "0.00001000")
    ]
    prevented = out["prevented_matches"]
    assert fields(prevented[0], "takerOrderId", "makerOrderId", "price") == (
        out["new_order STP"]["orderId"],
        out["new_order bid"]["orderId"],
        "59500.00000000",
    )
    cancelled = out["cancel_open_orders"]
    assert [o.get("status", o.get("listOrderStatus")) for o in cancelled] == [
        "CANCELED",
        "ALL_DONE",
        "ALL_DONE",
    ]


def check_user_data(out: dict[str, Any]) -> None:
    for label in ("user_data_start", "user_data_ping", "user_data_stop"):
        assert out[label]["error"][:2] == [410, -1020]  # removed 2026-02
    assert out["send userDataStream.subscribe.signature"] == {"subscriptionId": 0}
    events = [p["event"] for p in out["user_pushes"]]
    sold = out["new_order user"]
    assert [(e["e"], e.get("x"), e.get("X")) for e in events] == [
        ("executionReport", "NEW", "NEW"),
        ("executionReport", "TRADE", "FILLED"),
        ("outboundAccountPosition", None, None),
    ]
    assert fields(events[1], "i", "l", "L", "n", "N") == (
        sold["orderId"],
        "0.00200000",
        "59000.00000000",
        "0.11800000",
        "USDT",
    )
    position = {b["a"]: (b["f"], b["l"]) for b in events[2]["B"]}
    # 2.00999 - 0.002 BTC; 99400 + 118 - 0.118 USDT, nothing left locked.
    assert position == {
        "BTC": ("2.00799000", "0.00000000"),
        "USDT": ("99517.88200000", "0.00000000"),
    }


def check_streams(out: dict[str, Any]) -> None:
    answers = {a["id"]: a for a in out["stream_answers"]}
    # '!ticker@arr' was retired on 2026-03-26 (CHANGELOG.md, 2025-12-02): the connector's
    # ticker() without a symbol subscribes to it; the server refuses it as Binance does.
    assert answers[8]["error"]["code"] == 2
    assert all(answers[n] == {"result": None, "id": n} for n in range(1, 14) if n != 8)
    assert len(answers[99]["result"]) == 12
    assert "btcusdt@trade" not in answers[101]["result"] and len(answers[101]["result"]) == 11
    streams = out["streams"]
    assert set(streams) == {
        "btcusdt@aggTrade",
        "btcusdt@trade",
        "btcusdt@kline_1m",
        "btcusdt@kline_1m@+08:00",
        "btcusdt@miniTicker",
        "!miniTicker@arr",
        "btcusdt@ticker",
        "btcusdt@bookTicker",
        "btcusdt@depth5@100ms",
        "btcusdt@ticker_1h",
        "!ticker_1h@arr",
        "btcusdt@depth@100ms",
    }
    trade = streams["btcusdt@trade"]
    assert fields(trade, "e", "p", "q", "m") == ("trade", "60000.00000000", "0.00300000", False)
    assert fields(streams["btcusdt@aggTrade"], "p", "q") == ("60000.00000000", "0.00300000")
    assert streams["btcusdt@kline_1m"]["k"]["i"] == "1m"
    assert streams["btcusdt@kline_1m@+08:00"]["k"]["o"] == streams["btcusdt@kline_1m"]["k"]["o"]
    assert streams["btcusdt@miniTicker"]["e"] == "24hrMiniTicker"
    assert "BTCUSDT" in {t["s"] for t in streams["!miniTicker@arr"]}
    assert streams["btcusdt@ticker"]["e"] == "24hrTicker"
    assert streams["btcusdt@ticker_1h"]["e"] == "1hTicker"
    assert {t["e"] for t in streams["!ticker_1h@arr"]} == {"1hTicker"}
    assert streams["btcusdt@depth5@100ms"]["asks"][0][0] == "60000.00000000"
    assert streams["btcusdt@depth@100ms"]["e"] == "depthUpdate"
    assert streams["btcusdt@bookTicker"]["a"] == "60000.00000000"
    # The raw /ws endpoint: the subscription's answer, then the bare trade, in microseconds.
    raw = out["raw"]
    assert raw[0] == {"result": None, "id": 1}
    assert fields(raw[1], "e", "p", "q") == ("trade", "60000.00000000", "0.00100000")
    assert raw[1]["T"] > 10**15 and raw[1]["E"] > 10**15


@needs_connector
async def test_connector_websocket_sweep(serve: ServeFactory) -> None:
    market = exchange()
    demo = ApiAccount(account="demo", api_key=DEMO_API_KEY, secret=DEMO_API_SECRET)
    h = await serve(exchange=market, api_accounts=[demo], clock=None)
    base = h.base.removesuffix("/api")
    ws = base.replace("http", "ws", 1)  # the connector appends /ws or /stream
    args = (str(CONNECTOR), base, h.ws_url, ws, DEMO_API_KEY, DEMO_API_SECRET)
    out = await run_child(SCRIPT, *args)
    assert "crashed" not in out, out["crashed"]
    assert out["not_called"] == []
    assert len(out["swept"]) == 36
    assert not [k for k, v in out.items() if isinstance(v, dict) and "timeout" in v]
    check_trading(out)
    check_market_data(out)
    check_account(out)
    check_user_data(out)
    check_streams(out)
    assert market.open_orders("demo") == []
    # Then the streams' 0.003 and 0.001 BTC bought at 60000 (0.1 % commission in BTC).
    assert market.balance("demo", "BTC")[0] == Decimal("2.011986")
    assert market.balance("demo", "USDT")[0] == Decimal("99277.882")

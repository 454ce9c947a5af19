"""Every ``/api/v3`` method of Binance's legacy Python connector (``binance-connector``
3.13.0, ``binance.spot.Spot``) against the local server, each answer checked for its values.

The connector and python-binance both install a top-level ``binance`` package, and the
connector's empty ``binance/__init__.py`` replaces python-binance's (which defines
``from binance import Client``) when both share one site-packages. So the connector lives
in a directory of its own (``connector_dir``: ``$OMS_BINANCE_CONNECTOR`` or
``.venv/connector``, filled by ``pip install --target .venv/connector
binance-connector==3.13.0``, which brings its dependencies along), put first on the
child's ``sys.path``; the tests skip when it is not there.

The child lists the methods itself: every ``Spot`` method whose source names ``/api/v3``
(the connector's docstrings and ``url_path`` both do); the sweep must call them all.
Answers are compared with Binance's documented strings (rest-api.md, each endpoint's
Response) and with the served exchange's balances. The only failing calls are the
listenKey endpoints Binance removed in 2026-02 (docs/local-exchange-coverage.md): HTTP 410.
"""

from __future__ import annotations

import importlib.metadata
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import CAROL_KEY, CAROL_PEM, ServeFactory
from tests.server.test_client_library import run_child
from tests.server.test_pb_rest_sweep import CAROL_PRIVATE_PEM, exchange, fields
from transports.sim.markets import UNICODE_SYMBOL
from transports.sim.server.app import DEMO_API_KEY, DEMO_API_SECRET, ApiAccount


def connector_dir() -> Path | None:
    """Where binance-connector is installed, preferably apart from python-binance."""
    root = Path(__file__).resolve().parents[2]
    where = Path(os.environ.get("OMS_BINANCE_CONNECTOR", root / ".venv" / "connector"))
    if (where / "binance" / "spot" / "__init__.py").is_file():
        return where
    try:  # installed with the other packages: its modules still load, whichever __init__ won
        spot = importlib.metadata.distribution("binance-connector").locate_file("binance/spot")
    except importlib.metadata.PackageNotFoundError:
        return None
    site = Path(str(spot)).parent.parent
    return site if (site / "binance" / "spot" / "__init__.py").is_file() else None


CONNECTOR = connector_dir()
needs_connector = pytest.mark.skipif(
    CONNECTOR is None,
    reason="binance-connector is not installed in .venv/connector "
    "(pip install --target .venv/connector binance-connector==3.13.0)",
)

# Child-script code shared with test_connector_ws_sweep: the connector's directory (argv[1])
# goes first on sys.path; ``call(label, fn, ...)`` records an answer, or the error the
# connector raised, under ``label``; the method name (its first word) counts as called.
HEAD = """
import inspect, json, sys
sys.path.insert(0, sys.argv.pop(1))
from binance.error import ClientError

S = "BTCUSDT"
out, called = {}, set()

def call(label, fn, *args, **kwargs):
    called.add(label.split(" ")[0])
    try:
        out[label] = fn(*args, **kwargs)
    except ClientError as exc:
        out[label] = {"error": [exc.status_code, exc.error_code, exc.error_message]}
    return out[label]
"""

SCRIPT = (
    HEAD
    + """
from binance.spot import Spot

def market_data(c):
    call("ping", c.ping)
    call("time", c.time)
    call("exchange_info", c.exchange_info, symbol=S)
    call("exchange_info symbols", c.exchange_info, symbols=[S, "ETHUSDT"])
    call("exchange_info permissions", c.exchange_info, permissions=["SPOT"])
    call("depth", c.depth, S, limit=5)
    call("trades", c.trades, S, limit=5)
    call("historical_trades", c.historical_trades, S, fromId=0)
    call("agg_trades", c.agg_trades, S)
    call("klines", c.klines, S, "1h")
    call("ui_klines", c.ui_klines, S, "1h", timeZone="8")
    call("avg_price", c.avg_price, S)
    call("ticker_24hr", c.ticker_24hr, S)
    call("ticker_24hr symbols", c.ticker_24hr, symbols=[S, "ETHUSDT"], type="MINI")
    call("trading_day_ticker", c.trading_day_ticker, S)
    call("ticker_price", c.ticker_price, S)
    call("ticker_price symbols", c.ticker_price, symbols=[S, "ETHUSDT"])
    call("book_ticker", c.book_ticker, S)
    call("rolling_window_ticker", c.rolling_window_ticker, S, windowSize="1h")
    call("rolling_window_ticker symbols", c.rolling_window_ticker, symbols=[S, "ETHUSDT"])

def orders(c):
    lim = dict(timeInForce="GTC", quantity="0.01")
    call("new_order MARKET", c.new_order, S, "BUY", "MARKET", quantity="0.01",
         newClientOrderId="bc-market")
    call("account after", c.account, omitZeroBalances="true")
    call("new_order MARKET quote", c.new_order, S, "BUY", "MARKET", quoteOrderQty="600")
    call("new_order MARKET sell", c.new_order, S, "SELL", "MARKET", quantity="0.001")
    call("new_order GTC", c.new_order, S, "BUY", "LIMIT", price="55000",
         newClientOrderId="bc-gtc", **lim)
    call("new_order IOC", c.new_order, S, "BUY", "LIMIT", timeInForce="IOC",
         quantity="0.01", price="59500")
    call("new_order FOK", c.new_order, S, "SELL", "LIMIT", timeInForce="FOK",
         quantity="1.5", price="59000")
    call("new_order LIMIT_MAKER", c.new_order, S, "SELL", "LIMIT_MAKER", quantity="0.01",
         price="61000")
    call("new_order LIMIT_MAKER taking", c.new_order, S, "BUY", "LIMIT_MAKER",
         quantity="0.01", price="60000")
    call("new_order STOP_LOSS_LIMIT", c.new_order, S, "SELL", "STOP_LOSS_LIMIT",
         price="49900", stopPrice="50000", newOrderRespType="RESULT", **lim)
    call("new_order trailingDelta", c.new_order, S, "SELL", "STOP_LOSS", quantity="0.01",
         trailingDelta=100, newOrderRespType="RESULT")
    call("new_order icebergQty", c.new_order, S, "BUY", "LIMIT", price="55000",
         icebergQty="0.002", **lim)
    call("new_order ACK", c.new_order, S, "BUY", "LIMIT", price="55000",
         newOrderRespType="ACK", newClientOrderId="bc-ack", **lim)
    call("new_order at", c.new_order, S, "BUY", "LIMIT", price="55000",
         newClientOrderId="bc@1", **lim)
    call("new_order bid", c.new_order, S, "BUY", "LIMIT", price="59500",
         newClientOrderId="bc-bid", **lim)
    call("new_order STP", c.new_order, S, "SELL", "LIMIT", price="59500",
         selfTradePreventionMode="EXPIRE_TAKER", **lim)
    call("new_order_test", c.new_order_test, S, "BUY", "LIMIT", price="55000",
         computeCommissionRates="true", **lim)
    call("new_order_test plain", c.new_order_test, S, "BUY", "MARKET", quantity="0.01")

def lists(c):
    for kind in ("STOP_LOSS_LIMIT", "trailingDelta"):
        call("cancel_order " + kind, c.cancel_order, S,
             orderId=out["new_order " + kind]["orderId"])
    call("new_oco_order", c.new_oco_order, S, "SELL", "0.01", "LIMIT_MAKER",
         "STOP_LOSS_LIMIT", abovePrice="62000", belowPrice="57000", belowStopPrice="57500",
         belowTimeInForce="GTC", listClientOrderId="bc-oco")
    call("new_oto_order", c.new_oto_order, S, "LIMIT", "BUY", "55000", "0.001", "LIMIT_MAKER",
         "SELL", "0.001", workingTimeInForce="GTC", pendingPrice="65000")
    call("new_otoco_order", c.new_otoco_order, S, "LIMIT", "BUY", "55000", "0.001", "SELL",
         "0.001", "LIMIT_MAKER", workingTimeInForce="GTC", pendingAbovePrice="65000",
         pendingBelowType="STOP_LOSS", pendingBelowStopPrice="50000")
    listed = out["new_oco_order"]["orderListId"]
    call("get_oco_open_orders", c.get_oco_open_orders)
    call("get_oco_order", c.get_oco_order, orderListId=listed)
    call("get_oco_orders", c.get_oco_orders, limit=2)
    call("cancel_oco_order", c.cancel_oco_order, S, listClientOrderId="bc-oco")

def queries(c):
    gtc = out["new_order GTC"]["orderId"]
    call("get_order", c.get_order, S, origClientOrderId="bc-gtc")
    call("get_order ack", c.get_order, S, origClientOrderId="bc-ack")
    call("get_open_orders", c.get_open_orders, S)
    call("get_open_orders all", c.get_open_orders)
    call("get_orders", c.get_orders, S, orderId=gtc, limit=1)
    call("my_trades", c.my_trades, S, limit=2)
    stp = out["new_order STP"]["orderId"]
    call("query_prevented_matches", c.query_prevented_matches, S, orderId=stp)
    call("get_order_rate_limit", c.get_order_rate_limit)
    call("query_commission_rates", c.query_commission_rates, S)
    call("query_allocations", c.query_allocations, S)

def cancels(c):
    gtc = out["new_order GTC"]["orderId"]
    call("cancel_and_replace", c.cancel_and_replace, S, "BUY", "LIMIT", "STOP_ON_FAILURE",
         timeInForce="GTC", quantity="0.02", price="55100", cancelOrderId=gtc,
         newClientOrderId="bc-replaced")
    call("cancel_and_replace failing", c.cancel_and_replace, S, "BUY", "LIMIT",
         "STOP_ON_FAILURE", timeInForce="GTC", quantity="0.01", price="55200",
         cancelOrderId=gtc)
    call("cancel_order", c.cancel_order, S, origClientOrderId="bc-replaced")
    call("cancel_order ack", c.cancel_order, S, origClientOrderId="bc-ack")
    call("cancel_open_orders", c.cancel_open_orders, S)
    call("account", c.account)

def user_stream(c):
    # Binance removed the listenKey endpoints in 2026-02; the connector still has them.
    call("new_listen_key", c.new_listen_key)
    call("renew_listen_key", c.renew_listen_key, "x" * 60)
    call("close_listen_key", c.close_listen_key, "x" * 60)

def main(base, key, secret):
    c = Spot(key, secret, base_url=base, timeout=5, show_limit_usage=True)
    call("show_limit_usage", c.time)
    c = Spot(key, secret, base_url=base, timeout=5)
    for phase in (orders, market_data, lists, queries, cancels, user_stream):
        try:
            phase(c)
        except Exception as exc:  # reported, and the sweep goes on
            out["crashed " + phase.__name__] = repr(exc)
    spot = {n for n, fn in inspect.getmembers(Spot, inspect.isfunction)
            if not n.startswith("_") and "/api/v3" in inspect.getsource(fn)}
    out["swept"] = sorted(spot)
    out["not_called"] = sorted(spot - called)

main(*sys.argv[1:])
print(json.dumps(out))
"""
)

GONE = 410  # docs/local-exchange-coverage.md: the listenKey endpoints, removed 2026-02


ACK = ["clientOrderId", "orderId", "orderListId", "symbol", "transactTime"]


def check_orders(out: dict[str, Any]) -> None:
    """Taker fills at the maker's prices, 0.1 % commission in the received asset."""
    market = out["new_order MARKET"]
    assert fields(market, "clientOrderId", "status", "executedQty", "cummulativeQuoteQty") == (
        "bc-market",
        "FILLED",
        "0.01000000",
        "600.00000000",
    )
    assert fields(market["fills"][0], "price", "qty", "commission", "commissionAsset") == (
        "60000.00000000",
        "0.01000000",
        "0.00001000",
        "BTC",
    )
    after = {b["asset"]: (b["free"], b["locked"]) for b in out["account after"]["balances"]}
    assert after == {"USDT": ("99400.00000000", "0.00000000"), "BTC": ("2.00999000", "0.00000000")}
    quote = out["new_order MARKET quote"]
    assert fields(quote, "origQuoteOrderQty", "executedQty", "status") == (
        "600.00000000",
        "0.01000000",
        "FILLED",
    )
    sold = out["new_order MARKET sell"]
    assert fields(sold["fills"][0], "price", "commission", "commissionAsset") == (
        "59000.00000000",
        "0.05900000",
        "USDT",
    )
    assert fields(out["new_order GTC"], "status", "price", "origQty", "fills") == (
        "NEW",
        "55000.00000000",
        "0.01000000",
        [],
    )
    assert fields(out["new_order IOC"], "status", "expiryReason") == (
        "EXPIRED",
        "UNFILLED_IOC_QUANTITY_EXPIRED",
    )
    assert out["new_order FOK"]["status"] == "EXPIRED"
    # rest-api.md, New order: newOrderRespType defaults to ACK but for MARKET and LIMIT.
    assert sorted(out["new_order LIMIT_MAKER"]) == ACK
    # rest-api.md, New order: a LIMIT_MAKER that would trade is rejected (errors.md -2010).
    assert out["new_order LIMIT_MAKER taking"]["error"] == [
        400,
        -2010,
        "Order would immediately match and take.",
    ]
    assert out["new_order STOP_LOSS_LIMIT"]["status"] == "NEW"
    assert out["new_order trailingDelta"]["trailingDelta"] == 100
    assert out["new_order icebergQty"]["icebergQty"] == "0.00200000"
    assert sorted(out["new_order ACK"]) == ACK
    assert out["new_order ACK"]["clientOrderId"] == "bc-ack"
    # The connector sends '@' unencoded and signs it so: the signature holds, and the id is
    # refused for its characters (fix-api.md, Client order ID: ^[a-zA-Z0-9-_]{1,36}$).
    assert out["new_order at"]["error"][:2] == [400, -1100]
    assert "^[a-zA-Z0-9-_]{1,36}$" in out["new_order at"]["error"][2]
    stp = out["new_order STP"]
    # rest-api.md, New order: the taker meets its own bid and expires (STP EXPIRE_TAKER).
    assert fields(stp, "status", "selfTradePreventionMode", "executedQty") == (
        "EXPIRED_IN_MATCH",
        "EXPIRE_TAKER",
        "0.00000000",
    )
    assert out["new_order_test"]["standardCommissionForOrder"] == {
        "maker": "0.00000000",
        "taker": "0.00100000",
    }
    assert out["new_order_test plain"] == {}


def check_market_data(out: dict[str, Any]) -> None:
    assert out["ping"] == {}
    assert isinstance(out["time"]["serverTime"], int)
    assert [s["symbol"] for s in out["exchange_info"]["symbols"]] == ["BTCUSDT"]
    assert [s["symbol"] for s in out["exchange_info symbols"]["symbols"]] == [
        "BTCUSDT",
        "ETHUSDT",
    ]
    permitted = out["exchange_info permissions"]["symbols"]
    assert permitted and all(s["permissionSets"] == [["SPOT"]] for s in permitted)
    # Three taker trades: 0.01 and 0.01 bought at 60000, 0.001 sold at 59000. The book
    # shows an iceberg's visible part only (rest-api.md, Order book; 0.01 + 0.002 + 0.01).
    assert out["depth"]["bids"] == [
        ["59500.00000000", "0.01000000"],
        ["59000.00000000", "0.99900000"],
        ["58900.00000000", "1.00000000"],
        ["55000.00000000", "0.02200000"],
    ]
    assert out["depth"]["asks"][0] == ["60000.00000000", "0.98000000"]
    assert [(t["price"], t["qty"]) for t in out["trades"]] == [
        ("60000.00000000", "0.01000000"),
        ("60000.00000000", "0.01000000"),
        ("59000.00000000", "0.00100000"),
    ]
    assert fields(out["historical_trades"][0], "id", "quoteQty", "isBuyerMaker") == (
        1,
        "600.00000000",
        False,
    )
    assert [a["p"] for a in out["agg_trades"]] == [t["price"] for t in out["trades"]]
    # rest-api.md, Kline/Candlestick data: open, high, low, close, volume, ..., trades.
    kline = out["klines"][0]
    assert kline[1:6] == [
        "60000.00000000",
        "60000.00000000",
        "59000.00000000",
        "59000.00000000",
        "0.02100000",
    ]
    assert (kline[7], kline[8]) == ("1259.00000000", 3)
    assert out["ui_klines"][0][1:6] == kline[1:6]
    assert out["avg_price"]["price"] == "59952.38095238"
    ticker = out["ticker_24hr"]
    assert fields(ticker, "lastPrice", "priceChange", "volume", "count", "bidPrice") == (
        "59000.00000000",
        "-1000.00000000",
        "0.02100000",
        3,
        "59500.00000000",
    )
    mini = out["ticker_24hr symbols"]
    assert [t["symbol"] for t in mini] == ["BTCUSDT", "ETHUSDT"]
    assert "bidPrice" not in mini[0]  # rest-api.md, 24hr ticker price change statistics: MINI
    assert out["trading_day_ticker"]["lastPrice"] == "59000.00000000"
    assert out["ticker_price"] == {"symbol": "BTCUSDT", "price": "59000.00000000"}
    assert [t["symbol"] for t in out["ticker_price symbols"]] == ["BTCUSDT", "ETHUSDT"]
    assert fields(out["book_ticker"], "bidPrice", "askPrice", "askQty") == (
        "59500.00000000",
        "60000.00000000",
        "0.98000000",
    )
    assert fields(out["rolling_window_ticker"], "openPrice", "lastPrice", "count") == (
        "60000.00000000",
        "59000.00000000",
        3,
    )
    assert len(out["rolling_window_ticker symbols"]) == 2


def check_lists(out: dict[str, Any]) -> None:
    oco = out["new_oco_order"]
    assert fields(oco, "contingencyType", "listStatusType", "listClientOrderId") == (
        "OCO",
        "EXEC_STARTED",
        "bc-oco",
    )
    assert sorted(r["type"] for r in oco["orderReports"]) == ["LIMIT_MAKER", "STOP_LOSS_LIMIT"]
    oto = out["new_oto_order"]
    assert fields(oto, "contingencyType", "listOrderStatus") == ("OTO", "EXECUTING")
    assert [r["status"] for r in oto["orderReports"]] == ["NEW", "PENDING_NEW"]
    otoco = out["new_otoco_order"]
    assert fields(otoco, "contingencyType") == ("OTO",)
    assert len(otoco["orderReports"]) == 3
    assert len(out["get_oco_open_orders"]) == 3
    assert out["get_oco_order"]["listClientOrderId"] == "bc-oco"
    assert len(out["get_oco_orders"]) == 2
    cancelled = out["cancel_oco_order"]
    assert fields(cancelled, "listStatusType", "listOrderStatus") == ("ALL_DONE", "ALL_DONE")
    assert {r["status"] for r in cancelled["orderReports"]} == {"CANCELED"}


def check_queries(out: dict[str, Any]) -> None:
    assert fields(out["get_order"], "clientOrderId", "status", "price") == (
        "bc-gtc",
        "NEW",
        "55000.00000000",
    )
    assert out["get_order ack"]["clientOrderId"] == "bc-ack"
    mine = {o["clientOrderId"] for o in out["get_open_orders"]}
    assert {"bc-gtc", "bc-ack"} <= mine
    assert len(out["get_open_orders all"]) == len(out["get_open_orders"])
    assert [o["clientOrderId"] for o in out["get_orders"]] == ["bc-gtc"]
    # rest-api.md, Account trade list: without fromId, the most recent trades.
    assert [(t["id"], t["price"]) for t in out["my_trades"]] == [
        (2, "60000.00000000"),
        (3, "59000.00000000"),
    ]
    prevented = out["query_prevented_matches"]
    assert fields(prevented[0], "price", "makerPreventedQuantity", "takerOrderId") == (
        "59500.00000000",
        "0.01000000",
        out["new_order STP"]["orderId"],
    )
    counts = out["get_order_rate_limit"]
    assert {c["interval"] for c in counts} == {"SECOND", "DAY"}
    assert out["query_commission_rates"]["standardCommission"]["taker"] == "0.00100000"
    assert out["query_allocations"] == []


def check_cancels(out: dict[str, Any], demo: tuple[Decimal, Decimal]) -> None:
    replaced = out["cancel_and_replace"]
    assert fields(replaced, "cancelResult", "newOrderResult") == ("SUCCESS", "SUCCESS")
    assert replaced["newOrderResponse"]["price"] == "55100.00000000"
    assert replaced["newOrderResponse"]["origQty"] == "0.02000000"
    failing = out["cancel_and_replace failing"]["error"]
    assert failing[:2] == [400, -2022]
    assert out["cancel_order"]["status"] == "CANCELED"
    assert out["cancel_order ack"]["clientOrderId"] != "bc-ack"
    assert out["cancel_order ack"]["origClientOrderId"] == "bc-ack"
    assert {o["status"] for o in out["cancel_open_orders"] if "status" in o} == {"CANCELED"}
    balances = {b["asset"]: (b["free"], b["locked"]) for b in out["account"]["balances"]}
    usdt, btc = demo
    assert balances["USDT"] == (f"{usdt:.8f}", "0.00000000")
    assert balances["BTC"] == (f"{btc:.8f}", "0.00000000")


@needs_connector
async def test_connector_spot_rest_sweep(serve: ServeFactory) -> None:
    market = exchange()
    demo = ApiAccount(account="demo", api_key=DEMO_API_KEY, secret=DEMO_API_SECRET)
    h = await serve(exchange=market, api_accounts=[demo], clock=None)
    base = h.base.removesuffix("/api")  # the connector appends /api/v3/...
    out = await run_child(SCRIPT, str(CONNECTOR), base, DEMO_API_KEY, DEMO_API_SECRET)
    assert not [k for k in out if k.startswith("crashed")], out
    assert out["not_called"] == []
    assert len(out["swept"]) == 39
    usage = out["show_limit_usage"]["limit_usage"]
    assert int(usage["x-mbx-used-weight-1m"]) >= 1
    check_orders(out)
    check_market_data(out)
    check_lists(out)
    check_queries(out)
    assert market.open_orders("demo") == []
    check_cancels(out, (market.balance("demo", "USDT")[0], market.balance("demo", "BTC")[0]))
    for label in ("new_listen_key", "renew_listen_key", "close_listen_key"):
        assert out[label]["error"][0] == GONE, out[label]


KEYS_SCRIPT = (
    HEAD
    + """
from binance.spot import Spot

def main(base, key, private_pem):
    c = Spot(key, base_url=base, private_key=private_pem, timeout=5)
    u = "这是测试币456"
    call("new_order unicode", c.new_order, u, "BUY", "LIMIT", timeInForce="GTC",
         quantity="10", price="0.9", newClientOrderId="bc-ed-1")
    call("get_order unicode", c.get_order, u, origClientOrderId="bc-ed-1")
    call("cancel_order unicode", c.cancel_order, u, origClientOrderId="bc-ed-1")
    call("new_order MARKET", c.new_order, S, "BUY", "MARKET", quoteOrderQty="60")
    call("get_order unknown", c.get_order, S, orderId=999)
    call("cancel_order unknown", c.cancel_order, S, orderId=999)
    call("new_order off tick", c.new_order, S, "BUY", "LIMIT", timeInForce="GTC",
         quantity="0.01", price="55000.001")
    call("depth unknown", c.depth, "NOSUCH")
    # X-MBX-TIME-UNIT (rest-api.md, General API Information): times in microseconds.
    micro = Spot(key, base_url=base, private_key=private_pem, time_unit="MICROSECOND")
    call("time micro", micro.time)
    call("my_trades micro", micro.my_trades, S)

main(*sys.argv[1:])
print(json.dumps(out))
"""
)


@needs_connector
async def test_connector_ed25519_key_unicode_symbol_time_unit_and_errors(
    serve: ServeFactory,
) -> None:
    served = exchange()
    served.create_account("carol", {"USDT": Decimal("1000"), "456": Decimal("1000")})
    keys = [ApiAccount(account="carol", api_key=CAROL_KEY, ed25519_public_key=CAROL_PEM)]
    h = await serve(exchange=served, api_accounts=keys, clock=None)
    base = h.base.removesuffix("/api")
    out = await run_child(KEYS_SCRIPT, str(CONNECTOR), base, CAROL_KEY, CAROL_PRIVATE_PEM)
    # rest-api.md, SIGNED Endpoint security: the payload as sent, percent-encoded; the
    # connector signs exactly the query it sends, so the Unicode symbol works.
    placed = out["new_order unicode"]
    assert fields(placed, "symbol", "status", "price", "origQty") == (
        UNICODE_SYMBOL,
        "NEW",
        "0.90000000",
        "10.00000000",
    )
    assert out["get_order unicode"]["orderId"] == placed["orderId"]
    assert out["cancel_order unicode"]["status"] == "CANCELED"
    assert served.balance("carol", "USDT") == (Decimal("940"), Decimal(0))
    assert served.balance("carol", "BTC")[0] == Decimal("0.000999")  # 0.1 % commission
    bought = out["new_order MARKET"]
    assert fields(bought, "status", "executedQty", "cummulativeQuoteQty") == (
        "FILLED",
        "0.00100000",
        "60.00000000",
    )
    assert out["get_order unknown"]["error"] == [400, -2013, "Order does not exist."]
    assert out["cancel_order unknown"]["error"] == [400, -2011, "Unknown order sent."]
    assert out["new_order off tick"]["error"] == [400, -1013, "Filter failure: PRICE_FILTER"]
    assert out["depth unknown"]["error"] == [400, -1121, "Invalid symbol."]
    micro = out["time micro"]["serverTime"]
    assert micro > 10**15  # microseconds
    trade = out["my_trades micro"][0]
    assert (trade["orderId"], trade["time"] > 10**15) == (bought["orderId"], True)

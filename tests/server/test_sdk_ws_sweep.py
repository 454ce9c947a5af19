"""Every method of Binance's SDK WebSocket API client (binance-sdk-spot ``SpotWebSocketAPI``)
against the local server, its User Data Stream path (``userDataStream.subscribe`` after an
Ed25519 ``session.logon``, and ``userDataStream.subscribe.signature`` with an HMAC key) and
the market streams test_sdk_websocket does not open, each answer and event parsed by the
SDK's own models (in a child process, as in test_client_library).

A call's answer must become its model with only the documented conditional order fields
missing (web-socket-api.md, Conditional fields in Order Responses); every user data event
must become its event model (user-data-stream.md: executionReport, outboundAccountPosition,
listStatus, balanceUpdate, externalLockUpdate, eventStreamTerminated). The child places a
resting order named ``deposit-signal`` when it is ready for the balance events; this test
then credits and locks balance on the served exchange. Skipped when the SDK is missing.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from tests.server.conftest import CAROL_KEY, CAROL_PEM, CAROL_PRIVATE, ServeFactory
from tests.server.test_ccxt_sdk import version
from tests.server.test_client_library import run_child
from tests.server.test_sdk_rest_sweep import CONDITIONAL, SDK_AUDIT, exchange
from transports.sim.exchange import SimExchange
from transports.sim.server.app import DEMO_API_KEY, DEMO_API_SECRET, ApiAccount

SCRIPT = (
    """
import asyncio, json, sys
from binance_common.configuration import ConfigurationWebSocketAPI, ConfigurationWebSocketStreams
from binance_sdk_spot.spot import Spot
from binance_sdk_spot.websocket_api.websocket_api import SpotWebSocketAPI
"""
    + SDK_AUDIT
    + """
S = "BTCUSDT"
out, called = {}, set()

async def call(label, make):
    called.add(label.split("(")[0].split(" ")[0])
    data = (await make()).data()
    if isinstance(data, dict) and "error" in data:  # the SDK's shape of an error answer
        out[label] = {"error": str(data["error"])}
        return None
    if isinstance(data, dict):  # send_message / send_signed_message: the raw frame
        out[label] = {"model": "dict", "status": data["status"], "nones": []}
        return data["result"]
    out[label] = {"model": type(data).__name__, "nones": sorted(set(audit(data)))}
    return getattr(data, "result", data)

def kinds(events):
    return [type(getattr(e, "actual_instance", e)).__name__ for e in events]

async def sweep(api):
    working = dict(symbol=S, working_type="LIMIT", working_side="BUY", working_price=55000.0,
                   working_quantity=0.001, working_time_in_force="GTC")
    pending = dict(pending_side="SELL", pending_above_type="LIMIT_MAKER",
                   pending_above_price=65000.0, pending_below_type="STOP_LOSS",
                   pending_below_stop_price=50000.0)
    await call("ping", lambda: api.ping())
    await call("time", lambda: api.time())
    await call("exchange_info", lambda: api.exchange_info(symbol=S))
    await call("execution_rules", lambda: api.execution_rules(symbol=S))
    await call("depth", lambda: api.depth(symbol=S, limit=5))
    await call("order_place MARKET", lambda: api.order_place(
        symbol=S, side="BUY", type="MARKET", quantity=0.01))
    await call("trades_recent", lambda: api.trades_recent(symbol=S, limit=5))
    await call("trades_historical", lambda: api.trades_historical(symbol=S, from_id=0))
    await call("trades_aggregate", lambda: api.trades_aggregate(symbol=S, limit=5))
    await call("klines", lambda: api.klines(symbol=S, interval="1m", limit=5))
    await call("ui_klines", lambda: api.ui_klines(symbol=S, interval="1h", time_zone="8"))
    await call("avg_price", lambda: api.avg_price(symbol=S))
    await call("ticker24hr", lambda: api.ticker24hr(symbols=[S, "ETHUSDT"]))
    await call("ticker_trading_day", lambda: api.ticker_trading_day(symbol=S))
    await call("ticker", lambda: api.ticker(symbol=S, window_size="1h"))
    await call("ticker_price", lambda: api.ticker_price())
    await call("ticker_book", lambda: api.ticker_book(symbol=S))
    await call("reference_price", lambda: api.reference_price(symbol=S))
    await call("reference_price_calculation", lambda: api.reference_price_calculation(symbol=S))
    await call("block_trades_historical", lambda: api.block_trades_historical(
        symbol=S, from_id=0))
    await call("account_status", lambda: api.account_status(omit_zero_balances=True))
    await call("account_commission", lambda: api.account_commission(symbol=S))
    await call("account_rate_limits_orders", lambda: api.account_rate_limits_orders())
    await call("my_trades", lambda: api.my_trades(symbol=S))
    await call("my_prevented_matches", lambda: api.my_prevented_matches(
        symbol=S, prevented_match_id=1))
    await call("my_allocations", lambda: api.my_allocations(symbol=S))
    await call("my_filters", lambda: api.my_filters(symbol=S))
    limit = await call("order_place LIMIT", lambda: api.order_place(
        symbol=S, side="BUY", type="LIMIT", time_in_force="GTC", quantity=0.01, price=55000.0,
        new_client_order_id="wsweep1", strategy_id=7, strategy_type=1000000))
    await call("order_test", lambda: api.order_test(
        symbol=S, side="BUY", type="MARKET", quantity=0.01, compute_commission_rates=True))
    await call("order_status", lambda: api.order_status(
        symbol=S, orig_client_order_id="wsweep1"))
    await call("open_orders_status", lambda: api.open_orders_status(symbol=S))
    await call("all_orders", lambda: api.all_orders(symbol=S, limit=5))
    await call("order_amend_keep_priority", lambda: api.order_amend_keep_priority(
        symbol=S, order_id=limit.order_id, new_qty=0.005))
    await call("order_amendments", lambda: api.order_amendments(
        symbol=S, order_id=limit.order_id))
    replaced = await call("order_cancel_replace", lambda: api.order_cancel_replace(
        symbol=S, cancel_replace_mode="STOP_ON_FAILURE", side="BUY", type="LIMIT",
        time_in_force="GTC", quantity=0.01, price=55500.0, cancel_order_id=limit.order_id))
    await call("order_cancel", lambda: api.order_cancel(
        symbol=S, order_id=replaced.new_order_response.order_id))
    oco = await call("order_list_place_oco", lambda: api.order_list_place_oco(
        symbol=S, side="SELL", quantity=0.002, above_type="LIMIT_MAKER", above_price=62000.0,
        below_type="STOP_LOSS_LIMIT", below_price=57000.0, below_stop_price=57500.0,
        below_time_in_force="GTC"))
    await call("order_list_status", lambda: api.order_list_status(
        order_list_id=oco.order_list_id))
    await call("open_order_lists_status", lambda: api.open_order_lists_status())
    await call("all_order_lists", lambda: api.all_order_lists(limit=5))
    await call("order_list_cancel", lambda: api.order_list_cancel(
        symbol=S, order_list_id=oco.order_list_id))
    await call("order_list_place", lambda: api.order_list_place(
        symbol=S, side="SELL", price=62000.0, quantity=0.002, stop_price=57500.0))
    await call("order_list_place_oto", lambda: api.order_list_place_oto(
        **working, pending_type="LIMIT_MAKER", pending_side="SELL", pending_price=65000.0,
        pending_quantity=0.001))
    await call("open_orders_cancel_all", lambda: api.open_orders_cancel_all(symbol=S))
    await call("order_list_place_otoco", lambda: api.order_list_place_otoco(
        **working, **pending, pending_quantity=0.001))
    await call("order_list_place_opo", lambda: api.order_list_place_opo(
        **working, pending_type="LIMIT_MAKER", pending_side="SELL", pending_price=65000.0))
    await call("order_list_place_opoco", lambda: api.order_list_place_opoco(
        **working, **pending))
    await api.open_orders_cancel_all(symbol=S)
    await call("sor_order_place", lambda: api.sor_order_place(
        symbol=S, side="BUY", type="MARKET", quantity=0.001))
    await call("sor_order_test", lambda: api.sor_order_test(
        symbol=S, side="BUY", type="MARKET", quantity=0.001, compute_commission_rates=True))
    peg = dict(peg_price_type="PRIMARY_PEG", peg_offset_type="PRICE_LEVEL", peg_offset_value=1)
    await call("order_list_place_oco(peg)", lambda: api.order_list_place_oco(
        symbol=S, side="SELL", quantity=0.002, above_type="LIMIT_MAKER", above_price=62000.0,
        below_type="STOP_LOSS", below_stop_price=57500.0,
        **{"below_" + k: v for k, v in peg.items()}))
    await call("order_list_place_oto(peg)", lambda: api.order_list_place_oto(
        **working, pending_type="LIMIT_MAKER", pending_side="SELL", pending_price=65000.0,
        pending_quantity=0.001, **{"pending_" + k: v for k, v in peg.items()}))
    await call("order_list_place_otoco(peg)", lambda: api.order_list_place_otoco(
        **working, **pending, pending_quantity=0.001,
        **{"pending_above_" + k: v for k, v in peg.items()}))
    await call("send_message", lambda: api.send_message({"method": "time", "params": {}}))
    await call("send_signed_message", lambda: api.send_signed_message(
        {"method": "account.commission", "params": {"symbol": S}}))

async def user_data(api, subscribe, label):
    # The events of an order's life, a list's, a cancel-all and (from the test) a deposit
    # and an external lock, parsed by the SDK's user data event models.
    events = []
    called.add(subscribe.__name__)
    handle = await subscribe()
    handle.stream.on("message", events.append)
    await call("session_subscriptions", lambda: api.session_subscriptions())
    await api.order_place(symbol=S, side="BUY", type="MARKET", quantity=0.001)
    await api.order_list_place_oco(
        symbol=S, side="SELL", quantity=0.002, above_type="LIMIT_MAKER", above_price=62000.0,
        below_type="STOP_LOSS_LIMIT", below_price=57000.0, below_stop_price=57500.0,
        below_time_in_force="GTC")
    await api.open_orders_cancel_all(symbol=S)
    await api.order_place(symbol=S, side="BUY", type="LIMIT", time_in_force="GTC",
                          quantity=0.001, price=50000.0, new_client_order_id="deposit-signal")
    for _ in range(100):
        if "ExternalLockUpdate" in kinds(events):
            break
        await asyncio.sleep(0.05)
    await api.open_orders_cancel_all(symbol=S)
    await asyncio.sleep(0.3)
    await call("user_data_stream_unsubscribe", lambda: api.user_data_stream_unsubscribe())
    await asyncio.sleep(0.3)
    out[label] = [
        {"kind": kind, "nones": sorted(set(audit(getattr(e, "actual_instance", e))))}
        for kind, e in zip(kinds(events), events)
    ]

async def streams(spot):
    got = {}
    conn = await spot.websocket_streams.create_connection()
    try:
        for name, make in (
            ("kline_offset", lambda: conn.kline_offset(symbol="btcusdt", interval="1d")),
            ("kline", lambda: conn.kline(symbol="btcusdt", interval="1d")),
            ("block_trade", lambda: conn.block_trade(symbol="btcusdt")),
            ("reference_price", lambda: conn.reference_price(symbol="btcusdt")),
        ):
            handle = await make()
            handle.on("message", lambda m, name=name: got.setdefault(name, m))
        for _ in range(60):  # a kline pushes every 2 s (web-socket-streams.md)
            if {"kline", "kline_offset"} <= set(got):
                break
            await asyncio.sleep(0.1)
        out["list_subscribe"] = (await conn.list_subscribe())["result"]
    finally:
        await conn.close_connection(close_session=True)
    out["streams"] = {name: m.to_dict() for name, m in got.items()}

async def main(base, key, secret, ed_key, ed_pem):
    ws = base.replace("http", "ws", 1).removesuffix("/api")
    config = dict(stream_url=ws + "/ws-api/v3", timeout=10000, reconnect_attempts=1)
    spot = Spot(config_ws_api=ConfigurationWebSocketAPI(api_key=key, api_secret=secret, **config),
                config_ws_streams=ConfigurationWebSocketStreams(
                    stream_url=ws, reconnect_attempts=1))
    api = await spot.websocket_api.create_connection()
    try:
        await sweep(api)
        await user_data(api, api.user_data_stream_subscribe_signature, "events(signature)")
    finally:
        await api.close_connection(close_session=True)
    ed = Spot(config_ws_api=ConfigurationWebSocketAPI(
        api_key=ed_key, private_key=ed_pem, **config)).websocket_api
    api = await ed.create_connection()
    try:
        await call("session_logon", lambda: api.session_logon())
        await call("session_status", lambda: api.session_status())
        await user_data(api, api.user_data_stream_subscribe, "events(logon)")
        await call("session_logout", lambda: api.session_logout())
    finally:
        await api.close_connection(close_session=True)
    await streams(spot)
    endpoints = {n for n in vars(SpotWebSocketAPI) if not n.startswith("_")}
    out["not_called"] = sorted(endpoints - called)
    out["logged"] = logged
    print(json.dumps(out, default=str))

asyncio.run(main(*sys.argv[1:]))
"""
)

# The SDK signs with a private key in PEM (ConfigurationWebSocketAPI.private_key).
CAROL_PRIVATE_PEM = CAROL_PRIVATE.private_bytes(
    Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
).decode()
NO_REFERENCE = str({"code": -2043, "msg": "This symbol doesn't have a reference price."})
PEGS_REFUSED = str({"code": -2010, "msg": "Pegged orders are not supported for this symbol."})


async def deposit_on_signal(exchange: SimExchange, account: str) -> None:
    """Once ``account`` rests the ``deposit-signal`` order: a deposit (balanceUpdate) and an
    external lock (externalLockUpdate)."""
    while not any(o.client_order_id == "deposit-signal" for o in exchange.open_orders(account)):
        await asyncio.sleep(0.02)
    exchange.deposit(account, "BTC", Decimal("0.5"))
    exchange.external_lock(account, "BTC", Decimal("0.1"))


@pytest.mark.skipif(version("binance-sdk-spot") is None, reason="binance-sdk-spot missing")
async def test_every_websocket_api_method_and_user_data_event_parses(
    serve: ServeFactory,
) -> None:
    served = exchange()
    served.create_account("carol", {"USDT": Decimal("100000"), "BTC": Decimal("1")})
    keys = [
        ApiAccount(account="demo", api_key=DEMO_API_KEY, secret=DEMO_API_SECRET),
        ApiAccount(account="carol", api_key=CAROL_KEY, ed25519_public_key=CAROL_PEM),
    ]
    h = await serve(exchange=served, api_accounts=keys, clock=None)
    signals = [asyncio.create_task(deposit_on_signal(served, a)) for a in ("demo", "carol")]
    try:
        args = (h.base, DEMO_API_KEY, DEMO_API_SECRET, CAROL_KEY, CAROL_PRIVATE_PEM)
        out: dict[str, Any] = await run_child(SCRIPT, *args)
    finally:
        for task in signals:
            task.cancel()
    # ping_server / close_connection are the connection's own; every method was called.
    assert out.pop("not_called") == ["close_connection", "ping_server"]
    assert out.pop("logged") == []
    calls = {k: v for k, v in out.items() if isinstance(v, dict) and ("model" in v or "error" in v)}
    errors = {name: r["error"] for name, r in calls.items() if "error" in r}
    assert errors == {
        "reference_price": NO_REFERENCE,
        "reference_price_calculation": NO_REFERENCE,
        "order_list_place_oco(peg)": PEGS_REFUSED,
        "order_list_place_oto(peg)": PEGS_REFUSED,
        "order_list_place_otoco(peg)": PEGS_REFUSED,
    }
    for name in (
        "depth",
        "ticker24hr",
        "ticker",
        "account_status",
        "my_trades",
        "order_list_status",
        "order_amendments",
        "session_status",
        "session_logon",
        "order_test",
        "sor_order_test",
    ):
        assert calls[name]["nones"] == [], name
    for name in (
        "order_place MARKET",
        "order_place LIMIT",
        "order_status",
        "open_orders_status",
        "all_orders",
        "order_amend_keep_priority",
        "order_cancel_replace",
        "order_list_place_oco",
        "order_list_cancel",
        "order_list_place_oto",
        "order_list_place_otoco",
        "sor_order_place",
    ):
        missing = {p.rsplit(".", 1)[-1] for p in calls[name]["nones"]} - CONDITIONAL
        assert missing <= {"listStatus"}, (name, missing)
    for label in ("events(signature)", "events(logon)"):
        kinds = [e["kind"] for e in out[label]]
        assert set(kinds) == {
            "ExecutionReport",
            "OutboundAccountPosition",
            "ListStatus",
            "BalanceUpdate",
            "ExternalLockUpdate",
            "EventStreamTerminated",
        }, (label, kinds)
        assert kinds[-1] == "EventStreamTerminated"
        for event in out[label]:
            if event["kind"] != "ExecutionReport":
                assert event["nones"] == [], event
    # Market streams: the UTC+8 daily kline opens 8 hours before the UTC one's midnight or
    # 16 hours after it (web-socket-streams.md, Kline/Candlestick Streams with timezone
    # offset); block trades and reference prices can be subscribed and stay silent.
    streams = out["streams"]
    assert (streams["kline"]["k"]["t"] - streams["kline_offset"]["k"]["t"]) % 86_400_000 == (
        8 * 3_600_000
    )
    assert "block_trade" not in streams and "reference_price" not in streams
    assert {"btcusdt@blockTrade", "btcusdt@referencePrice", "btcusdt@kline_1d@+08:00"} <= set(
        out["list_subscribe"]
    )

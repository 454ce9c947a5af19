"""OPO and OPOCO over the local server's REST and WebSocket API, as rest-api.md (New Order List -
OPO / OPOCO), web-socket-api.md (OPO / OPOCO), errors.md and faqs/opo.md describe them: the
answers, queries, cancels, user-data events, weights and unfilled order counts, the refusals,
and Binance's own SDK placing both."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from oms.testing.sim import limit
from oms.wire.enums import Side
from tests.server.conftest import (
    ALICE_KEY,
    ALICE_SECRET,
    START_MS,
    Harness,
    Reply,
    ServeFactory,
)
from tests.server.test_client_ccxt import CCXT
from tests.server.test_client_ccxt import SCRIPT as CCXT_SCRIPT
from tests.server.test_client_library import run_client
from tests.server.test_client_sdk import SDK, SDK_REST_HEAD
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.markets import markets_from_config
from transports.sim.server.core import wall_clock_ms

OPO = {
    "symbol": "BTCUSDT", "listClientOrderId": "L1",
    "workingType": "LIMIT", "workingSide": "BUY", "workingPrice": "59000.00",
    "workingQuantity": "0.01", "workingTimeInForce": "GTC", "workingClientOrderId": "w",
    "pendingType": "LIMIT_MAKER", "pendingSide": "SELL", "pendingPrice": "61000.00",
    "pendingClientOrderId": "p",
}  # fmt: skip
OPOCO = {
    "symbol": "BTCUSDT", "listClientOrderId": "L2",
    "workingType": "LIMIT", "workingSide": "BUY", "workingPrice": "59000.00",
    "workingQuantity": "0.01", "workingTimeInForce": "GTC", "workingClientOrderId": "w2",
    "pendingSide": "SELL",
    "pendingAboveType": "LIMIT_MAKER", "pendingAbovePrice": "62000.00",
    "pendingAboveClientOrderId": "tp",
    "pendingBelowType": "STOP_LOSS_LIMIT", "pendingBelowPrice": "57000.00",
    "pendingBelowStopPrice": "57500.00", "pendingBelowTimeInForce": "GTC",
    "pendingBelowClientOrderId": "sl",
}  # fmt: skip


def weight(reply: Reply) -> int:
    return int(reply.headers["X-MBX-USED-WEIGHT-1M"])


def bob_sells(harness: Harness, qty: str, price: str = "59000") -> None:
    harness.exchange.place_order("bob", limit(Side.SELL, qty, price))


async def order(client: Any, cid: str) -> dict[str, Any]:
    reply = await client.signed("GET", "/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": cid})
    return reply.json()  # type: ignore[no-any-return]


async def btc(client: Any) -> tuple[str, str]:
    account = (await client.signed("GET", "/v3/account")).json()
    row = next(b for b in account["balances"] if b["asset"] == "BTC")
    return row["free"], row["locked"]


async def test_rest_opo_answer_queries_fill_and_counts(harness: Harness) -> None:
    client = harness.rest()
    info = await client.public("/v3/exchangeInfo", {"symbol": "BTCUSDT"})
    assert info.json()["symbols"][0]["opoAllowed"] is True
    placed = await client.signed("POST", "/v3/orderList/opo", OPO)
    assert placed.status == 200, placed.body
    assert weight(placed) == weight(info)  # a successful placement weighs 0
    body = placed.json()
    assert (body["contingencyType"], body["listStatusType"], body["listOrderStatus"]) == (
        "OTO", "EXEC_STARTED", "EXECUTING",
    )  # fmt: skip
    assert [o["clientOrderId"] for o in body["orders"]] == ["w", "p"]
    work, pend = body["orderReports"]
    assert (work["status"], work["origQty"], work["side"]) == ("NEW", "0.01000000", "BUY")
    # rest-api.md, New Order List - OPO "Response": the pending report has no origQty.
    assert "origQty" not in pend
    assert (pend["status"], pend["workingTime"], pend["side"]) == ("PENDING_NEW", -1, "SELL")
    counts = (await client.signed("GET", "/v3/rateLimit/order")).json()
    assert [c["count"] for c in counts] == [2, 2]  # "Unfilled Order Count: 2"
    assert (await order(client, "p"))["origQty"] == "0.00000000"
    lists = (await client.signed("GET", "/v3/openOrderList")).json()
    assert [(x["listClientOrderId"], x["contingencyType"]) for x in lists] == [("L1", "OTO")]
    assert await btc(client) == ("100.00000000", "0.00000000")
    bob_sells(harness, "0.01")
    pending = await order(client, "p")
    assert (pending["status"], pending["origQty"], pending["isWorking"]) == (
        "NEW", "0.01000000", True,
    )  # fmt: skip
    assert await btc(client) == ("100.00000000", "0.01000000")
    every = (await client.signed("GET", "/v3/allOrderList")).json()
    assert [x["listOrderStatus"] for x in every] == ["EXECUTING"]
    one = await client.signed("GET", "/v3/orderList", {"origClientOrderId": "L1"})
    assert [o["clientOrderId"] for o in one.json()["orders"]] == ["w", "p"]
    counts = (await client.signed("GET", "/v3/rateLimit/order")).json()
    assert [c["count"] for c in counts] == [1, 1]  # the working order traded


async def test_rest_cancel_before_the_fill_unlocks_the_received_base(harness: Harness) -> None:
    client = harness.rest()
    assert (await client.signed("POST", "/v3/orderList/opo", OPO)).status == 200
    bob_sells(harness, "0.004")
    assert await btc(client) == ("100.00000000", "0.00400000")
    ids = {"symbol": "BTCUSDT", "listClientOrderId": "L1"}
    cancel = await client.signed("DELETE", "/v3/orderList", ids)
    body = cancel.json()
    assert body["listOrderStatus"] == "ALL_DONE"
    assert [r["status"] for r in body["orderReports"]] == ["CANCELED", "CANCELED"]
    assert "origQty" not in body["orderReports"][1]
    assert await btc(client) == ("100.00400000", "0.00000000")
    assert (await order(client, "p"))["status"] == "CANCELED"


async def test_rest_refusals(harness: Harness) -> None:
    client = harness.rest()
    for params, code, msg in (
        ({**OPO, "workingSide": "SELL"}, -1222, "Working order in an OPO list must be a bid."),
        ({**OPO, "pendingSide": "BUY"}, -1223, "Pending orders in an OPO list must be asks."),
    ):
        reply = await client.signed("POST", "/v3/orderList/opo", params)
        assert (reply.status, reply.json()) == (400, {"code": code, "msg": msg})
    bad = await client.signed("POST", "/v3/orderList/opoco", {**OPOCO, "pendingSide": "BUY"})
    assert bad.code == -1223
    assert weight(bad) == 3  # failed placements pay weight 1 each
    extra = await client.signed("POST", "/v3/orderList/opo", {**OPO, "pendingQuantity": "0.01"})
    assert extra.code == -1104
    missing = {k: v for k, v in OPO.items() if k != "pendingSide"}
    assert (await client.signed("POST", "/v3/orderList/opo", missing)).code == -1102
    pegged = {**OPO, "pendingPegPriceType": "PRIMARY_PEG"}
    assert (await client.signed("POST", "/v3/orderList/opo", pegged)).code == -2010
    assert (await client.signed("POST", "/v3/orderList/opo", OPO)).status == 200
    amend = {"symbol": "BTCUSDT", "origClientOrderId": "p", "newQty": "0.001"}
    refused = await client.signed("PUT", "/v3/order/amend/keepPriority", amend)
    assert (refused.status, refused.json()) == (
        400,
        {"code": -2038, "msg": "Order amend (pending OPO order) is not supported."},
    )
    bob_sells(harness, "0.01")
    amended = await client.signed("PUT", "/v3/order/amend/keepPriority", amend)
    assert amended.json()["amendedOrder"]["qty"] == "0.00100000"


async def test_symbol_without_opo_is_refused_after_the_request_is_read(
    serve: ServeFactory,
) -> None:
    clock = ManualClock(START_MS)
    market = {"symbol": "BTCUSDT", "base": "BTC", "quote": "USDT", "reference_price": "60000"}
    config = markets_from_config({"markets": [{**market, "opo_allowed": False}]})
    with pytest.raises(ValueError, match="opo_allowed"):
        markets_from_config({"markets": [{**market, "opo_allowed": "no"}]})
    exchange = SimExchange(clock=clock, config=config)
    for name in ("alice", "bob", "carol"):
        exchange.create_account(name, {"USDT": Decimal("100000"), "BTC": Decimal("100")})
    harness = await serve(exchange=exchange, clock=clock)
    client = harness.rest()
    info = (await client.public("/v3/exchangeInfo", {"symbol": "BTCUSDT"})).json()
    assert info["symbols"][0]["opoAllowed"] is False
    reply = await client.signed("POST", "/v3/orderList/opo", OPO)
    assert (reply.status, reply.json()) == (
        400,
        {"code": -2010, "msg": "OPO orders are not supported for this symbol."},
    )
    assert weight(reply) == 20 + 1
    assert (await client.signed("POST", "/v3/orderList/opoco", OPOCO)).code == -2010
    no_price = {k: v for k, v in OPO.items() if k != "workingPrice"}
    assert (await client.signed("POST", "/v3/orderList/opo", no_price)).code == -1102
    no_pending = {k: v for k, v in OPO.items() if not k.startswith("pending")}
    assert (await client.signed("POST", "/v3/orderList/opo", no_pending)).code == -1102
    assert (await client.raw("POST", "/v3/orderList/opo", "symbol=BTCUSDT")).code == -1102
    ws = await harness.ws()
    refused = await ws.call("orderList.place.opo", ws.signed_params(ALICE_KEY, ALICE_SECRET, **OPO))
    assert refused["error"] == {
        "code": -2010,
        "msg": "OPO orders are not supported for this symbol.",
    }
    assert exchange.open_orders("alice") == []
    assert exchange.balance("alice", "USDT") == (Decimal("100000"), Decimal(0))


async def test_ws_api_opoco_events_lock_and_pair(harness: Harness) -> None:
    ws = await harness.ws()
    sub = await ws.call(
        "userDataStream.subscribe.signature", ws.signed_params(ALICE_KEY, ALICE_SECRET)
    )
    assert sub["status"] == 200
    placed = await ws.call(
        "orderList.place.opoco", ws.signed_params(ALICE_KEY, ALICE_SECRET, **OPOCO)
    )
    assert placed["status"] == 200, placed
    # A successful placement weighs 0 (CHANGELOG.md, 2026-03-27).
    assert placed["rateLimits"][0]["count"] == sub["rateLimits"][0]["count"]
    result = placed["result"]
    assert result["contingencyType"] == "OTO"
    reports = result["orderReports"]
    # rest-api.md, New Order List - OPOCO "Response": the below order, then the above one.
    assert [r["clientOrderId"] for r in reports] == ["w2", "sl", "tp"]
    assert ["origQty" in r for r in reports] == [True, False, False]
    assert reports[1]["stopPrice"] == "57500.00000000"
    placing = await ws.events_for(0.3)
    kinds = [(e["event"]["e"], e["event"].get("X")) for e in placing]
    assert kinds == [
        ("executionReport", "NEW"),
        ("executionReport", "PENDING_NEW"),
        ("executionReport", "PENDING_NEW"),
        ("listStatus", None),
        ("outboundAccountPosition", None),
    ]
    assert [e["event"]["q"] for e in placing[:3]] == ["0.01000000", "0.00000000", "0.00000000"]
    orders = await ws.call("account.rateLimits.orders", ws.signed_params(ALICE_KEY, ALICE_SECRET))
    assert [c["count"] for c in orders["result"]] == [3, 3]  # "Unfilled Order Count: 3"
    bob_sells(harness, "0.01")
    filled = [e["event"] for e in await ws.events_for(0.3)]
    got = [(e["e"], e.get("c"), e.get("X"), e.get("q")) for e in filled]
    assert got == [
        ("executionReport", "w2", "FILLED", "0.01000000"),
        ("executionReport", "sl", "NEW", "0.01000000"),
        ("executionReport", "tp", "NEW", "0.01000000"),
        ("listStatus", "OTO", None, None),  # "c": the contingency type
        ("outboundAccountPosition", None, None, None),
    ]
    balances = {b["a"]: (b["f"], b["l"]) for b in filled[-1]["B"]}
    assert balances["BTC"] == ("100.00000000", "0.01000000")
    status = await ws.call(
        "orderList.status",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, origClientOrderId="L2"),
    )
    assert status["result"]["listOrderStatus"] == "EXECUTING"
    cancel = await ws.call(
        "orderList.cancel",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol="BTCUSDT", listClientOrderId="L2"),
    )
    assert [r["status"] for r in cancel["result"]["orderReports"]] == ["CANCELED", "CANCELED"]
    assert harness.exchange.balance("alice", "BTC") == (Decimal("100.01"), Decimal(0))


# The opening of a binance-sdk-spot script: ``api`` (REST), ``ws_connection()`` (WebSocket
# API) and ``out``, printed as JSON by ``SDK_TAIL``.
SDK_HEAD = (
    SDK_REST_HEAD
    + """

async def ws_connection():
    spot = Spot(config_ws_api=ConfigurationWebSocketAPI(
        api_key=key, api_secret=secret, reconnect_attempts=1, timeout=10000,
        stream_url=base.replace("http", "ws", 1).removesuffix("/api") + "/ws-api/v3"))
    return await spot.websocket_api.create_connection()
"""
)
SDK_TAIL = """
asyncio.run(ws_api())
print(json.dumps(out, default=str))
"""
SDK_SCRIPT = (
    SDK_HEAD
    + """
opo = api.order_list_opo(symbol="BTCUSDT", working_type="LIMIT", working_side="BUY",
                         working_price=59000.0, working_quantity=0.01,
                         working_time_in_force="GTC", pending_type="MARKET",
                         pending_side="SELL")
out["opo"] = opo.data().model_dump(by_alias=True, exclude_none=True)
opoco = api.order_list_opoco(symbol="BTCUSDT", working_type="LIMIT", working_side="BUY",
                             working_price=59000.0, working_quantity=0.01,
                             working_time_in_force="GTC", pending_side="SELL",
                             pending_above_type="LIMIT_MAKER", pending_above_price=62000.0,
                             pending_below_type="STOP_LOSS", pending_below_stop_price=57000.0)
out["opoco"] = opoco.data().model_dump(by_alias=True, exclude_none=True)

async def ws_api():
    ws = await ws_connection()
    try:
        placed = await ws.order_list_place_opo(
            symbol="BTCUSDT", working_type="LIMIT_MAKER", working_side="BUY",
            working_price=58000.0, working_quantity=0.01, pending_type="LIMIT_MAKER",
            pending_side="SELL", pending_price=61000.0)
        out["ws_opo"] = placed.data().result.model_dump(by_alias=True, exclude_none=True)
    finally:
        await ws.close_connection(close_session=True)
"""
    + SDK_TAIL
)


async def run_sdk(serve: ServeFactory, script: str) -> tuple[SimExchange, Any]:
    """Run ``script`` against a server whose demo account holds 100000 USDT."""
    exchange = SimExchange(clock=wall_clock_ms)
    exchange.create_account("demo", {"USDT": Decimal("100000")})
    return exchange, await run_client(serve, exchange, script)


@pytest.mark.skipif(SDK is None, reason="binance-sdk-spot is not installed")
async def test_binance_sdk_spot_places_opo_and_opoco(serve: ServeFactory) -> None:
    exchange, out = await run_sdk(serve, SDK_SCRIPT)
    opo, opoco = out["opo"], out["opoco"]
    assert opo["contingencyType"] == opoco["contingencyType"] == "OTO"
    assert [r["status"] for r in opo["orderReports"]] == ["NEW", "PENDING_NEW"]
    assert [r["type"] for r in opoco["orderReports"]] == ["LIMIT", "STOP_LOSS", "LIMIT_MAKER"]
    assert "origQty" not in opoco["orderReports"][1]
    assert "origQty" not in opoco["orderReports"][2]
    ws_opo = out["ws_opo"]
    assert [r["status"] for r in ws_opo["orderReports"]] == ["NEW", "PENDING_NEW"]
    assert "origQty" not in ws_opo["orderReports"][1]
    locked = 2 * 590 + 580
    assert exchange.balance("demo", "USDT") == (Decimal("100000") - locked, Decimal(locked))


# ccxt has no unified OPO call: its implicit API signs the raw request (and adds a generated
# client id for every leg).
CCXT_OPO = (
    CCXT_SCRIPT[: CCXT_SCRIPT.index("out = {}")]
    + """
out = {}
out["opo"] = ex.private_post_orderlist_opo({
    "symbol": "BTCUSDT", "workingType": "LIMIT", "workingSide": "BUY", "workingPrice": "59000",
    "workingQuantity": "0.01", "workingTimeInForce": "GTC",
    "pendingType": "LIMIT_MAKER", "pendingSide": "SELL", "pendingPrice": "61000"})
out["opoco"] = ex.private_post_orderlist_opoco({
    "symbol": "BTCUSDT", "workingType": "LIMIT_MAKER", "workingSide": "BUY",
    "workingPrice": "59000", "workingQuantity": "0.01", "pendingSide": "SELL",
    "pendingAboveType": "LIMIT_MAKER", "pendingAbovePrice": "62000"})
out["lists"] = ex.private_get_openorderlist()
print(json.dumps(out))
"""
)


@pytest.mark.skipif(CCXT is None, reason="ccxt is not installed")
async def test_ccxt_places_opo_and_opoco(serve: ServeFactory) -> None:
    exchange = SimExchange(clock=wall_clock_ms)
    exchange.create_account("demo", {"USDT": Decimal("100000")})
    out = await run_client(serve, exchange, CCXT_OPO)
    assert [r["status"] for r in out["opo"]["orderReports"]] == ["NEW", "PENDING_NEW"]
    assert [r["type"] for r in out["opoco"]["orderReports"]] == ["LIMIT_MAKER", "LIMIT_MAKER"]
    assert {x["contingencyType"] for x in out["lists"]} == {"OTO"}
    assert len(out["lists"]) == 2


async def test_a_pending_order_works_from_its_placement(harness: Harness) -> None:
    # user-data-stream.md, Order Update: "W" (Working Time) "is only visible if the order has
    # been placed on the book": a pending order is placed when the working order fills, and
    # one canceled before that never worked (workingTime -1 in the order query, as while
    # PENDING_NEW).
    client = harness.rest()
    ws = await harness.ws()
    params = ws.signed_params(ALICE_KEY, ALICE_SECRET)
    assert (await ws.call("userDataStream.subscribe.signature", params))["status"] == 200
    assert (await client.signed("POST", "/v3/orderList/opo", OPO)).status == 200
    assert (await client.signed("POST", "/v3/orderList/opoco", OPOCO)).status == 200
    await client.signed("DELETE", "/v3/orderList", {"symbol": "BTCUSDT", "orderListId": "0"})
    canceled = [f["event"] for f in await ws.events_for(0.3)][-5:]
    legs = [(e["C"], e["X"], "W" in e) for e in canceled if e["e"] == "executionReport"]
    assert legs == [("w", "CANCELED", True), ("p", "CANCELED", False)]
    assert (await order(client, "p"))["workingTime"] == -1
    harness.clock.advance(5_000)
    bob_sells(harness, "0.01")
    filled = [f["event"] for f in await ws.events_for(0.3)]
    placed = {e["c"]: e.get("W") for e in filled if e["e"] == "executionReport" and e["X"] == "NEW"}
    assert placed == {"sl": None, "tp": START_MS + 5_000}  # the stop works once triggered
    assert (await order(client, "tp"))["workingTime"] == START_MS + 5_000
    assert (await order(client, "w2"))["workingTime"] == START_MS


async def test_a_fok_working_order_fills_whole_or_expires(harness: Harness) -> None:
    # enums.md, Time in force: FOK "will expire if the full order cannot be filled upon
    # execution"; user-data-stream.md, Order Expiry Reason: UNFILLED_FOK_ORDER_EXPIRED.
    client = harness.rest()
    bob_sells(harness, "0.004")
    fok = {**OPO, "workingTimeInForce": "FOK", "workingPrice": "59000.00"}
    killed = (await client.signed("POST", "/v3/orderList/opo", fok)).json()
    work, pend = killed["orderReports"]
    assert (work["status"], work["executedQty"], work["expiryReason"]) == (
        "EXPIRED", "0.00000000", "UNFILLED_FOK_ORDER_EXPIRED",
    )  # fmt: skip
    assert (pend["status"], pend["expiryReason"]) == ("EXPIRED", "OTO_PHASE_ONE_EXPIRED")
    assert killed["listOrderStatus"] == "ALL_DONE"
    assert await btc(client) == ("100.00000000", "0.00000000")
    bob_sells(harness, "0.006")
    whole = {**fok, "listClientOrderId": "L3", "workingClientOrderId": "w3",
             "pendingClientOrderId": "p3"}  # fmt: skip
    filled = (await client.signed("POST", "/v3/orderList/opo", whole)).json()
    work, pend = filled["orderReports"]
    assert (work["status"], pend["status"], pend["origQty"]) == ("FILLED", "NEW", "0.01000000")
    assert await btc(client) == ("100.00000000", "0.01000000")

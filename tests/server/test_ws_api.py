"""The WebSocket API: sessions, subscriptions, order methods, pings, lifetime, shutdown."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp

from oms.wire.decoding import decode_body, decode_user_data
from oms.wire.enums import ExecutionType, OrderStatus
from oms.wire.events import EventStreamTerminated, ExecutionReport, OutboundAccountPosition
from oms.wire.rest import CancelResponse, NewOrderFull, QueryOrderResponse
from tests.server.conftest import (
    ALICE_KEY,
    ALICE_SECRET,
    CAROL_KEY,
    Harness,
    ServeFactory,
    WsClient,
)
from tests.server.test_rest_endpoints import LIMIT_BUY, maker_asks
from transports.sim.server.app import ServerOptions
from transports.wire import encode_json


def _event(frame: dict[str, object]) -> object:
    return decode_user_data(encode_json(frame))


async def test_logon_subscribe_receives_rest_order_events_in_order(harness: Harness) -> None:
    h = harness
    ws = await h.ws()
    logon = await ws.call("session.logon", ws.signed_params(CAROL_KEY, None))
    assert logon["status"] == 200, logon
    assert logon["result"]["apiKey"] == CAROL_KEY
    assert logon["rateLimits"][0]["rateLimitType"] == "REQUEST_WEIGHT"
    sub = await ws.call("userDataStream.subscribe")
    assert sub["result"] == {"subscriptionId": 0}
    status = await ws.call("session.status")
    assert status["result"]["userDataStream"] is True
    again = await ws.call("userDataStream.subscribe")
    assert again["error"]["code"] == -2035

    maker_asks(h)
    carol = h.rest(CAROL_KEY, None)
    placed = decode_body(
        (await carol.signed("POST", "/v3/order", {**LIMIT_BUY, "price": "60000.00"})).body,
        NewOrderFull,
    )
    assert placed.status is OrderStatus.FILLED
    frames = [await ws.next_event() for _ in range(3)]
    assert {f["subscriptionId"] for f in frames} == {0}
    events = [_event(f) for f in frames]
    assert [type(e) for e in events] == [ExecutionReport, ExecutionReport, OutboundAccountPosition]
    new, trade = events[0], events[1]
    assert isinstance(new, ExecutionReport) and isinstance(trade, ExecutionReport)
    assert (new.execution_type, trade.execution_type) == (ExecutionType.NEW, ExecutionType.TRADE)
    assert new.order_id == trade.order_id == placed.order_id
    assert await ws.events_for(0.1) == []  # nothing else, and no maker events for carol

    logout = await ws.call("session.logout")
    assert logout["result"]["apiKey"] is None
    ended = _event(await ws.next_event())
    assert isinstance(ended, EventStreamTerminated)


async def test_signature_subscription_hmac_and_unsubscribe(harness: Harness) -> None:
    h = harness
    ws = await h.ws()
    sub = await ws.call(
        "userDataStream.subscribe.signature", ws.signed_params(ALICE_KEY, ALICE_SECRET)
    )
    assert sub["result"] == {"subscriptionId": 0}, sub
    listed = await ws.call("session.subscriptions")
    assert listed["result"] == [{"subscriptionId": 0}]
    h.exchange.deposit("alice", "USDT", Decimal("5"))
    balance = await ws.next_event()
    assert balance["event"]["e"] == "balanceUpdate" and balance["event"]["d"] == "5.00000000"
    position = await ws.next_event()
    assert position["event"]["e"] == "outboundAccountPosition"
    gone = await ws.call("userDataStream.unsubscribe", {"subscriptionId": 7})
    assert gone["error"]["code"] == -2036
    done = await ws.call("userDataStream.unsubscribe")
    assert done["status"] == 200
    assert ws.events.pop(0)["event"]["e"] == "eventStreamTerminated"
    h.exchange.deposit("alice", "USDT", Decimal("5"))
    assert await ws.events_for(0.1) == []
    forged = ws.signed_params(ALICE_KEY, "wrong")
    bad = await ws.call("userDataStream.subscribe.signature", forged)
    assert (bad["status"], bad["error"]["code"]) == (400, -1022)


async def test_logon_refuses_hmac_and_subscribe_needs_logon(harness: Harness) -> None:
    ws = await harness.ws()
    hmac_logon = await ws.call("session.logon", ws.signed_params(ALICE_KEY, ALICE_SECRET))
    assert (hmac_logon["status"], hmac_logon["error"]["code"]) == (400, -1022)
    need = await ws.call("userDataStream.subscribe")
    assert need["status"] == 401
    for removed in ("userDataStream.start", "userDataStream.ping", "userDataStream.stop"):
        answer = await ws.call(removed, {})
        assert answer["status"] == 410 and "removed" in answer["error"]["msg"]
    unknown = await ws.call("order.teleport", {})
    assert unknown["status"] == 400


async def test_ws_order_methods_signed_and_in_session(harness: Harness) -> None:
    ws = await harness.ws()
    params = dict(LIMIT_BUY)
    placed = await ws.call(
        "order.place", ws.signed_params(ALICE_KEY, ALICE_SECRET, **params, newClientOrderId="w1")
    )
    assert placed["status"] == 200, placed
    order = decode_body(encode_json(placed["result"]), NewOrderFull)
    assert order.client_order_id == "w1"
    kinds = {r["rateLimitType"] + r["interval"]: r["count"] for r in placed["rateLimits"]}
    # The connection itself cost 2 (web-socket-api.md, IP limits); the placement is free.
    assert kinds == {"REQUEST_WEIGHTMINUTE": 2, "ORDERSSECOND": 1, "ORDERSDAY": 1}
    # Numbers sent as JSON numbers are signed as their text (WS signing rule).
    status = await ws.call(
        "order.status",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol="BTCUSDT", orderId=order.order_id),
    )
    assert decode_body(encode_json(status["result"]), QueryOrderResponse).status is OrderStatus.NEW
    # After an Ed25519 logon, apiKey and signature may be left out; timestamp may not.
    await ws.call("session.logon", ws.signed_params(CAROL_KEY, None))
    carol_order = await ws.call(
        "order.place", {**params, "timestamp": harness.clock(), "returnRateLimits": False}
    )
    assert carol_order["status"] == 200 and "rateLimits" not in carol_order
    no_ts = await ws.call("order.place", params)
    assert no_ts["error"]["code"] == -1102
    other = await ws.call(
        "order.cancel",
        {"symbol": "BTCUSDT", "orderId": order.order_id, "timestamp": harness.clock()},
    )
    assert other["error"]["code"] == -2011  # alice's order is not carol's to cancel
    mine = await ws.call(
        "order.cancel",
        ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol="BTCUSDT", orderId=order.order_id),
    )
    assert decode_body(encode_json(mine["result"]), CancelResponse).status is OrderStatus.CANCELED
    stale = ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol="BTCUSDT", orderId=1)
    harness.clock.advance(6000)
    late = await ws.call("order.status", stale)
    assert late["error"]["code"] == -1021


async def test_ping_frames_and_connection_lifetime(serve: ServeFactory) -> None:
    h = await serve(ServerOptions(ping_interval=0.05, max_connection_age=0.3))
    ws = await h.session.ws_connect(h.ws_url, autoping=False)
    ping = await ws.receive(timeout=1)
    assert ping.type is aiohttp.WSMsgType.PING
    await ws.pong(ping.data)
    while True:
        message = await ws.receive(timeout=2)
        if message.type is aiohttp.WSMsgType.PING:
            await ws.pong(message.data)
            continue
        break
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert ws.closed or message.type is aiohttp.WSMsgType.CLOSE


async def test_server_shutdown_event_before_close(serve: ServeFactory) -> None:
    h = await serve()
    ws = WsClient(await h.session.ws_connect(h.ws_url), h.clock)
    assert (await ws.call("ping", {}))["result"] == {}
    closing = asyncio.create_task(h.server.close())
    frame = await ws.next_event(timeout=3)
    assert frame["event"]["e"] == "serverShutdown"
    assert "subscriptionId" not in frame
    closed = await ws.ws.receive(timeout=3)
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    await closing


async def test_trades_historical_ignores_an_api_key(harness: Harness) -> None:
    # CHANGELOG.md, 2023-07-11, Websocket API: trades.historical's security type is NONE;
    # "the `apiKey` parameter is no longer necessary and is now ignored" (binance-connector
    # 3.13.0 still sends it). Any other unread parameter is still -1104.
    ws = await harness.ws()
    sent = {"symbol": "BTCUSDT", "fromId": 0, "apiKey": ALICE_KEY}
    answer = await ws.call("trades.historical", sent)
    assert (answer["status"], answer["result"]) == (200, [])
    answer = await ws.call("trades.historical", {**sent, "orderId": 1})
    assert (answer["status"], answer["error"]["code"]) == (400, -1104)

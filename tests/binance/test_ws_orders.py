"""Orders over the WebSocket API (``order_api="websocket"``) against real servers on 127.0.0.1.

The local Binance server (``transports.sim.server``) answers the same requests over REST
and over the WebSocket API: each answer and each error must come out of ``BinanceClient``
the same way on both paths. Scripted aiohttp servers (``hostile.py``) drop the connection
after a request, answer late, or announce a shutdown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from decimal import Decimal
from typing import Any

import aiohttp
import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given
from hypothesis import strategies as st
from transitions import MachineError

from oms.errors import (
    AuthError,
    CancelRejected,
    ClockSkewError,
    DecodeError,
    Disconnected,
    FilterFailure,
    InsufficientBalance,
    NewOrderRejected,
    NoSuchOrder,
    OmsError,
    OutcomeUnknown,
    RateLimited,
    RemoteError,
)
from oms.runtime.config import ManagerConfig
from oms.runtime.manager import OrderManager
from oms.wire.enums import OrderResponseType, OrderStatus, OrderType, Side
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from oms.wire.rest import NewOrderAck, NewOrderFull, NewOrderResult, QueryOrderResponse
from transports.binance.client import BinanceClient
from transports.binance.clock import ServerClock, TimeSample
from transports.binance.config import OrderApi, StreamAuth
from transports.binance.errors import RequestMeta
from transports.binance.signing import Ed25519Signer, Secret
from transports.binance.ws_api import LIFECYCLE, NEXT, ApiState, WsApiClient, machine
from transports.sim.faults import FaultConfig
from transports.sim.server.app import ServerOptions

from .hostile import API_KEY, API_SECRET, Hostile, config_for
from .test_local_server import (
    ED_KEY,
    ED_PRIVATE,
    Local,
    ServerFactory,
    limit,
    order,
    serve,
)

pytestmark = pytest.mark.timeout(30)
D = Decimal
WS = {"order_api": OrderApi.WEBSOCKET}


@pytest.fixture
async def local(aiohttp_server: ServerFactory) -> Local:
    return await serve(aiohttp_server)


def ws_client(local: Local, **overrides: Any) -> BinanceClient:
    return local.client(**WS, **overrides)


def used_ws(client: BinanceClient) -> int:
    assert client.ws_api is not None
    return client.ws_api.connects


# Fields that differ between two placements of the same order (ids, times).
_VOLATILE = {"orderId", "clientOrderId", "origClientOrderId", "transactTime", "time",
             "updateTime", "workingTime"}  # fmt: skip


def same(answer: msgspec.Struct) -> dict[str, Any]:
    out = msgspec.to_builtins(answer, builtin_types=(Decimal,))
    assert isinstance(out, dict)
    for key in _VOLATILE:
        out.pop(key, None)
    for fill in out.get("fills", ()):
        fill.pop("tradeId", None)
    return out


async def scenario(client: BinanceClient, tag: str) -> list[Any]:
    """Place (FULL, RESULT, ACK), query, cancel, test: every answer, shape and fields."""
    got: list[Any] = []
    full = await client.place_spot_order(order(quantity=D("0.01"), client_order_id=f"{tag}-m"))
    result = await client.place_spot_order(
        limit(Side.BUY, "0.01", "50000", client_order_id=f"{tag}-r",
              response_type=OrderResponseType.RESULT)
    )  # fmt: skip
    ack = await client.place_spot_order(
        order(order_type=OrderType.LIMIT_MAKER, quantity=D("0.01"), price=D("50001"),
              client_order_id=f"{tag}-a")
    )  # fmt: skip
    assert (type(full), type(result), type(ack)) == (NewOrderFull, NewOrderResult, NewOrderAck)
    queried = await client.get_order(QueryOrder(symbol="BTCUSDT", orig_client_order_id=f"{tag}-r"))
    by_id = await client.get_order(QueryOrder(symbol="BTCUSDT", order_id=result.order_id))
    assert queried == by_id and isinstance(queried, QueryOrderResponse)
    cancelled = await client.cancel_spot_order(
        CancelOrder(symbol="BTCUSDT", orig_client_order_id=f"{tag}-r")
    )
    assert cancelled.orig_client_order_id == f"{tag}-r"
    assert cancelled.status is OrderStatus.CANCELED
    await client.test_order(order(quantity=D("0.01")))
    got += [same(a) for a in (full, result, ack, queried, cancelled)]
    return got


async def test_ws_answers_are_the_rest_answers(aiohttp_server: ServerFactory) -> None:
    # Two servers in the same state: one driven over REST, one over the WebSocket API.
    rest_local, ws_local = await serve(aiohttp_server), await serve(aiohttp_server)
    async with rest_local.client() as rest:
        over_rest = await scenario(rest, "x")
    async with ws_client(ws_local) as ws:
        over_ws = await scenario(ws, "x")
        assert used_ws(ws) == 1  # one connection carried every order request
        assert ws.ws_api is not None and ws.ws_api.state is ApiState.OPEN
        # The orders counted (the answers' rateLimits: see the test with counts of its own):
        # three placed, the MARKET one taken back by its first fill (faqs/
        # order_count_decrement.md, Example 1).
        assert ws.governor.orders_10s.count == 2 and ws.governor.orders_1d.count == 2
    assert over_ws == over_rest
    assert [o.client_order_id for o in ws_local.sim.open_orders("alice")] == ["x-a"]
    assert [o.client_order_id for o in rest_local.sim.open_orders("alice")] == ["x-a"]


async def refusal(client: BinanceClient, case: str) -> OmsError:
    calls = {
        "-2010": lambda: client.place_spot_order(limit(Side.BUY, "10", "50000")),
        "-1013": lambda: client.place_spot_order(order(quantity=D("0.000001"))),
        "-2011": lambda: client.cancel_spot_order(CancelOrder(symbol="BTCUSDT", order_id=999)),
        "-2013": lambda: client.get_order(QueryOrder(symbol="BTCUSDT", order_id=999)),
        "-1013 test": lambda: client.test_order(order(quantity=D("0.000001"))),
        "-1102": lambda: client.place_spot_order(
            NewOrder(
                symbol="BTCUSDT",
                side=Side.BUY,
                order_type=OrderType.LIMIT,
                quantity=D("0.01"),
                price=D("50000"),
            )
        ),  # fmt: skip  (LIMIT without timeInForce)
    }
    with pytest.raises(OmsError) as info:
        await calls[case]()
    return info.value


@pytest.mark.parametrize(
    ("case", "kind"),
    [
        ("-2010", InsufficientBalance),
        ("-1013", FilterFailure),
        ("-2011", CancelRejected),
        ("-2013", NoSuchOrder),
        ("-1013 test", FilterFailure),
        ("-1102", NewOrderRejected),
    ],
)
async def test_each_refusal_maps_as_over_rest(local: Local, case: str, kind: type) -> None:
    async with local.client() as rest, ws_client(local) as ws:
        over_rest, over_ws = await refusal(rest, case), await refusal(ws, case)
        assert used_ws(ws) == 1
    assert type(over_ws) is type(over_rest) and isinstance(over_ws, kind)
    assert isinstance(over_ws, RemoteError) and isinstance(over_rest, RemoteError)
    assert (over_ws.code, over_ws.msg) == (over_rest.code, over_rest.msg)
    assert over_ws.code == int(case.split(maxsplit=1)[0])
    assert over_ws.http_status == over_rest.http_status == 400


async def test_minus_1021_remeasures_the_clock_and_retries_once(local: Local) -> None:
    clock = ServerClock(samples=3, refresh_s=3600)
    now = time.time() * 1000
    clock.apply([TimeSample(now, int(now) - 90_000, now)])  # synced, but 90 s behind
    async with BinanceClient(local.config(**WS), clock=clock) as client:
        placed = await client.place_spot_order(
            limit(Side.BUY, "0.01", "50000", client_order_id="k")
        )
        assert placed.client_order_id == "k" and abs(client.clock.offset_ms) < 5_000
    assert [o.client_order_id for o in local.sim.open_orders("alice")] == ["k"]


async def test_minus_1021_twice_is_a_clock_skew_error(aiohttp_server: ServerFactory) -> None:
    state = Hostile()

    async def skewed(ws: web.WebSocketResponse, s: Hostile) -> None:
        for _ in range(2):
            request = await s.ws_request(ws)
            error = {
                "code": -1021,
                "msg": "Timestamp for this request is outside of the recvWindow.",
            }
            await ws.send_str(json.dumps({"id": request["id"], "status": 400, "error": error}))
        await ws.receive()

    state.ws_scripts = [skewed]
    server = await aiohttp_server(state.app())
    async with hostile_client(server) as client:
        with pytest.raises(ClockSkewError):
            await client.get_order(QueryOrder(symbol="BTCUSDT", order_id=1))
        assert state.time_calls >= 6  # measured before the first try and again after it
    assert state.bad_signatures == 0 and len(state.ws_requests) == 2


async def test_5xx_and_minus_1007_after_execution_are_unknown(
    aiohttp_server: ServerFactory,
) -> None:
    local = await serve(
        aiohttp_server, ServerOptions(faults=FaultConfig(error_after_execution=1.0))
    )
    async with ws_client(local) as client:
        after_500 = 0
        for n in range(4):  # the fault answers status 500 or -1007, both UNKNOWN
            with pytest.raises(OutcomeUnknown) as info:
                await client.place_spot_order(
                    limit(Side.BUY, "0.01", "50000", client_order_id=f"u{n}")
                )
            assert info.value.request_time_ms is not None and info.value.recv_window_ms == 5000
            after_500 += "HTTP 500" in str(info.value)
        # The resolver's query finds every order: it executed.
        for n in range(4):
            found = await client.get_order(
                QueryOrder(symbol="BTCUSDT", orig_client_order_id=f"u{n}")
            )
            assert found.status is OrderStatus.NEW
        # web-socket-api.md, Status codes: after a 5xx, a new connection.
        assert 0 < after_500 < 4 and used_ws(client) == 1 + after_500  # (seeded faults)


async def test_no_answer_is_unknown_and_the_late_answer_is_dropped(
    aiohttp_server: ServerFactory,
) -> None:
    # The server executes, then answers -1007 only after 1 s; the client gives up at 0.3 s.
    options = ServerOptions(faults=FaultConfig(timeout_after_execution=1.0), request_timeout=1.0)
    local = await serve(aiohttp_server, options)
    async with ws_client(local, request_timeout_s=0.3) as client:
        await client.sync_clock()
        started = time.monotonic()
        with pytest.raises(OutcomeUnknown, match=r"no answer within 0\.3 s"):
            await client.place_spot_order(order(quantity=D("0.01"), client_order_id="t-1"))
        assert time.monotonic() - started < 1.0
        assert client.ws_api is not None and client.ws_api.late_answers == 0
        # The resolver's query gets its own answer; the late -1007 is counted and dropped.
        await asyncio.sleep(0.6)
        found = await client.get_order(QueryOrder(symbol="BTCUSDT", orig_client_order_id="t-1"))
        assert found.status is OrderStatus.FILLED
        for _ in range(100):
            if client.ws_api.late_answers:
                break
            await asyncio.sleep(0.02)
        assert client.ws_api.late_answers == 1
        assert used_ws(client) == 1


async def test_a_late_answer_is_never_taken_for_the_next_request(
    aiohttp_server: ServerFactory,
) -> None:
    state = Hostile()

    async def late(ws: web.WebSocketResponse, s: Hostile) -> None:
        first = await s.ws_request(ws)  # not answered in time
        second = await s.ws_request(ws)
        await ws.send_str(answer_ack(first))  # the first one's answer, late, then the second's
        error = {"code": -2013, "msg": "Order does not exist."}
        await ws.send_str(json.dumps({"id": second["id"], "status": 400, "error": error}))
        await ws.receive()

    state.ws_scripts = [late]
    server = await aiohttp_server(state.app())
    async with hostile_client(server, request_timeout_s=0.3) as client:
        with pytest.raises(OutcomeUnknown, match="no answer"):
            await client.place_spot_order(order(quantity=D("1"), client_order_id="c1"))
        with pytest.raises(NoSuchOrder):  # its own answer, not the order's ACK
            await client.get_order(QueryOrder(symbol="BTCUSDT", orig_client_order_id="c1"))
        assert client.ws_api is not None and client.ws_api.late_answers == 1
        assert used_ws(client) == 1


def hostile_client(server: TestServer, **overrides: Any) -> BinanceClient:
    ws = str(server.make_url("/ws-api/v3")).replace("http", "ws", 1)
    config = config_for(str(server.make_url("/api")), ws, **WS, **overrides)
    return BinanceClient(config, rng=lambda: 0.5)


def answer_ack(request: dict[str, Any], **extra: Any) -> str:
    client_id = request["params"].get("newClientOrderId", "c")
    result = {"symbol": "BTCUSDT", "orderId": 7, "orderListId": -1,
              "clientOrderId": client_id, "transactTime": 1}  # fmt: skip
    return json.dumps({"id": request["id"], "status": 200, "result": result, **extra})


async def test_a_drop_after_sending_is_unknown_then_the_next_request_reconnects(
    aiohttp_server: ServerFactory,
) -> None:
    state = Hostile()

    async def read_and_close(ws: web.WebSocketResponse, s: Hostile) -> None:
        await s.ws_request(ws)  # the order arrived; the connection dies unanswered

    async def answers(ws: web.WebSocketResponse, s: Hostile) -> None:
        request = await s.ws_request(ws)
        await ws.send_str(answer_ack(request))
        await ws.receive()

    state.ws_scripts = [read_and_close, answers]
    server = await aiohttp_server(state.app())
    ack = NewOrder(symbol="BTCUSDT", side=Side.BUY, order_type=OrderType.LIMIT_MAKER,
                   quantity=D("1"), price=D("1"), client_order_id="c1")  # fmt: skip
    async with hostile_client(server) as client:
        with pytest.raises(OutcomeUnknown, match="connection lost after sending"):
            await client.place_spot_order(ack)
        assert client.ws_api is not None and client.ws_api.state is ApiState.DISCONNECTED
        placed = await client.place_spot_order(ack)  # never resent blind: a new request
        assert isinstance(placed, NewOrderAck) and placed.order_id == 7
        assert used_ws(client) == 2
    assert state.ws_connections == 2 and state.bad_signatures == 0
    first, second = state.ws_requests
    assert first["id"] != second["id"]  # a new request (stamped, signed) after the query


async def test_the_answers_rate_limits_are_the_governors_counts(
    aiohttp_server: ServerFactory,
) -> None:
    state = Hostile()
    limits = [
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50,
         "count": 37},
        {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 160000,
         "count": 4043},
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
         "limit": 6000, "count": 1234},
    ]  # fmt: skip

    async def counted(ws: web.WebSocketResponse, s: Hostile) -> None:
        await ws.send_str(answer_ack(await s.ws_request(ws), rateLimits=limits))
        await ws.receive()

    state.ws_scripts = [counted]
    server = await aiohttp_server(state.app())
    async with hostile_client(server) as client:
        ack = order(quantity=D("1"), client_order_id="c1", response_type=OrderResponseType.ACK)
        assert isinstance(await client.place_spot_order(ack), NewOrderAck)
        g = client.governor
        assert (g.orders_10s.count, g.orders_1d.count, g.weight.count) == (37, 4043, 1234)


async def test_cannot_connect_is_disconnected_nothing_sent(aiohttp_server: ServerFactory) -> None:
    state = Hostile()
    server = await aiohttp_server(state.app())
    config = config_for(str(server.make_url("/api")), "ws://127.0.0.1:1/ws-api/v3", **WS)
    async with BinanceClient(config) as client:
        with pytest.raises(Disconnected, match="cannot connect"):
            await client.get_order(QueryOrder(symbol="BTCUSDT", order_id=1))
        assert client.ws_api is not None and client.ws_api.state is ApiState.DISCONNECTED
    with pytest.raises(Disconnected):
        await client.get_order(QueryOrder(symbol="BTCUSDT", order_id=1))


async def test_closing_the_client_with_an_order_in_flight_is_unknown(
    aiohttp_server: ServerFactory,
) -> None:
    state = Hostile()
    arrived = asyncio.Event()

    async def never_answers(ws: web.WebSocketResponse, s: Hostile) -> None:
        await s.ws_request(ws)
        arrived.set()
        await ws.receive()

    state.ws_scripts = [never_answers]
    server = await aiohttp_server(state.app())
    client = hostile_client(server)
    placing = asyncio.create_task(client.place_spot_order(order(quantity=D("1"))))
    await asyncio.wait_for(arrived.wait(), 5)
    await client.close()
    with pytest.raises(OutcomeUnknown, match="connection lost after sending"):
        await placing
    assert client.ws_api is not None and client.ws_api.state is ApiState.CLOSED


async def test_an_unreadable_answer_is_unknown_for_an_order_a_decode_error_for_a_query(
    aiohttp_server: ServerFactory,
) -> None:
    state = Hostile()

    async def garbled(ws: web.WebSocketResponse, s: Hostile) -> None:
        for _ in range(2):
            request = await s.ws_request(ws)
            result = {"symbol": "BTCUSDT", "orderId": "not a number"}
            await ws.send_str(json.dumps({"id": request["id"], "status": 200, "result": result}))
        await ws.receive()

    state.ws_scripts = [garbled]
    server = await aiohttp_server(state.app())
    async with hostile_client(server) as client:
        with pytest.raises(OutcomeUnknown, match="unreadable answer"):
            await client.place_spot_order(order(quantity=D("1")))
        with pytest.raises(DecodeError, match="orderId"):
            await client.get_order(QueryOrder(symbol="BTCUSDT", order_id=1))


def test_a_refused_send_is_not_sent_anything_later_is_unknown() -> None:
    # aiohttp refuses a frame for a closing transport before writing any of it; an error
    # from the drain comes after the frame was written.
    meta = RequestMeta(method="WS", path="order.place", mutating=True)
    closing = aiohttp.ClientConnectionResetError("Cannot write to closing transport")
    assert isinstance(WsApiClient._send_failed(meta, closing), Disconnected)
    lost = ConnectionResetError("Connection lost")
    assert isinstance(WsApiClient._send_failed(meta, lost), OutcomeUnknown)


async def test_server_shutdown_and_age_replace_the_idle_connection(
    aiohttp_server: ServerFactory,
) -> None:
    state = Hostile()

    async def shutdown_after_answer(ws: web.WebSocketResponse, s: Hostile) -> None:
        request = await s.ws_request(ws)
        await ws.send_str(json.dumps({"event": {"e": "serverShutdown", "E": 1}}))
        await ws.send_str(answer_ack(request))
        await ws.receive()

    async def answers_two(ws: web.WebSocketResponse, s: Hostile) -> None:
        for _ in range(2):
            await ws.send_str(answer_ack(await s.ws_request(ws)))
        await ws.receive()

    state.ws_scripts = [shutdown_after_answer, answers_two, answers_two]
    server = await aiohttp_server(state.app())
    query = QueryOrder(symbol="BTCUSDT", order_id=7)
    async with hostile_client(server, stream_max_age_s=1.5) as client:
        for _ in range(3):
            with pytest.raises(OmsError):  # an ACK is not a query's answer: decoded as such
                await client.get_order(query)
        assert used_ws(client) == 2  # the second request went over a fresh connection
        await asyncio.sleep(1.6)  # older than stream_max_age_s: rotated at the next request
        with pytest.raises(OmsError):
            await client.get_order(query)
        assert used_ws(client) == 3
    assert state.ws_connections == 3


async def test_429_blocks_the_governor(aiohttp_server: ServerFactory) -> None:
    local = await serve(aiohttp_server, ServerOptions(faults=FaultConfig(orders_per_10s=1)))
    async with ws_client(local, max_rate_wait_s=0.1) as client:
        await client.place_spot_order(limit(Side.BUY, "0.01", "50000", client_order_id="r-1"))
        with pytest.raises(RateLimited) as info:
            await client.place_spot_order(limit(Side.BUY, "0.01", "50000", client_order_id="r-2"))
        assert info.value.retry_after >= 1 and info.value.code == -1015
        assert client.governor.blocked_for_s() == pytest.approx(info.value.retry_after, abs=0.5)
        with pytest.raises(RateLimited, match="held by the rate governor"):
            await client.get_order(QueryOrder(symbol="BTCUSDT", orig_client_order_id="r-1"))
    assert [o.client_order_id for o in local.sim.open_orders("alice")] == ["r-1"]


async def test_no_secret_in_logs_or_errors(
    aiohttp_server: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    state = Hostile()

    async def echo(ws: web.WebSocketResponse, s: Hostile) -> None:
        for status, code in ((400, -1102), (503, -1000)):  # a new connection after the 5xx
            request = await s.ws_request(ws)
            error = {"code": code, "msg": f"Illegal request: {json.dumps(request)}"}
            await ws.send_str(json.dumps({"id": request["id"], "status": status, "error": error}))
        await ws.receive()

    async def echo_then_drop(ws: web.WebSocketResponse, s: Hostile) -> None:
        request = await s.ws_request(ws)
        error = {"code": -1006, "msg": f"Illegal request: {json.dumps(request)}"}
        await ws.send_str(json.dumps({"id": request["id"], "status": 400, "error": error}))
        await s.ws_request(ws)  # then drops with this one unanswered

    state.ws_scripts = [echo, echo_then_drop]
    server = await aiohttp_server(state.app())
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    async with hostile_client(server) as client:
        texts.append(repr(client) + repr(client.ws_api))
        for _ in range(4):
            with pytest.raises(OmsError) as info:
                await client.place_spot_order(order(quantity=D("1")))
            texts += [str(info.value), repr(info.value), repr(info.value.args)]
    signatures = [r["params"]["signature"] for r in state.ws_requests]
    assert len(signatures) == 4 and all(len(s) == 64 for s in signatures)
    assert state.ws_connections == 2
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("oms", "transports"))]
    everything = "\n".join(texts + ours)
    assert "Illegal request" in everything and "WS order.place" in everything
    for secret in (API_KEY, API_SECRET, *signatures):
        assert secret not in everything


async def test_an_ed25519_key_logs_on_once_and_orders_go_unsigned(local: Local) -> None:
    config = local.config(
        **WS, api_key=Secret(ED_KEY), signer=Ed25519Signer(ED_PRIVATE), stream_auth=StreamAuth.LOGON
    )
    async with BinanceClient(config) as client:
        placed = await client.place_spot_order(
            limit(Side.BUY, "0.01", "50000", client_order_id="e1")
        )
        assert isinstance(placed, NewOrderFull) and placed.status is OrderStatus.NEW
        query = QueryOrder(symbol="BTCUSDT", orig_client_order_id="e1")
        assert (await client.get_order(query)).order_id == placed.order_id
        cancel = CancelOrder(symbol="BTCUSDT", orig_client_order_id="e1")
        assert (await client.cancel_spot_order(cancel)).status is OrderStatus.CANCELED
        with pytest.raises(InsufficientBalance):  # carol has 1,000 USDT
            await client.place_spot_order(limit(Side.BUY, "1", "50000"))
        assert client.ws_api is not None
        assert (client.ws_api.connects, client.ws_api.logons) == (1, 1)
    assert local.sim.open_orders("carol") == []


async def test_logon_then_unsigned_requests_and_a_revoked_session_logs_on_again(
    aiohttp_server: ServerFactory,
) -> None:
    state = Hostile()

    async def logon_then_revoked(ws: web.WebSocketResponse, s: Hostile) -> None:
        logon = await s.ws_request(ws)
        assert logon["method"] == "session.logon" and "signature" in logon["params"]
        await ws.send_str(json.dumps({"id": logon["id"], "status": 200, "result": {}}))
        await ws.send_str(answer_ack(await s.ws_request(ws)))
        error = {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
        await ws.send_str(json.dumps({"id": None, "status": 401, "error": error}))
        await ws.receive()

    async def logon_refused(ws: web.WebSocketResponse, s: Hostile) -> None:
        logon = await s.ws_request(ws)
        error = {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
        await ws.send_str(json.dumps({"id": logon["id"], "status": 401, "error": error}))
        await ws.receive()

    state.ws_scripts = [logon_then_revoked, logon_refused]
    server = await aiohttp_server(state.app())
    ack = NewOrder(symbol="BTCUSDT", side=Side.BUY, order_type=OrderType.LIMIT_MAKER,
                   quantity=D("1"), price=D("1"), client_order_id="c1")  # fmt: skip
    signer = Ed25519Signer(ED_PRIVATE)
    async with hostile_client(server, signer=signer) as client:
        assert isinstance(await client.place_spot_order(ack), NewOrderAck)
        assert client.ws_api is not None and client.ws_api.logons == 1
        for _ in range(200):  # the revocation arrives after the answer
            if client.ws_api.retire_reason:
                break
            await asyncio.sleep(0.01)
        assert client.ws_api.retire_reason == "session revoked"
        with pytest.raises(AuthError):  # a new connection, a new logon, refused: not sent
            await client.place_spot_order(ack)
        assert client.ws_api.state is ApiState.DISCONNECTED
    order_params = state.ws_requests[1]["params"]
    assert "signature" not in order_params and "apiKey" not in order_params
    assert "timestamp" in order_params
    assert [r["method"] for r in state.ws_requests] == [
        "session.logon",
        "order.place",
        "session.logon",
    ]


# --- the lifecycle ------------------------------------------------------------------------


def test_lifecycle_leaves_every_state_but_closed() -> None:
    sources = {state for _, states, _ in LIFECYCLE for state in states}
    assert sources == set(ApiState) - {ApiState.CLOSED}
    assert {dest for (_, _), dest in NEXT.items()} == set(ApiState)


@given(st.lists(st.sampled_from([t for t, _, _ in LIFECYCLE]), max_size=30))
def test_the_compiled_table_is_the_transitions_machine(triggers: list[str]) -> None:
    formal, model = machine()
    state = ApiState.DISCONNECTED
    for trigger in triggers:
        expected = NEXT.get((state, trigger))
        if expected is None:
            with pytest.raises(MachineError):
                formal.events[trigger].trigger(model)
        else:
            formal.events[trigger].trigger(model)
            state = expected
        assert model.state is state


# --- the manager ----------------------------------------------------------------------------


async def manager_run(local: Local, **overrides: Any) -> dict[str, Any]:
    """An order placed, partly filled by the maker, cancelled: what the manager knows."""
    config = ManagerConfig(resolve_initial_delay=0.01, stream_start_timeout=5.0)
    client = local.client(**overrides)
    manager = OrderManager(client, config=config)
    try:
        await manager.start()
        placed = await manager.execute_spot_buy("BTCUSDT", D("0.02"), D("55000"),
                                                client_order_id="e2e-1")  # fmt: skip
        assert placed.order_id is not None
        local.sim.place_order("maker", limit(Side.SELL, "0.01", "55000"))
        deadline = time.monotonic() + 5
        while placed.executed_qty < D("0.01"):
            assert time.monotonic() < deadline, "the fill never reached the manager"
            await asyncio.sleep(0.01)
        cancelled = await manager.cancel(placed)
        fills = [(f.price, f.quantity) for f in cancelled.fills.values()]
        return {
            "state": cancelled.state,
            "executed": cancelled.executed_qty,
            "fills": fills,
            "balances": {a: manager.balances()[a] for a in ("BTC", "USDT")},
            "ws_connects": client.ws_api.connects if client.ws_api else None,
        }
    finally:
        await manager.close()


async def test_the_manager_over_the_ws_api_ends_as_over_rest(aiohttp_server: ServerFactory) -> None:
    over_rest = await manager_run(await serve(aiohttp_server))
    ws_local = await serve(aiohttp_server)
    over_ws = await manager_run(ws_local, **WS)
    assert (over_rest.pop("ws_connects"), over_ws.pop("ws_connects")) == (None, 1)
    assert over_ws == over_rest
    assert over_ws["state"].name == "CANCELED" and over_ws["executed"] == D("0.01")
    assert ws_local.sim.open_orders("alice") == []

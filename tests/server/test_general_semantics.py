"""The general rules every request and connection obeys, checked against the served exchange.

Each test names the official document and section it checks (web-socket-api.md, rest-api.md,
web-socket-streams.md, errors.md, faqs/sbe_faq.md); statuses, codes, messages and headers are
compared exactly. Limits are shortened through ``ServerOptions`` and windows through the
server's ``ManualClock``, so nothing waits for a real minute.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from tests.server.conftest import (
    ALICE_KEY,
    ALICE_SECRET,
    BOB_KEY,
    BOB_SECRET,
    CAROL_KEY,
    Harness,
    ServeFactory,
    WsClient,
)
from tests.server.test_rest_endpoints import LIMIT_BUY
from transports.sim.server.app import ServerOptions
from transports.sim.server.limits import Limits, RateLimiter
from transports.sim.server.params import ApiError

BAD_ID = (
    "Invalid 'id' in JSON request; expected an integer, a string matching "
    "'^[a-zA-Z0-9-_]{1,36}$', or null."
)
TIME_UNIT = "Invalid value for time unit; expected either MICROSECOND or MILLISECOND."
UUID = "e2a85d9f-07a5-4f94-8d5f-789dc3deb097"


async def _raw(ws: WsClient, text: str) -> dict[str, Any]:
    await ws.ws.send_str(text)
    message = await ws.ws.receive(timeout=5)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    return json.loads(message.data)  # type: ignore[no-any-return]


# --- WebSocket API: request format ----------------------------------------------------------


async def test_ws_api_ids_of_every_accepted_kind_are_echoed(harness: Harness) -> None:
    """web-socket-api.md, Request format: ``id`` is "INT / STRING / null" and is echoed as is."""
    ws = await harness.ws()
    for request_id in (7, -3, 2**63 - 1, UUID, "a_b-9", None):
        frame = json.dumps({"id": request_id, "method": "ping"})
        answer = await _raw(ws, frame)
        assert (answer["id"], answer["status"], answer["result"]) == (request_id, 200, {}), frame
    # "You can freely reuse IDs within a session."
    for _ in range(2):
        assert (await _raw(ws, '{"id": "same", "method": "ping"}'))["id"] == "same"
    # Unknown top-level fields are ignored; an omitted id is answered with null.
    assert (await _raw(ws, '{"id": 1, "method": "ping", "x": [1]}'))["status"] == 200
    assert (await _raw(ws, '{"method": "ping"}'))["id"] is None


@pytest.mark.parametrize(
    "request_id",
    ["1.5", "true", '{"a": 1}', "[1]", '"' + "x" * 37 + '"', '"a b"', '""', "2e3", str(2**63)],
)
async def test_ws_api_refuses_other_ids_with_id_null(harness: Harness, request_id: str) -> None:
    """Binance refuses any other ``id`` with ``id: null``, -1135 and no ``rateLimits`` (the same
    rule as web-socket-streams.md, Live Subscribing: 64-bit integers, strings of at most 36)."""
    ws = await harness.ws()
    answer = await _raw(ws, f'{{"id": {request_id}, "method": "ping"}}')
    assert answer == {"id": None, "status": 400, "error": {"code": -1135, "msg": BAD_ID}}


async def test_ws_api_malformed_frames_and_params(harness: Harness) -> None:
    """errors.md, -1135 INVALID_JSON: a frame that is no JSON object, or whose ``params`` is no
    object (web-socket-api.md, Request format: ``params`` is an OBJECT)."""
    ws = await harness.ws()
    for text in ("not json", "[]", '"ping"', '{"id": 1, "method": "ping"'):
        answer = await _raw(ws, text)
        assert answer == {
            "id": None,
            "status": 400,
            "error": {"code": -1135, "msg": "Invalid JSON Request"},
        }, text
    params = await _raw(ws, '{"id": "p", "method": "time", "params": ["x"]}')
    assert params == {
        "id": "p",
        "status": 400,
        "error": {"code": -1135, "msg": "Invalid 'params' in JSON request; expected an object."},
    }
    # The connection survives every one of them.
    assert (await ws.call("ping"))["status"] == 200


# --- time unit and SBE ----------------------------------------------------------------------


async def test_a_bad_time_unit_is_1194_on_every_face(harness: Harness) -> None:
    """errors.md, -1194 INVALID_TIME_UNIT, for rest-api.md's ``X-MBX-TIME-UNIT`` header and the
    ``timeUnit`` URL parameter of web-socket-api.md and web-socket-streams.md (General
    information)."""
    h = harness
    expected = {"code": -1194, "msg": TIME_UNIT}
    async with h.session.get(h.base + "/v3/time", headers={"X-MBX-TIME-UNIT": "SECOND"}) as r:
        assert (r.status, await r.json()) == (400, expected)
    for path in ("/ws-api/v3?timeUnit=nanos", "/ws/btcusdt@trade?timeUnit=Microsecond"):
        async with h.session.get(h.server.make_url(path)) as r:
            assert (r.status, await r.json()) == (400, expected), path
    for unit in ("MICROSECOND", "microsecond", "MILLISECOND", "millisecond"):
        ws = await h.ws(f"timeUnit={unit}")
        assert (await ws.call("ping"))["status"] == 200


async def test_sbe_is_not_enabled_here(harness: Harness) -> None:
    """faqs/sbe_faq.md, How to get an SBE response, for an exchange where SBE is not enabled:
    REST ``Accept: application/sbe`` alone is 406, with JSON too it falls back to JSON; the
    WebSocket API's ``responseFormat=sbe`` is HTTP 400 with a JSON body."""
    h = harness
    url = h.base + "/v3/time"
    sbe_only = {"Accept": "application/sbe", "X-MBX-SBE": "3:5"}
    async with h.session.get(url, headers=sbe_only) as r:
        assert r.status == 406
    both = {"Accept": "application/sbe, application/json", "X-MBX-SBE": "3:5"}
    async with h.session.get(url, headers=both) as r:
        assert r.status == 200 and "serverTime" in await r.json()
    for query in (
        "responseFormat=sbe&sbeSchemaId=3&sbeSchemaVersion=5",
        "responseFormat=sbe&responseFormat=json",
    ):
        async with h.session.get(h.server.make_url("/ws-api/v3?" + query)) as r:
            assert r.status == 400, query
            assert r.headers["Content-Type"] == "application/json;charset=UTF-8"
            assert await r.json() == {"code": -1155, "msg": "SBE is not enabled."}
    ws = await h.ws("responseFormat=json")
    assert (await ws.call("ping"))["status"] == 200


# --- WebSocket API: rate limits -------------------------------------------------------------


async def test_ws_api_429_then_ban_disconnects_and_refuses_new_connections(
    serve: ServeFactory,
) -> None:
    """web-socket-api.md, IP limits: 429 with ``retryAfter``; failing to back off is an IP ban:
    418, ``retryAfter`` "the timestamp when the ban will be lifted", "and you will be
    disconnected"; rest-api.md, LIMITS: ``Retry-After`` seconds on a 418."""
    h = await serve(ServerOptions(request_weight_per_minute=5, ban_after_429s=1))
    now = h.clock()
    window_end = (now // 60_000 + 1) * 60_000
    ws = await h.ws()  # the connection weighs 2
    for _ in range(3):
        assert (await ws.call("ping"))["status"] == 200
    limited = await ws.call("ping")
    assert limited["status"] == 429
    assert limited["error"]["code"] == -1003
    assert limited["error"]["data"] == {"serverTime": now, "retryAfter": window_end}
    banned = await ws.call("ping")
    assert (banned["status"], banned["error"]["code"]) == (418, -1003)
    until = now + 120_000
    assert banned["error"]["msg"] == (
        f"Way too much request weight used; IP banned until {until}. "
        "Please use WebSocket Streams for live updates to avoid bans."
    )
    assert banned["error"]["data"] == {"serverTime": now, "retryAfter": until}
    closing = await ws.ws.receive(timeout=5)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), closing
    async with h.session.get(h.server.make_url("/ws-api/v3")) as refused:
        assert refused.status == 418
        assert refused.headers["Retry-After"] == "120"
        assert (await refused.json())["code"] == -1003
    h.clock.advance(120_000)
    assert (await (await h.ws()).call("ping"))["status"] == 200


async def test_a_refused_placement_answers_the_order_counts_too(harness: Harness) -> None:
    """web-socket-api.md, Response format, "Example of failed response": a refused
    ``order.place`` carries the ``ORDERS`` limits as well as ``REQUEST_WEIGHT``."""
    ws = await harness.ws()
    poor = {**LIMIT_BUY, "quantity": "20"}  # 1,180,000 USDT: more than alice has
    refused = await ws.call("order.place", ws.signed_params(ALICE_KEY, ALICE_SECRET, **poor))
    assert refused["error"] == {
        "code": -2010,
        "msg": "Account has insufficient balance for requested action.",
    }
    kinds = [(r["rateLimitType"], r["interval"], r["intervalNum"]) for r in refused["rateLimits"]]
    assert sorted(kinds) == [
        ("ORDERS", "DAY", 1),
        ("ORDERS", "SECOND", 10),
        ("REQUEST_WEIGHT", "MINUTE", 1),
    ]
    # A request that never got past its key knows no account: weight only.
    forged = await ws.call("order.place", ws.signed_params(ALICE_KEY, "wrong", **LIMIT_BUY))
    assert forged["error"]["code"] == -1022
    assert [r["rateLimitType"] for r in forged["rateLimits"]] == ["REQUEST_WEIGHT"]


# --- WebSocket API: user data stream subscriptions ------------------------------------------


async def test_subscription_ids_run_out_after_the_lifetime_limit(serve: ServeFactory) -> None:
    """web-socket-api.md, User Data Stream subscription, Limits: "a maximum of 65,535 total
    subscriptions over its lifetime", then errors.md, -2042 MAXIMUM_SUBSCRIPTION_IDS until a new
    connection (the limit shortened to 3 here)."""
    h = await serve(ServerOptions(max_subscription_ids=3))
    ws = await h.ws()
    for expected in range(3):
        sub = await ws.call(
            "userDataStream.subscribe.signature", ws.signed_params(ALICE_KEY, ALICE_SECRET)
        )
        assert sub["result"] == {"subscriptionId": expected}
        assert (await ws.call("userDataStream.unsubscribe"))["status"] == 200
    spent = await ws.call(
        "userDataStream.subscribe.signature", ws.signed_params(ALICE_KEY, ALICE_SECRET)
    )
    assert (spent["status"], spent["error"]) == (
        400,
        {"code": -2042, "msg": "Maximum subscription ID reached for this connection."},
    )
    fresh = await h.ws()
    again = await fresh.call(
        "userDataStream.subscribe.signature", fresh.signed_params(ALICE_KEY, ALICE_SECRET)
    )
    assert again["result"] == {"subscriptionId": 0}


async def test_active_subscriptions_are_limited(serve: ServeFactory) -> None:
    """web-socket-api.md, User Data Stream subscription, Limits: "up to 1,000 active
    subscriptions"; one more "will result in an error" (shortened to 1 here)."""
    h = await serve(ServerOptions(max_user_data_subscriptions=1))
    ws = await h.ws()
    first = await ws.call(
        "userDataStream.subscribe.signature", ws.signed_params(ALICE_KEY, ALICE_SECRET)
    )
    assert first["status"] == 200
    second = await ws.call(
        "userDataStream.subscribe.signature", ws.signed_params(BOB_KEY, BOB_SECRET)
    )
    assert second["status"] == 400 and second["error"]["code"] == -1191
    assert (await ws.call("session.subscriptions"))["result"] == [{"subscriptionId": 0}]


# --- market streams: control messages -------------------------------------------------------


async def _stream_answer(ws: aiohttp.ClientWebSocketResponse, text: str) -> dict[str, Any]:
    await ws.send_str(text)
    message = await ws.receive(timeout=5)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    return json.loads(message.data)  # type: ignore[no-any-return]


async def test_stream_control_ids(harness: Harness) -> None:
    """web-socket-streams.md, Live Subscribing/Unsubscribing: ids are 64-bit signed integers,
    strings of at most 36, or null; a missing or other id is code 2 "Invalid request: request
    ID must be an unsigned integer" (Error Messages)."""
    h = harness
    url = str(h.server.make_url("/ws/btcusdt@trade")).replace("http", "ws", 1)
    ws = await h.session.ws_connect(url)
    h.sockets.append(ws)
    refusal = {
        "error": {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"},
        "id": None,
    }
    for request_id in (-5, UUID, None):
        text = json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": request_id})
        answer = await _stream_answer(ws, text)
        assert answer == {"result": ["btcusdt@trade"], "id": request_id}
        await _pause()
    for text in (
        '{"method": "LIST_SUBSCRIPTIONS"}',
        '{"method": "LIST_SUBSCRIPTIONS", "id": 1.5}',
        json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": "y" * 37}),
        json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 2**63}),
    ):
        assert await _stream_answer(ws, text) == refusal, text
        await _pause()


async def _pause() -> None:
    """Stay under 5 incoming messages a second (web-socket-streams.md, WebSocket Limits)."""
    await asyncio.sleep(0.25)


async def test_stream_control_error_texts(harness: Harness) -> None:
    """web-socket-streams.md, Error Messages: the parser's own texts, with line and column."""
    h = harness
    url = str(h.server.make_url("/ws")).replace("http", "ws", 1)
    ws = await h.session.ws_connect(url)
    h.sockets.append(ws)
    cases = [
        ("hello", 3, "Invalid JSON: expected value at line 1 column 1"),
        ('{"id":1}', 2, "Invalid request: missing field `method` at line 1 column 8"),
        (
            '{"method":"SUBSCRIBEE","id":1}',
            2,
            "Invalid request: unknown variant `SUBSCRIBEE`, expected one of `SUBSCRIBE`, "
            "`UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` "
            "at line 1 column 22",
        ),
    ]
    for text, code, msg in cases:
        answer = await _stream_answer(ws, text)
        assert answer["error"] == {"code": code, "msg": msg}, text
        await _pause()
    unknown = await _stream_answer(ws, '{"method":"GET_PROPERTY","params":["nope"],"id":4}')
    assert unknown == {"error": {"code": 0, "msg": "Unknown property"}, "id": 4}
    await _pause()
    typed = await _stream_answer(ws, '{"method":"SET_PROPERTY","params":["combined",1],"id":5}')
    assert typed == {"error": {"code": 1, "msg": "Invalid value type: expected Boolean"}, "id": 5}


# --- connections: ping / pong ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ws-api/v3", "/ws/btcusdt@trade"])
async def test_a_late_pong_is_in_time_and_no_pong_disconnects(
    serve: ServeFactory, path: str
) -> None:
    """web-socket-api.md, General API Information / web-socket-streams.md, General WSS
    information: a ping frame every 20 s, and a connection whose pong has not come "within a
    minute" is disconnected (here: pings every 0.1 s, a pong may take 0.6 s)."""
    h = await serve(ServerOptions(ping_interval=0.1, pong_timeout=0.6))
    url = str(h.server.make_url(path)).replace("http", "ws", 1)
    ws = await h.session.ws_connect(url, autoping=False)
    h.sockets.append(ws)
    ping = await ws.receive(timeout=2)
    assert ping.type is aiohttp.WSMsgType.PING
    await asyncio.sleep(0.3)  # late, but within the pong timeout
    await ws.pong(ping.data)
    ping = await ws.receive(timeout=2)
    assert ping.type is aiohttp.WSMsgType.PING  # still connected: pinged again
    closed = await ws.receive(timeout=3)  # no pong this time
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), closed


async def test_connection_attempts_per_ip_are_limited(serve: ServeFactory) -> None:
    """web-socket-api.md, Connection limits / web-socket-streams.md, WebSocket Limits: "300
    connections per attempt every 5 minutes per IP", API and streams together (shortened to 2
    here); the window is the server's clock."""
    h = await serve(ServerOptions(connections_per_5m=2))
    await h.ws()
    stream_url = str(h.server.make_url("/ws/btcusdt@trade")).replace("http", "ws", 1)
    h.sockets.append(await h.session.ws_connect(stream_url))
    for path in ("/ws-api/v3", "/ws/btcusdt@trade"):
        async with h.session.get(h.server.make_url(path)) as refused:
            assert refused.status == 429, path
            assert (await refused.json())["code"] == -1034
            assert int(refused.headers["Retry-After"]) > 0
    h.clock.advance(300_000)
    assert (await (await h.ws()).call("ping"))["status"] == 200


def test_bans_double_for_repeat_offenders_up_to_three_days() -> None:
    """rest-api.md, LIMITS: "IP bans are tracked and scale in duration for repeat offenders, from
    2 minutes to 3 days"; ``Retry-After`` is the ban's length in seconds."""
    now = [0]
    limiter = RateLimiter(Limits(weight_per_minute=1, ban_after_429s=0), lambda: now[0])
    lengths = []
    for _ in range(14):
        limiter.charge("ip", 1)  # the minute's one allowed unit
        with pytest.raises(ApiError) as ban:
            limiter.charge("ip", 1)  # over the limit, and no 429s tolerated: banned
        assert ban.value.http_status == 418
        assert ban.value.until_ms == now[0] + ban.value.retry_after * 1000
        lengths.append(ban.value.retry_after)
        now[0] = ban.value.until_ms + 60_000  # the ban is over, in a new minute
    assert lengths[:4] == [120, 240, 480, 960]
    assert max(lengths) == lengths[-1] == 3 * 86_400


# --- WebSocket API: session authentication --------------------------------------------------


async def test_session_logon_status_logout_and_ad_hoc_keys(harness: Harness) -> None:
    """web-socket-api.md, Session Authentication: after ``session.logon`` requests act for the
    logged-on key without ``apiKey``/``signature`` (``timestamp`` still needed); an explicit
    ``apiKey`` and ``signature`` override it for one request ("Authorize ad hoc requests");
    ``session.logout`` forgets the key, ends only the logon subscription (User Data Stream
    requests, Unsubscribe) and "does nothing" on a connection that is not logged on."""
    h = harness
    ws = await h.ws("returnRateLimits=false")
    idle = await ws.call("session.logout")
    assert idle["status"] == 200
    assert {k: idle["result"][k] for k in ("apiKey", "authorizedSince", "userDataStream")} == {
        "apiKey": None,
        "authorizedSince": None,
        "userDataStream": False,
    }
    assert idle["result"]["returnRateLimits"] is False
    logon = await ws.call("session.logon", ws.signed_params(CAROL_KEY, None))
    assert logon["result"]["apiKey"] == CAROL_KEY
    assert logon["result"]["authorizedSince"] == h.clock()
    assert logon["result"]["connectedSince"] == h.clock()
    mine = await ws.call("account.status", {"timestamp": h.clock()})
    assert mine["status"] == 200, mine
    alices = await ws.call("openOrders.status", ws.signed_params(ALICE_KEY, ALICE_SECRET))
    assert alices["status"] == 200, alices
    placed = await ws.call("order.place", ws.signed_params(ALICE_KEY, ALICE_SECRET, **LIMIT_BUY))
    assert placed["status"] == 200, placed
    assert len(h.exchange.open_orders("alice")) == 1  # the ad hoc key's account, not carol's
    assert h.exchange.open_orders("carol") == []
    no_time = await ws.call("account.status")
    assert no_time["error"]["code"] == -1102
    by_logon = await ws.call("userDataStream.subscribe")
    by_signature = await ws.call(
        "userDataStream.subscribe.signature", ws.signed_params(ALICE_KEY, ALICE_SECRET)
    )
    assert (by_logon["result"], by_signature["result"]) == (
        {"subscriptionId": 0},
        {"subscriptionId": 1},
    )
    out = await ws.call("session.logout")
    assert out["result"]["apiKey"] is None and out["result"]["userDataStream"] is True
    ended = await ws.next_event()
    assert ended == {"subscriptionId": 0, "event": {"e": "eventStreamTerminated", "E": h.clock()}}
    assert (await ws.call("session.subscriptions"))["result"] == [{"subscriptionId": 1}]
    anonymous = await ws.call("account.status", {"timestamp": h.clock()})
    assert (anonymous["status"], anonymous["error"]["code"]) == (401, -2014)


async def test_ws_api_order_limit_429_says_when_the_window_ends(serve: ServeFactory) -> None:
    """web-socket-api.md, Unfilled Order Count: "If you exceed this, requests fail with status
    429" and "Responses that have a status 429 include a retryAfter field" (the 10-second
    window's end; "10 SECOND interval resets at 00, 10, 20... seconds", Rate limits)."""
    h = await serve(ServerOptions(orders_per_10s=1))
    h.clock.advance(3_500 - h.clock() % 10_000)
    ws = await h.ws()
    first = await ws.call("order.place", ws.signed_params(ALICE_KEY, ALICE_SECRET, **LIMIT_BUY))
    assert first["status"] == 200, first
    second = await ws.call("order.place", ws.signed_params(ALICE_KEY, ALICE_SECRET, **LIMIT_BUY))
    assert second["status"] == 429
    assert second["error"]["code"] == -1015
    assert second["error"]["msg"] == "Too many new orders; current limit is 1 orders per 10 SECOND."
    now = h.clock()
    assert second["error"]["data"] == {"serverTime": now, "retryAfter": now + 6_500}
    assert len(h.exchange.open_orders("alice")) == 1


async def test_a_connection_listens_to_a_bounded_number_of_streams(serve: ServeFactory) -> None:
    """web-socket-streams.md, WebSocket Limits: "A single connection can listen to a maximum of
    1024 streams" (shortened to 3 here): a SUBSCRIBE past it is refused whole, code 2."""
    h = await serve(ServerOptions(max_streams_per_connection=3))
    url = str(h.server.make_url("/ws/btcusdt@trade")).replace("http", "ws", 1)
    ws = await h.session.ws_connect(url)
    h.sockets.append(ws)
    more = ["btcusdt@aggTrade", "btcusdt@bookTicker", "btcusdt@depth"]
    refused = await _stream_answer(ws, json.dumps({"method": "SUBSCRIBE", "params": more, "id": 1}))
    assert refused["id"] == 1 and refused["error"]["code"] == 2, refused
    await _pause()
    fits = await _stream_answer(
        ws, json.dumps({"method": "SUBSCRIBE", "params": more[:2], "id": 2})
    )
    assert fits == {"result": None, "id": 2}
    await _pause()
    listed = await _stream_answer(ws, json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 3}))
    assert sorted(listed["result"]) == ["btcusdt@aggTrade", "btcusdt@bookTicker", "btcusdt@trade"]
    too_many = "/".join(["btcusdt@trade", *more])
    async with h.session.get(h.server.make_url("/ws/" + too_many)) as r:
        assert r.status == 400


# --- timeUnit=MICROSECOND reaches every time ------------------------------------------------


async def test_microsecond_connections_get_microsecond_limits_and_shutdown_times(
    serve: ServeFactory,
) -> None:
    """web-socket-api.md / web-socket-streams.md, General information: with
    ``timeUnit=MICROSECOND`` every timestamp is in microseconds: a 429's ``serverTime`` and
    ``retryAfter``, and the ``serverShutdown`` event's time."""
    h = await serve(ServerOptions(request_weight_per_minute=3))
    now = h.clock()
    ws = await h.ws("timeUnit=MICROSECOND")  # weighs 2
    assert (await ws.call("ping"))["status"] == 200
    limited = await ws.call("ping")
    assert limited["status"] == 429
    window_end = (now // 60_000 + 1) * 60_000
    assert limited["error"]["data"] == {"serverTime": now * 1000, "retryAfter": window_end * 1000}
    h.clock.advance(60_000)
    url = str(h.server.make_url("/stream?streams=btcusdt@trade&timeUnit=MICROSECOND"))
    stream = await h.session.ws_connect(url.replace("http", "ws", 1))
    h.sockets.append(stream)
    closing = asyncio.create_task(h.server.close())
    api_event = await ws.next_event(timeout=3)
    assert api_event == {"event": {"e": "serverShutdown", "E": h.clock() * 1000}}
    stream_event = json.loads((await stream.receive(timeout=3)).data)
    assert stream_event == {
        "stream": "!serverShutdown",
        "data": {"e": "serverShutdown", "E": h.clock() * 1000},
    }
    await closing


async def test_unknown_methods_and_unauthenticated_subscribe_say_the_documented_texts(
    harness: Harness,
) -> None:
    """errors.md, -1020 UNSUPPORTED_OPERATION and -1002 UNAUTHORIZED, word for word: an unknown
    method (any version prefix), and ``userDataStream.subscribe`` without ``session.logon``
    (web-socket-api.md, Subscribe to User Data Stream: "requires an authenticated WebSocket
    connection")."""
    ws = await harness.ws()
    for method in ("order.teleport", "v3/order.teleport", "ORDER.PLACE"):
        unknown = await ws.call(method)
        assert (unknown["status"], unknown["error"]) == (
            400,
            {"code": -1020, "msg": "This operation is not supported."},
        ), method
    alone = await ws.call("userDataStream.subscribe")
    assert (alone["status"], alone["error"]) == (
        401,
        {"code": -1002, "msg": "You are not authorized to execute this request."},
    )


async def test_stream_pings_are_answered_and_count_as_messages(harness: Harness) -> None:
    """web-socket-streams.md: a ping is answered with "a copy of ping's payload" (General WSS
    information), and "A message is considered: A PING frame, A PONG frame, A JSON controlled
    message"; past 5 a second the connection is closed (WebSocket Limits)."""
    h = harness
    url = str(h.server.make_url("/ws/btcusdt@trade")).replace("http", "ws", 1)
    ws = await h.session.ws_connect(url, autoping=False)
    h.sockets.append(ws)
    await ws.ping(b"hello")
    pong = await ws.receive(timeout=2)
    assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"hello")
    for _ in range(2):
        await ws.pong(b"")  # unsolicited pongs are allowed, and counted
    await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 1}))
    assert json.loads((await ws.receive(timeout=2)).data)["result"] == ["btcusdt@trade"]
    await ws.ping(b"5th")
    assert (await ws.receive(timeout=2)).data == b"5th"  # the fifth message: still served
    await ws.ping(b"6th")  # the sixth within the second: disconnected
    closed = await ws.receive(timeout=2)
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), closed

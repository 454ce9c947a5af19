"""The user-data stream against scripted WebSocket servers: gaps, bad frames, reconnects."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from transitions import MachineError

from oms.errors import AuthError, LocalError
from oms.wire.events import BalanceUpdate, ServerShutdown
from oms.wire.stream import BadFrame, StreamGap, StreamItem
from transports.binance.client import BinanceClient
from transports.binance.stream import (
    LIFECYCLE,
    ConnectionLifecycle,
    ConnState,
    backoff_delay,
)

from .hostile import Hostile, config_for, event, idle, subscribe_ok

pytestmark = pytest.mark.timeout(20)
ServerFactory = Callable[..., Any]


@pytest.fixture
async def hostile(aiohttp_server: ServerFactory) -> AsyncIterator[tuple[Hostile, TestServer]]:
    state = Hostile()
    server = await aiohttp_server(state.app())
    yield state, server


def client_for(server: TestServer, **overrides: Any) -> BinanceClient:
    ws = str(server.make_url("/ws-api/v3")).replace("http", "ws", 1)
    return BinanceClient(config_for(str(server.make_url("/api")), ws, **overrides), rng=lambda: 0.5)


async def take(client: BinanceClient, n: int, timeout: float = 5.0) -> list[StreamItem]:
    out: list[StreamItem] = []

    async def run() -> None:
        async for item in client.user_data():
            out.append(item)
            if len(out) == n:
                return

    await asyncio.wait_for(run(), timeout)
    return out


async def test_events_then_drop_mid_frame_reconnects_with_a_gap(
    hostile: tuple[Hostile, TestServer],
) -> None:
    state, server = hostile

    async def drop_mid_frame(ws: web.WebSocketResponse, s: Hostile) -> None:
        await subscribe_ok(ws, s)
        await ws.send_str(event(delta="1.5"))
        # A text frame header announcing 100 bytes, 8 of them, then the TCP connection dies.
        transport = ws._req.transport if ws._req else None
        assert transport is not None
        transport.write(b"\x81\x64" + b'{"subscr')
        transport.close()

    async def then_one_more(ws: web.WebSocketResponse, s: Hostile) -> None:
        await subscribe_ok(ws, s)
        await ws.send_str(event(delta="2"))
        await idle(ws, s)

    state.ws_scripts = [drop_mid_frame, then_one_more]
    async with client_for(server) as client:
        items = await take(client, 4)
        assert client.stats().reconnects == 1
    gap1, first, gap2, second = items
    assert isinstance(gap1, StreamGap) and gap1.since_ms is None
    assert isinstance(first, BalanceUpdate) and str(first.delta) == "1.5"
    assert isinstance(gap2, StreamGap) and gap2.since_ms is not None
    assert gap2.at_ms >= gap2.since_ms
    assert isinstance(second, BalanceUpdate) and str(second.delta) == "2"
    assert state.ws_connections == 2 and state.bad_signatures == 0
    subscribe = state.ws_requests[0]
    assert set(subscribe["params"]) == {"apiKey", "recvWindow", "timestamp", "signature"}


async def test_bad_frames_are_kept_and_the_stream_goes_on(
    hostile: tuple[Hostile, TestServer],
) -> None:
    state, server = hostile

    async def garbage(ws: web.WebSocketResponse, s: Hostile) -> None:
        await subscribe_ok(ws, s)
        await ws.send_str("not json {")
        await ws.send_bytes(b"\x00\x01")
        await ws.send_str(event(delta="NaN"))
        await ws.send_str(json.dumps({"subscriptionId": 0, "event": {"e": "newThing", "E": 1}}))
        await ws.send_str(event(delta="3"))
        await idle(ws, s)

    state.ws_scripts = [garbage]
    async with client_for(server) as client:
        gap, not_json, binary, nan, unknown, good = await take(client, 6)
    assert isinstance(gap, StreamGap)
    assert isinstance(not_json, BadFrame) and not_json.raw == b"not json {"
    assert isinstance(binary, BadFrame) and "binary" in binary.error
    assert isinstance(nan, BadFrame) and nan.field == "$.d"
    assert type(unknown).__name__ == "Unrecognised"
    assert isinstance(good, BalanceUpdate)


async def test_server_shutdown_reconnects(hostile: tuple[Hostile, TestServer]) -> None:
    state, server = hostile

    async def shutdown(ws: web.WebSocketResponse, s: Hostile) -> None:
        await subscribe_ok(ws, s)
        await ws.send_str(json.dumps({"event": {"e": "serverShutdown", "E": 1}}))
        await idle(ws, s)

    state.ws_scripts = [shutdown]
    async with client_for(server) as client:
        _gap, notice, gap2 = await take(client, 3)
    assert isinstance(notice, ServerShutdown)
    assert isinstance(gap2, StreamGap) and gap2.reason == "serverShutdown"


async def test_silent_stream_is_checked_then_replaced(hostile: tuple[Hostile, TestServer]) -> None:
    state, server = hostile

    async def answers_status(ws: web.WebSocketResponse, s: Hostile) -> None:
        await subscribe_ok(ws, s)
        request = await s.ws_request(ws)  # the silence check
        assert request["method"] == "session.status"
        await ws.send_str(json.dumps({"id": request["id"], "status": 200, "result": {}}))
        request = await s.ws_request(ws)  # silent again: this time, no answer
        await idle(ws, s)

    state.ws_scripts = [answers_status]
    async with client_for(server, stream_silence_s=0.2, stream_status_timeout_s=0.3) as client:
        _gap, gap2 = await take(client, 2)
    assert isinstance(gap2, StreamGap) and "session.status got no answer" in gap2.reason
    methods = [r["method"] for r in state.ws_requests]
    assert methods[:3] == ["userDataStream.subscribe.signature", "session.status", "session.status"]


async def test_connections_rotate_before_their_maximum_age(
    hostile: tuple[Hostile, TestServer],
) -> None:
    state, server = hostile
    async with client_for(server, stream_max_age_s=0.3) as client:
        _gap, gap2 = await take(client, 2)
    assert isinstance(gap2, StreamGap) and "rotating" in gap2.reason
    assert state.ws_connections == 2


async def test_refused_key_ends_the_stream_with_auth_error(
    hostile: tuple[Hostile, TestServer],
) -> None:
    state, server = hostile

    async def refuse(ws: web.WebSocketResponse, s: Hostile) -> None:
        request = await s.ws_request(ws)
        error = {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
        await ws.send_str(json.dumps({"id": request["id"], "status": 401, "error": error}))
        await idle(ws, s)

    state.ws_scripts = [refuse]
    async with client_for(server) as client:
        with pytest.raises(AuthError) as info:
            await take(client, 2)
    assert info.value.code == -2015


async def test_unreachable_ws_retries_with_backoff_and_close_stops_it(
    hostile: tuple[Hostile, TestServer],
) -> None:
    _state, server = hostile
    rest = str(server.make_url("/api"))
    config = config_for(rest, "ws://127.0.0.1:1/ws-api/v3", backoff_initial_s=0.02)
    client = BinanceClient(config)
    seen: list[StreamItem] = []

    async def consume() -> None:
        async for item in client.user_data():
            seen.append(item)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.3)
    assert state_of(client) in (ConnState.BACKOFF, ConnState.CONNECTING)
    await client.close()
    await asyncio.wait_for(task, 2)
    assert seen == [] and state_of(client) is ConnState.CLOSED


def state_of(client: BinanceClient) -> ConnState:
    return client._stream.lifecycle.state


def test_lifecycle_table_allows_only_its_moves() -> None:
    life = ConnectionLifecycle()
    assert life.state is ConnState.DISCONNECTED
    for trigger, expected in [
        ("connect", ConnState.CONNECTING),
        ("connected", ConnState.SUBSCRIBING),
        ("subscribed", ConnState.SUBSCRIBED),
        ("lost", ConnState.BACKOFF),
        ("connect", ConnState.CONNECTING),
        ("close", ConnState.CLOSED),
    ]:
        assert life.fire(trigger) is expected
    with pytest.raises(MachineError):
        life.fire("connect")
    with pytest.raises(MachineError):
        ConnectionLifecycle().fire("subscribed")
    # Every state but CLOSED can be left; CLOSED is final.
    sources = {state for _, states, _ in LIFECYCLE for state in states}
    assert sources == set(ConnState) - {ConnState.CLOSED}


def test_backoff_is_exponential_capped_and_jittered() -> None:
    low = [backoff_delay(a, initial_s=0.5, max_s=30, rng=lambda: 0.0) for a in range(10)]
    high = [backoff_delay(a, initial_s=0.5, max_s=30, rng=lambda: 1.0) for a in range(10)]
    assert low[:4] == [0.25, 0.5, 1.0, 2.0]
    assert high[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(high) == 30 and low[-1] == 15


async def test_ws_429_blocks_the_governor_and_the_stream_retries(
    hostile: tuple[Hostile, TestServer],
) -> None:
    state, server = hostile

    async def limited(ws: web.WebSocketResponse, s: Hostile) -> None:
        request = await s.ws_request(ws)
        now = int(time.time() * 1000)
        error = {
            "code": -1003,
            "msg": "Too much request weight used.",
            "data": {"serverTime": now, "retryAfter": now + 300},
        }
        await ws.send_str(json.dumps({"id": request["id"], "status": 429, "error": error}))
        await idle(ws, s)

    state.ws_scripts = [limited]
    async with client_for(server) as client:
        started = time.monotonic()
        (gap,) = await take(client, 1)  # the first subscribe was refused, the second works
        assert time.monotonic() - started >= 0.25  # held for retryAfter before reconnecting
    assert isinstance(gap, StreamGap) and gap.since_ms is None
    assert state.ws_connections == 2


async def test_one_consumer_at_a_time(hostile: tuple[Hostile, TestServer]) -> None:
    _state, server = hostile
    async with client_for(server) as client:
        first = client.user_data()
        assert isinstance(await anext(first), StreamGap)
        with pytest.raises(LocalError, match="already has a consumer"):
            await anext(client.user_data())
        await first.aclose()  # type: ignore[attr-defined]

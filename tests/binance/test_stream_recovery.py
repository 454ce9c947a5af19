"""The user-data stream's connection machine always recovers (issue 15).

A refused subscription (-1022, -2015) used to leave the machine in SUBSCRIBING, so every
later reconnect failed with ``MachineError("Can't trigger event connect from state
SUBSCRIBING!")`` and the stream never came back, even after the key was valid again. Here a
hypothesis ``RuleBasedStateMachine`` drives a real ``BinanceClient`` against a scripted
aiohttp server on 127.0.0.1 through refusals, drops, timeouts and recoveries, and another
drives the declared machine directly: every state has a way out on every failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from transitions import MachineError

from oms.errors import AuthError
from oms.wire.stream import StreamGap
from transports.binance.client import BinanceClient
from transports.binance.stream import FAILURES, ConnectionLifecycle, ConnState

from .hostile import Hostile, WsScript, config_for, idle, subscribe_ok

pytestmark = pytest.mark.timeout(120)

REFUSALS = {
    -1022: "Signature for this request is not valid.",
    -2015: "Invalid API-key, IP, or permissions for action.",
}


def refuse(code: int) -> WsScript:
    async def script(ws: web.WebSocketResponse, s: Hostile) -> None:
        request = await s.ws_request(ws)
        error = {"code": code, "msg": REFUSALS[code]}
        await ws.send_str(json.dumps({"id": request["id"], "status": 401, "error": error}))
        await idle(ws, s)

    return script


async def drop(ws: web.WebSocketResponse, s: Hostile) -> None:
    await subscribe_ok(ws, s)
    await ws.close()


async def no_answer(ws: web.WebSocketResponse, s: Hostile) -> None:
    await s.ws_request(ws)  # the subscribe is never answered: the client times out
    await idle(ws, s)


async def refuse_transiently(ws: web.WebSocketResponse, s: Hostile) -> None:
    request = await s.ws_request(ws)
    error = {"code": -1001, "msg": "Internal error; unable to process your request."}
    await ws.send_str(json.dumps({"id": request["id"], "status": 400, "error": error}))
    await idle(ws, s)


async def first_gap(client: BinanceClient, gaps: int = 1, timeout: float = 10.0) -> StreamGap:
    """Open the stream, wait for ``gaps`` subscriptions, close the iterator."""
    stream: Any = client.user_data()
    async with contextlib.aclosing(stream):
        for _ in range(gaps):
            item = await asyncio.wait_for(anext(stream), timeout)
            assert isinstance(item, StreamGap)
    return item


async def test_refused_key_then_valid_key_subscribes_again(aiohttp_server: Any) -> None:
    """The reported misbehaviour: after one -2015 the stream never came back."""
    state = Hostile()
    server = await aiohttp_server(state.app())
    state.ws_scripts = [refuse(-2015)]
    async with _client(server) as client:
        with pytest.raises(AuthError):
            await first_gap(client)
        assert client._stream.lifecycle.state is ConnState.DISCONNECTED
        gap = await first_gap(client)  # the key is valid again: the stream comes back
    assert gap.since_ms is None
    assert state.ws_connections == 2


def _client(server: TestServer) -> BinanceClient:
    ws = str(server.make_url("/ws-api/v3")).replace("http", "ws", 1)
    config = config_for(str(server.make_url("/api")), ws, stream_status_timeout_s=0.3)
    return BinanceClient(config, rng=lambda: 0.5)


class StreamAgainstServer(RuleBasedStateMachine):
    """A real client and a real server on 127.0.0.1; each rule scripts the next connections
    and then asks for the stream, which must either come up or say the key was refused."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.hostile = Hostile()
        self.server = TestServer(self.hostile.app(), host="127.0.0.1")
        self.loop.run_until_complete(self.server.start_server())
        self.client = _client(self.server)

    def teardown(self) -> None:
        self.loop.run_until_complete(self.client.close())
        self.loop.run_until_complete(self.server.close())
        self.loop.close()

    def _expect_gap(self, *scripts: WsScript, gaps: int = 1) -> None:
        self.hostile.ws_scripts = list(scripts)
        self.loop.run_until_complete(first_gap(self.client, gaps))
        assert self.hostile.ws_scripts == []  # every failure was gone through

    @rule(code=st.sampled_from(sorted(REFUSALS)))
    def refused(self, code: int) -> None:
        self.hostile.ws_scripts = [refuse(code)]
        with pytest.raises(AuthError) as info:
            self.loop.run_until_complete(first_gap(self.client))
        assert info.value.code == code

    @rule(times=st.integers(1, 2))
    def dropped(self, times: int) -> None:
        # Each dropped connection had subscribed: one gap for it, one for the recovery.
        self._expect_gap(*[drop] * times, gaps=times + 1)

    @rule()
    def timed_out(self) -> None:
        self._expect_gap(no_answer)

    @rule()
    def refused_transiently(self) -> None:
        self._expect_gap(refuse_transiently)

    @rule()
    def recovered(self) -> None:
        self._expect_gap()

    @invariant()
    def ready_for_the_next_consumer(self) -> None:
        # Whatever happened, the machine is back where a new consumer can start.
        assert self.client._stream.lifecycle.state is ConnState.DISCONNECTED


StreamAgainstServer.TestCase.settings = settings(
    max_examples=8, stateful_step_count=6, deadline=None
)
test_stream_recovers_against_a_real_server = StreamAgainstServer.TestCase


class LifecycleMachine(RuleBasedStateMachine):
    """The declared machine alone: any failure from any state, then a full recovery."""

    def __init__(self) -> None:
        super().__init__()
        self.life = ConnectionLifecycle()

    @precondition(lambda self: self.life.state is not ConnState.CLOSED)
    @rule(trigger=st.sampled_from(FAILURES))
    def failure(self, trigger: str) -> None:
        self.life.fire(trigger)  # never a MachineError: every state has a way out

    @precondition(lambda self: self.life.state is not ConnState.CLOSED)
    @rule(steps=st.integers(0, 3))
    def progress(self, steps: int) -> None:
        forward = {
            ConnState.DISCONNECTED: "connect",
            ConnState.BACKOFF: "connect",
            ConnState.CONNECTING: "connected",
            ConnState.SUBSCRIBING: "subscribed",
        }
        for _ in range(steps):
            if self.life.state in forward:
                self.life.fire(forward[self.life.state])

    @precondition(lambda self: self.life.state is not ConnState.CLOSED)
    @rule()
    def recovers(self) -> None:
        if self.life.state is ConnState.SUBSCRIBED:
            self.life.fire("lost")
        while self.life.state is not ConnState.SUBSCRIBED:
            nxt = {
                ConnState.DISCONNECTED: "connect",
                ConnState.BACKOFF: "connect",
                ConnState.CONNECTING: "connected",
                ConnState.SUBSCRIBING: "subscribed",
            }[self.life.state]
            self.life.fire(nxt)

    @rule()
    def close(self) -> None:
        if self.life.state is ConnState.CLOSED:
            with pytest.raises(MachineError):
                self.life.fire("close")  # CLOSED is final, by design
        else:
            self.life.fire("close")


test_every_state_has_a_way_out = LifecycleMachine.TestCase

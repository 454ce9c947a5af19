"""Fault modes switched on per server run: a client meets what it must survive."""

from __future__ import annotations

import asyncio
from collections import Counter

import aiohttp
import pytest

from oms.wire.decoding import decode_body
from oms.wire.rest import ServerTime
from tests.server.conftest import ALICE_KEY, ALICE_SECRET, Harness, ServeFactory, WsClient
from tests.server.test_rest_endpoints import LIMIT_BUY
from transports.sim.faults import FaultConfig
from transports.sim.server.app import ServerOptions


def _faults(**kwargs: object) -> ServerOptions:
    return ServerOptions(faults=FaultConfig(**kwargs), delayed_event_flush=0.05)  # type: ignore[arg-type]


async def _subscribed(h: Harness) -> WsClient:
    ws = await h.ws()
    sub = await ws.call(
        "userDataStream.subscribe.signature", ws.signed_params(ALICE_KEY, ALICE_SECRET)
    )
    assert sub["status"] == 200
    return ws


async def _place(h: Harness, n: int, prefix: str = "f") -> None:
    client = h.rest()
    for i in range(n):
        reply = await client.signed(
            "POST", "/v3/order", {**LIMIT_BUY, "newClientOrderId": f"{prefix}{i}"}
        )
        assert reply.status == 200, reply.body


def _kinds(frames: list[dict[str, object]]) -> list[tuple[str, object]]:
    out = []
    for frame in frames:
        event = frame["event"]
        assert isinstance(event, dict)
        out.append((event["e"], event.get("c")))
    return out


async def test_error_after_execution_5xx_or_1007_but_order_exists(serve: ServeFactory) -> None:
    h = await serve(_faults(error_after_execution=1.0, seed=3))
    client = h.rest()
    seen = set()
    for i in range(6):
        reply = await client.signed("POST", "/v3/order", {**LIMIT_BUY, "newClientOrderId": f"e{i}"})
        seen.add((reply.status, reply.code))
    assert seen == {(503, -1000), (408, -1007)}
    assert sorted(o.client_order_id for o in h.exchange.open_orders("alice")) == [
        f"e{i}" for i in range(6)
    ]


async def test_timeout_after_execution_holds_then_1007(serve: ServeFactory) -> None:
    h = await serve(
        ServerOptions(faults=FaultConfig(timeout_after_execution=1.0), request_timeout=0.3)
    )
    client = h.rest()
    with pytest.raises(TimeoutError):
        await client.signed(
            "POST", "/v3/order", {**LIMIT_BUY, "newClientOrderId": "t1"}, timeout=0.1
        )
    late = await client.signed("POST", "/v3/order", {**LIMIT_BUY, "newClientOrderId": "t2"})
    assert (late.status, late.code) == (408, -1007)
    assert {o.client_order_id for o in h.exchange.open_orders("alice")} == {"t1", "t2"}
    ws = await h.ws()
    silent = ws.signed_params(ALICE_KEY, ALICE_SECRET, **LIMIT_BUY, newClientOrderId="t3")
    await ws.ws.send_json({"id": "x", "method": "order.place", "params": silent})
    with pytest.raises(TimeoutError):
        await ws.ws.receive(timeout=0.1)  # no answer while the backend "times out"
    answer = await ws.ws.receive_json(timeout=2)
    assert answer["id"] == "x" and answer["error"]["code"] == -1007
    assert len(h.exchange.open_orders("alice")) == 3


async def test_injected_429(serve: ServeFactory) -> None:
    h = await serve(_faults(orders_per_10s=1))
    client = h.rest()
    assert (await client.signed("POST", "/v3/order", LIMIT_BUY)).status == 200
    refused = await client.signed("POST", "/v3/order", LIMIT_BUY)
    assert (refused.status, refused.code) == (429, -1015)
    assert int(refused.headers["Retry-After"]) >= 1
    assert len(h.exchange.open_orders("alice")) == 1


async def test_dropped_and_duplicated_events(serve: ServeFactory) -> None:
    dropped = await serve(_faults(drop_event=1.0))
    ws = await _subscribed(dropped)
    await _place(dropped, 2)
    assert await ws.events_for(0.15) == []
    doubled = await serve(_faults(duplicate_event=1.0))
    ws2 = await _subscribed(doubled)
    await _place(doubled, 2)
    frames = await ws2.events_for(0.15)
    kinds = _kinds(frames)
    assert kinds[0] == kinds[1] and len(kinds) == 8  # 2 orders x (report + position) x 2
    assert Counter(kinds)[("executionReport", "f0")] == 2


async def test_delayed_and_reordered_events(serve: ServeFactory) -> None:
    delayed = await serve(_faults(delay_event=1.0))
    ws = await _subscribed(delayed)
    await _place(delayed, 1)
    frames = await ws.events_for(0.2)  # held back, then flushed late
    assert _kinds(frames) == [("executionReport", "f0"), ("outboundAccountPosition", None)]
    reordered = await serve(_faults(reorder_events=1.0, seed=1))
    ws2 = await _subscribed(reordered)
    await _place(reordered, 4)
    frames = await ws2.events_for(0.15)
    kinds = _kinds(frames)
    assert Counter(kinds) == Counter(
        [("executionReport", f"f{i}") for i in range(4)] + [("outboundAccountPosition", None)] * 4
    )
    pairs = [kinds[i : i + 2] for i in range(0, 8, 2)]
    assert any(p[0][0] == "outboundAccountPosition" for p in pairs)  # some batch shuffled


async def test_dropped_connection_replays_nothing(serve: ServeFactory) -> None:
    h = await serve(_faults(disconnect_every=2))
    ws = await _subscribed(h)
    await _place(h, 1)
    first = []
    while True:
        message = await ws.ws.receive(timeout=2)
        if message.type is not aiohttp.WSMsgType.TEXT:
            break
        first.append(message.json())
    assert ws.ws.closed and len(first) <= 2
    await _place(h, 1, "g")  # happens while nobody is subscribed
    again = await _subscribed(h)
    await asyncio.sleep(0.05)
    assert await again.events_for(0.1) == []  # the missed events are gone for good


async def test_clock_skew_1021_until_the_client_syncs(serve: ServeFactory) -> None:
    h = await serve(_faults(clock_skew_ms=-10_000))
    client = h.rest()
    skewed = await client.signed("GET", "/v3/account")
    assert skewed.code == -1021
    server_time = decode_body((await client.public("/v3/time")).body, ServerTime).server_time
    assert server_time == h.clock() - 10_000
    synced = await client.signed("GET", "/v3/account", timestamp=server_time)
    assert synced.status == 200


async def test_lost_request_is_held_and_never_executed(serve: ServeFactory) -> None:
    h = await serve(ServerOptions(faults=FaultConfig(lose_request=1.0), request_timeout=0.3))
    client = h.rest()
    with pytest.raises(TimeoutError):
        await client.signed(
            "POST", "/v3/order", {**LIMIT_BUY, "newClientOrderId": "l1"}, timeout=0.1
        )
    late = await client.signed("POST", "/v3/order", {**LIMIT_BUY, "newClientOrderId": "l2"})
    assert (late.status, late.code) == (408, -1007)
    assert h.exchange.open_orders("alice") == []

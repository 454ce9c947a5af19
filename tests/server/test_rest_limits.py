"""Rate limits over HTTP: weight headers, 429 with Retry-After, 418 for a client that persists."""

from __future__ import annotations

from tests.server.conftest import ServeFactory
from tests.server.test_rest_endpoints import LIMIT_BUY
from transports.sim.server.app import ServerOptions


async def test_weight_429_retry_after_then_418(serve: ServeFactory) -> None:
    h = await serve(ServerOptions(request_weight_per_minute=50, ban_after_429s=2))
    client = h.rest()
    h.clock.advance(45_000 - h.clock() % 60_000)  # 15 s left in the minute
    for used in ("20", "40"):
        ok = await client.public("/v3/exchangeInfo")
        assert (ok.status, ok.headers["X-MBX-USED-WEIGHT-1M"]) == (200, used)
    limited = await client.public("/v3/exchangeInfo")
    assert (limited.status, limited.code) == (429, -1003)
    assert limited.headers["Retry-After"] == "15"
    assert "current limit is 50 request weight per 1 MINUTE" in limited.json()["msg"]
    assert (await client.public("/v3/ping")).status == 429
    banned = await client.public("/v3/ping")
    assert (banned.status, banned.code) == (418, -1003)
    assert banned.headers["Retry-After"] == "120"
    h.clock.advance(60_000)  # a new minute, but still banned
    assert (await client.public("/v3/ping")).status == 418
    h.clock.advance(60_000)
    assert (await client.public("/v3/ping")).status == 200


async def test_order_count_limit_429(serve: ServeFactory) -> None:
    h = await serve(ServerOptions(orders_per_10s=2))
    client = h.rest()
    for count in ("1", "2"):
        placed = await client.signed("POST", "/v3/order", {**LIMIT_BUY, "newOrderRespType": "ACK"})
        assert placed.headers["X-MBX-ORDER-COUNT-10S"] == count
    h.clock.advance(3_000 - h.clock() % 10_000)
    refused = await client.signed("POST", "/v3/order", LIMIT_BUY)
    assert (refused.status, refused.code) == (429, -1015)
    assert refused.json()["msg"] == "Too many new orders; current limit is 2 orders per 10 SECOND."
    assert refused.headers["Retry-After"] == "7"
    assert len(h.exchange.open_orders("alice")) == 2  # the refused one never executed
    h.clock.advance(7_000)
    again = await client.signed("POST", "/v3/order", LIMIT_BUY)
    assert again.status == 200
    assert (again.headers["X-MBX-ORDER-COUNT-10S"], again.headers["X-MBX-ORDER-COUNT-1D"]) == (
        "1",
        "3",
    )


async def test_raw_requests_are_listed_and_enforced(serve: ServeFactory) -> None:
    h = await serve(ServerOptions(raw_requests_per_5m=3))
    client = h.rest()
    info = (await client.public("/v3/exchangeInfo")).json()
    assert {
        "rateLimitType": "RAW_REQUESTS",
        "interval": "MINUTE",
        "intervalNum": 5,
        "limit": 3,
    } in info["rateLimits"]
    assert (await client.public("/v3/ping")).status == 200
    assert (await client.public("/v3/ping")).status == 200
    refused = await client.public("/v3/ping")
    assert (refused.status, refused.code) == (429, -1003)
    assert "5 MINUTE" in refused.json()["msg"]
    assert int(refused.headers["Retry-After"]) > 0

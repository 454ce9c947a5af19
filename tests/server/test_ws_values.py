"""WebSocket API parameters written as JSON arrays and fractional numbers, as
web-socket-api.md's own examples send them (``"symbols": ["BNBBTC", "BTCUSDT"]``,
``"permissions": ["SPOT"]``, ``"quantity": 0.5``)."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.server.conftest import ALICE_KEY, ALICE_SECRET, Harness


async def test_symbol_arrays_read_as_on_rest(harness: Harness) -> None:
    ws = await harness.ws()
    info = await ws.call("exchangeInfo", {"symbols": ["BTCUSDT", "ETHUSDT"]})
    assert [s["symbol"] for s in info["result"]["symbols"]] == ["BTCUSDT", "ETHUSDT"]
    spot = await ws.call("exchangeInfo", {"permissions": ["SPOT"]})
    assert spot["status"] == 200
    prices = await ws.call("ticker.price", {"symbols": ["ETHUSDT"]})
    assert [p["symbol"] for p in prices["result"]] == ["ETHUSDT"]
    rules = await ws.call("executionRules", {"symbols": ["BTCUSDT"]})
    assert rules["result"] == {"symbolRules": [{"symbol": "BTCUSDT", "rules": []}]}
    unknown = await ws.call("exchangeInfo", {"symbols": ["NOPE"]})
    assert unknown["error"]["code"] == -1121
    for bad in ([1, 2], [["BTCUSDT"]], {"a": "b"}):
        refused = await ws.call("exchangeInfo", {"symbols": bad})
        assert (refused["status"], refused["error"]["code"]) == (400, -1100), bad


async def test_fractional_numbers_are_the_decimals_written_as_text(harness: Harness) -> None:
    ws = await harness.ws()
    order = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": 0.01,
        "price": 59000.1,
    }
    placed = await ws.call("order.place", ws.signed_params(ALICE_KEY, ALICE_SECRET, **order))
    assert placed["status"] == 200, placed
    [resting] = harness.exchange.open_orders("alice")
    assert (resting.orig_qty, resting.price) == (Decimal("0.01"), Decimal("59000.1"))
    # The number is read as the text it was written as, like a REST decimal: an exponent is
    # not a decimal Binance accepts (-1100), as on REST.
    tiny = {**order, "quantity": 1e-05}
    refused = await ws.call("order.place", ws.signed_params(ALICE_KEY, ALICE_SECRET, **tiny))
    assert refused["error"]["code"] == -1100, refused


async def test_exchange_info_filters_by_permissions(harness: Harness) -> None:
    """rest-api.md, Exchange information: ``permissions`` is one value or an array; symbols
    with any of them are listed; not with ``symbol`` / ``symbols`` (-1128). Every simulated
    symbol's permission set is ``[["SPOT"]]``."""
    rest = harness.rest()
    every = {s["symbol"] for s in (await rest.public("/v3/exchangeInfo")).json()["symbols"]}
    assert every
    for value in ("SPOT", '["SPOT"]', '["MARGIN","SPOT"]'):
        found = (await rest.public("/v3/exchangeInfo", {"permissions": value})).json()
        assert {s["symbol"] for s in found["symbols"]} == every, value
    for value in ("MARGIN", '["MARGIN","LEVERAGED"]', "TRD_GRP_004"):
        none = await rest.public("/v3/exchangeInfo", {"permissions": value})
        assert (none.status, none.json()["symbols"]) == (200, []), value
    both = await rest.public("/v3/exchangeInfo", {"symbol": "BTCUSDT", "permissions": "SPOT"})
    assert (both.status, both.code) == (400, -1128)
    ws = await harness.ws()
    margin = await ws.call("exchangeInfo", {"permissions": ["MARGIN", "LEVERAGED"]})
    assert margin["result"]["symbols"] == [], margin
    spot = await ws.call("exchangeInfo", {"permissions": ["SPOT"]})
    assert {s["symbol"] for s in spot["result"]["symbols"]} == every


async def test_method_names_may_carry_the_version_prefix(harness: Harness) -> None:
    """web-socket-api.md, Request format: "Request method names may be prefixed with explicit
    version: e.g., "v3/order.place"". An unknown method stays -1020, prefixed or not."""
    ws = await harness.ws()
    depth = await ws.call("v3/depth", {"symbol": "BTCUSDT", "limit": 1})
    assert depth["status"] == 200 and "lastUpdateId" in depth["result"], depth
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    order |= {"quantity": "0.01", "price": "59000"}
    placed = await ws.call("v3/order.place", ws.signed_params(ALICE_KEY, ALICE_SECRET, **order))
    assert placed["status"] == 200 and placed["result"]["status"] == "NEW", placed
    assert any(r["rateLimitType"] == "ORDERS" for r in placed["rateLimits"])
    for unknown in ("v3/nope", "v2/time", "nope"):
        refused = await ws.call(unknown)
        assert (refused["status"], refused["error"]["code"]) == (400, -1020), unknown


async def test_return_rate_limits_false_in_the_url_holds_for_every_answer(
    harness: Harness,
) -> None:
    """web-socket-api.md, Rate limits: ``?returnRateLimits=false`` on the connection URL drops
    ``rateLimits`` from every answer, errors and malformed frames included; a request's own
    ``"returnRateLimits": true`` brings them back."""
    ws = await harness.ws("returnRateLimits=false")
    assert "rateLimits" not in await ws.call("time")
    assert "rateLimits" in await ws.call("time", {"returnRateLimits": True})
    refused = await ws.call("depth", {"symbol": "NOPE"})
    assert refused["error"]["code"] == -1121 and "rateLimits" not in refused
    for frame in ("not json", '{"id": "m", "method": "time", "params": "x"}'):
        await ws.ws.send_str(frame)
        answer = json.loads((await ws.ws.receive(timeout=5)).data)
        assert answer["status"] == 400 and "rateLimits" not in answer, answer

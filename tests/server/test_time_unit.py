"""``X-MBX-TIME-UNIT`` / ``timeUnit=MICROSECOND``: every time field in microseconds."""

from __future__ import annotations

import json

import aiohttp

from tests.server.conftest import START_MS, Harness
from tests.server.test_market_data import trade_some
from transports.sim.server.time_unit import micro


def test_micro_converts_time_keys_by_context() -> None:
    assert micro({"e": "depthUpdate", "E": 2, "U": 5, "u": 6}) == {
        "e": "depthUpdate",
        "E": 2000,
        "U": 5,
        "u": 6,
    }
    assert micro({"e": "outboundAccountPosition", "u": 3})["u"] == 3000
    assert micro({"e": "kline", "k": {"t": 1, "T": 2, "f": 7}})["k"] == {
        "t": 1000,
        "T": 2000,
        "f": 7,
    }
    assert micro({"e": "trade", "t": 9, "T": 4}) == {"e": "trade", "t": 9, "T": 4000}
    row = [1, "1", "1", "1", "1", "0", 2, "0", 0, "0", "0", "0"]
    assert micro([row])[0][0::6] == [1000, 2000]


async def test_rest_header(harness: Harness) -> None:
    trade_some(harness)
    client = harness.rest()
    url = harness.base + "/v3/time"
    async with harness.session.get(url, headers={"X-MBX-TIME-UNIT": "MICROSECOND"}) as reply:
        assert (await reply.json())["serverTime"] == (START_MS + 1000) * 1000
    async with harness.session.get(url, headers={"X-MBX-TIME-UNIT": "SECONDS"}) as reply:
        assert (await reply.json())["code"] == -1194  # errors.md, -1194 INVALID_TIME_UNIT
    trades_url = harness.base + "/v3/trades?symbol=BTCUSDT"
    async with harness.session.get(trades_url, headers={"X-MBX-TIME-UNIT": "microsecond"}) as reply:
        assert (await reply.json())[0]["time"] == (START_MS + 1000) * 1000
    assert (await client.public("/v3/time")).json()["serverTime"] == START_MS + 1000


async def test_ws_api_and_streams(harness: Harness) -> None:
    ws = await harness.ws("timeUnit=MICROSECOND")
    assert (await ws.call("time"))["result"]["serverTime"] == START_MS * 1000
    url = str(harness.server.make_url("/ws/btcusdt@trade?timeUnit=MICROSECOND"))
    stream = await harness.session.ws_connect(url.replace("http", "ws", 1))
    trade_some(harness)
    message = await stream.receive(timeout=3)
    assert message.type is aiohttp.WSMsgType.TEXT
    assert json.loads(message.data)["T"] == (START_MS + 1000) * 1000
    await stream.close()

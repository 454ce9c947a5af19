"""The local exchange names its run on every answer (``X-OMS-Exchange-Run``), so a client can
tell a restart; and it serves ``GET /api/v3/avgPrice`` as rest-api.md "Current average price"
describes (the PERCENT_PRICE_BY_SIDE reference the ``oms`` command checks against)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.conftest import accounts, funded_exchange
from transports.sim.exchange import ManualClock
from transports.sim.server.app import RUN_HEADER, make_app

pytestmark = pytest.mark.timeout(30)


async def test_every_answer_names_the_run_and_a_restart_changes_it(aiohttp_client: Any) -> None:
    exchange = funded_exchange(ManualClock())
    first = await aiohttp_client(make_app(exchange, accounts()))
    ok = await first.get("/api/v3/time")
    missing = await first.get("/api/v3/nope")
    run = ok.headers[RUN_HEADER]
    assert len(run) == 16 and missing.headers[RUN_HEADER] == run
    second = await aiohttp_client(make_app(exchange, accounts()))
    assert (await second.get("/api/v3/time")).headers[RUN_HEADER] != run


async def test_avg_price(aiohttp_client: Any) -> None:
    client = await aiohttp_client(make_app(funded_exchange(ManualClock()), accounts()))
    answer = await client.get("/api/v3/avgPrice", params={"symbol": "BTCUSDT"})
    body = await answer.json()
    assert answer.status == 200 and set(body) == {"mins", "price", "closeTime"}
    assert body["mins"] == 5 and isinstance(body["price"], str) and float(body["price"]) > 0
    assert answer.headers["X-MBX-USED-WEIGHT-1M"] == "2"
    unknown = await client.get("/api/v3/avgPrice", params={"symbol": "FOO"})
    assert unknown.status == 400 and (await unknown.json())["code"] == -1121

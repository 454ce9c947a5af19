"""Under load nothing is lost: every accepted order is in the exchange and in the stream once.

Several clients, each its own account and HTTP session, place a few thousand signed orders
concurrently over 127.0.0.1 while each account's WebSocket subscription collects events.
Half the orders are MARKET buys that trade against a resting ask, half IOC buys below the
market that expire, so both fills and expiries flow through the stream.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from decimal import Decimal

import aiohttp
import pytest

from oms.wire.enums import OrderStatus, OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder, QueryOrder
from tests.server.conftest import START_MS, RestClient, ServeFactory, WsClient
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.server.app import ApiAccount, ServerOptions

CLIENTS = 4
ORDERS_PER_CLIENT = 750
IN_FLIGHT = 4


def _order(i: int, client: int) -> dict[str, str]:
    cid = f"c{client}-{i}"
    if i % 2 == 0:
        return {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "MARKET",
            "quantity": "0.00100",
            "newClientOrderId": cid,
            "newOrderRespType": "ACK",
        }
    return {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "IOC",
        "quantity": "0.00100",
        "price": "59000.00",
        "newClientOrderId": cid,
        "newOrderRespType": "ACK",
    }


async def _run_client(client: RestClient, index: int, accepted: list[str]) -> None:
    queue = list(range(ORDERS_PER_CLIENT))

    async def worker() -> None:
        while queue:
            i = queue.pop(0)
            params = _order(i, index)
            reply = await client.signed("POST", "/v3/order", params)
            assert reply.status == 200, reply.body
            accepted.append(params["newClientOrderId"])

    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))


@pytest.mark.slow
async def test_thousands_of_orders_nothing_lost(serve: ServeFactory) -> None:
    clock = ManualClock(START_MS)
    exchange = SimExchange(clock=clock)
    exchange.create_account("maker", {"BTC": Decimal("100")})
    exchange.place_order(
        "maker",
        NewOrder(
            symbol="BTCUSDT",
            side=Side.SELL,
            order_type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            quantity=Decimal("50"),
            price=Decimal("60000.00"),
        ),
    )
    keys = []
    for n in range(CLIENTS):
        exchange.create_account(f"load{n}", {"USDT": Decimal("10000000")})
        keys.append(ApiAccount(account=f"load{n}", api_key=f"loadKey{n}", secret=f"loadSecret{n}"))
    options = ServerOptions(orders_per_10s=10**6, orders_per_day=10**7)
    h = await serve(options, exchange=exchange, api_accounts=keys, clock=clock)

    subscribers: list[WsClient] = []
    for n in range(CLIENTS):
        ws = await h.ws()
        params = ws.signed_params(f"loadKey{n}", f"loadSecret{n}")
        assert (await ws.call("userDataStream.subscribe.signature", params))["status"] == 200
        subscribers.append(ws)
    sessions = [aiohttp.ClientSession() for _ in range(CLIENTS)]
    accepted: list[list[str]] = [[] for _ in range(CLIENTS)]
    try:
        clients = [
            RestClient(sessions[n], h.base, clock, f"loadKey{n}", f"loadSecret{n}")
            for n in range(CLIENTS)
        ]
        await asyncio.wait_for(
            asyncio.gather(*(_run_client(c, n, accepted[n]) for n, c in enumerate(clients))),
            timeout=60,
        )
    finally:
        for session in sessions:
            await session.close()

    for n, ws in enumerate(subscribers):
        want = ORDERS_PER_CLIENT * 3  # NEW + (TRADE | EXPIRED) + position, per order
        frames: list[dict[str, object]] = []
        while len(frames) < want:
            message = await ws.ws.receive(timeout=5)
            assert message.type is aiohttp.WSMsgType.TEXT
            frames.append(json.loads(message.data))
        assert await ws.events_for(0.05) == []
        events: list[dict[str, str]] = [f["event"] for f in frames]  # type: ignore[misc]
        reports = [e for e in events if e["e"] == "executionReport"]
        news = Counter(r["c"] for r in reports if r["x"] == "NEW")
        ends = Counter(r["c"] for r in reports if r["x"] in ("TRADE", "EXPIRED"))
        assert sorted(accepted[n]) == sorted(news) == sorted(ends)
        assert set(news.values()) == {1} and set(ends.values()) == {1}
        assert len(accepted[n]) == ORDERS_PER_CLIENT
        for cid in accepted[n][:: ORDERS_PER_CLIENT // 20]:
            found = exchange.query_order(
                f"load{n}", QueryOrder(symbol="BTCUSDT", orig_client_order_id=cid)
            )
            assert found.status in (OrderStatus.FILLED, OrderStatus.EXPIRED)
        trades = exchange.my_trades(f"load{n}", "BTCUSDT", limit=1000)
        assert len(trades) == ORDERS_PER_CLIENT // 2
    free_btc, locked_btc = exchange.balance("maker", "BTC")
    bought = Decimal("0.001") * (CLIENTS * ORDERS_PER_CLIENT // 2)
    assert free_btc + locked_btc == Decimal("100") - bought

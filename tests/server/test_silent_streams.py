"""``<symbol>@blockTrade`` and ``<symbol>@referencePrice`` (web-socket-streams.md, Block Trade
Streams, Reference Price Streams): valid names that a client may subscribe to; the simulator has
no block trades and no reference price, so they carry nothing while the other streams flow."""

from __future__ import annotations

import json
from decimal import Decimal

from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from tests.server.conftest import Harness
from tests.server.test_streams import receive, stream_url


async def test_block_trade_and_reference_price_streams_subscribe_and_stay_silent(
    harness: Harness,
) -> None:
    ws = await harness.session.ws_connect(stream_url(harness, "/ws"))
    names = ["btcusdt@blockTrade", "btcusdt@referencePrice", "btcusdt@trade"]
    await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": names, "id": 1}))
    assert await receive(ws) == {"result": None, "id": 1}
    await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["nope@blockTrade"], "id": 2}))
    assert (await receive(ws))["error"]["code"] == 2
    for side in (Side.SELL, Side.BUY):
        harness.exchange.place_order(
            "bob" if side is Side.SELL else "alice",
            NewOrder(
                symbol="BTCUSDT",
                side=side,
                order_type=OrderType.LIMIT,
                time_in_force=TimeInForce.GTC,
                quantity=Decimal("0.01"),
                price=Decimal("60000"),
            ),
        )
    event = await receive(ws)
    assert event["e"] == "trade"  # the trade stream flows; nothing came before it
    combined = await harness.session.ws_connect(
        stream_url(harness, "/stream?streams=btcusdt@blockTrade/btcusdt@referencePrice")
    )
    await combined.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 3}))
    listed = await receive(combined)
    assert listed == {"result": ["btcusdt@blockTrade", "btcusdt@referencePrice"], "id": 3}
    await ws.close()
    await combined.close()

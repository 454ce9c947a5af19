"""``BinanceClient`` given Binance's documented answers verbatim (tests/core/documented.py), by
a scripted server on 127.0.0.1 (``hostile.py``): over the WebSocket API (web-socket-api.md,
Place new order and Cancel order) and over REST."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web

from oms.errors import OutcomeUnknown
from oms.wire.enums import OrderStatus, OrderType, Side
from oms.wire.requests import CancelOrder
from oms.wire.rest import NewOrderFull
from tests.core import documented as doc
from transports.binance.client import BinanceClient

from .hostile import Hostile, config_for, json_response
from .test_local_server import ServerFactory, limit
from .test_ws_orders import hostile_client

pytestmark = pytest.mark.timeout(30)
D = Decimal
LEG = CancelOrder(symbol="BTCUSDT", order_id=12569099453)


def answering(frame: bytes, requests: int = 1) -> Any:
    """A WebSocket API script answering ``requests`` requests with ``frame`` under each
    request's id."""

    async def script(ws: web.WebSocketResponse, server: Hostile) -> None:
        for _ in range(requests):
            request = await server.ws_request(ws)
            answer = json.loads(frame)
            answer["id"] = request["id"]
            await ws.send_str(json.dumps(answer))
        await ws.receive()

    return script


async def test_ws_full_answer_without_stp_mode_is_the_order_filled(
    aiohttp_server: ServerFactory,
) -> None:
    # web-socket-api.md, Place new order: the FULL example has no selfTradePreventionMode;
    # it was refused, so an order the exchange had FILLED came out as OutcomeUnknown.
    state = Hostile()
    state.ws_scripts = [answering(doc.WS_PLACE_FULL)]
    server = await aiohttp_server(state.app())
    async with hostile_client(server) as client:
        answer = await client.place_spot_order(limit(Side.SELL, "0.00847", "23416.1"))
        assert client.governor.orders_10s.count == 1  # the answer's rateLimits
    assert isinstance(answer, NewOrderFull) and answer.self_trade_prevention_mode is None
    assert (answer.status, answer.type, answer.executed_qty) == (
        OrderStatus.FILLED,
        OrderType.LIMIT,
        D("0.00847"),
    )
    assert [(f.trade_id, f.qty) for f in answer.fills] == [
        (1650422481, D("0.00635")),
        (1650422482, D("0.00212")),
    ]


async def test_ws_cancel_of_a_list_order_answers_the_list(aiohttp_server: ServerFactory) -> None:
    # web-socket-api.md, Cancel order, "When an order list is canceled": the answer is the
    # list's; the canceled order's report is the cancel's answer (it was OutcomeUnknown).
    state = Hostile()
    state.ws_scripts = [answering(doc.WS_CANCEL_LIST, requests=2)]
    server = await aiohttp_server(state.app())
    async with hostile_client(server) as client:
        by_id = await client.cancel_spot_order(LEG)
        by_client_id = await client.cancel_spot_order(
            CancelOrder(symbol="BTCUSDT", orig_client_order_id="Tnu2IP0J5Y4mxw3IATBfmW")
        )
    assert (by_id.order_id, by_id.orig_client_order_id, by_id.order_list_id) == (
        12569099453,
        "bX5wROblo6YeDwa9iTLeyY",
        19431,
    )
    assert (by_id.status, by_id.type, by_id.stop_price) == (
        OrderStatus.CANCELED,
        OrderType.STOP_LOSS_LIMIT,
        D("23430"),
    )
    assert (by_client_id.order_id, by_client_id.type) == (12569099454, OrderType.LIMIT_MAKER)
    assert [r["method"] for r in state.ws_requests] == ["order.cancel", "order.cancel"]


async def test_rest_cancel_of_a_list_order_answers_the_list(aiohttp_server: ServerFactory) -> None:
    # The same answer over REST is read the same way; one without the order is unreadable:
    # the cancel may have happened (unknown, never refused).
    state = Hostile()
    result = json.loads(doc.WS_CANCEL_LIST)["result"]

    @state.route("DELETE", "/api/v3/order")
    async def cancel(request: web.Request) -> web.Response:
        return json_response(result)

    server = await aiohttp_server(state.app())
    ws_url = str(server.make_url("/ws-api/v3")).replace("http", "ws", 1)
    async with BinanceClient(config_for(str(server.make_url("/api")), ws_url)) as client:
        answer = await client.cancel_spot_order(LEG)
        assert answer.orig_client_order_id == "bX5wROblo6YeDwa9iTLeyY"
        with pytest.raises(OutcomeUnknown, match="no report of the order"):
            await client.cancel_spot_order(CancelOrder(symbol="BTCUSDT", order_id=1))

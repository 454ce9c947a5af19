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
from oms.wire.decoding import decode_body
from oms.wire.enums import OrderStatus, OrderType, Side, TimeInForce
from oms.wire.orderlists import ListLeg
from oms.wire.requests import CancelOrder
from oms.wire.rest import NewOrderFull
from tests.core import documented as doc
from transports.binance.client import AvgPrice, BinanceClient, OrderTestRates
from transports.sim.opo import NewOpo

from .hostile import Hostile, config_for, json_response
from .test_local_server import ServerFactory, limit, serve
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


def test_order_test_rates_and_average_price() -> None:
    # rest-api.md, Test new order (computeCommissionRates) and Current average price.
    rates = decode_body(doc.ORDER_TEST_RATES, OrderTestRates)
    assert rates.standard_commission_for_order.taker == D("0.00000114")
    assert rates.special_commission_for_order is not None
    assert rates.special_commission_for_order.maker == D("0.05")
    assert rates.tax_commission_for_order is not None
    assert rates.tax_commission_for_order.maker == D("0.00000112")
    average = decode_body(doc.AVG_PRICE, AvgPrice)
    assert (average.mins, average.price, average.close_time) == (5, D("9.35751834"), 1694061154503)


async def test_cancel_all_with_an_opo_list_whose_pending_order_has_no_quantity(
    aiohttp_server: ServerFactory,
) -> None:
    # A pending OPO order has no origQty until its working order fills (rest-api.md, New
    # Order List - OPO, "Response"); the local exchange's list cancel answer leaves it out
    # the same way, and cancel_all refused the whole answer.
    local = await serve(aiohttp_server)
    working = ListLeg(
        order_type=OrderType.LIMIT,
        side=Side.BUY,
        quantity=D("0.01"),
        price=D("50000"),
        time_in_force=TimeInForce.GTC,
    )
    pending = ListLeg(order_type=OrderType.LIMIT_MAKER, side=Side.SELL, price=D("70000"))
    local.sim.place_order_list("alice", NewOpo(symbol="BTCUSDT", working=working, pending=pending))
    async with local.client() as client:
        orders, lists = await client.cancel_all("BTCUSDT")
    assert orders == []
    (canceled,) = lists
    assert [r.orig_qty for r in canceled.order_reports] == [D("0.01"), None]
    assert {r.status for r in canceled.order_reports} == {OrderStatus.CANCELED}

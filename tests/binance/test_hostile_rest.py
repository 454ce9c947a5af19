"""The REST client against hostile servers: every failure is a clear typed error, none hangs."""

from __future__ import annotations

import asyncio
import socket
import time
import traceback
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from oms.errors import (
    AuthError,
    ClockSkewError,
    DecodeError,
    Disconnected,
    FilterFailure,
    InsufficientBalance,
    IpBanned,
    NoSuchOrder,
    OutcomeUnknown,
    RateLimited,
    RemoteError,
)
from oms.wire.enums import OrderResponseType, OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder, QueryOrder
from oms.wire.rest import AccountInfo, NewOrderAck
from transports.binance.client import BinanceClient
from transports.binance.config import RestHttp

from .hostile import ACCOUNT, ACK, API_KEY, API_SECRET, Hostile, config_for, error, json_response

pytestmark = pytest.mark.timeout(20)

ORDER = NewOrder(
    symbol="BTCUSDT",
    side=Side.BUY,
    order_type=OrderType.LIMIT,
    time_in_force=TimeInForce.GTC,
    quantity=Decimal("0.00100000"),
    price=Decimal("0.00000001"),
    client_order_id="c1",
    response_type=OrderResponseType.ACK,
)

ServerFactory = Callable[..., Any]


@pytest.fixture
async def hostile(aiohttp_server: ServerFactory) -> AsyncIterator[tuple[Hostile, TestServer]]:
    state = Hostile()
    server = await aiohttp_server(state.app())
    yield state, server


# Every test runs on both HTTP clients the REST transport can use: oms's own (the default)
# and aiohttp's (the fallback).
_REST_HTTP = [RestHttp.OMS]


@pytest.fixture(autouse=True, params=list(RestHttp))
def rest_http(request: pytest.FixtureRequest) -> RestHttp:
    _REST_HTTP[0] = request.param
    return _REST_HTTP[0]


def client_for(server: TestServer, **overrides: Any) -> BinanceClient:
    ws = str(server.make_url("/ws-api/v3")).replace("http", "ws", 1)
    overrides.setdefault("rest_http", _REST_HTTP[0])
    return BinanceClient(config_for(str(server.make_url("/api")), ws, **overrides))


async def test_signed_requests_send_exactly_the_signed_bytes(
    hostile: tuple[Hostile, TestServer],
) -> None:
    state, server = hostile

    @state.route("POST", "/api/v3/order")
    async def order(request: web.Request) -> web.Response:
        return json_response(
            ACK, headers={"X-MBX-ORDER-COUNT-10S": "1", "X-MBX-USED-WEIGHT-1M": "3"}
        )

    @state.route("GET", "/api/v3/account")
    async def account(request: web.Request) -> web.Response:
        return json_response(ACCOUNT)

    async with client_for(server) as client:
        # A non-ASCII symbol is percent-encoded before signing (rest-api.md, Request Security REST
        # vector 2).
        ack = await client.place_spot_order(
            msgspec.structs.replace(ORDER, symbol="\uff11\uff12\uff13\uff14\uff15\uff16")
        )
        assert isinstance(ack, NewOrderAck) and ack.order_id == 7
        info = await client.get_account(omit_zero_balances=True)
        assert isinstance(info, AccountInfo)
        assert info.balances[0].free == Decimal("100.00000000")
        assert client.stats().used_weight_1m >= 3
    assert state.bad_signatures == 0
    # Every method sends its parameters in the query string, none in a body (rest-api.md,
    # General Information on Endpoints).
    post_query, post_body = state.received[0]
    assert post_body == b"" and "symbol=%EF%BC%91" in post_query
    assert "price=0.00000001" in post_query  # to_wire, never 1E-8
    get_query, get_body = state.received[1]
    assert get_body == b"" and "omitZeroBalances=true" in get_query
    assert state.time_calls == 3  # the clock was measured with 3 samples, once


async def test_remote_refusals_keep_code_and_msg(hostile: tuple[Hostile, TestServer]) -> None:
    state, server = hostile
    answers = iter(
        [
            error(-1013, "Filter failure: LOT_SIZE"),
            error(-2010, "Account has insufficient balance for requested action."),
            error(-2015, "Invalid API-key, IP, or permissions for action.", 401),
        ]
    )

    @state.route("POST", "/api/v3/order")
    async def order(request: web.Request) -> web.Response:
        return next(answers)

    @state.route("GET", "/api/v3/order")
    async def query(request: web.Request) -> web.Response:
        return error(-2013, "Order does not exist.")

    async with client_for(server) as client:
        with pytest.raises(FilterFailure) as filt:
            await client.place_spot_order(ORDER)
        assert filt.value.filter_name == "LOT_SIZE" and filt.value.http_status == 400
        with pytest.raises(InsufficientBalance):
            await client.place_spot_order(ORDER)
        with pytest.raises(AuthError) as auth:
            await client.place_spot_order(ORDER)
        assert auth.value.code == -2015 and auth.value.http_status == 401
        with pytest.raises(NoSuchOrder):
            await client.get_order(QueryOrder(symbol="BTCUSDT", orig_client_order_id="c1"))


async def test_truncated_bodies(hostile: tuple[Hostile, TestServer]) -> None:
    state, server = hostile

    async def cut_off(request: web.Request) -> web.StreamResponse:
        # Promise 500 bytes, send 14, then drop the connection.
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        resp.content_length = 500
        await resp.prepare(request)
        await resp.write(b'{"symbol":"BTC')
        assert request.transport is not None
        request.transport.close()
        return resp

    async def short_json(request: web.Request) -> web.Response:
        return web.Response(body=b'{"symbol":"BTC', content_type="application/json")

    state.route("POST", "/api/v3/order")(cut_off)
    state.route("GET", "/api/v3/account")(cut_off)
    state.route("DELETE", "/api/v3/openOrders")(short_json)
    state.route("GET", "/api/v3/openOrders")(short_json)
    async with client_for(server) as client:
        with pytest.raises(OutcomeUnknown) as order:
            await client.place_spot_order(ORDER)
        assert order.value.request_time_ms is not None and order.value.recv_window_ms == 5000
        assert "POST /v3/order" in str(order.value)
        with pytest.raises(OutcomeUnknown):
            await client.get_account()
        with pytest.raises(OutcomeUnknown, match="unreadable answer"):
            await client.cancel_open_orders("BTCUSDT")
        with pytest.raises(DecodeError, match="GET /v3/openOrders") as bad:
            await client.get_open_orders("BTCUSDT")
        assert bad.value.raw == b'{"symbol":"BTC'


async def test_html_error_pages_and_wrong_content_types(
    hostile: tuple[Hostile, TestServer],
) -> None:
    state, server = hostile
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"

    @state.route("POST", "/api/v3/order")
    async def gateway(request: web.Request) -> web.Response:
        return web.Response(body=page, status=502, content_type="text/html")

    @state.route("GET", "/api/v3/account")
    async def waf(request: web.Request) -> web.Response:
        return web.Response(body=b"<html>Forbidden</html>", status=403, content_type="text/html")

    @state.route("GET", "/api/v3/openOrders")
    async def html_ok(request: web.Request) -> web.Response:
        return web.Response(body=page, status=200, content_type="text/html")

    @state.route("GET", "/api/v3/order")
    async def plain_json(request: web.Request) -> web.Response:
        return web.Response(body=b"{}", status=200, content_type="text/plain")

    async with client_for(server) as client:
        with pytest.raises(OutcomeUnknown, match=r"HTTP 502 \(text/html") as unknown:
            await client.place_spot_order(ORDER)
        assert unknown.value.code is None
        with pytest.raises(RemoteError, match="HTTP 403") as refused:
            await client.get_account()
        assert refused.value.code == 0 and refused.value.http_status == 403
        with pytest.raises(DecodeError, match="text/html"):
            await client.get_open_orders("BTCUSDT")
        with pytest.raises(DecodeError, match="text/plain"):
            await client.get_order(QueryOrder(symbol="BTCUSDT", order_id=1))


async def test_server_errors_and_unknown_codes_are_outcome_unknown(
    hostile: tuple[Hostile, TestServer],
) -> None:
    state, server = hostile
    answers = iter(
        [
            error(-1007, "Timeout waiting for response from backend server.", 408),
            error(-1006, "An unexpected response was received from the message bus.", 200),
            error(-1001, "Internal error; unable to process your request.", 503),
        ]
    )

    @state.route("POST", "/api/v3/order")
    async def order(request: web.Request) -> web.Response:
        return next(answers)

    async with client_for(server) as client:
        for code in (-1007, -1006, -1001):
            with pytest.raises(OutcomeUnknown) as info:
                await client.place_spot_order(ORDER)
            assert info.value.code == code
            assert info.value.request_time_ms is not None


def orders_answer_late(state: Hostile) -> asyncio.Event:
    """``POST /api/v3/order`` answers after 5 s; the event is set when one arrives."""
    arrived = asyncio.Event()

    @state.route("POST", "/api/v3/order")
    async def slow(request: web.Request) -> web.Response:
        arrived.set()
        await asyncio.sleep(5)
        return json_response(ACK)

    return arrived


async def test_slow_answer_times_out_as_outcome_unknown(
    hostile: tuple[Hostile, TestServer],
) -> None:
    state, server = hostile
    orders_answer_late(state)

    async with client_for(server, request_timeout_s=0.3) as client:
        await client.sync_clock()
        started = time.monotonic()
        with pytest.raises(OutcomeUnknown, match=r"no answer within 0\.3 s") as info:
            await client.place_spot_order(ORDER)
        assert time.monotonic() - started < 2
        assert info.value.recv_window_ms == 5000
        assert abs(info.value.request_time_ms - client.server_time_ms()) < 2000  # type: ignore[operator]


async def test_each_request_times_out_at_its_own_deadline(
    hostile: tuple[Hostile, TestServer],
) -> None:
    # One timer serves every request in flight (transports/binance/deadlines.py): a request
    # started while another's timer is armed still ends at its own deadline, not later.
    state, server = hostile
    orders_answer_late(state)

    async with client_for(server, request_timeout_s=0.4) as client:
        await client.sync_clock()
        started = time.monotonic()

        async def place(delay: float, cid: str) -> float:
            await asyncio.sleep(delay)
            with pytest.raises(OutcomeUnknown, match=r"no answer within 0\.4 s"):
                await client.place_spot_order(msgspec.structs.replace(ORDER, client_order_id=cid))
            return time.monotonic() - started

        first, second = await asyncio.gather(place(0.0, "d1"), place(0.25, "d2"))
        assert 0.35 < first < 0.6
        assert 0.6 < second < 0.85  # its own deadline (0.65), not the first one's plus 0.4
        # The client still works after its requests timed out.
        assert await client.get_server_time() > 0


async def test_a_cancelled_request_is_the_callers_cancellation_not_a_timeout(
    hostile: tuple[Hostile, TestServer],
) -> None:
    state, server = hostile
    arrived = orders_answer_late(state)

    async with client_for(server, request_timeout_s=0.3) as client:
        await client.sync_clock()
        task = asyncio.ensure_future(client.place_spot_order(ORDER))
        await arrived.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Past the cancelled request's deadline nothing fires at anyone: a later request in
        # this task is neither cancelled nor timed out.
        await asyncio.sleep(0.4)
        assert await client.get_server_time() > 0


async def test_429_stops_all_traffic_for_retry_after(hostile: tuple[Hostile, TestServer]) -> None:
    state, server = hostile
    limited = [True]

    @state.route("POST", "/api/v3/order")
    async def order(request: web.Request) -> web.Response:
        if limited[0]:
            limited[0] = False
            return error(
                -1015,
                "Too many new orders; current limit is 1 orders per 10 SECOND.",
                429,
                headers={"Retry-After": "0.3"},
            )
        return json_response(ACK)

    @state.route("GET", "/api/v3/account")
    async def account(request: web.Request) -> web.Response:
        return json_response(ACCOUNT)

    async with client_for(server) as client:
        await client.sync_clock()
        with pytest.raises(RateLimited) as info:
            await client.place_spot_order(ORDER)
        assert info.value.retry_after == pytest.approx(0.3) and info.value.code == -1015
        assert not isinstance(info.value, IpBanned)
        limited_at = state.hits[-1][2]
        await asyncio.gather(client.get_account(), client.place_spot_order(ORDER))
    later = [t for m, p, t in state.hits if t > limited_at]
    assert len(later) == 2
    assert min(later) - limited_at >= 0.28  # nothing went out during Retry-After


async def test_418_ban_refuses_locally_until_it_expires(
    hostile: tuple[Hostile, TestServer],
) -> None:
    state, server = hostile

    @state.route("GET", "/api/v3/account")
    async def banned(request: web.Request) -> web.Response:
        return error(
            -1003,
            "Way too much request weight used; IP banned until 1.",
            418,
            headers={"Retry-After": "120"},
        )

    async with client_for(server) as client:
        with pytest.raises(IpBanned) as first:
            await client.get_account()
        assert first.value.retry_after == 120
        with pytest.raises(IpBanned, match="held by the rate governor"):
            await client.place_spot_order(ORDER)
        assert client.stats().rate_limited_until_ms > client.server_time_ms() + 100_000
    assert state.count("GET", "/api/v3/account") == 1
    assert state.count("POST", "/api/v3/order") == 0


async def test_clock_skew_remeasures_and_retries_once(hostile: tuple[Hostile, TestServer]) -> None:
    state, server = hostile
    skewed = [1]

    @state.route("POST", "/api/v3/order")
    async def order(request: web.Request) -> web.Response:
        if skewed[0] > 0:
            skewed[0] -= 1
            return error(-1021, "Timestamp for this request is outside of the recvWindow.")
        return json_response(ACK)

    async with client_for(server) as client:
        await client.place_spot_order(ORDER)
        assert state.count("POST", "/api/v3/order") == 2
        assert state.time_calls == 6  # measured at start, re-measured after -1021
        skewed[0] = 5
        with pytest.raises(ClockSkewError):
            await client.place_spot_order(ORDER)
        assert state.count("POST", "/api/v3/order") == 4  # retried once only


async def test_connection_refused_is_disconnected() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port now: the request cannot have been sent.
    config = config_for(
        f"http://127.0.0.1:{port}/api", f"ws://127.0.0.1:{port}/ws-api/v3", rest_http=_REST_HTTP[0]
    )
    async with BinanceClient(config) as client:
        with pytest.raises(Disconnected):
            await client.get_server_time()
    with pytest.raises(Disconnected, match="closed"):
        await client.get_server_time()


async def test_secrets_never_reach_messages_or_tracebacks(
    hostile: tuple[Hostile, TestServer],
) -> None:
    state, server = hostile

    @state.route("POST", "/api/v3/order")
    async def echo(request: web.Request) -> web.Response:
        # A hostile proxy echoing the request into its error page.
        body = (await request.read()).decode()
        return web.Response(
            text=f"<html>{request.query_string} {body} {API_KEY}</html>",
            status=500,
            content_type="text/html",
        )

    async with client_for(server) as client:
        with pytest.raises(OutcomeUnknown) as info:
            await client.place_spot_order(ORDER)
        text = "".join(traceback.format_exception(info.value)) + repr(client) + str(info.value)
    signature = state.received[-1][0].rpartition("signature=")[2]
    assert signature
    for secret in (API_KEY, API_SECRET, signature):
        assert secret not in text


async def test_a_request_held_by_the_governor_is_stamped_after_the_wait(
    hostile: tuple[Hostile, TestServer],
) -> None:
    """A request stamped before a long governor wait would leave with a stale timestamp."""
    state, server = hostile
    stamps: list[int] = []

    @state.route("POST", "/api/v3/order")
    async def order(request: web.Request) -> web.Response:
        stamps.append(int(request.query["timestamp"]))
        if len(stamps) == 1:
            return error(-1015, "Too many new orders.", 429, headers={"Retry-After": "0.4"})
        return json_response(ACK)

    async with client_for(server) as client:
        await client.sync_clock()
        with pytest.raises(RateLimited):
            await client.place_spot_order(ORDER)
        await client.place_spot_order(ORDER)  # held ~0.4 s by the governor, then stamped
    assert len(stamps) == 2
    assert stamps[1] - stamps[0] >= 350

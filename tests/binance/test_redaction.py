"""Secrets never leave through an error body that echoes the request (issue 15).

Before, only non-JSON bodies were scrubbed: ``{"code":-1000,"msg":"...signature=..."}`` went
into the exception's message (and from there to the terminal, the logs and the journal) with
the signature and the API key in clear. A real aiohttp server on 127.0.0.1 echoes each request
back in its error ``msg``; nothing the client raises or logs may contain a secret.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web

from oms.errors import OmsError
from oms.wire.enums import OrderType, Side
from oms.wire.requests import NewOrder
from transports.binance.client import BinanceClient
from transports.binance.errors import RequestMeta, error_from_response, redact

from .hostile import API_KEY, API_SECRET, Hostile, config_for, error

pytestmark = pytest.mark.timeout(30)


def echo(status: int, code: int) -> Any:
    async def handler(request: web.Request) -> web.Response:
        query = request.raw_path.partition("?")[2]
        body = (await request.read()).decode()
        key = request.headers.get("X-MBX-APIKEY", "")
        msg = f"Illegal request: {query}{body} (X-MBX-APIKEY: {key}) apiKey={key}"
        return error(code, msg, status)

    return handler


@pytest.mark.parametrize(
    ("status", "code"), [(400, -1000), (400, -1102), (503, -1000), (400, -1006), (429, -1003)]
)
async def test_an_echoing_json_error_body_is_scrubbed(
    aiohttp_server: Any, caplog: pytest.LogCaptureFixture, status: int, code: int
) -> None:
    state = Hostile()
    state.route("POST", "/api/v3/order")(echo(status, code))
    state.route("GET", "/api/v3/account")(echo(status, code))
    server = await aiohttp_server(state.app())
    ws = str(server.make_url("/ws-api/v3")).replace("http", "ws", 1)
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    async with BinanceClient(config_for(str(server.make_url("/api")), ws)) as client:
        order = NewOrder(
            symbol="BTCUSDT", side=Side.BUY, order_type=OrderType.MARKET, quantity=Decimal(1)
        )
        for call in (client.place_spot_order(order), client.get_account()):
            with pytest.raises(OmsError) as info:
                await call
            texts += [str(info.value), repr(info.value), repr(info.value.args)]
            texts += [str(getattr(info.value, "msg", ""))]
    signatures = [q.rpartition("signature=")[2] for q, _ in state.received if q] + [
        b.decode().rpartition("signature=")[2] for _, b in state.received if b
    ]
    assert signatures and all(len(s) == 64 for s in signatures)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("oms", "transports"))]
    everything = "\n".join(texts + ours)  # (the test server's own access log is not ours)
    assert "Illegal request" in everything  # the message itself is kept
    for secret in (API_KEY, API_SECRET, *signatures):
        assert secret not in everything


def test_scrubbing_covers_names_in_any_spelling() -> None:
    text = 'signature=abc&apiKey=KEY1 {"apiKey": "KEY2", "signature":"def"} X-MBX-APIKEY: KEY3'
    scrubbed = redact(text, ())
    for secret in ("abc", "KEY1", "KEY2", "def", "KEY3"):
        assert secret not in scrubbed
    assert scrubbed.count("***") == 5


def test_error_from_response_scrubs_the_known_secrets() -> None:
    meta = RequestMeta(method="GET", path="/v3/account", secrets=("sig123", "key456"))
    body = b'{"code":-1000,"msg":"bad: timestamp=1&sig123 key456"}'
    err = error_from_response(400, {}, body, meta)
    assert "sig123" not in str(err) and "key456" not in str(err)

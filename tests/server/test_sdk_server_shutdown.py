"""``serverShutdown`` with a grace period (``POST /_oms/shutdown`` ``{"grace": ...}``), and
Binance's SDK riding it out.

web-socket-api.md and web-socket-streams.md, Server Shutdown: the event comes when the server
"is about to shut down"; "establish a new connection as soon as possible to prevent
interruption". binance-sdk-spot reconnects on the event: five seconds later it logs the old
session out over the OLD connection, opens a new one, logs on again and resubscribes its
User Data Stream. Closed at once, the old connection makes that logout fail and the client
is left with a dead socket; with a grace period it comes back. Run against ``oms exchange``
(test_exchange_command's opening, plus an Ed25519 key); the SDK in a child process, as in
test_client_library. The SDK part is skipped when the SDK is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.server import test_exchange_command as command
from tests.server.conftest import CAROL_KEY, CAROL_PEM
from tests.server.test_ccxt_sdk import version
from tests.server.test_client_library import run_child
from tests.server.test_exchange_command import TOKEN, control
from tests.server.test_sdk_ws_sweep import CAROL_PRIVATE_PEM
from transports.sim.server.serve import _parser, build

CAROL = f'''
[[accounts]]
name = "carol"
api_key = "{CAROL_KEY}"
ed25519_public_key = """{CAROL_PEM}"""
balances = {{ USDT = "100000", BTC = "1" }}
'''


async def served(aiohttp_server: Any, tmp_path: Path) -> Any:
    """test_exchange_command.served, with carol's Ed25519 key added to its config."""
    path = tmp_path / "exchange.toml"
    path.write_text(command.CONFIG + CAROL, encoding="utf-8")
    args = _parser().parse_args(["--config", str(path), "--control-token", TOKEN])
    app, _ = build(args)
    return await aiohttp_server(app)


def ws_url(server: Any, path: str) -> str:
    return str(server.make_url(path)).replace("http", "ws", 1)


async def test_connections_keep_serving_through_the_grace(
    aiohttp_server: Any, tmp_path: Path
) -> None:
    server = await served(aiohttp_server, tmp_path)
    async with aiohttp.ClientSession() as session:
        api = await session.ws_connect(ws_url(server, "/ws-api/v3"))
        streams = await session.ws_connect(ws_url(server, "/stream?streams=btcusdt@trade"))
        status, body = await control(session, server, "POST", "/_oms/shutdown", {"grace": 601})
        assert status == 400 and "grace" in body["error"]
        status, body = await control(session, server, "POST", "/_oms/shutdown", {"grace": "0.5"})
        assert (status, body) == (200, {"grace": "0.5"})
        assert (await api.receive_json(timeout=3))["event"]["e"] == "serverShutdown"
        assert (await streams.receive_json(timeout=3))["stream"] == "!serverShutdown"
        # Still serving: the old connection answers, a new one opens.
        await api.send_json({"id": 1, "method": "time"})
        assert (await api.receive_json(timeout=3))["status"] == 200
        fresh = await session.ws_connect(ws_url(server, "/ws-api/v3"))
        # Then closed, the new connection going on.
        for old in (api, streams):
            closing = await old.receive(timeout=3)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        await fresh.send_json({"id": 2, "method": "ping"})
        assert (await fresh.receive_json(timeout=3))["status"] == 200
        await fresh.close()


SDK = """
import asyncio, json, logging, sys, urllib.request
from binance_common.configuration import ConfigurationWebSocketAPI
from binance_sdk_spot.spot import Spot

reconnected = []
class Watch(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("Reconnected WebSocket"):
            reconnected.append(record.getMessage())
logging.getLogger().addHandler(Watch())
logging.getLogger().setLevel(logging.INFO)

async def main(base, key, pem, token):
    api = await Spot(config_ws_api=ConfigurationWebSocketAPI(
        api_key=key, private_key=pem, reconnect_delay=100, reconnect_attempts=2,
        stream_url=base.replace("http", "ws", 1) + "/ws-api/v3")).websocket_api.create_connection()
    events = []
    try:
        await api.session_logon()
        stream = (await api.user_data_stream_subscribe()).stream
        stream.on("message", lambda m: events.append(type(m.actual_instance).__name__))
        urllib.request.urlopen(urllib.request.Request(
            base + "/_oms/shutdown", data=json.dumps({"grace": "9"}).encode(),
            headers={"X-OMS-CONTROL-TOKEN": token}, method="POST")).read()
        for _ in range(100):  # the SDK waits 5 s, logs out, waits 1 s, reconnects
            if reconnected:
                break
            await asyncio.sleep(0.1)
        placed = await api.order_place(symbol="BTCUSDT", side="BUY", type="MARKET",
                                       quantity=0.001)
        for _ in range(30):
            if "ExecutionReport" in events:
                break
            await asyncio.sleep(0.1)
        status = (await api.session_status()).data().result
        out = {"reconnected": len(reconnected), "status": placed.data().result.status,
               "events": events, "logged_on": status.api_key == key,
               "user_data_stream": status.user_data_stream}
    finally:
        await api.close_connection(close_session=True)
    print(json.dumps(out))

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.mark.skipif(version("binance-sdk-spot") is None, reason="binance-sdk-spot missing")
async def test_binance_sdk_reconnects_on_server_shutdown(
    aiohttp_server: Any, tmp_path: Path
) -> None:
    server = await served(aiohttp_server, tmp_path)
    base = str(server.make_url("")).rstrip("/")
    out = await run_child(SDK, base, CAROL_KEY, CAROL_PRIVATE_PEM, TOKEN)
    # One reconnect, logged on again, the User Data Stream resubscribed: the order placed
    # on the new connection reports there.
    assert out["reconnected"] == 1 and out["status"] == "FILLED"
    assert out["logged_on"] and out["user_data_stream"]
    assert "ExecutionReport" in out["events"]

"""RSA API keys on the local server (rest-api.md and web-socket-api.md, General API
Information: "We support HMAC, RSA, and Ed25519 keys"; Request Security, RSA Keys): the
payload is percent-encoded, signed with RSASSA-PKCS1-v1_5 / SHA-256, sent base64 (and
percent-encoded over REST); the signature is case-sensitive; ``session.logon`` still takes
Ed25519 keys only. Driven raw, through binance-sdk-spot (REST and WebSocket API) and through
python-binance, each configured with the RSA private key."""

from __future__ import annotations

import base64
import importlib.metadata
import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from tests.server.conftest import ServeFactory
from tests.server.test_client_library import run_child
from transports.sim.exchange import SimExchange
from transports.sim.server.app import ApiAccount
from transports.sim.server.auth import KeyRing
from transports.sim.server.core import wall_clock_ms
from transports.sim.server.serve import load_accounts

RSA_KEY = "rsaKey0000000000000000000000000000000000000000000000000000000001"
PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = PRIVATE.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
PUBLIC_PEM = (
    PRIVATE.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
)


def rsa_sign(payload: str) -> str:
    raw = PRIVATE.sign(payload.encode(), padding.PKCS1v15(), SHA256())
    return base64.b64encode(raw).decode()


def funded() -> SimExchange:
    exchange = SimExchange(clock=wall_clock_ms)
    exchange.create_account("rsa", {"USDT": Decimal("100000"), "BTC": Decimal("1")})
    exchange.create_account("maker", {"USDT": Decimal("100000"), "BTC": Decimal("1")})
    return exchange


def rsa_account() -> list[ApiAccount]:
    return [ApiAccount(account="rsa", api_key=RSA_KEY, rsa_public_key=PUBLIC_PEM)]


async def test_rsa_signed_rest_and_websocket_api_requests(serve: ServeFactory) -> None:
    h = await serve(exchange=funded(), api_accounts=rsa_account(), clock=None)
    client = h.rest(RSA_KEY, None)
    payload = urlencode({"omitZeroBalances": "true", "timestamp": wall_clock_ms()})
    signature = rsa_sign(payload)
    # rest-api.md, RSA Keys, Step 2: "Percent-encode the base64 string."
    ok = await client.raw("GET", "/v3/account", f"{payload}&signature={quote(signature, '')}")
    assert ok.status == 200, ok.body
    assert {b["asset"] for b in ok.json()["balances"]} == {"USDT", "BTC"}
    # RSA signatures are case-sensitive (rest-api.md, Signature Case Sensitivity).
    flipped = signature.swapcase()
    bad = await client.raw("GET", "/v3/account", f"{payload}&signature={quote(flipped, '')}")
    assert (bad.status, bad.code) == (400, -1022)
    # A signature over other bytes (here, the payload before percent-encoding) is refused.
    unicode = {"symbol": "这是测试币456", "timestamp": str(wall_clock_ms())}
    raw_payload = "&".join(f"{k}={v}" for k, v in unicode.items())
    wrong = await client.raw(
        "GET",
        "/v3/openOrders",
        f"{urlencode(unicode)}&signature={quote(rsa_sign(raw_payload), '')}",
    )
    assert (wrong.status, wrong.code) == (400, -1022)

    ws = await h.ws()
    params = {"apiKey": RSA_KEY, "timestamp": wall_clock_ms()}
    params["signature"] = rsa_sign("&".join(f"{k}={params[k]}" for k in sorted(params)))
    status = await ws.call("account.status", params)
    assert status["status"] == 200 and status["result"]["accountType"] == "SPOT", status
    # session.logon: "Only Ed25519 keys are supported for this feature" (web-socket-api.md).
    logon = await ws.call("session.logon", params)
    assert (logon["status"], logon["error"]["code"]) == (400, -1022), logon
    await ws.ws.close()


SDK: str | None
PYTHON_BINANCE: str | None
try:
    SDK = importlib.metadata.version("binance-sdk-spot")
except importlib.metadata.PackageNotFoundError:
    SDK = None
try:
    PYTHON_BINANCE = importlib.metadata.version("python-binance")
except importlib.metadata.PackageNotFoundError:
    PYTHON_BINANCE = None

SDK_SCRIPT = """
import asyncio, json, sys
from binance_common.configuration import ConfigurationRestAPI, ConfigurationWebSocketAPI
from binance_sdk_spot.spot import Spot

base, ws_url, key, pem = sys.argv[1:]

async def main():
    spot = Spot(
        config_rest_api=ConfigurationRestAPI(
            api_key=key, private_key=pem, base_path=base[: -len("/api")], timeout=10000),
        config_ws_api=ConfigurationWebSocketAPI(
            api_key=key, private_key=pem, stream_url=ws_url, timeout=10000,
            reconnect_attempts=1),
    )
    out = {}
    placed = spot.rest_api.new_order(
        symbol="BTCUSDT", side="BUY", type="LIMIT", time_in_force="GTC",
        quantity=0.01, price=50000.0)
    out["rest"] = placed.data().model_dump(by_alias=True, exclude_none=True)
    api = await spot.websocket_api.create_connection()
    try:
        found = await api.order_status(symbol="BTCUSDT", order_id=out["rest"]["orderId"])
        out["ws"] = found.data().model_dump(by_alias=True, exclude_none=True)["result"]
    finally:
        await spot.websocket_api.close_connection()
    print(json.dumps(out, default=str))

asyncio.run(main())
"""

PYTHON_BINANCE_SCRIPT = """
import asyncio, json, sys
from binance import AsyncClient
from binance.ws.websocket_api import WebsocketAPI

base, ws_url, key, pem = sys.argv[1:]

async def main():
    client = AsyncClient(key, private_key=pem)
    client.API_URL = base
    client.ws_api = WebsocketAPI(url=ws_url)
    out = {}
    try:
        out["rest"] = await client.create_order(
            symbol="BTCUSDT", side="SELL", type="LIMIT", timeInForce="GTC",
            quantity="0.01", price="70000")
        out["ws"] = await client.ws_get_order(symbol="BTCUSDT", orderId=out["rest"]["orderId"])
    finally:
        await client.close_connection()
    print(json.dumps(out))

asyncio.run(main())
"""


@pytest.mark.skipif(SDK is None, reason="binance-sdk-spot is not installed")
async def test_binance_sdk_spot_signs_with_an_rsa_key(serve: ServeFactory) -> None:
    exchange = funded()
    h = await serve(exchange=exchange, api_accounts=rsa_account(), clock=None)
    out = await run_child(SDK_SCRIPT, h.base, h.ws_url, RSA_KEY, PRIVATE_PEM)
    assert out["rest"]["status"] == "NEW" and out["rest"]["price"] == "50000.00000000"
    assert out["ws"]["orderId"] == out["rest"]["orderId"] and out["ws"]["status"] == "NEW"
    assert exchange.balance("rsa", "USDT") == (Decimal("99500"), Decimal("500"))


@pytest.mark.skipif(PYTHON_BINANCE is None, reason="python-binance is not installed")
async def test_python_binance_signs_with_an_rsa_key(serve: ServeFactory) -> None:
    exchange = funded()
    h = await serve(exchange=exchange, api_accounts=rsa_account(), clock=None)
    out = await run_child(PYTHON_BINANCE_SCRIPT, h.base, h.ws_url, RSA_KEY, PRIVATE_PEM)
    assert out["rest"]["status"] == "NEW" and out["rest"]["side"] == "SELL"
    assert out["ws"]["orderId"] == out["rest"]["orderId"] and out["ws"]["status"] == "NEW"
    assert exchange.balance("rsa", "BTC") == (Decimal("0.99"), Decimal("0.01"))


def test_config_file_takes_an_rsa_public_key(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    entry = {"name": "rsa", "api_key": RSA_KEY, "rsa_public_key": PUBLIC_PEM}
    path.write_text(json.dumps({"accounts": [entry]}))
    [(spec, _)] = load_accounts(path)
    assert "RSA key" in repr(spec) and "BEGIN" not in repr(spec)
    credential = KeyRing([spec]).lookup(RSA_KEY)
    assert credential.verify(b"timestamp=1", rsa_sign("timestamp=1"))
    assert not credential.verify(b"timestamp=2", rsa_sign("timestamp=1"))
    assert not credential.is_ed25519
    both = ApiAccount(account="x", api_key="k", secret="s", rsa_public_key=PUBLIC_PEM)
    with pytest.raises(ValueError, match="exactly one"):
        KeyRing([both])

"""Hostile input at every entry point: user-data frames, REST bodies, configuration, the
command line and the local server's requests.

Each hostile input gets a clear typed error naming what was wrong; the process keeps
working; no state is half-applied; a bad frame is kept (journal ``bad_frames``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest
from aiohttp import web
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from oms.app.cli import main as cli_main
from oms.errors import DecodeError
from oms.runtime.journal import Journal
from oms.wire.decoding import decode_body, decode_user_data
from oms.wire.enums import Side
from oms.wire.events import Unrecognised
from oms.wire.rest import AccountInfo, MyTrade, QueryOrderResponse
from transports.binance.client import BinanceClient
from transports.binance.config import BinanceConfig, ConfigError, Environment, load_config
from transports.binance.signing import HmacSigner, Secret
from transports.sim.exchange import ManualClock, SimExchange
from transports.wire import encode_json

from .local import KEY, SECRET, ServerFactory, limit, poll_until, serve, wall_ms

pytestmark = pytest.mark.timeout(120)
D = Decimal
FIXTURES = [HealthCheck.function_scoped_fixture]

# Values no amount may take, and why each is hostile.
BAD_AMOUNTS = ["NaN", "Infinity", "-Infinity", "-1", "1E+25", "100000000000000000000", "sNaN"]
HOSTILE_VALUES: list[object] = [
    *BAD_AMOUNTS,
    None,
    True,
    [],
    {},
    1.5,
    -(2**70),
    "x" * 5000,
    "\u0000",
    "UNKNOWN_ENUM",
]


def _real_frames() -> list[dict[str, Any]]:
    """An executionReport (with a fill), a position and a balanceUpdate, as the sim sends."""
    ex = SimExchange(clock=ManualClock())
    for name in ("a", "b"):
        ex.create_account(name, {"USDT": D("100000"), "BTC": D("1")})
    ex.place_order("a", limit(Side.SELL, "0.01", "60000"))
    ex.drain_events("a")
    ex.place_order("b", limit(Side.BUY, "0.01", "60000"))
    ex.deposit("b", "USDT", D("5"))
    return [json.loads(encode_json(e)) for e in ex.drain_events("b")]


FRAMES = _real_frames()
# Every amount key of an executionReport (user-data-stream.md, Order Update), the conditional ones
# included.
REPORT_AMOUNT_KEYS = (
    *("q", "p", "P", "F", "l", "z", "L", "n", "Z", "Y", "Q"),
    *("A", "B", "pl", "pL", "pY", "gp"),
)
AMOUNT_KEYS = {"executionReport": REPORT_AMOUNT_KEYS, "balanceUpdate": ("d",)}
# A balance delta is signed (user-data-stream.md, Balance Update: a withdrawal's is negative).
SIGNED_KEYS = {"balanceUpdate": ("d",)}
BALANCE_UPDATE = next(f for f in FRAMES if f["e"] == "balanceUpdate")


# --- user-data frames --------------------------------------------------------------------


@given(
    frame=st.sampled_from(FRAMES),
    key_pick=st.integers(0, 100),
    value=st.sampled_from(HOSTILE_VALUES),
    action=st.sampled_from(["set", "delete", "extra"]),
    enveloped=st.booleans(),
)
# A negative balance delta is accepted (found by a fresh seed: the test, not the decoder).
@example(frame=BALANCE_UPDATE, key_pick=sorted(BALANCE_UPDATE).index("d"), value="-1",
         action="set", enveloped=False)  # fmt: skip
def test_mutated_frames_decode_or_fail_with_a_named_field(
    frame: dict[str, Any], key_pick: int, value: object, action: str, enveloped: bool
) -> None:
    mutated = dict(frame)
    key = sorted(mutated)[key_pick % len(mutated)]
    if action == "set":
        mutated[key] = value
    elif action == "delete":
        del mutated[key]
    else:
        mutated["zz_extra"] = value
    body = msgspec.json.encode({"subscriptionId": 0, "event": mutated} if enveloped else mutated)
    try:
        decoded = decode_user_data(body)
    except DecodeError as exc:
        assert exc.raw == body and str(exc)
        return
    if isinstance(decoded, Unrecognised):
        assert mutated.get("e") != frame["e"] or key == "e"
        return
    # Accepted: only harmless changes (an extra key, an optional key) may pass, and no
    # amount ever decodes to a value outside Binance's range.
    signed = key in SIGNED_KEYS.get(frame["e"], ())
    bad = [v for v in BAD_AMOUNTS if not (signed and v == "-1")]
    assert not (action == "set" and key in AMOUNT_KEYS.get(frame["e"], ()) and value in bad)


@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_never_raise_anything_but_decode_error(raw: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode_user_data(raw)


def test_invalid_utf8_and_exponent_notation() -> None:
    good = msgspec.json.encode(FRAMES[0])
    with pytest.raises(DecodeError):
        decode_user_data(good.replace(b'"BTCUSDT"', b'"BTC\xff\xfeUSDT"'))
    # Exponent notation is read exactly (never via float); it is simply a decimal.
    exponent = dict(FRAMES[0], q="1E-2")
    assert decode_user_data(msgspec.json.encode(exponent)).quantity == D("0.01")  # type: ignore[union-attr]


HOSTILE_FRAMES = [
    b'{"e":"executionReport","E":1,"s":"BTCUSDT","q":"NaN"}',
    b'{"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":1,"u":1,'
    b'"B":[{"a":"USDT","f":"-5","l":"0"}]}}',
    b'{"e":"balanceUpdate","E":1,"a":"USDT","d":"Infinity","T":1}',
    b'{"e":"executionReport",',
    b'{"e":"balanceUpdate","E":1,"a":"USDT","d":"1E+400","T":1}',
    msgspec.json.encode(dict(FRAMES[0], X="SOMETHING_NEW")),
    msgspec.json.encode(dict(FRAMES[0], i="not a number")),
]


async def test_hostile_frames_into_a_running_manager_are_kept_and_change_nothing(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    stack = await serve(aiohttp_server)
    async with stack.manager(Journal(str(tmp_path / "j.sqlite"))) as manager:
        before = (manager.balances(), [(o.client_order_id, o.state) for o in manager.orders()])
        for frame in HOSTILE_FRAMES:
            assert stack.push_raw("me", frame) == 1
        await poll_until(lambda: len(manager.journal.bad_frames()) == len(HOSTILE_FRAMES))
        kept = [raw for _, _, raw in manager.journal.bad_frames()]
        # Kept as received: in the WebSocket API envelope the server put around each.
        assert all(frame in raw for frame, raw in zip(HOSTILE_FRAMES, kept, strict=True))
        assert all(error for _, error, _ in manager.journal.bad_frames())
        after = (manager.balances(), [(o.client_order_id, o.state) for o in manager.orders()])
        assert after == before
        # Invalid UTF-8 in a text frame breaks the WebSocket itself: the frame is kept or the
        # connection is replaced (a gap, then a reconciliation); either way nothing is lost.
        gaps = manager.metrics_snapshot().stream_gaps_total
        stack.push_raw("me", b"\xff\xfe\x00garbage")
        await poll_until(
            lambda: (
                len(manager.journal.bad_frames()) > len(HOSTILE_FRAMES)
                or manager.metrics_snapshot().stream_gaps_total > gaps
            )
        )
        # The stream still flows: a fill arrives and the balances follow it.
        order = await manager.execute_spot_buy("BTCUSDT", D("0.01"))
        await manager.wait_for(lambda: manager.balances()["BTC"][0] == D("1.01"))
        assert order.is_terminal and order.filled == D("0.01")


# --- REST bodies ------------------------------------------------------------------------


class BodyServer:
    """Answers the time truthfully and every other request with ``body``."""

    def __init__(self) -> None:
        self.body = b"[]"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v3/time", self._time)
        app.router.add_route("*", "/{tail:.*}", self._answer)
        return app

    async def _time(self, request: web.Request) -> web.Response:
        import time  # noqa: PLC0415

        return web.json_response({"serverTime": time.time_ns() // 1_000_000})

    async def _answer(self, request: web.Request) -> web.Response:
        return web.Response(body=self.body, content_type="application/json")


REST_SHAPES: list[tuple[str, type[Any]]] = [
    ("trades", list[MyTrade]),
    ("order", QueryOrderResponse),
    ("account", AccountInfo),
]


def _client(server: Any) -> BinanceClient:
    config = BinanceConfig(
        environment=Environment.LOCAL,
        rest_url=str(server.make_url("/api")),
        ws_api_url="ws://127.0.0.1:1/ws-api/v3",
        api_key=Secret(KEY),
        signer=HmacSigner(Secret(SECRET)),
        time_samples=1,
    )
    return BinanceClient(config, rng=lambda: 0.5)


TRADE = {
    "symbol": "BTCUSDT", "id": 1, "orderId": 1, "orderListId": -1, "price": "60000",
    "qty": "0.01", "quoteQty": "600", "commission": "0", "commissionAsset": "BTC", "time": 1,
    "isBuyer": True, "isMaker": False, "isBestMatch": True,
}  # fmt: skip


@settings(max_examples=30, suppress_health_check=FIXTURES)
@given(
    key=st.sampled_from(sorted(TRADE)),
    value=st.sampled_from(HOSTILE_VALUES),
    mangle=st.sampled_from(["set", "delete", "truncate", "utf8"]),
)
async def test_hostile_rest_bodies_are_typed_errors_and_the_client_goes_on(
    aiohttp_server: ServerFactory, key: str, value: object, mangle: str
) -> None:
    bodies = BodyServer()
    server = await aiohttp_server(bodies.app())
    row = dict(TRADE)
    if mangle == "set":
        row[key] = value
    elif mangle == "delete":
        del row[key]
    raw = msgspec.json.encode([row])
    if mangle == "truncate":
        raw = raw[: len(raw) // 2]
    elif mangle == "utf8":
        raw = raw.replace(b"BTCUSDT", b"BTC\xffUSDT")
    bodies.body = raw
    async with _client(server) as client:
        try:
            trades = await client.get_my_trades("BTCUSDT")
        except DecodeError as exc:
            assert str(exc)
        else:  # what passed is well-formed and in range
            assert all(t.qty >= 0 and t.price.is_finite() for t in trades)
        bodies.body = msgspec.json.encode([TRADE])
        assert [t.id for t in await client.get_my_trades("BTCUSDT")] == [1]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_rest_bodies_name_the_bad_amount(amount: str) -> None:
    for name, shape in REST_SHAPES[:1]:
        raw = msgspec.json.encode([dict(TRADE, price=amount)])
        with pytest.raises(DecodeError) as caught:
            decode_body(raw, shape)
        assert caught.value.field == "$[0].price", name


# --- configuration ----------------------------------------------------------------------

CONFIG_VARS = [
    "OMS_ENV", "OMS_REST_URL", "OMS_WS_API_URL", "OMS_API_KEY", "OMS_API_SECRET",
    "OMS_PRIVATE_KEY_PATH", "OMS_STREAM_AUTH", "OMS_RECV_WINDOW_MS", "OMS_REQUEST_TIMEOUT_S",
    "OMS_STREAM_MAX_AGE_S", "OMS_STREAM_SILENCE_S", "OMS_ORDER_API",
]  # fmt: skip
CONFIG_VALUES = ["", "nan", "inf", "-inf", "1e999", "-5", "0", "abc", "production", "local",
                 "logon", "websocket", "\u00e9\u0000", "9" * 400, "/nonexistent/key.pem",
                 " 12 "]  # fmt: skip


@given(
    values=st.dictionaries(
        st.sampled_from(CONFIG_VARS), st.sampled_from(CONFIG_VALUES) | st.text(max_size=20)
    )
)
# Found by a fresh seed (292176750): a NUL byte in the key path escaped as ValueError.
@example(values={"OMS_PRIVATE_KEY_PATH": "\u00e9\u0000", "OMS_API_KEY": "nan"})
def test_bad_configuration_is_a_named_config_error(values: dict[str, str]) -> None:
    try:
        config = load_config(values, env_file=None)
    except ConfigError as exc:
        message = str(exc)
        assert message and "\n" not in message
        assert any(var in message for var in CONFIG_VARS) or "OMS_" in message, message
        return
    # Accepted: every number is finite and positive.
    for number in (config.recv_window_ms, config.request_timeout_s, config.stream_max_age_s,
                   config.stream_silence_s):  # fmt: skip
        assert 0 < number < float("inf"), config


@pytest.mark.parametrize("name", ["OMS_REQUEST_TIMEOUT_S", "OMS_STREAM_SILENCE_S"])
@pytest.mark.parametrize("value", ["nan", "inf", "1e999"])
def test_non_finite_durations_are_refused(name: str, value: str) -> None:
    """Bug 6 (hypothesis over load_config): ``float("nan")`` passed ``value <= 0`` and NaN
    or infinite timeouts were accepted."""
    with pytest.raises(ConfigError, match=name):
        load_config({name: value}, env_file=None)


# --- the command line -------------------------------------------------------------------

ARGV_WORDS = [
    "buy",
    "sell",
    "cancel",
    "orders",
    "balances",
    "watch",
    "BTCUSDT",
    "--price",
    "--quote-qty",
    "--tif",
    "--client-id",
    "--order-id",
    "--json",
    "--env",
    "-1",
    "NaN",
    "1e999",
    "0",
    "abc",
    "x" * 300,
    "\udcff",
    "--all",
    "GTC",
    "--bogus",
]


@settings(max_examples=60, suppress_health_check=FIXTURES)
@given(argv=st.lists(st.sampled_from(ARGV_WORDS), min_size=1, max_size=6))
# Bug 7: argparse printed its usage before the error (five lines), and an argv holding
# invalid UTF-8 (a surrogate) crashed the error print itself.
@example(argv=["buy"])
@example(argv=["balances", "\udcff"])
def test_bad_command_lines_fail_with_one_line_and_no_traceback(
    argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    env["OMS_ENV"] = "local"
    env["OMS_REST_URL"] = "http://127.0.0.1:1/api"  # nothing listens there
    env["OMS_WS_API_URL"] = "ws://127.0.0.1:1/ws-api/v3"
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    cwd = os.getcwd()
    os.chdir(tmp_path)  # no .env, no journal left behind in the repository
    try:
        try:
            status = cli_main(argv)
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if status != 0:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1, err
        assert lines[0].startswith("oms"), err


# --- the local server's requests --------------------------------------------------------

PARAM_VALUES = [
    "NaN",
    "Infinity",
    "-1",
    "1E-8",
    "1e5",
    "0x10",
    "99999999999999999999999",
    "",
    " ",
    "x" * 2000,
    "BUY\u0000",
    "%FF%FE",
    "%C3%28",
    "UNKNOWN",
    "1.5.5",
]
ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.01", "price": "50000"}  # fmt: skip


@settings(max_examples=30, suppress_health_check=FIXTURES)
@given(field=st.sampled_from(sorted(ORDER)), value=st.sampled_from(PARAM_VALUES))
async def test_hostile_order_params_are_refused_with_a_binance_error(
    aiohttp_server: ServerFactory, field: str, value: str
) -> None:
    stack = await serve(aiohttp_server)
    async with aiohttp.ClientSession() as session:
        status, body = await stack.signed(session, "POST", "/v3/order", {**ORDER, field: value})
        assert status in (400, 401), body
        assert isinstance(body["code"], int) and body["code"] < 0 and body["msg"], body
        assert stack.sim.open_orders("me") == []
        # The server keeps working.
        status, body = await stack.signed(session, "POST", "/v3/order", ORDER)
        assert status == 200, body
    assert len(stack.sim.open_orders("me")) == 1


@pytest.mark.parametrize("escaped", ["%FF%FE", "%C3%28", "%ED%A0%80", "%00"])
async def test_invalid_utf8_in_a_signed_query_is_refused(
    aiohttp_server: ServerFactory, escaped: str
) -> None:
    stack = await serve(aiohttp_server)
    query = "&".join(f"{k}={v}" for k, v in ORDER.items()).replace("BUY", f"BUY{escaped}")
    query += f"&timestamp={wall_ms()}"
    signature = hmac.new(SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
    async with aiohttp.ClientSession() as session:
        status, body = await stack.raw(
            session, "POST", "/v3/order", f"{query}&signature={signature}", key=KEY
        )
    assert status == 400 and body["code"] < 0 and body["msg"], body
    assert stack.sim.open_orders("me") == []

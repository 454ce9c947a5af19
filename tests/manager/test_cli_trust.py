"""Operator trust (issue 15): the ``oms`` command never shows wrong data, fails fast and
clearly. Each test drives the command as a user would, in subprocesses against a local
exchange on 127.0.0.1: a wrong secret, a stopped server, a restarted server, two processes on
one journal, a gateway that answers 503 to every order. Each one failed on the code before.

Every failure must be ONE line on stderr naming the fix, a non-zero exit within a few
seconds, nothing on stdout (no stale data), and no secret anywhere.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from oms.testing.sim import TRADER, new_exchange, quote_book
from tests.manager.support import KEY, SECRET, ServerFactory, exchange_orders
from tests.manager.test_cli import Result, local_env, oms, one_line_error, start
from transports.sim.server.app import ApiAccount, make_app

pytestmark = pytest.mark.timeout(90)
FAST_S = 6.0  # "within a few seconds", with room for a loaded CI machine


def no_secret(*results: Result) -> None:
    for result in results:
        for text in (result.out, result.err):
            assert KEY not in text and SECRET not in text
            assert not re.search(r"signature=(?!\*\*\*)", text)  # only ever scrubbed
            assert "§" not in text  # no citation of a document that is not in the repo


async def timed(coro: Awaitable[Result]) -> tuple[Result, float]:
    started = time.monotonic()
    result = await coro
    return result, time.monotonic() - started


def fails_clearly(result: Result, *needles: str) -> str:
    line = one_line_error(result)
    assert result.out == "", "nothing may be shown when the exchange was not asked"
    for needle in needles:
        assert needle in line, line
    assert "Unclosed" not in result.err and "MachineError" not in result.err
    no_secret(result)
    return line


async def test_a_wrong_secret_fails_fast_in_one_line_without_stale_balances(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    _ex, env = await local_env(aiohttp_server, tmp_path)
    bought = await oms(tmp_path, "buy", "BTCUSDT", "0.01", env=env)  # the journal has data
    assert bought.code == 0, bought.err
    wrong = {**env, "OMS_API_SECRET": "x" * 64}
    for command in ("balances", "orders"):
        result, took = await timed(oms(tmp_path, command, env=wrong))
        fails_clearly(result, "refused the API key", "check OMS_API_KEY / OMS_API_SECRET")
        assert result.code == 1
        assert took < FAST_S


async def test_a_stopped_server_is_named_and_offline_is_labelled(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    _ex, env = await local_env(aiohttp_server, tmp_path)
    sold = await oms(tmp_path, "sell", "BTCUSDT", "0.01", "--price", "61000", "--json", env=env)
    assert sold.code == 0, sold.err
    [resting] = sold.json_lines()[0]
    port = env["OMS_REST_URL"].split(":")[2].split("/")[0]
    stopped = {
        **env,
        "OMS_REST_URL": "http://127.0.0.1:9/api",
        "OMS_WS_API_URL": "ws://127.0.0.1:9/ws-api/v3",
    }
    for command in ("orders", "balances", "cancel"):
        extra = ("BTCUSDT", "--all") if command == "cancel" else ()
        result, took = await timed(oms(tmp_path, command, *extra, env=stopped))
        fails_clearly(result, "is `oms exchange` running at 127.0.0.1:9?")
        assert took < FAST_S and port not in result.err
    # What the journal knew, only when asked for, and labelled with its time.
    offline = await oms(tmp_path, "orders", "--offline", env=stopped)
    assert offline.code == 0, offline.err
    assert resting["client_order_id"] in offline.out
    # The label goes with the data, on stdout: a file it is piped to says it too.
    label = offline.out.splitlines()[0]
    assert label.startswith("# OFFLINE: what journal ") and "may be stale" in label
    assert f"(of http://127.0.0.1:{port}/api)" in label  # the exchange it was written with
    assert offline.err == ""
    as_json = json.loads((await oms(tmp_path, "orders", "--offline", "--json", env=stopped)).out)
    assert as_json["offline"] is True and as_json["as_of"].endswith("Z")
    assert [o["client_order_id"] for o in as_json["orders"]] == [resting["client_order_id"]]


async def test_a_restarted_exchange_is_detected_and_explained(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    first = new_exchange()
    quote_book(first)
    account = ApiAccount(account=TRADER, api_key=KEY, secret=SECRET)
    server = await aiohttp_server(make_app(first, [account]))
    port = server.port
    env = {
        "OMS_ENV": "local",
        "OMS_REST_URL": f"http://127.0.0.1:{port}/api",
        "OMS_WS_API_URL": f"ws://127.0.0.1:{port}/ws-api/v3",
        "OMS_API_KEY": KEY,
        "OMS_API_SECRET": SECRET,
    }
    sold = await oms(tmp_path, "sell", "BTCUSDT", "0.01", "--price", "61000", env=env)
    assert sold.code == 0, sold.err
    await server.close()
    second = new_exchange()  # the same URL, a new run: the resting sell is gone
    quote_book(second)
    await aiohttp_server(make_app(second, [account]), port=port)
    journal = tmp_path / ".local/share/oms/local.sqlite3"
    for args in (("orders",), ("cancel", "BTCUSDT", "--all"), ("buy", "BTCUSDT", "0.01")):
        result = await oms(tmp_path, *args, env=env)
        fails_clearly(result, "was restarted", f"removing {journal}")
    assert exchange_orders(second, TRADER) == []  # nothing was sent to the new run
    journal.unlink()
    fresh = await oms(tmp_path, "orders", env=env)
    assert (fresh.code, fresh.out.strip()) == (0, "(none)")


def slow_orders(app: web.Application) -> None:
    """Order placements take 3.5 s to answer (and then succeed)."""

    @web.middleware
    async def slow(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == "/api/v3/order" and request.method == "POST":
            await asyncio.sleep(3.5)  # still inside the 5 s recvWindow
        return await handler(request)

    app.middlewares.append(slow)


async def test_two_processes_on_one_journal(tmp_path: Path, aiohttp_server: ServerFactory) -> None:
    ex, env = await local_env(aiohttp_server, tmp_path, prepare=slow_orders)
    # A trade is under way (its journal locked); a second one started then is refused.
    first = asyncio.ensure_future(oms(tmp_path, "buy", "BTCUSDT", "0.001", env=env))
    lock = Path(env["OMS_JOURNAL"] + ".lock")
    async with asyncio.timeout(20):
        while not (lock.exists() and lock.read_text().strip()):  # the holder's pid
            await asyncio.sleep(0.05)
    busy, took = await timed(oms(tmp_path, "buy", "BTCUSDT", "0.001", env=env))
    line = fails_clearly(busy, "is in use by", "OMS_JOURNAL")
    assert "database is locked" not in line and took < FAST_S
    # Looking is never blocked: read-only commands read a snapshot.
    looking = await oms(tmp_path, "orders", env=env)
    assert looking.code == 0, looking.err
    done = await first
    assert done.code == 0, done.err
    # Started together: each either trades or is refused in that one line; never two
    # writers, and every later start from the journal works.
    results = await asyncio.gather(
        *[oms(tmp_path, "buy", "BTCUSDT", "0.001", env=env) for _ in range(2)]
    )
    for result in results:
        if result.code != 0:
            fails_clearly(result, "is in use by")
    placed = sum(1 for r in results if r.code == 0)
    assert placed >= 1
    assert len(exchange_orders(ex, TRADER)) == 1 + placed
    after = await oms(tmp_path, "sell", "BTCUSDT", "0.001", env=env)
    assert after.code == 0, after.err


async def test_read_only_commands_never_create_a_journal(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    _ex, env = await local_env(aiohttp_server, tmp_path)
    del env["OMS_JOURNAL"]  # the default: one per environment, in the user's data folder
    data = tmp_path / "xdg"
    env["XDG_DATA_HOME"] = str(data)
    for command in (("balances",), ("orders",), ("positions",), ("fills", "BTCUSDT")):
        result = await oms(tmp_path, *command, env=env)
        assert result.code == 0, result.err
    assert not data.exists() and not list(tmp_path.rglob("*.sqlite3"))
    bought = await oms(tmp_path, "buy", "BTCUSDT", "0.001", env=env)
    assert bought.code == 0, bought.err
    assert (data / "oms" / "local.sqlite3").is_file()
    testnet = {
        **env,
        "OMS_ENV": "testnet",
        "OMS_REST_URL": "http://127.0.0.1:9/api",  # loopback only: nothing listens there
        "OMS_WS_API_URL": "ws://127.0.0.1:9/ws-api/v3",
    }
    check = await oms(tmp_path, "config", "check", "--timeout", "1", env=testnet)
    assert str(data / "oms" / "testnet.sqlite3") in check.out  # environments never share


def gateway_503(app: web.Application) -> None:
    """Every order request (place and query) answers 503: the outcome stays unknown."""

    @web.middleware
    async def unavailable(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == "/api/v3/order" and request.method in ("POST", "GET"):
            return web.json_response(
                {"code": -1001, "msg": "Internal error; unable to process your request."},
                status=503,
            )
        return await handler(request)

    app.middlewares.append(unavailable)


async def test_an_order_in_doubt_at_the_deadline_is_named_with_how_to_check_it(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    _ex, env = await local_env(aiohttp_server, tmp_path, prepare=gateway_503)
    result, took = await timed(
        oms(tmp_path, "buy", "BTCUSDT", "0.01", "--client-id", "doubt-1", "--timeout", "3", env=env)
    )
    assert result.code == 3, (result.out, result.err)
    line = result.err.strip().splitlines()[-1]
    assert "doubt-1" in line and "IN DOUBT" in line
    assert "`oms order BTCUSDT --client-id doubt-1`" in line
    assert took < 3 + FAST_S
    no_secret(result)


async def test_smaller_misbehaviours(tmp_path: Path, aiohttp_server: ServerFactory) -> None:
    ex, env = await local_env(aiohttp_server, tmp_path)
    # .env values in quotes with a trailing comment are read as a shell would.
    (tmp_path / ".env").write_text(
        "".join(f'{k}="{v}"  # from the walkthrough\n' for k, v in env.items())
    )
    via_dotenv = await oms(tmp_path, "balances", "--json")
    assert via_dotenv.code == 0, via_dotenv.err
    # --tif on a MARKET order is refused here, not sent.
    tif = await oms(tmp_path, "buy", "BTCUSDT", "0.01", "--tif", "IOC", env=env)
    assert tif.code == 2 and "--tif IOC applies to LIMIT orders" in one_line_error(tif)
    assert exchange_orders(ex, TRADER) == []
    # An ftp:// URL is a configuration error, not an order that "may have executed".
    ftp = await oms(tmp_path, "buy", "BTCUSDT", "0.01", env={**env, "OMS_REST_URL": "ftp://h/a"})
    assert ftp.code == 2 and "OMS_REST_URL='ftp://h/a'" in one_line_error(ftp)
    # A bad journal path is named.
    bad = {**env, "OMS_JOURNAL": str(tmp_path / "no" / "dir" / "j.sqlite3")}
    named = one_line_error(await oms(tmp_path, "buy", "BTCUSDT", "0.01", env=bad))
    assert str(tmp_path / "no" / "dir" / "j.sqlite3") in named and "OMS_JOURNAL" in named
    # An unknown symbol is an error everywhere.
    for args in (("orders", "FOO"), ("cancel", "FOO", "--all"), ("fills", "FOO")):
        unknown = await oms(tmp_path, *args, env=env)
        assert unknown.code == 2 and "unknown symbol 'FOO'" in one_line_error(unknown)
    # A negative watch is refused at once.
    negative = await oms(tmp_path, "watch", "--seconds", "-1", env=env)
    assert negative.code == 2 and "--seconds" in one_line_error(negative)
    # A price outside PERCENT_PRICE_BY_SIDE is refused with the valid range.
    band = one_line_error(await oms(tmp_path, "sell", "BTCUSDT", "0.01", "--price", "9e6", env=env))
    assert "PERCENT_PRICE_BY_SIDE" in band and "SELL range" in band
    assert exchange_orders(ex, TRADER) == []


def echo_order_requests(app: web.Application) -> None:
    """New orders are refused with a body that echoes the signed request and the key."""

    @web.middleware
    async def echo(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == "/api/v3/order" and request.method == "POST":
            signed = request.raw_path.partition("?")[2] + (await request.read()).decode()
            assert "signature=" in signed
            key = request.headers.get("X-MBX-APIKEY", "")
            msg = f"Illegal characters found in parameter: {signed} apiKey={key}"
            return web.json_response({"code": -1000, "msg": msg}, status=400)
        return await handler(request)

    app.middlewares.append(echo)


async def test_an_error_body_echoing_the_request_leaks_no_secret(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    """Neither on the terminal nor in the journal (where the refusal is recorded)."""
    _ex, env = await local_env(aiohttp_server, tmp_path, prepare=echo_order_requests)
    env["OMS_LOG_LEVEL"] = "DEBUG"  # the logs too
    refused = await oms(tmp_path, "buy", "BTCUSDT", "0.01", "--json", env=env)
    assert refused.code == 1
    assert "Illegal characters found in parameter" in refused.err
    no_secret(refused)
    journal = Path(env["OMS_JOURNAL"]).read_bytes()
    assert b"Illegal characters" in journal  # the refusal is journaled...
    assert KEY.encode() not in journal and SECRET.encode() not in journal  # ...scrubbed
    assert not re.search(rb"signature=(?!\*\*\*)", journal)


async def test_watch_says_when_the_stream_goes_down(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    ex = new_exchange()
    quote_book(ex)
    server = await aiohttp_server(
        make_app(ex, [ApiAccount(account=TRADER, api_key=KEY, secret=SECRET)])
    )
    env = {
        "OMS_ENV": "local",
        "OMS_REST_URL": str(server.make_url("/api")),
        "OMS_WS_API_URL": str(server.make_url("/ws-api/v3")).replace("http", "ws", 1),
        "OMS_API_KEY": KEY,
        "OMS_API_SECRET": SECRET,
    }
    watcher = await start(tmp_path, "watch", "--seconds", "3", "--json", env=env)
    await watcher.until('"up": true')
    await server.close()  # the exchange goes away under the live view
    watched = await watcher.result()
    streams = [e["up"] for e in watched.json_lines() if e["event"] == "stream"]
    assert streams[:2] == [True, False], watched.out
    assert watched.err == "", watched.err
    no_secret(watched)


async def test_a_cancel_in_doubt_at_the_deadline_is_named_with_how_to_check_it(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    broken = {"on": False}

    def cancels_unanswered(app: web.Application) -> None:
        @web.middleware
        async def unavailable(
            request: web.Request,
            handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        ) -> web.StreamResponse:
            if broken["on"] and request.path == "/api/v3/order" and request.method != "POST":
                body = {"code": -1001, "msg": "Internal error; unable to process your request."}
                return web.json_response(body, status=503)
            return await handler(request)

        app.middlewares.append(unavailable)

    ex, env = await local_env(aiohttp_server, tmp_path, prepare=cancels_unanswered)
    sold = await oms(tmp_path, "sell", "BTCUSDT", "0.01", "--price", "61000", "--json", env=env)
    [resting] = sold.json_lines()[0]
    broken["on"] = True
    cid = resting["client_order_id"]
    result, took = await timed(
        oms(tmp_path, "cancel", "BTCUSDT", "--client-id", cid, "--timeout", "3", env=env)
    )
    assert result.code == 3, (result.out, result.err)
    line = result.err.strip().splitlines()[-1]
    assert "IN DOUBT" in line and f"`oms order BTCUSDT --client-id {cid}`" in line
    assert took < 3 + FAST_S
    assert len(ex.open_orders(TRADER)) == 1  # indeed never canceled: it was right to doubt

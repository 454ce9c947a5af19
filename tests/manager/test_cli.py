"""The ``oms`` command: the demo runs and prints its steps; order commands work against the
local server with ``--json`` output that parses; every error is one line on stderr, no
traceback, non-zero exit. Commands run as subprocesses (``python -m oms.app.cli``), with a clean
environment and working directory, so no ``.env`` of the developer's is read.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from oms.testing.sim import TRADER, exchange_balances, new_exchange, quote_book
from oms.wire.enums import Side
from tests.manager.support import KEY, SECRET, ServerFactory, exchange_orders
from transports.sim.exchange import SimExchange
from transports.sim.server.app import ApiAccount, make_app

pytestmark = pytest.mark.timeout(60)


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json_lines(self) -> list[Any]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def _environ(cwd: Path, env: dict[str, str] | None) -> dict[str, str]:
    # Only ``env`` plus PATH, and ``cwd`` as HOME, so the default journal lands under it.
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONUNBUFFERED": "1",
        "HOME": str(cwd),
        **(env or {}),
    }


async def _spawn(cwd: Path, args: tuple[str, ...], env: dict[str, str] | None) -> Any:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "oms.app.cli",
        *args,
        cwd=cwd,
        env=_environ(cwd, env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def oms(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """Run ``oms ARGS`` in ``cwd`` with only ``env`` (plus PATH and HOME) in its environment."""
    proc = await _spawn(cwd, args, env)
    out, err = await asyncio.wait_for(proc.communicate(), 45)
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())


class Running:
    """``oms ARGS`` in the background, its stdout read line by line as it comes."""

    def __init__(self, proc: Any) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for raw in self.proc.stdout:
            self.lines.append(raw.decode())

    async def until(self, needle: str, timeout: float = 30.0) -> None:
        """Wait until a line containing ``needle`` has been printed."""
        async with asyncio.timeout(timeout):
            while not any(needle in line for line in self.lines):
                assert not self._reader.done(), "".join(self.lines)
                await asyncio.sleep(0.05)

    async def result(self) -> Result:
        err = await asyncio.wait_for(self.proc.stderr.read(), 45)
        await self._reader
        code = await self.proc.wait()
        return Result(code, "".join(self.lines), err.decode())


async def start(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Running:
    return Running(await _spawn(cwd, args, env))


def one_line_error(result: Result) -> str:
    assert result.code != 0, result.out
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


async def local_env(
    aiohttp_server: ServerFactory,
    tmp_path: Path,
    prepare: Callable[[web.Application], None] | None = None,
) -> tuple[SimExchange, dict[str, str]]:
    """A local exchange on 127.0.0.1 (``prepare`` may add to its app) and the settings for it."""
    ex = new_exchange()
    quote_book(ex)
    account = ApiAccount(account=TRADER, api_key=KEY, secret=SECRET)
    app = make_app(ex, [account])
    if prepare is not None:
        prepare(app)
    server = await aiohttp_server(app)
    env = {
        "OMS_ENV": "local",
        "OMS_REST_URL": str(server.make_url("/api")),
        "OMS_WS_API_URL": str(server.make_url("/ws-api/v3")).replace("http", "ws", 1),
        "OMS_API_KEY": KEY,
        "OMS_API_SECRET": SECRET,
        "OMS_JOURNAL": str(tmp_path / "journal.sqlite3"),
    }
    return ex, env


async def test_demo_runs_and_prints_every_step(tmp_path: Path) -> None:
    result = await oms(tmp_path, "demo")
    assert result.code == 0, result.err
    assert result.err == ""
    for title in (
        "== Start",
        "== 1. Market buy 0.05 BTC",
        "== 2a. Limit sell 0.05 BTC @ 60500 rests on the book",
        "== 2b. Another trader lifts it: the limit sell fills",
        "== 3a. Limit buy 0.02 BTC @ 50000 rests",
        "== 3b. Canceled",
        "== 4a. Bracket: buy 0.02 @ 59500, then take profit @ 61000 or stop @ 58500",
        "== 4b. The entry fills: the exit OCO goes live",
        "== 4c. The market rises: the take-profit fills, the stop-loss expires",
    ):
        assert title in result.out
    assert "PENDING_ACK -> FILLED" in result.out  # the market buy, as it happened
    assert "NEW -> FILLED" in result.out  # the resting sell, filled by another trader
    assert "-> CANCELED" in result.out
    # The bracket: its entry and take-profit fill, its stop-loss expires, the list ends.
    assert result.out.count("fill BTCUSDT") == 5
    assert "PENDING_NEW -> NEW" in result.out and "NEW -> EXPIRED" in result.out
    assert "EXECUTING -> ALL_DONE" in result.out
    assert "Position BTCUSDT: net 0 BTC" in result.out
    # Each step's updates print under its own title, not the previous step's.
    out = result.out
    assert out.index("== 2b.") < out.index("NEW -> FILLED") < out.index("== 3a.")
    assert out.index("== 4c.") < out.index("EXECUTING -> ALL_DONE")


async def test_demo_json_lines_parse(tmp_path: Path) -> None:
    result = await oms(tmp_path, "demo", "--json")
    assert result.code == 0, result.err
    records = result.json_lines()
    steps = [r for r in records if isinstance(r, dict) and "step" in r]
    assert [s["step"][:2] for s in steps] == ["St", "1.", "2a", "2b", "3a", "3b", "4a", "4b", "4c"]
    assert steps[1]["order"]["state"] == "FILLED"
    assert steps[5]["order"]["state"] == "CANCELED"
    events = {r["type"] for r in records if isinstance(r, dict) and "event" in r}
    summary = records[-1]
    # 24.3 from the seed scenario, 30 from the bracket (0.02 bought at 59500, sold at 61000).
    assert summary["position"] == {"symbol": "BTCUSDT", "net": "0", "realized_pnl": "54.30000000"}
    assert summary["fills"] == 5
    assert {"FillApplied", "BalanceChanged", "OrderFilled"} <= events


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("buy",), "the following arguments are required: symbol"),
        (("buy", "BTCUSDT", "abc"), "'abc' is not a decimal number"),
        (("sell", "BTCUSDT", "-1"), "must be a positive finite number"),
        (("frobnicate",), "invalid choice"),
    ],
)
async def test_bad_arguments_exit_2_with_the_reason(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    result = await oms(tmp_path, *args)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert expected in result.err.strip().splitlines()[-1]


async def test_missing_keys_and_bad_configuration_are_one_line(tmp_path: Path) -> None:
    local = {"OMS_ENV": "local", "OMS_REST_URL": "http://127.0.0.1:9/api"}
    no_ws = one_line_error(await oms(tmp_path, "balances", env=local))
    assert no_ws.startswith("oms: configuration:") and "OMS_WS_API_URL" in no_ws
    local["OMS_WS_API_URL"] = "ws://127.0.0.1:9/ws-api/v3"
    no_key = one_line_error(await oms(tmp_path, "balances", env=local))
    assert no_key.startswith("oms: no API key: set OMS_API_KEY and OMS_API_SECRET")
    unsafe = one_line_error(await oms(tmp_path, "orders", env={"OMS_ENV": "production"}))
    assert "OMS_ALLOW_PRODUCTION" in unsafe
    flag = one_line_error(await oms(tmp_path, "orders", "--env", "local"))
    assert "--env local needs both OMS_REST_URL and OMS_WS_API_URL" in flag  # as typed
    cancel = one_line_error(await oms(tmp_path, "cancel", "BTCUSDT", env=local))
    assert "--order-id" in cancel


async def test_order_commands_against_the_local_server(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    ex, env = await local_env(aiohttp_server, tmp_path)

    bought = await oms(tmp_path, "buy", "BTCUSDT", "0.01", "--json", env=env)
    assert bought.code == 0, bought.err
    [row] = bought.json_lines()[0]
    assert (row["side"], row["type"], row["state"]) == ("BUY", "MARKET", "FILLED")
    assert Decimal(row["filled"]) == Decimal("0.01")

    sold = await oms(tmp_path, "sell", "btcusdt", "0.01", "--price", "61000", "--json", env=env)
    assert sold.code == 0, sold.err
    [ask] = sold.json_lines()[0]
    assert ask["state"] == "NEW"
    [resting] = ex.open_orders(TRADER)
    assert (resting.order_id, resting.side) == (ask["order_id"], Side.SELL)

    listed = await oms(tmp_path, "orders", "--json", env=env)
    assert [o["client_order_id"] for o in listed.json_lines()[0]] == [ask["client_order_id"]]
    balances = await oms(tmp_path, "balances", "--json", env=env)
    shown = {
        b["asset"]: (Decimal(b["free"]), Decimal(b["locked"])) for b in balances.json_lines()[0]
    }
    assert shown["BTC"] == exchange_balances(ex)["BTC"]

    canceled = await oms(tmp_path, "cancel", "BTCUSDT", "--all", "--json", env=env)
    assert [o["state"] for o in canceled.json_lines()[0]] == ["CANCELED"]
    assert ex.open_orders(TRADER) == []
    table = await oms(tmp_path, "balances", env=env)
    assert table.code == 0 and table.out.splitlines()[0].split() == ["ASSET", "FREE", "LOCKED"]

    refused = one_line_error(
        await oms(tmp_path, "buy", "BTCUSDT", "0.000001", "--price", "60000", env=env)
    )
    assert refused.startswith("oms: refused before sending (LOT_SIZE): quantity 0.000001")
    assert "nearest valid value is 0.00001" in refused
    unknown = one_line_error(await oms(tmp_path, "buy", "NOSUCHUSDT", "1", env=env))
    assert "unknown symbol 'NOSUCHUSDT'" in unknown
    assert len(exchange_orders(ex, TRADER)) == 2  # the refused ones were never sent


async def test_settings_in_dotenv_are_read_like_the_environment(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    """OMS_JOURNAL (and the keys) set in .env apply as they do from the environment."""
    ex, env = await local_env(aiohttp_server, tmp_path)
    journal = tmp_path / "from-dotenv.sqlite3"
    env["OMS_JOURNAL"] = str(journal)
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    bought = await oms(tmp_path, "buy", "BTCUSDT", "0.01", "--json")  # nothing in the env
    assert bought.code == 0, bought.err
    assert journal.is_file()
    assert not (tmp_path / "oms-journal.sqlite3").exists()
    assert len(ex.my_trades(TRADER, "BTCUSDT")) >= 1

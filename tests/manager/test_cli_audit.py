"""The ``oms`` command audited as a demanding operator uses it: typos in amounts, ids and file
names, a closed pipe, SIGTERM, NO_COLOR and a narrow terminal, stale data piped to a file,
a journal of another environment, averages with endless digits, and ``oms exchange``'s own
command line. Each test failed on the code before its fix.

Argument errors run in-process (``main(argv)``, nothing is contacted); the rest run the real
command as a subprocess against a local exchange on 127.0.0.1, bounded in time.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp import web

from oms.app import render
from oms.app.cli import _decimal
from oms.app.cli import main as cli_main
from oms.app.render import order_row, position_row, table
from oms.app.settings import masked
from oms.core.positions import Position
from oms.runtime.journal import Journal
from oms.testing.sim import TRADER
from oms.wire.money import show
from tests.manager.support import ServerFactory, exchange_orders
from tests.manager.test_cli import local_env, oms, one_line_error, start

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def isolated(tmp_path: Path) -> Iterator[Path]:
    """An empty working directory and no OMS_ variables: nothing to contact, no .env."""
    saved, cwd = dict(os.environ), os.getcwd()
    for name in [n for n in os.environ if n.startswith("OMS_") or n == "NO_COLOR"]:
        del os.environ[name]
    os.environ.update(
        OMS_ENV="local",
        OMS_REST_URL="http://127.0.0.1:1/api",  # nothing listens there
        OMS_WS_API_URL="ws://127.0.0.1:1/ws-api/v3",
        OMS_API_KEY="FAKEKEYabcdef1234567890",
        OMS_API_SECRET="FAKESECRETzyxw0987654321",
    )
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = cli_main(argv)
    except SystemExit as exc:  # argparse's usage errors
        status = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return status, out, err


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    status, out, err = run_main(argv, capsys)
    assert status == 2, (status, out, err)
    assert "Traceback" not in err and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    [
        "0_5",  # Decimal reads it as 5: a typo for 0.5 must not buy ten times as much
        "1_000",
        "\u0661",  # ARABIC-INDIC DIGIT ONE: Decimal reads it as 1
        "\uff11",  # FULLWIDTH DIGIT ONE
        "1,5",
        "0x10",
    ],
)
def test_amounts_other_than_plain_ascii_decimals_are_refused(
    isolated: Path, capsys: pytest.CaptureFixture[str], amount: str
) -> None:
    line = usage_error(["buy", "BTCUSDT", amount], capsys)
    assert "is not a decimal number" in line and "oms buy --help" in line
    line = usage_error(["sell", "BTCUSDT", "0.01", "--price", amount], capsys)
    assert "is not a decimal number" in line


@pytest.mark.parametrize("text", ["0.05", "1e-3", "60000.", ".5", "+2"])
def test_plain_decimals_and_exponents_are_still_amounts(text: str) -> None:
    assert _decimal(text) == Decimal(text)


def test_an_order_id_must_be_a_whole_number(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        ["order", "BTCUSDT", "--order-id", "-5"],
        ["cancel", "BTCUSDT", "--order-id", "1.5"],
        ["order", "BTCUSDT", "--order-id", "\u0661"],
    ):
        assert "is not an order id" in usage_error(argv, capsys)


def test_an_env_file_named_must_exist(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A typo in --env-file used to fall back silently to the environment's settings."""
    line = usage_error(["balances", "--env-file", "prod.env"], capsys)
    assert line.startswith("oms: --env-file prod.env: no such file")
    (isolated / ".env").write_text("OMS_ENV=local\nthis is not a line\n")
    line = usage_error(["balances"], capsys)
    assert line == "oms: .env line 2: expected NAME=VALUE (see .env.example)"  # named once


def test_a_stop_without_a_trigger_is_a_usage_error(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = usage_error(["stop", "sell", "BTCUSDT", "0.01"], capsys)
    assert line == "oms: give --stop PRICE and/or --trailing BIPS"


async def test_amending_an_unknown_order_is_one_line_naming_the_journal(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    """It printed "oms: unexpected SystemExit: oms: no order ..." with exit status 1."""
    _ex, env = await local_env(aiohttp_server, tmp_path)
    result = await oms(tmp_path, "amend", "nosuch", "0.01", env=env)
    assert result.code == 2
    line = one_line_error(result)
    assert line.startswith("oms: no order with client id 'nosuch' in journal")
    assert env["OMS_JOURNAL"] in line and "SystemExit" not in line


async def test_dry_run_shows_the_order_it_tested(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    _ex, env = await local_env(aiohttp_server, tmp_path)
    limit = await oms(
        tmp_path, "buy", "BTCUSDT", "0.01", "--price", "60000", "--dry-run", "--json", env=env
    )
    assert limit.code == 0, limit.err
    rows = {r["check"]: r["result"] for r in json.loads(limit.out)}
    assert rows["order"] == "BUY LIMIT 0.01 BTCUSDT @ 60000 GTC"
    spend = await oms(tmp_path, "buy", "BTCUSDT", "--quote-qty", "100", "--dry-run", env=env)
    assert spend.code == 0, spend.err
    assert "BUY MARKET BTCUSDT for 100 USDT" in spend.out


# --- output closed, signals ------------------------------------------------------------------


async def test_watch_into_a_closed_pipe_ends_quietly(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    """``oms watch --json | head -1``: it said "oms: unexpected BrokenPipeError" (status 1)."""
    _ex, env = await local_env(aiohttp_server, tmp_path)
    reader, writer = os.pipe()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "oms.app.cli", "watch", "--json", "--seconds", "20",
        cwd=tmp_path, env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **env},
        stdout=writer, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        first = await asyncio.wait_for(asyncio.to_thread(pipe.readline), 30)
        assert json.loads(first)["event"] in ("stream", "reconcile", "order", "balance")
    # `head` has gone: the next line written (within a poll) finds the pipe closed.
    assert proc.stderr is not None
    err = await asyncio.wait_for(proc.stderr.read(), 30)
    assert await asyncio.wait_for(proc.wait(), 30) == 0
    assert err == b""


async def test_sigterm_stops_a_command_as_ctrl_c_does(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    """SIGTERM killed the process where it stood (status -15): no strategy stop, no summary.
    Now the strategy is stopped, the summary printed, the journal released, status 143."""
    _ex, env = await local_env(aiohttp_server, tmp_path)
    strategy = tmp_path / "idle.py"
    stopped = tmp_path / "stopped"
    strategy.write_text(
        "from oms.sim import BaseStrategy\n"
        "class Idle(BaseStrategy):\n"
        "    symbol = 'BTCUSDT'\n"
        "    async def start(self, oms):\n"
        "        print('started', flush=True)\n"
        "    async def stop(self):\n"
        f"        open({str(stopped)!r}, 'w').write('yes')\n"
    )
    for sig, status in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
        stopped.unlink(missing_ok=True)
        running = await start(tmp_path, "run", f"{strategy}:Idle", "--timeout", "30", env=env)
        await running.until("started")
        running.proc.send_signal(sig)
        result = await running.result()
        assert result.code == status, (result.out, result.err)
        assert "Traceback" not in result.err
        assert result.out.splitlines()[-1].startswith("oms run: interrupted; 0 orders")
        assert stopped.read_text() == "yes"
    # --json: the summary is one object (the flag was accepted and ignored).
    running = await start(tmp_path, "run", f"{strategy}:Idle", "--json", env=env)
    await running.until("started")
    running.proc.send_signal(signal.SIGINT)
    result = await running.result()
    summary = json.loads(result.out.splitlines()[-1])
    assert summary == {"interrupted": True, "orders": 0, "states": {}, "fills": 0}
    # The journal was closed and its lock released: the next command owns it at once.
    bought = await oms(tmp_path, "buy", "BTCUSDT", "0.01", env=env)
    assert bought.code == 0, bought.err


# --- what is shown ----------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_color_is_honoured_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"symbol": "BTCUSDT", "state": "NEW", "price": "60000.00"}]
    monkeypatch.setenv("NO_COLOR", "1")
    text = table(rows, ("symbol", "state", "price"), out=Terminal())
    assert "\x1b[" not in text and "NEW" in text
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b[" in table(rows, ("symbol", "state", "price"), out=Terminal())


def test_a_narrow_terminal_never_cuts_a_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 80 columns the orders table showed "0.0…" for 0.01000 and "oms-b0c41d…"."""
    monkeypatch.setenv("COLUMNS", "80")
    row = {c: f"{c}-0.0123456789" for c in ("symbol", "quantity", "price", "client_order_id")}
    wide = [dict(row, notional="123456789.123456789", fee="0.00000001 BNB")] * 2
    text = table(wide, (*row, "notional", "fee"), out=Terminal())
    assert "…" not in text
    for value in (*row.values(), "123456789.123456789", "0.00000001 BNB"):
        assert value in text


def test_averages_are_shown_at_8_decimals_and_notional_exactly() -> None:
    assert render.average(Decimal("60019.50768316831683168316832")) == Decimal("60019.50768317")
    assert render.average(Decimal("60000.5")) == Decimal("60000.5")  # exact: as it is
    assert show(render.average(Decimal("1.2345678901E-7"))) == "0.00000012"  # never "1.23…E-7"

    class Order:  # the fields order_row reads
        symbol, side, order_type, price, order_id, fees = "BTCUSDT", "BUY", "MARKET", None, 1, {}
        client_order_id, quantity = "c1", Decimal("0.03")
        state = type("S", (), {"name": "FILLED"})()
        filled, cum_quote = Decimal("0.03"), Decimal("1800.58523")
        avg_price = Decimal("60019.50766666666666666666667")

    row = order_row(Order())
    assert row["avg_price"] == "60019.50766667"
    assert row["notional"] == "1800.58523"  # the fills' own sum, not avg x filled


def test_a_position_without_the_symbols_rules_names_no_guessed_asset() -> None:
    """Offline, the runtime names the base asset after the symbol: "1.01 BTCUSDT"."""
    unknown = position_row(Position("BTCUSDT", "BTCUSDT", ""))
    assert unknown["net"] == "0" and unknown["realized_pnl"] == "0"
    known = position_row(Position("BTCUSDT", "BTC", "USDT"))
    assert known["net"] == "0 BTC" and known["realized_pnl"] == "0 USDT"


async def test_offline_views_are_labelled_on_stdout_and_refuse_another_environment(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    _ex, env = await local_env(aiohttp_server, tmp_path)
    bought = await oms(tmp_path, "buy", "BTCUSDT", "0.01", env=env)
    assert bought.code == 0, bought.err
    piped = await oms(tmp_path, "positions", "--offline", env=env)
    assert piped.code == 0, piped.err
    label, _header, row = piped.out.splitlines()[:3]
    assert label.startswith("# OFFLINE: what journal") and "may be stale" in label
    assert row.split()[:2] == ["BTCUSDT", "0.01"] and "BTCUSDT BTCUSDT" not in row
    # The same journal asked for as testnet's: it holds the local exchange's orders.
    testnet = {**env, "OMS_ENV": "testnet"}
    del testnet["OMS_REST_URL"], testnet["OMS_WS_API_URL"]
    other = await oms(tmp_path, "balances", "--offline", env=testnet)
    line = one_line_error(other)
    assert "belongs to environment='local', not environment='testnet'" in line
    assert other.out == ""
    empty = tmp_path / "empty.sqlite3"
    Journal(str(empty)).close()
    none = await oms(
        tmp_path, "orders", "--offline", "--json", env={**env, "OMS_JOURNAL": str(empty)}
    )
    assert json.loads(none.out) == {"offline": True, "as_of": None, "orders": []}  # not "now"


# --- oms exchange ---------------------------------------------------------------------------


async def _exchange(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "oms.app.cli", "exchange", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_exchange_failures_are_one_line_on_stderr_naming_the_fix(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        code, out, err = await _exchange("--port", port, "--no-liquidity")
    assert (code, out) == (1, "")  # it was printed on stdout
    assert err.strip() == (
        f"oms exchange: port {port} on 127.0.0.1 is in use (another `oms exchange`?):"
        " choose another with --port PORT, or --port 0 for a free one"
    )
    for args, needle in (
        (("--bogus",), "unrecognized arguments: --bogus"),  # was the usage, then the error
        (("--drop-event", "2"), "'2' must be a probability from 0 to 1"),
        (("--port", "99999"), "must be a port number"),
    ):
        code, out, err = await _exchange(*args)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
        assert needle in err and "(see `oms exchange --help`)" in err
    bad = tmp_path / "bad.toml"
    bad.write_text("junk[\n")
    code, out, err = await _exchange("--config", str(bad), "--port", "0")
    assert code == 2 and out == "" and err.startswith(f"oms exchange: {bad}:"), err


async def test_exchange_tells_how_to_point_clients_and_stops_on_sigterm() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "oms.app.cli", "exchange", "--port", "0", "--no-liquidity",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    lines: list[str] = []
    try:
        while not lines or not lines[-1].startswith("serving"):
            raw = await asyncio.wait_for(proc.stdout.readline(), 20)
            assert raw, lines
            lines.append(raw.decode().rstrip())
    finally:
        proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(proc.wait(), 20) == 0  # was -15: killed, no cleanup
    assert await proc.stderr.read() == b""
    rest = lines[0].split()[-1]
    root = rest.replace("http", "ws", 1).removesuffix("/api")
    text = "\n".join(lines)
    assert f"API_URL = '{rest}'; WS_API_URL = '{root}/ws-api/v3'" in text  # python-binance
    assert f"STREAM_URL = '{root}/'" in text
    assert f"replace 'https://api.binance.com/api' with '{rest}'" in text  # ccxt


async def test_a_refused_oco_on_a_fresh_journal_says_why(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    """The first list placed after the manager starts was marked "interrupted by a restart"
    by the start's own resume of unfinished lists, so the exchange's refusal then read
    "InvalidTransition: send_rejected is not allowed for list ... in state UNKNOWN"."""
    ex, env = await local_env(aiohttp_server, tmp_path)
    # A SELL OCO's limit leg must be above the market: this one would take (-2010).
    refused = await oms(
        tmp_path, "oco", "sell", "BTCUSDT", "0.01", "--limit", "50000", "--stop", "70000",
        env=env,
    )  # fmt: skip
    line = one_line_error(refused)
    assert line.startswith("oms: the local exchange refused: -2010"), line
    lists = await oms(tmp_path, "lists", "--json", env=env)
    assert {row["list_state"] for row in json.loads(lists.out)} <= {"REJECTED"}
    assert exchange_orders(ex, TRADER) == []  # nothing rests on the exchange


async def test_an_order_the_exchange_does_not_know_is_reported_in_its_words(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    """It said "it was never placed": a guess, when the order may have been sent a moment
    ago (the runtime declares that only after the request's window)."""
    _ex, env = await local_env(aiohttp_server, tmp_path)
    line = one_line_error(await oms(tmp_path, "order", "BTCUSDT", "--client-id", "nosuch", env=env))
    assert "has no order nosuch on BTCUSDT (-2013 Order does not exist.)" in line
    assert "never placed" not in line


async def test_a_default_journal_folder_that_cannot_be_made_is_named(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    """It said "oms: unexpected FileNotFoundError: ..."."""
    _ex, env = await local_env(aiohttp_server, tmp_path)
    del env["OMS_JOURNAL"]
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    env["XDG_DATA_HOME"] = str(blocker)
    line = one_line_error(await oms(tmp_path, "buy", "BTCUSDT", "0.01", env=env))
    assert line.startswith(f"oms: cannot create the journal's folder {blocker}/oms")
    assert "OMS_JOURNAL" in line and "unexpected" not in line


def test_config_check_shows_no_character_of_a_secret() -> None:
    secret = "FAKESECRETzyxw0987654321"
    assert masked("OMS_API_SECRET", secret) == "*** (24 chars)"  # it showed "***4321"
    assert masked("OMS_PRIVATE_KEY_PASSWORD", "hunter2hunter2hunter2") == "*** (21 chars)"
    assert masked("OMS_API_KEY", "FAKEKEYabcdef1234567890") == "***7890 (23 chars)"


async def test_a_journal_that_is_not_one_is_named_so(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    _ex, env = await local_env(aiohttp_server, tmp_path)
    Path(env["OMS_JOURNAL"]).write_text("not a database at all, but long enough to be read")
    for args in (("balances", "--offline"), ("buy", "BTCUSDT", "0.01")):
        line = one_line_error(await oms(tmp_path, *args, env=env))
        assert "it is not an oms journal; move it away, or set OMS_JOURNAL" in line, line


async def test_the_demo_starts_with_its_first_title(tmp_path: Path) -> None:
    """Its first lines were the opening balance updates, above "== Start"."""
    result = await oms(tmp_path, "demo")
    assert result.code == 0, result.err
    lines = [line for line in result.out.splitlines() if line.strip()]
    assert lines[0] == "== Start" and lines[1].startswith("  - balance")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        # It cancelled every open order on the symbol, for one order named.
        (["cancel", "BTCUSDT", "--all", "--order-id", "5"], "give --all or an order's id"),
        (["cancel", "BTCUSDT", "--all", "--client-id", "c1"], "give --all or an order's id"),
        # It was "refused before sending (quoteOrderQty): quote_order_qty is for ...", status 1.
        (["buy", "BTCUSDT", "0.01", "--quote-qty", "10"], "not both"),
        (["fills", "BTCUSDT", "--csv", "--json"], "give --csv or --json, not both"),
    ],
)
def test_contradictory_options_are_usage_errors(
    isolated: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    line = usage_error(argv, capsys)
    assert line.startswith("oms: ") and expected in line


def slow_order_answers(app: web.Application) -> None:
    """A new order executes at once, but its answer takes 30 s."""

    @web.middleware
    async def slow(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        response = await handler(request)
        if request.path == "/api/v3/order" and request.method == "POST":
            await asyncio.sleep(30)
        return response

    app.middlewares.append(slow)


async def test_ctrl_c_with_an_order_out_says_it_is_in_doubt(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> None:
    """Ctrl-C while the order's answer was awaited ended with status 130 and nothing said,
    though the order had executed."""
    ex, env = await local_env(aiohttp_server, tmp_path, prepare=slow_order_answers)
    running = await start(
        tmp_path, "buy", "BTCUSDT", "0.01", "--client-id", "c-int", "--timeout", "60", env=env
    )
    async with asyncio.timeout(30):
        while not exchange_orders(ex, TRADER):
            await asyncio.sleep(0.05)
    running.proc.send_signal(signal.SIGINT)
    result = await running.result()
    assert result.code == 130
    line = one_line_error(result)
    assert line == (
        "oms: interrupted: order c-int on BTCUSDT is IN DOUBT: it may have been placed; check"
        " with `oms order BTCUSDT --client-id c-int` before trying again"
    )


# --- oms simulate ---------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
SIM = (str(ROOT / "examples" / "market_maker.py"), "--data",
       str(ROOT / "transports" / "sim" / "data" / "ETHUSDT-aggTrades-sample.csv"))  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (("--faults", "drop=2"), "--faults drop=2: a probability is from 0 to 1"),  # ran
        (("--balances", "USDT=0_5"), "--balances 'USDT=0_5': say ASSET=AMOUNT"),  # 5 USDT
        (("--maker-fee", "NaN"), "'NaN' must be a finite number"),  # ran with NaN fees
        (("--taker-fee", "-1"), "must be a rate from 0 to 1"),
    ],
)
def test_simulate_refuses_bad_numbers(
    isolated: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], expected: str
) -> None:
    line = usage_error(["simulate", *SIM, *extra, "--quiet"], capsys)
    assert expected in line
    assert not (isolated / "sim-out").exists()


def test_simulate_checks_its_out_folder_before_the_run(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It ran the whole simulation, then ended with "unexpected FileNotFoundError"."""
    (isolated / "taken").write_text("a file where the folder should be")
    line = usage_error(["simulate", *SIM, "--out", "taken/out", "--quiet"], capsys)
    assert line.startswith("oms simulate: cannot write to --out taken/out (")
    assert line.endswith("give a writable folder")


async def test_simulate_report_piped_cuts_no_figure(tmp_path: Path) -> None:
    """Piped, the report was drawn at 80 columns: "3385.5649…", "-49.62953…"."""
    result = await oms(tmp_path, "simulate", *SIM, "--seed", "7")
    assert result.code == 0, result.err
    assert "…" not in result.out
    assert "unrealised" in result.out and "avg entry" in result.out

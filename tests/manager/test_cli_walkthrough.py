"""The README's walkthrough, as a user types it: ``oms exchange`` in one terminal, its
ready-to-paste ``.env`` in another, then the commands a trader expects (issue 15).

Everything runs as subprocesses on 127.0.0.1; the exchange is stopped by its own pid.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.manager.test_cli import oms, one_line_error, start

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def exchange(tmp_path: Path) -> AsyncIterator[Path]:
    """``oms exchange --port 0`` running; its printed ``.env`` lines saved in tmp_path."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "oms.app.cli",
        "exchange",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        cwd=tmp_path,
    )
    assert child.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("serving"):
        raw = await asyncio.wait_for(child.stdout.readline(), 20)
        assert raw, "oms exchange ended early"
        lines.append(raw.decode().strip())
    start = lines.index("# Ready to paste into .env (or export) to point the oms command here:")
    env_lines = [line for line in lines[start + 1 :] if line.startswith("OMS_")]
    (tmp_path / ".env").write_text("\n".join(env_lines) + "\n")
    try:
        yield tmp_path
    finally:
        child.terminate()
        await asyncio.wait_for(child.wait(), 20)


async def test_the_walkthrough(exchange: Path) -> None:
    home = exchange
    version = await oms(home, "--version")
    assert re.fullmatch(r"oms \d+\.\d+\.\d+\S*", version.out.strip())

    check = await oms(home, "config", "check")
    assert check.code == 0, check.err
    assert "omsDemoSecret" not in check.out and "***" in check.out
    assert re.search(r"clock\s+offset \(server - local\)\s+[+-]\d+ ms", check.out)
    assert "can trade: yes" in check.out

    bought = await oms(home, "buy", "BTCUSDT", "0.01")
    assert bought.code == 0, bought.err
    header, row = bought.out.splitlines()
    assert header.split()[:4] == ["SYMBOL", "SIDE", "TYPE", "STATE"]
    assert "NOTIONAL" in header and "FEE" in header
    assert row.split()[:4] == ["BTCUSDT", "BUY", "MARKET", "FILLED"]
    assert "0.01000" in row  # the quantity at the symbol's step (0.00001)
    assert "\x1b[" not in bought.out  # piped: no colour codes

    dry = await oms(home, "sell", "BTCUSDT", "0.01", "--price", "61000", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    checks = {r["check"]: r["result"] for r in json.loads(dry.out)}
    assert checks["order test"].startswith("accepted") and "commission taker" in checks

    sold = await oms(home, "sell", "BTCUSDT", "0.01", "--price", "61000", "--json")
    [resting] = json.loads(sold.out)
    assert resting["state"] == "NEW" and resting["price"] == "61000.00"

    asked = await oms(home, "order", "BTCUSDT", "--client-id", resting["client_order_id"], "--json")
    [found] = json.loads(asked.out)
    assert (found["state"], found["order_id"]) == ("NEW", resting["order_id"])
    missing = await oms(home, "order", "BTCUSDT", "--client-id", "never-placed")
    assert "has no order never-placed on BTCUSDT" in one_line_error(missing)

    orders = await oms(home, "orders")
    assert resting["client_order_id"] in orders.out
    balances = await oms(home, "balances", "--json")
    locked = {b["asset"]: Decimal(b["locked"]) for b in json.loads(balances.out)}
    assert locked["BTC"] == Decimal("0.01")

    fills = await oms(home, "fills", "BTCUSDT", "--csv")
    [trade] = list(csv.DictReader(io.StringIO(fills.out)))
    assert (trade["side"], trade["role"]) == ("BUY", "taker")
    assert Decimal(trade["notional"]) == Decimal(trade["quantity"]) * Decimal(trade["price"])

    positions = await oms(home, "positions", "--json")
    [position] = json.loads(positions.out)
    assert position["net"] == "0.01 BTC"

    # watch --json: one typed object per line, while another terminal cancels the order.
    watcher = await start(home, "watch", "--seconds", "4", "--json")
    await watcher.until('"event": "reconcile"')  # subscribed, and reconciled
    canceled = await oms(home, "cancel", "BTCUSDT", "--all", "--json")
    assert [o["state"] for o in json.loads(canceled.out)] == ["CANCELED"]
    watched = await watcher.result()
    assert watched.code == 0, watched.err
    events = watched.json_lines()
    kinds = [e["event"] for e in events]
    assert kinds[:2] == ["stream", "reconcile"] and events[0]["up"] is True
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["time"]) for e in events)
    assert isinstance(events[1]["orders_checked"], int)
    states = [e for e in events if e["event"] == "order" and e["state"] == "CANCELED"]
    assert [e["client_order_id"] for e in states] == [resting["client_order_id"]]
    balance = [e for e in events if e["event"] == "balance" and e["asset"] == "BTC"]
    assert balance and isinstance(balance[-1]["free"], str)
    assert Decimal(balance[-1]["locked"]) == 0


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
async def test_bash_completion_completes_commands_and_flags(tmp_path: Path) -> None:
    completion = await oms(tmp_path, "completion", "bash")
    assert completion.code == 0
    script = tmp_path / "oms.bash"
    script.write_text(completion.out)

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in words)
        program = (
            f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1};"
            ' _oms_complete; echo "${COMPREPLY[@]}"'
        )
        out = subprocess.run(
            ["bash", "-c", program], capture_output=True, text=True, timeout=10, check=True
        )
        return out.stdout.split()

    assert complete("oms", "ba") == ["balances"]
    assert "--dry-run" in complete("oms", "buy", "BTCUSDT", "--d")
    assert complete("oms", "config", "") == ["check"]
    assert "--offline" in complete("oms", "orders", "--")

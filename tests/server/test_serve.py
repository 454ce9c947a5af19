"""``oms exchange``: config files, demo key, seeded liquidity, and a real run on a free port."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp
import pytest

from transports.sim.server.app import DEMO_API_KEY, DEMO_API_SECRET
from transports.sim.server.rest import STATE_KEY
from transports.sim.server.serve import _parser, build, load_accounts

TOML = """
[[accounts]]
name = "alice"
api_key = "aliceKey1"
secret = "aliceSecret1"
balances = { USDT = "2500.5", BTC = "1" }
"""


def test_config_file_accounts(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text(TOML)
    [(spec, balances)] = load_accounts(path)
    assert (spec.account, spec.api_key) == ("alice", "aliceKey1")
    assert "aliceSecret1" not in repr(spec)
    assert str(balances["USDT"]) == "2500.5"
    bad = tmp_path / "bad.json"
    bad.write_text('{"accounts": [{"name": "x"}]}')
    with pytest.raises(ValueError, match="bad account entry"):
        load_accounts(bad)


def test_build_with_faults_and_liquidity(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text(TOML)
    args = _parser().parse_args(["--config", str(path), "--drop-event", "0.5", "--seed", "7"])
    app, specs = build(args)
    assert [s.account for s in specs] == ["alice"]
    state = app[STATE_KEY]
    assert state.options.faults is not None and state.options.faults.drop_event == 0.5
    bids, asks = state.exchange.book("BTCUSDT")
    assert len(bids) == len(asks) == 10 and bids[0][0] < asks[0][0]


async def test_command_prints_urls_and_demo_key_then_serves() -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "transports.sim.server.serve",
        "--port",
        "0",
        "--no-liquidity",
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    try:
        lines: list[str] = []
        while not lines or not lines[-1].startswith("serving"):
            line = await asyncio.wait_for(child.stdout.readline(), timeout=10)
            assert line, "\n".join(lines)
            lines.append(line.decode().strip())
        text = "\n".join(lines)
        assert DEMO_API_KEY in text and DEMO_API_SECRET in text
        rest = lines[0].split()[-1]
        assert rest.startswith("http://127.0.0.1:") and rest.endswith("/api")
        assert lines[1].split()[-1] == rest.replace("http", "ws", 1).replace("/api", "/ws-api/v3")
        async with aiohttp.ClientSession() as session, session.get(rest + "/v3/ping") as reply:
            assert (reply.status, await reply.json()) == (200, {})
    finally:
        child.terminate()
        await asyncio.wait_for(child.wait(), timeout=10)

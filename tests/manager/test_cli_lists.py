"""The ``oms`` commands for advanced orders against the local server: a stop, an OCO, a
bracket, an amend and the lists view, each printing the orders it touched (``--json``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from oms.testing.sim import TRADER
from tests.manager.support import ServerFactory
from tests.manager.test_cli import local_env, oms, one_line_error

pytestmark = pytest.mark.timeout(90)


async def test_stop_oco_bracket_amend_and_lists(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    ex, env = await local_env(aiohttp_server, tmp_path)
    stop = await oms(tmp_path, "stop", "sell", "BTCUSDT", "0.001", "--stop", "59000",
                     "--price", "58900", "--json", env=env)  # fmt: skip
    assert stop.code == 0, stop.err
    (row,) = stop.json_lines()[0]
    assert (row["type"], row["state"]) == ("STOP_LOSS_LIMIT", "NEW")
    oco = await oms(tmp_path, "oco", "sell", "BTCUSDT", "0.001", "--limit", "62000",
                    "--stop", "57000", "--list-id", "cli-oco", "--json", env=env)  # fmt: skip
    assert oco.code == 0, oco.err
    legs = oco.json_lines()[0]
    assert [(r["list"], r["type"]) for r in legs] == [
        ("cli-oco", "LIMIT_MAKER"), ("cli-oco", "STOP_LOSS"),
    ]  # fmt: skip
    bracket = await oms(tmp_path, "bracket", "buy", "BTCUSDT", "0.001", "--entry", "59000",
                        "--take-profit", "61000", "--stop-loss", "58000", "--json",
                        env=env)  # fmt: skip
    assert bracket.code == 0, bracket.err
    states = [r["state"] for r in bracket.json_lines()[0]]
    assert states == ["NEW", "PENDING_NEW", "PENDING_NEW"]
    entry = bracket.json_lines()[0][0]["client_order_id"]
    amend = await oms(tmp_path, "amend", entry, "0.0005", "--json", env=env)
    assert amend.code == 0, amend.err
    assert amend.json_lines()[0] == [
        {"client_order_id": entry, "quantity": "0.00050000", "state": "NEW"}
    ]
    lists = await oms(tmp_path, "lists", "--json", env=env)
    assert lists.code == 0, lists.err
    assert {r["list"] for r in lists.json_lines()[0]} >= {"cli-oco"}
    assert len(ex.open_order_lists(TRADER)) == 2
    bad = await oms(tmp_path, "stop", "sell", "BTCUSDT", "0.001", "--stop", "61000", env=env)
    assert "Order would trigger immediately." in one_line_error(bad)

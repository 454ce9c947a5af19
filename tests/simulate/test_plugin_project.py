"""The pytest plugin works in a fresh project that only installs ``oms[test]``: a throwaway
project (no conftest, no ``-p``) whose tests use ``sim_exchange``, ``order_manager`` (with
faults from the ``oms_faults`` marker), ``restart_manager``, ``local_exchange`` and
``oms.testing.strategies``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT_TEST = """
from decimal import Decimal

import pytest
from hypothesis import given, settings

from oms.core.checks import check_order
from oms.testing.oracle import discrepancies
from oms.testing.plugin import SIM_ACCOUNT
from oms.testing.strategies import order_specs, symbol_rules


def test_sim_exchange_is_funded(sim_exchange):
    assert sim_exchange.balance(SIM_ACCOUNT, "USDT")[0] > 0


@pytest.mark.asyncio
@pytest.mark.oms_faults(duplicate_event=0.5, reorder_events=0.5, seed=4)
async def test_order_manager_over_faults(order_manager, sim_exchange):
    assert order_manager.transport.faults.config.duplicate_event == 0.5
    order = await order_manager.execute_spot_buy("BTCUSDT", Decimal("0.001"), Decimal("50000"))
    await order_manager.cancel(order)
    await order_manager.reconcile("test")
    assert discrepancies(order_manager, sim_exchange, SIM_ACCOUNT) == []


@pytest.mark.asyncio
async def test_restart_mid_test(order_manager, restart_manager, sim_exchange):
    order = await order_manager.execute_spot_buy("BTCUSDT", Decimal("0.001"), Decimal("50000"))
    manager = await restart_manager(order_manager)
    assert manager.order(order.client_order_id).order_id == order.order_id
    assert [o.client_order_id for o in manager.open_orders()] == [order.client_order_id]


def test_local_exchange_serves(local_exchange):
    assert local_exchange.rest_url.startswith("http://127.0.0.1:")
    assert local_exchange.environ()["OMS_ENV"] == "local"


@settings(max_examples=25, deadline=None)
@given(symbol_rules().flatmap(lambda rr: order_specs(*rr).map(lambda s: (rr, s))))
def test_order_specs_pass_the_filters(drawn):
    (rules, ref), spec = drawn
    check_order(rules, side=spec.side, order_type=spec.order_type, quantity=spec.quantity,
                price=spec.price, quote_order_qty=spec.quote_order_qty, reference_price=ref)
"""


def test_plugin_fixtures_in_a_throwaway_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "user-bot"\nversion = "0"\ndependencies = ["oms[test]"]\n'
        '[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = "function"\n'
    )
    (tmp_path / "test_bot.py").write_text(textwrap.dedent(PROJECT_TEST))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "HYPOTHESIS"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "5 passed" in done.stdout

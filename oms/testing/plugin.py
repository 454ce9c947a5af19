"""The pytest plugin of ``oms[test]`` (entry point ``pytest11``: loaded by installing oms).

Fixtures:
- ``sim_exchange``: a ``SimExchange`` on a ``ManualClock`` (``sim_clock``) with one funded
  account, ``SIM_ACCOUNT`` (``SIM_BALANCES``);
- ``oms_faults``: the ``FaultConfig`` for ``order_manager``; None unless the test is marked
  ``@pytest.mark.oms_faults(drop_event=0.1, ...)`` (``FaultConfig``'s fields) or the
  fixture is overridden;
- ``order_manager``: a started ``OrderManager`` over a ``SimTransport`` to that account, with
  those faults, journaling to ``oms_journal_path`` (a file in the test's ``tmp_path``);
  closed after the test (an async fixture: pytest-asyncio);
- ``restart_manager``: ``new = await restart_manager(old)`` closes ``old`` (what a stopped
  process leaves: its journal as written) and starts a new manager over a fresh transport
  on the same journal file and exchange, as the process would after a restart: it recovers
  from the journal and reconciles with the exchange. Faults carry over; every manager it
  starts is closed after the test;
- ``local_exchange``: ``oms exchange`` in a subprocess on a free port of 127.0.0.1, with its
  URLs, demo key, an environment for ``OMS_ENV=local`` and its test-control API
  (``LocalExchange.control``: move the price, shut the streams down, ...). For other options
  of ``oms exchange`` use ``serve_local_exchange(*options)`` (a context manager).

Rules: loopback only; every subprocess is ended at teardown; nothing here patches oms.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
import pytest_asyncio

from oms.runtime.config import ManagerConfig
from oms.runtime.journal import Journal
from oms.runtime.manager import OrderManager
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.faults import FaultConfig
from transports.sim.transport import SimTransport

__all__ = ["SIM_ACCOUNT", "SIM_BALANCES", "LocalExchange", "serve_local_exchange"]

SIM_ACCOUNT = "me"
SIM_BALANCES = {
    "USDT": Decimal("100000"),
    "BTC": Decimal("1"),
    "ETH": Decimal("10"),
    "BNB": Decimal("100"),
}
# Fast enough for tests on a ManualClock; the defaults suit Binance.
FAST = ManagerConfig(
    id_prefix="t",
    resolve_initial_delay=0.001,
    resolve_max_delay=0.01,
    stream_start_timeout=1.0,
    balance_settle=0.005,
)


class LocalExchange(msgspec.Struct, frozen=True):
    """A running ``oms exchange``: where it listens and the demo account's key."""

    rest_url: str
    ws_api_url: str
    api_key: str
    api_secret: str
    control_token: str = ""

    @property
    def base_url(self) -> str:
        return self.rest_url.removesuffix("/api")

    def environ(self) -> dict[str, str]:
        """Variables for ``OMS_ENV=local`` (``oms run``, ``load_config``)."""
        return {
            "OMS_ENV": "local",
            "OMS_REST_URL": self.rest_url,
            "OMS_WS_API_URL": self.ws_api_url,
            "OMS_API_KEY": self.api_key,
            "OMS_API_SECRET": self.api_secret,
        }

    def control(self, path: str, body: dict[str, object] | None = None) -> object:
        """Call the test-control API (``POST /_oms/<path>`` with ``body``, or ``GET``
        without one); returns the parsed answer. Decimals go as strings."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base_url}/_oms/{path}",
            data=data,
            method="GET" if body is None else "POST",
            headers={"X-OMS-CONTROL-TOKEN": self.control_token, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read() or b"null")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "oms_faults(**fields): FaultConfig for the order_manager fixture"
    )


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim_exchange(sim_clock: ManualClock) -> SimExchange:
    exchange = SimExchange(clock=sim_clock)
    exchange.create_account(SIM_ACCOUNT, SIM_BALANCES)
    return exchange


@pytest.fixture
def oms_faults(request: pytest.FixtureRequest) -> FaultConfig | None:
    marker = request.node.get_closest_marker("oms_faults")
    if marker is None:
        return None
    return FaultConfig(**marker.kwargs)


@pytest.fixture
def oms_journal_path(tmp_path: Path) -> str:
    """Where ``order_manager`` (and ``restart_manager``) journal: override to move it."""
    return str(tmp_path / "oms-journal.sqlite3")


def _sim_manager(
    exchange: SimExchange, clock: ManualClock, faults: FaultConfig | None, journal_path: str
) -> OrderManager:
    transport = SimTransport(
        exchange, SIM_ACCOUNT, faults=faults, request_timeout_s=0.01, poll_interval_s=0.002
    )
    return OrderManager(transport, journal=Journal(journal_path), config=FAST, clock=clock)


@pytest_asyncio.fixture
async def order_manager(
    sim_exchange: SimExchange,
    sim_clock: ManualClock,
    oms_faults: FaultConfig | None,
    oms_journal_path: str,
) -> AsyncIterator[OrderManager]:
    manager = _sim_manager(sim_exchange, sim_clock, oms_faults, oms_journal_path)
    try:
        await manager.start()  # inside: a failed start closes the journal too
        yield manager
    finally:
        await manager.close()


Restart = Callable[[OrderManager], Awaitable[OrderManager]]


@pytest_asyncio.fixture
async def restart_manager(
    sim_exchange: SimExchange,
    sim_clock: ManualClock,
    oms_faults: FaultConfig | None,
    oms_journal_path: str,
) -> AsyncIterator[Restart]:
    started: list[OrderManager] = []

    async def restart(old: OrderManager) -> OrderManager:
        await old.close()
        faults = None
        if oms_faults is not None:  # the same kind of network, its own random draws
            faults = msgspec.structs.replace(oms_faults, seed=oms_faults.seed + len(started) + 1)
        manager = _sim_manager(sim_exchange, sim_clock, faults, oms_journal_path)
        started.append(manager)
        await manager.start()
        return manager

    try:
        yield restart
    finally:
        for manager in started:
            await manager.close()


@pytest.fixture
def local_exchange() -> Iterator[LocalExchange]:
    with serve_local_exchange() as exchange:
        yield exchange


@contextlib.contextmanager
def serve_local_exchange(*options: str) -> Iterator[LocalExchange]:
    """``oms exchange --port 0 OPTIONS...`` on 127.0.0.1 with a fresh control token, ended on
    exit."""
    token = secrets.token_hex(16)
    command = [sys.executable, "-m", "transports.sim.server.serve", "--port", "0"]
    command += ["--control-token", token, *options]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        lines = _banner(child)
        values = {line.split(":", 1)[0]: line.split()[-1] for line in lines if ":" in line}
        secret = next(line.split()[3] for line in lines if line.startswith("demo API secret"))
        yield LocalExchange(
            rest_url=values["REST API"],
            ws_api_url=values["WebSocket API"],
            api_key=values["demo API key"],
            api_secret=secret,
            control_token=token,
        )
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()


def _banner(child: subprocess.Popen[str]) -> list[str]:
    """The lines ``oms exchange`` prints before it serves (it prints them at once)."""
    assert child.stdout is not None
    lines: list[str] = []
    for _ in range(50):
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("oms exchange ended before serving: " + " | ".join(lines))
        lines.append(line.strip())
        if line.startswith("serving"):
            return lines
    raise RuntimeError("oms exchange printed no 'serving' line")

"""Shutdown: a manager (and the stream under it) stops when closed, however busy it is."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from oms.errors import Disconnected
from oms.runtime.journal import Journal
from oms.runtime.manager import OrderManager
from oms.testing.sim import TRADER, new_exchange
from oms.wire.stream import StreamGap
from tests.binance.hostile import config_for
from tests.manager.support import Venue
from transports.binance.client import BinanceClient
from transports.sim.transport import SimTransport

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize("spins", [0, 1, 2, 3, 4])
async def test_cancelling_the_sim_stream_as_it_wakes_stops_it(spins: int) -> None:
    """Regression: ``asyncio.wait_for`` (3.11) returned the wake-up and swallowed a
    cancellation that arrived with it, so the stream kept polling for ever and
    ``OrderManager.close()`` hung."""
    transport = SimTransport(new_exchange(), TRADER, poll_interval_s=10.0)
    items = transport.user_data()
    assert isinstance(await anext(items), StreamGap)
    reader = asyncio.ensure_future(anext(items))
    await asyncio.sleep(0.01)  # the reader now waits for events
    await transport.get_account()  # any call wakes the stream
    for _ in range(spins):
        await asyncio.sleep(0)
    reader.cancel()
    try:
        done, _ = await asyncio.wait({reader}, timeout=1.0)
        assert done, "the cancelled stream reader kept running"
        assert reader.cancelled()
    finally:
        await transport.close()
        await asyncio.wait({reader}, timeout=1.0)
        await items.aclose()  # type: ignore[attr-defined]


async def test_close_right_after_a_reconciliation_returns(venue: Venue) -> None:
    for _ in range(5):
        manager = await venue.manager()
        await manager.reconcile("busy")
        await asyncio.wait_for(manager.close(), 5.0)


async def test_a_start_that_fails_under_async_with_closes_the_transport_and_journal(
    tmp_path: Path,
) -> None:
    """Regression: ``async with`` calls no ``__aexit__`` when ``__aenter__`` raises, so a
    manager whose start failed kept its journal locked and open and its client's session
    open (left to the collector: Python 3.13 warns 'unclosed database')."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port: loading the rules cannot connect.
    client = BinanceClient(config_for(f"http://127.0.0.1:{port}/api", f"ws://127.0.0.1:{port}/ws"))
    path = str(tmp_path / "journal.sqlite")
    manager = OrderManager(client, journal=Journal(path))
    with pytest.raises(Disconnected, match="cannot connect"):
        async with manager:
            pytest.fail("started without an exchange")
    with pytest.raises(Disconnected, match="closed"):
        await client.get_server_time()  # the transport was closed
    with Journal(path):  # the lock was released: a second open is not JournalBusy
        pass

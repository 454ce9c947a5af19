"""Shutdown: a manager (and the stream under it) stops when closed, however busy it is."""

from __future__ import annotations

import asyncio

import pytest

from oms.testing.sim import TRADER, new_exchange
from oms.wire.stream import StreamGap
from tests.manager.support import Venue
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

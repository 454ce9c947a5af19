"""Issue 6 point 4: a send whose outcome is unknown is resolved only by the exchange's answer
to a query by client id; never resent; declared never placed only on a definite -2013 after
its ``timestamp + recvWindow`` deadline has passed by the server clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from oms.core.state import OrderState
from oms.errors import TransportError
from oms.runtime.manager import OrderManager
from oms.runtime.ports import NewOrderResponse
from oms.testing.sim import (
    SYMBOL,
    TRADER,
    fast_config,
    new_exchange,
    quote_book,
    settle,
    wait_until,
)
from oms.wire.requests import NewOrder
from tests.manager.support import (
    D,
    LostSend,
    Venue,
    assert_matches_exchange,
    exchange_orders,
    orders_per_client_id,
    state,
)
from transports.sim.exchange import ManualClock
from transports.sim.faults import FaultConfig

pytestmark = pytest.mark.timeout(30)
MakeVenue = Callable[..., Awaitable[Venue]]


async def _place_three(venue: Venue, faults: FaultConfig) -> None:
    """A market buy, a resting limit buy and a resting limit sell, all answered badly."""
    quote_book(venue.ex)
    manager = await venue.manager(faults=faults if venue.kind == "sim" else None)
    buy = await manager.execute_spot_buy(SYMBOL, D("0.02"))
    bid = await manager.execute_spot_buy(SYMBOL, D("0.01"), D("59000.00"))
    ask = await manager.execute_spot_sell(SYMBOL, D("0.01"), D("61000.00"))

    # Found by the query, with the market buy's fills from myTrades: never REJECTED.
    assert buy.state is OrderState.FILLED
    assert buy.filled == D("0.02")
    assert (bid.state, ask.state) == (OrderState.NEW, OrderState.NEW)
    counts = orders_per_client_id(venue.ex)
    assert counts == {o.client_order_id: 1 for o in (buy, bid, ask)}, "resent"
    snap = manager.metrics_snapshot()
    assert snap.unknown_resolved_found_total == 3
    assert snap.unknown_resolved_not_placed_total == 0
    assert snap.orders_rejected_total == 0
    assert snap.unknown_outcomes_open == 0
    kinds = [e.kind for e in manager.journal.entries() if e.client_order_id == buy.client_order_id]
    assert kinds[:2] == ["Intent", "Sent"]
    assert "SendUnknown" in kinds  # (the stream's report may come first: it is applied as well)
    assert "SendRejected" not in kinds and "NotFound" not in kinds
    await settle(manager, venue.ex)
    assert_matches_exchange(manager, venue.ex)


async def test_5xx_and_1007_after_execution_resolve_as_placed(make_venue: MakeVenue) -> None:
    faults = FaultConfig(seed=1, error_after_execution=1.0)
    await _place_three(await make_venue(faults=faults), faults)


async def test_timeout_after_execution_resolves_as_placed(make_venue: MakeVenue) -> None:
    faults = FaultConfig(timeout_after_execution=1.0)
    # The server holds the answer 0.2 s, then answers -1007 (web-socket-api.md, General API
    # Information).
    await _place_three(await make_venue(faults=faults, request_timeout=0.2), faults)


async def test_a_lost_send_is_never_placed_only_after_its_deadline() -> None:
    clock = ManualClock()
    ex = new_exchange(clock)
    venue = Venue("sim", ex)
    transport = LostSend(ex, TRADER, recv_window_ms=5000)
    manager = await venue.manager(transport=transport, not_found_margin_ms=1000)
    try:
        transport.lose = 1
        sent_at = clock()
        placing = asyncio.ensure_future(manager.execute_spot_buy(SYMBOL, D("0.01"), D("50000")))
        await wait_until(lambda: bool(manager.orders()))
        [order] = manager.orders()
        await wait_until(lambda: order.state is OrderState.UNKNOWN)

        # The exchange says -2013 to every query, but the request could still arrive and
        # execute until timestamp + recvWindow: the order stays UNKNOWN, the call waits.
        for now in (sent_at, sent_at + 5000, sent_at + 6000):
            clock.now_ms = now
            await asyncio.sleep(0.15)
            assert order.state is OrderState.UNKNOWN
            assert not placing.done()
        clock.now_ms = sent_at + 6001
        returned = await asyncio.wait_for(placing, 5)

        assert returned is order
        assert order.state is OrderState.REJECTED
        assert order.reject_code == -2013
        assert exchange_orders(ex, TRADER) == []
        snap = manager.metrics_snapshot()
        assert snap.unknown_resolved_not_placed_total == 1
        assert snap.unknown_resolved_found_total == 0
        # The next order is a new one with a new client id, and it is placed once.
        again = await manager.execute_spot_buy(SYMBOL, D("0.01"), D("50000"))
        assert again.client_order_id != order.client_order_id
        assert again.state is OrderState.NEW
        assert orders_per_client_id(ex) == {again.client_order_id: 1}
    finally:
        await venue.close()


async def test_a_lost_send_found_later_is_placed_not_rejected() -> None:
    """The exchange answers -2013 at first, then knows the order: it was only late."""
    clock = ManualClock()
    ex = new_exchange(clock)
    venue = Venue("sim", ex)
    transport = LostSend(ex, TRADER)
    manager = await venue.manager(transport=transport)
    try:
        transport.lose = 1
        placing = asyncio.ensure_future(manager.execute_spot_buy(SYMBOL, D("0.01"), D("50000")))
        await wait_until(lambda: bool(manager.orders()))
        [order] = manager.orders()
        await wait_until(lambda: order.state is OrderState.UNKNOWN)
        await asyncio.sleep(0.1)
        # The delayed request reaches the matching engine now, inside its recvWindow.
        clock.advance(3000)
        ex.place_order(TRADER, manager.engine.new_order_request(order))
        await asyncio.wait_for(placing, 5)
        assert order.state is OrderState.NEW
        assert orders_per_client_id(ex) == {order.client_order_id: 1}
        assert manager.metrics_snapshot().unknown_resolved_found_total == 1
    finally:
        await venue.close()


async def test_a_lost_cancel_is_sent_again_until_the_order_is_closed() -> None:
    """A cancel whose outcome is unknown: if the order is still open on the exchange, the
    cancel did not happen (yet); a second cancel is harmless (-2011 at worst)."""
    ex = new_exchange()
    venue = Venue("sim", ex)
    transport = LostSend(ex, TRADER)
    manager = await venue.manager(transport=transport)
    try:
        bid = await manager.execute_spot_buy(SYMBOL, D("0.01"), D("50000"))
        transport.lose_cancels = 2
        await manager.cancel(bid)
        assert state(bid) is OrderState.CANCELED
        assert ex.open_orders(TRADER) == []
        # A network that loses every cancel: a bounded number of tries, then the truth.
        other = await manager.execute_spot_buy(SYMBOL, D("0.01"), D("50000"))
        transport.lose_cancels = 100
        await asyncio.wait_for(manager.cancel(other), 5)
        assert transport.lose_cancels == 100 - manager.config.cancel_attempts
        assert state(other) is OrderState.NEW
        assert len(ex.open_orders(TRADER)) == 1
        transport.lose_cancels = 0
        await settle(manager, ex)
        assert_matches_exchange(manager, ex)
    finally:
        await venue.close()


class SlowSend(LostSend):
    """A network that holds the next order request until ``release`` is set: the request is
    still on its way while the exchange, asked meanwhile, truthfully says -2013."""

    release: asyncio.Event | None = None

    async def place_spot_order(self, order: NewOrder) -> NewOrderResponse:
        if self.release is not None:
            await self.release.wait()
        return await super().place_spot_order(order)


async def test_an_order_whose_send_is_in_flight_is_never_declared_not_placed() -> None:
    """A stale ack check during a slow send gets -2013: never "never placed" while sending."""
    clock = ManualClock()
    ex = new_exchange(clock)
    venue = Venue("sim", ex)
    transport = SlowSend(ex, TRADER)
    transport.release = asyncio.Event()
    # The manager on the exchange's clock, so that "past the deadline" is past it for both.
    manager = OrderManager(transport, config=fast_config(ack_timeout=0.05), clock=clock)
    venue.managers.append(manager)
    await manager.start()
    try:
        placing = asyncio.ensure_future(manager.execute_spot_buy(SYMBOL, D("0.01"), D("50000")))
        await wait_until(lambda: bool(manager.orders()))
        [order] = manager.orders()
        clock.advance(60_000)  # far past any deadline; the ack check queries: -2013
        for _ in range(6):
            await asyncio.sleep(0.1)
            clock.advance(1000)
        assert order.state is not OrderState.REJECTED
        assert not placing.done()
        transport.release.set()  # the request arrives and executes
        assert await asyncio.wait_for(placing, 5) is order
        assert order.state is OrderState.NEW
        assert orders_per_client_id(ex) == {order.client_order_id: 1}
        assert manager.metrics_snapshot().unknown_resolved_not_placed_total == 0
    finally:
        await venue.close()


class GarbledSend(LostSend):
    """A network whose next order request fails with an unclassified transport error: the
    request never reached the exchange, but the client cannot know that."""

    garble = 1

    async def place_spot_order(self, order: NewOrder) -> NewOrderResponse:
        if self.garble > 0:
            self.garble -= 1
            raise TransportError("connection broke mid-request")
        return await super().place_spot_order(order)


async def test_an_unclassified_send_error_is_unknown_then_never_placed_after_the_deadline() -> None:
    clock = ManualClock()
    ex = new_exchange(clock)
    venue = Venue("sim", ex)
    transport = GarbledSend(ex, TRADER)
    manager = OrderManager(transport, config=fast_config(), clock=clock)
    venue.managers.append(manager)
    await manager.start()
    try:
        placing = asyncio.ensure_future(manager.execute_spot_buy(SYMBOL, D("0.01"), D("50000")))
        await wait_until(lambda: bool(manager.orders()))
        [order] = manager.orders()
        await wait_until(lambda: order.state is OrderState.UNKNOWN)
        clock.advance(30_000)  # past creation + recvWindow + margins
        assert await asyncio.wait_for(placing, 5) is order
        assert order.state is OrderState.REJECTED and order.reject_code == -2013
        assert exchange_orders(ex, TRADER) == []
    finally:
        await venue.close()

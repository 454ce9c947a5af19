"""Issue 6 point 5: reconciliation at startup, after every stream gap and when asked; lost
events, fills during a stream gap, orders opened elsewhere, cancels racing fills, -2011.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from oms.core.outputs import OrderAdopted, Output
from oms.core.state import OrderState
from oms.errors import AuthError
from oms.runtime.manager import OrderManager
from oms.testing.sim import (
    SYMBOL,
    TRADER,
    fast_config,
    lift,
    limit,
    new_exchange,
    quote_book,
    settle,
    wait_until,
)
from oms.wire.enums import Side
from oms.wire.requests import CancelOrder
from oms.wire.stream import StreamItem
from tests.manager.support import D, Venue, assert_matches_exchange, state
from transports.sim.faults import FaultConfig
from transports.sim.transport import SimTransport

pytestmark = pytest.mark.timeout(30)
MakeVenue = Callable[..., Awaitable[Venue]]


async def _manager(venue: Venue, faults: FaultConfig) -> OrderManager:
    return await venue.manager(faults=faults if venue.kind == "sim" else None)


async def test_lost_events_are_recovered_by_reconciliation(make_venue: MakeVenue) -> None:
    faults = FaultConfig(drop_event=1.0)
    venue = await make_venue(faults=faults)
    manager = await _manager(venue, faults)
    sell = await manager.execute_spot_sell(SYMBOL, D("0.3"), D("60500.00"))
    bid = await manager.execute_spot_buy(SYMBOL, D("0.1"), D("59000.00"))
    assert (sell.state, bid.state) == (OrderState.NEW, OrderState.NEW)
    lift(venue.ex, Side.BUY, "0.3", "60500.00")
    lift(venue.ex, Side.SELL, "0.04", "59000.00")

    # Every event is lost: nothing tells the manager, until it reconciles.
    assert (state(sell), bid.filled) == (OrderState.NEW, D(0))
    report = await manager.reconcile("test")

    assert state(sell) is OrderState.FILLED
    assert (state(bid), bid.filled) == (OrderState.PARTIALLY_FILLED, D("0.04"))
    kinds = {(c.kind, c.key) for c in report.corrections}
    assert ("order", sell.client_order_id) in kinds
    assert ("order", bid.client_order_id) in kinds
    assert {"BTC", "USDT"} <= {c.key for c in report.corrections if c.kind == "balance"}
    assert not report.errors
    assert_matches_exchange(manager, venue.ex)
    again = await manager.reconcile("again")
    assert again.clean, again


async def test_some_events_lost_some_doubled_then_reconciled(make_venue: MakeVenue) -> None:
    faults = FaultConfig(seed=5, drop_event=0.4, duplicate_event=0.3, reorder_events=0.5)
    venue = await make_venue(faults=faults)
    quote_book(venue.ex)
    manager = await _manager(venue, faults)
    orders = [
        await manager.execute_spot_sell(SYMBOL, D("0.05"), D(f"{60500 + i}.00")) for i in range(4)
    ]
    await manager.execute_spot_buy(SYMBOL, D("0.02"))
    for i in range(3):
        lift(venue.ex, Side.BUY, "0.05", f"{60500 + i}.00")
    await manager.cancel(orders[3])
    await manager.reconcile("test")
    assert_matches_exchange(manager, venue.ex)
    fill_ids = [tid for o in manager.orders() for tid in o.fills]
    assert len(fill_ids) == len(set(fill_ids))


async def test_fills_during_a_stream_gap_are_reconciled(make_venue: MakeVenue) -> None:
    # The stream drops after every action's events; Binance replays nothing (user-data-stream.md,
    # Order Update).
    faults = FaultConfig(disconnect_every=1)
    venue = await make_venue(faults=faults)
    manager = await _manager(venue, faults)
    sells = [
        await manager.execute_spot_sell(SYMBOL, D("0.1"), D(f"{60500 + i}.00")) for i in range(3)
    ]
    before = manager.metrics_snapshot()
    # Three fills in a row, with no chance for the client to read in between: the events
    # after the first action's are lost with the connection.
    for i in range(3):
        lift(venue.ex, Side.BUY, "0.1", f"{60500 + i}.00")
    await manager.wait_for(lambda: all(s.is_terminal for s in sells))
    await settle(manager, venue.ex)

    assert all(state(s) is OrderState.FILLED for s in sells)
    snap = manager.metrics_snapshot()
    assert snap.stream_gaps_total > before.stream_gaps_total
    # What the lost events carried was found and corrected by the reconciliations.
    assert snap.reconcile_corrections_total > before.reconcile_corrections_total
    assert snap.reconciliations_total >= snap.stream_gaps_total
    assert manager.last_reconcile is not None
    assert manager.last_reconcile.reason.startswith("stream gap")
    assert_matches_exchange(manager, venue.ex)


async def test_orders_opened_elsewhere_are_adopted_at_startup(venue: Venue) -> None:
    # Another process (same account) has an order resting before the manager starts.
    venue.ex.place_order(TRADER, limit(Side.BUY, "0.01", "55000.00", cid="elsewhere-1", stp=None))
    manager = OrderManager(venue.transport(), config=fast_config())
    venue.managers.append(manager)
    seen: list[Output] = []
    manager.on_update(seen.append)
    report = await manager.start()

    adopted = manager.order("elsewhere-1")
    assert adopted is not None and adopted.state is OrderState.NEW
    assert adopted.price == D("55000.00")
    assert ("adopted", "elsewhere-1") in {(c.kind, c.key) for c in report.corrections}
    assert [o.client_order_id for o in seen if isinstance(o, OrderAdopted)] == ["elsewhere-1"]
    assert manager.metrics_snapshot().orders_adopted_total == 1
    await manager.cancel(adopted)
    assert venue.ex.open_orders(TRADER) == []


async def test_orders_opened_elsewhere_while_running_are_adopted(venue: Venue) -> None:
    manager = await venue.manager()
    seen: list[Output] = []
    manager.on_update(seen.append)
    venue.ex.place_order(TRADER, limit(Side.SELL, "0.2", "61000.00", cid="elsewhere-2", stp=None))
    await manager.wait_for(lambda: manager.order("elsewhere-2") is not None)
    adopted = manager.order("elsewhere-2")
    assert adopted is not None
    assert [o.client_order_id for o in seen if isinstance(o, OrderAdopted)] == ["elsewhere-2"]
    lift(venue.ex, Side.BUY, "0.2", "61000.00")
    await manager.wait_for(lambda: adopted.is_terminal)
    assert state(adopted) is OrderState.FILLED
    await settle(manager, venue.ex)
    assert_matches_exchange(manager, venue.ex)


async def test_cancel_racing_a_fill_ends_filled(venue: Venue) -> None:
    manager = await venue.manager()
    sell = await manager.execute_spot_sell(SYMBOL, D("0.1"), D("60500.00"))
    # The fill happens on the exchange; the cancel leaves before its report is read.
    lift(venue.ex, Side.BUY, "0.1", "60500.00")
    await manager.cancel(sell)
    await manager.wait_for(lambda: sell.is_terminal)
    assert state(sell) is OrderState.FILLED
    assert sell.filled == D("0.1")
    await settle(manager, venue.ex)
    assert_matches_exchange(manager, venue.ex)


async def test_cancel_of_an_order_canceled_elsewhere_gets_2011_and_settles(venue: Venue) -> None:
    manager = await venue.manager()
    bid = await manager.execute_spot_buy(SYMBOL, D("0.1"), D("55000.00"))
    venue.ex.cancel_order(TRADER, CancelOrder(symbol=SYMBOL, order_id=bid.order_id))
    await manager.cancel(bid)  # -2011: not raised, the order is checked instead
    await manager.wait_for(lambda: bid.is_terminal)
    assert state(bid) is OrderState.CANCELED
    await settle(manager, venue.ex)
    assert_matches_exchange(manager, venue.ex)


async def test_a_partially_filled_order_canceled_keeps_its_fills(venue: Venue) -> None:
    manager = await venue.manager()
    sell = await manager.execute_spot_sell(SYMBOL, D("0.3"), D("60500.00"))
    lift(venue.ex, Side.BUY, "0.1", "60500.00")
    await manager.cancel(sell)
    await wait_until(lambda: sell.is_terminal and sell.filled == D("0.1"))
    assert state(sell) is OrderState.CANCELED
    await settle(manager, venue.ex)
    assert_matches_exchange(manager, venue.ex)


async def test_periodic_reconciliation_repairs_a_lost_event_without_a_gap(
    make_venue: MakeVenue,
) -> None:
    """A fill whose events are all lost on a live stream is repaired by the periodic sweep."""
    faults = FaultConfig(drop_event=1.0)
    venue = await make_venue(faults=faults)
    manager = await venue.manager(
        faults=faults if venue.kind == "sim" else None, reconcile_interval=0.3
    )
    sell = await manager.execute_spot_sell(SYMBOL, D("0.3"), D("60500.00"))
    runs = manager.metrics_snapshot().reconciliations_total
    lift(venue.ex, Side.BUY, "0.3", "60500.00")
    assert state(sell) is OrderState.NEW  # nothing arrived: the events were lost
    await manager.wait_for(lambda: state(sell) is OrderState.FILLED, timeout=5.0)
    assert manager.metrics_snapshot().reconciliations_total > runs
    assert manager.last_reconcile is not None and manager.last_reconcile.reason == "periodic"
    assert_matches_exchange(manager, venue.ex)


class FailingStreamOnce(SimTransport):
    """A transport whose user data stream dies once with an error its own reconnects do not
    absorb (as ``BinanceClient`` does for a refused key)."""

    failures = 1

    async def user_data(self) -> AsyncIterator[StreamItem]:  # type: ignore[override]
        if self.failures > 0:
            self.failures -= 1
            raise AuthError(-2015, "Invalid API-key, IP, or permissions for action.")
        async for item in super().user_data():
            yield item


async def test_a_failed_stream_is_reopened_and_reconciled() -> None:
    ex = new_exchange()
    venue = Venue("sim", ex)
    manager = await venue.manager(transport=FailingStreamOnce(ex, TRADER), stream_start_timeout=0.2)
    try:
        await manager.wait_for(lambda: manager.metrics_snapshot().stream_gaps_total >= 1, 5.0)
        assert manager.metrics_snapshot().background_failures_total == 1
        sell = await manager.execute_spot_sell(SYMBOL, D("0.1"), D("60500.00"))
        lift(ex, Side.BUY, "0.1", "60500.00")
        await manager.wait_for(lambda: state(sell) is OrderState.FILLED, 5.0)
        assert_matches_exchange(manager, ex)
    finally:
        await venue.close()

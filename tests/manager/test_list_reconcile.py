"""Issue 13, item 7: order lists reconciled after every gap like orders. At startup and after
each (re)subscription the manager applies ``openOrderList``, adopts a list opened elsewhere,
and queries by list client id each list it holds open that the exchange no longer lists
(Binance replays nothing after a reconnect: web-socket-api.md, User Data Stream requests)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from oms.core.list_commands import ListCancelRequested
from oms.core.list_state import ListState
from oms.core.lists import oco_request
from oms.core.state import OrderState
from oms.runtime.journal import Journal
from oms.runtime.manager import OrderManager
from oms.testing.sim import (
    SYMBOL,
    TRADER,
    D,
    fast_config,
    lift,
    new_exchange,
    settle,
    wait_until,
)
from oms.wire.enums import Side
from transports.sim.faults import FaultConfig
from transports.sim.transport import SimTransport

from .support import assert_matches_exchange
from .test_lists import ABOVE, BELOW

pytestmark = pytest.mark.timeout(30)


async def test_a_list_whose_events_were_lost_is_corrected_by_reconciliation() -> None:
    ex = new_exchange()
    transport = SimTransport(ex, TRADER, faults=FaultConfig(drop_event=1.0))
    async with OrderManager(transport, config=fast_config()) as oms:
        oco = await oms.place_oco(ABOVE, BELOW, list_client_order_id="oco-lost")
        assert oco.state is ListState.EXECUTING  # from the REST answer
        lift(ex, Side.BUY, "0.01", "62000.00")  # the above leg fills, the below expires
        # Every event is lost: only the exchange's own answers can tell.
        assert oco.state is ListState.EXECUTING
        report = await oms.reconcile("stream gap: test")
        assert oco.state is ListState.ALL_DONE
        above, below = oms.engine.legs(oco)
        assert (above.state, below.state) == (OrderState.FILLED, OrderState.EXPIRED)
        assert ("list", "oco-lost", "EXECUTING", "ALL_DONE") in {
            (c.kind, c.key, c.before, c.after) for c in report.corrections
        }
        assert not report.errors
        assert_matches_exchange(oms, ex)
        assert (await oms.reconcile("again")).clean


async def test_events_lost_in_a_stream_gap_are_recovered_after_resubscribing() -> None:
    # The stream drops after each action's first events; what followed is gone for good.
    ex = new_exchange()
    transport = SimTransport(ex, TRADER, faults=FaultConfig(disconnect_every=1))
    async with OrderManager(transport, config=fast_config()) as oms:
        sell = await oms.execute_spot_sell(SYMBOL, D("0.02"), D("60500.00"))
        oco = await oms.place_oco(ABOVE, BELOW, list_client_order_id="oco-gap")
        gaps = oms.metrics_snapshot().stream_gaps_total
        # Two actions with no chance to read between: the OCO's are lost with the connection.
        lift(ex, Side.BUY, "0.02", "60500.00")
        lift(ex, Side.BUY, "0.01", "62000.00")
        await wait_until(lambda: oco.state is ListState.ALL_DONE)
        assert oms.metrics_snapshot().stream_gaps_total > gaps
        assert sell.state is OrderState.FILLED
        assert [o.state for o in oms.engine.legs(oco)] == [OrderState.FILLED, OrderState.EXPIRED]
        await settle(oms, ex)
        assert_matches_exchange(oms, ex)


async def test_a_list_opened_elsewhere_is_adopted_at_startup() -> None:
    ex = new_exchange()
    ex.place_order_list(TRADER, oco_request("web-oco", (ABOVE, "web-above"), (BELOW, "web-below")))
    async with OrderManager(SimTransport(ex, TRADER), config=fast_config()) as oms:
        report = oms.last_reconcile
        assert report is not None  # the first subscription's reconciliation (a gap)
        assert ("adopted list", "web-oco") in {(c.kind, c.key) for c in report.corrections}
        adopted = oms.engine.order_list("web-oco")
        assert adopted is not None and adopted.state is ListState.EXECUTING
        legs = oms.engine.legs(adopted)
        assert [o.client_order_id for o in legs] == ["web-above", "web-below"]
        assert all(o.state is OrderState.NEW for o in legs)
        # Adopted, it is ours to cancel like any list.
        await oms.cancel_list(adopted)
        assert adopted.state is ListState.ALL_DONE
        await settle(oms, ex)
        assert_matches_exchange(oms, ex)


async def test_a_list_placement_cut_short_by_a_restart_is_resolved_by_query(
    tmp_path: Path,
) -> None:
    # The OCO's request is lost; the process dies before the query that would settle it.
    # After the restart the list is marked unknown and queried, never resent: the exchange
    # never had it, so once its deadline passes it is rejected with its legs.
    ex = new_exchange()
    path = str(tmp_path / "journal.sqlite")
    quick = {"not_found_margin_ms": 50, "unstamped_margin_ms": 50}
    lost = SimTransport(ex, TRADER, faults=FaultConfig(lose_request=1.0), recv_window_ms=100)
    first = OrderManager(lost, journal=Journal(path), config=fast_config(stream=False, **quick))
    try:
        await first.start()
        placing = asyncio.create_task(first.place_oco(ABOVE, BELOW, list_client_order_id="oco-cut"))
        await wait_until(lambda: first.engine.order_list("oco-cut") is not None)
    finally:
        await first.close()  # the process dies (its journal closed, also on a failure)
    placing.cancel()
    with contextlib.suppress(BaseException):
        await placing
    transport = SimTransport(ex, TRADER, recv_window_ms=100)
    async with OrderManager(transport, journal=Journal(path),
                            config=fast_config(**quick)) as again:  # fmt: skip
        lst = again.engine.order_list("oco-cut")
        assert lst is not None
        await wait_until(lambda: lst.state is ListState.REJECTED)
        assert [o.state for o in again.engine.legs(lst)] == [OrderState.REJECTED] * 2
    assert ex.all_order_lists(TRADER) == []  # never resent


async def test_a_list_cancel_cut_short_by_a_restart_is_settled_by_query(tmp_path: Path) -> None:
    # The process journals its list cancel (durable before the request leaves) and dies
    # before the request does. After the restart the cancel is no longer awaited
    # (ListCancelUnknown) and the queries it queues find the list still executing: the
    # list and its legs go back to what the exchange has, never guessed canceled.
    ex = new_exchange()
    path = str(tmp_path / "journal.sqlite")
    async with OrderManager(SimTransport(ex, TRADER), journal=Journal(path),
                            config=fast_config()) as first:  # fmt: skip
        oco = await first.place_oco(ABOVE, BELOW, list_client_order_id="oco-cancel-cut")
        await settle(first, ex)
        at_ms = ex.server_time()
    journal = Journal(path)
    journal.record(ListCancelRequested(list_client_order_id="oco-cancel-cut", at_ms=at_ms), at_ms)
    journal.commit()
    journal.close()
    async with OrderManager(SimTransport(ex, TRADER), journal=Journal(path),
                            config=fast_config()) as again:  # fmt: skip
        lst = again.engine.order_list("oco-cancel-cut")
        assert lst is not None
        await wait_until(lambda: lst.state is ListState.EXECUTING)
        legs = again.engine.legs(lst)
        await wait_until(lambda: all(o.state is OrderState.NEW for o in legs))
        assert not lst.cancel_in_flight
        await again.cancel_list(lst)
        assert lst.state is ListState.ALL_DONE
        await settle(again, ex)
        assert_matches_exchange(again, ex)
    assert oco.list_client_order_id == "oco-cancel-cut"

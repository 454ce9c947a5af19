"""The order manager's order lists over the simulated exchange: a bracket runs entry then exit
while the market moves, an OCO placement with an unknown outcome is resolved by query and
never resent, a restart replays the list from the journal, and amend / cancel-replace apply
what the exchange did. Every scenario ends matching the exchange."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from oms.core.list_state import ListState
from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.errors import InvalidTransition
from oms.runtime.journal import Journal
from oms.runtime.manager import OrderManager
from oms.testing.sim import SYMBOL, TRADER, fast_config, lift, new_exchange, settle, wait_until
from oms.wire.enums import CancelReplaceMode, OrderType, Side, TimeInForce
from transports.sim.faults import FaultConfig
from transports.sim.trade_replay import PublicTrade, TradeReplay
from transports.sim.transport import SimTransport

from .support import assert_matches_exchange

D = Decimal
# An OCO exit of 0.01 BTC: take profit at 62000, stop at 57000 (the market is near 60000).
ABOVE = OrderSpec(symbol=SYMBOL, side=Side.SELL, order_type=OrderType.LIMIT_MAKER,
                  quantity=D("0.01"), price=D("62000.00"))  # fmt: skip
BELOW = OrderSpec(symbol=SYMBOL, side=Side.SELL, order_type=OrderType.STOP_LOSS,
                  quantity=D("0.01"), stop_price=D("57000.00"))  # fmt: skip


def _market_trades(ex: object, *prices: str) -> None:
    trades = [
        PublicTrade(id=i, price=D(p), qty=D("0.0001"), quote_qty=D(p) * D("0.0001"), time=0,
                    is_buyer_maker=True, is_best_match=True)
        for i, p in enumerate(prices)
    ]  # fmt: skip
    TradeReplay(ex, SYMBOL, trades).run()  # type: ignore[arg-type]


async def test_bracket_entry_fills_then_take_profit_fills_and_stop_expires() -> None:
    ex = new_exchange()
    async with OrderManager(SimTransport(ex, TRADER), config=fast_config()) as oms:
        bracket = await oms.bracket(
            SYMBOL, Side.BUY, D("0.01"), entry_price=D("59000.00"),
            take_profit=D("61000.00"), stop_loss=D("58000.00"), list_client_order_id="br-1",
        )  # fmt: skip
        assert bracket.state is ListState.EXECUTING
        entry, tp, sl = oms.engine.legs(bracket)
        assert (entry.state, tp.state, sl.state) == (
            OrderState.NEW, OrderState.PENDING_NEW, OrderState.PENDING_NEW,
        )  # fmt: skip
        lift(ex, Side.SELL, "0.01", "59000.00")  # the entry fills: the exit OCO goes live
        await wait_until(lambda: tp.state is OrderState.NEW and sl.state is OrderState.NEW)
        _market_trades(ex, "60000.00", "60500.00")  # the market moves up
        lift(ex, Side.BUY, "0.01", "61000.00")  # the take-profit fills
        await wait_until(lambda: bracket.state is ListState.ALL_DONE)
        await wait_until(lambda: sl.state is OrderState.EXPIRED)
        assert tp.state is OrderState.FILLED and entry.state is OrderState.FILLED
        await settle(oms, ex)
        assert_matches_exchange(oms, ex)
        assert oms.order_lists() == [bracket]


async def test_unknown_oco_placement_is_resolved_by_query_not_resent() -> None:
    ex = new_exchange()
    transport = SimTransport(ex, TRADER, faults=FaultConfig(error_after_execution=1.0))
    async with OrderManager(transport, config=fast_config(stream=False)) as oms:
        oco = await oms.place_oco(ABOVE, BELOW, list_client_order_id="oco-1")
        assert oco.state is ListState.EXECUTING
        assert [o.state for o in oms.engine.legs(oco)] == [OrderState.NEW, OrderState.NEW]
    assert len(ex.all_order_lists(TRADER)) == 1  # resolved, never resent


async def test_restart_replays_the_list_from_the_journal(tmp_path: Path) -> None:
    ex = new_exchange()
    path = str(tmp_path / "journal.sqlite")
    async with OrderManager(SimTransport(ex, TRADER), journal=Journal(path),
                            config=fast_config()) as oms:  # fmt: skip
        await oms.place_oco(ABOVE, BELOW, list_client_order_id="oco-r")
    async with OrderManager(SimTransport(ex, TRADER), journal=Journal(path),
                            config=fast_config()) as again:  # fmt: skip
        lst = again.engine.order_list("oco-r")
        assert lst is not None and lst.state is ListState.EXECUTING
        assert [o.state for o in again.engine.legs(lst)] == [OrderState.NEW, OrderState.NEW]
        await again.cancel_list(lst)
        assert lst.state is ListState.ALL_DONE
        await settle(again, ex)
        assert_matches_exchange(again, ex)


async def test_amend_and_cancel_replace() -> None:
    ex = new_exchange()
    async with OrderManager(SimTransport(ex, TRADER), config=fast_config()) as oms:
        order = await oms.execute_spot_sell(SYMBOL, D("0.02"), D("62000.00"))
        answer = await oms.amend(order, D("0.01"))
        assert answer.amended_order.qty == D("0.01")
        await wait_until(lambda: order.quantity == D("0.01"))
        spec = OrderSpec(symbol=SYMBOL, side=Side.SELL, order_type=OrderType.LIMIT,
                         quantity=D("0.01"), price=D("63000.00"),
                         time_in_force=TimeInForce.GTC)  # fmt: skip
        new = await oms.cancel_replace(order, spec)
        assert order.state is OrderState.CANCELED and new.state is OrderState.NEW
        # The old order is canceled: the engine refuses locally, nothing is sent.
        with pytest.raises(InvalidTransition):
            await oms.cancel_replace(order, spec, mode=CancelReplaceMode.ALLOW_FAILURE)
        await settle(oms, ex)
        assert_matches_exchange(oms, ex)
        assert len(ex.open_orders(TRADER)) == 1


async def test_a_lost_all_done_is_found_by_the_list_check() -> None:
    ex = new_exchange()
    # No stream: every event is lost; only the periodic reconciliation and the list check
    # can learn that the list ended.
    config = fast_config(stream=False, reconcile_interval=0.2)
    async with OrderManager(SimTransport(ex, TRADER), config=config) as oms:
        oco = await oms.place_oco(ABOVE, BELOW, list_client_order_id="oco-l")
        assert oco.state is ListState.EXECUTING
        ex.cancel_order_list(TRADER, oco.cancel_request())  # canceled elsewhere
        await wait_until(lambda: oco.state is ListState.ALL_DONE)
        assert [o.state for o in oms.engine.legs(oco)] == [OrderState.CANCELED] * 2


async def test_a_stop_limit_from_its_spec_arms_then_works() -> None:
    ex = new_exchange()
    async with OrderManager(SimTransport(ex, TRADER), config=fast_config()) as oms:
        spec = OrderSpec(symbol=SYMBOL, side=Side.SELL, order_type=OrderType.STOP_LOSS_LIMIT,
                         quantity=D("0.01"), price=D("58900.00"), stop_price=D("59000.00"),
                         time_in_force=TimeInForce.GTC)  # fmt: skip
        order = await oms.place(spec)
        await wait_until(lambda: order.is_working is False)
        assert order.stop_price == D("59000.00") and order.state is OrderState.NEW
        _market_trades(ex, "59500.00", "59000.00")
        await wait_until(lambda: order.is_working is True)
        assert order.working_time is not None
        await settle(oms, ex)
        assert_matches_exchange(oms, ex)


async def test_bracket_and_unknown_oco_in_process_and_over_the_local_server(
    kind: str, make_venue: Any
) -> None:
    # The bracket, on either venue.
    venue = await make_venue()
    oms = await venue.manager()
    bracket = await oms.bracket(
        SYMBOL, Side.BUY, D("0.01"), entry_price=D("59000.00"),
        take_profit=D("61000.00"), stop_loss=D("58000.00"),
    )  # fmt: skip
    entry, tp, sl = oms.engine.legs(bracket)
    lift(venue.ex, Side.SELL, "0.01", "59000.00")
    await wait_until(lambda: tp.state is OrderState.NEW and sl.state is OrderState.NEW)
    lift(venue.ex, Side.BUY, "0.01", "61000.00")
    await wait_until(lambda: bracket.state is ListState.ALL_DONE and sl.is_terminal)
    assert (entry.state, tp.state, sl.state) == (
        OrderState.FILLED, OrderState.FILLED, OrderState.EXPIRED,
    )  # fmt: skip
    await settle(oms, venue.ex)
    assert_matches_exchange(oms, venue.ex)
    # An OCO whose placement answer is lost after it executed: resolved, never resent.
    faults = FaultConfig(error_after_execution=1.0)
    faulty = await make_venue(faults=faults) if kind == "server" else venue
    manager = await faulty.manager(faults=faults) if kind == "sim" else await faulty.manager()
    oco = await manager.place_oco(ABOVE, BELOW, list_client_order_id="oco-u")
    assert oco.state is ListState.EXECUTING
    assert [x.list_client_order_id for x in faulty.ex.all_order_lists(TRADER)].count("oco-u") == 1


class _SlowLists(SimTransport):
    """The simulated exchange one loop turn away, as over a network: the list request
    yields before it is answered."""

    async def place_order_list(self, request: Any) -> Any:
        await asyncio.sleep(0)
        return await super().place_order_list(request)


async def test_a_list_placed_right_after_start_is_not_taken_for_a_restart_leftover() -> None:
    """The lists a restart left open are collected inside ``start()``: a list placed the
    moment it returns (no loop turn in between) is not marked "interrupted by a restart"
    while its request is out (its answer then raised InvalidTransition)."""
    ex = new_exchange()
    oms = OrderManager(_SlowLists(ex, TRADER), config=fast_config(stream=False))
    await oms.start()
    try:
        oco = await oms.place_oco(ABOVE, BELOW, list_client_order_id="oco-fresh")
        assert oco.state is ListState.EXECUTING
        assert [o.state for o in oms.engine.legs(oco)] == [OrderState.NEW, OrderState.NEW]
        # Never taken for unknown: no "interrupted by a restart", no query to resolve it.
        assert "ListSendUnknown" not in [entry.kind for entry in oms.journal.entries()]
    finally:
        await oms.close()
    assert len(ex.all_order_lists(TRADER)) == 1

"""Amend keep priority and cancel-replace under faults: the order stays manageable when its
x=REPLACED report is lost; an amend without an answer is checked; a refused cancel-replace
changed nothing; one whose request was lost leaves the old order open, as the exchange has
it."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.errors import OutcomeUnknown, RateLimited
from oms.runtime.manager import OrderManager
from oms.testing.sim import SYMBOL, TRADER, fast_config, new_exchange, settle, wait_until
from oms.wire.amends import AmendKeepPriority, AmendResponse
from oms.wire.enums import OrderType, Side, TimeInForce
from transports.sim.exchange import ManualClock
from transports.sim.faults import FaultConfig
from transports.sim.transport import SimTransport

from .support import assert_matches_exchange

D = Decimal
pytestmark = pytest.mark.timeout(30)
REPLACEMENT = OrderSpec(symbol=SYMBOL, side=Side.SELL, order_type=OrderType.LIMIT,
                        quantity=D("0.01"), price=D("63000.00"),
                        time_in_force=TimeInForce.GTC)  # fmt: skip


async def test_an_amend_with_a_new_client_id_whose_report_is_lost_can_still_be_cancelled() -> None:
    ex = new_exchange()
    # No stream: the amend's x=REPLACED report (the only report that renames the order) is
    # lost; the check's query answer carries the new client id.
    config = fast_config(stream=False, reconcile_interval=0.2)
    async with OrderManager(SimTransport(ex, TRADER), config=config) as oms:
        order = await oms.execute_spot_sell(SYMBOL, D("0.02"), D("62000.00"))
        await oms.amend(order, D("0.01"), new_client_order_id="renamed-1")
        await wait_until(lambda: order.quantity == D("0.01"))
        await oms.cancel(order)
        assert order.state is OrderState.CANCELED
        assert ex.open_orders(TRADER) == []
        await settle(oms, ex)
        assert_matches_exchange(oms, ex)


async def test_a_refused_cancel_replace_changed_nothing_and_says_so_at_once() -> None:
    ex = new_exchange()
    transport = SimTransport(ex, TRADER, faults=FaultConfig())
    async with OrderManager(transport, config=fast_config()) as oms:
        order = await oms.execute_spot_sell(SYMBOL, D("0.01"), D("62000.00"))
        assert transport.faults is not None
        # A definite refusal before anything executes (429: rest-api.md, LIMITS).
        transport.faults.config = FaultConfig(orders_per_10s=0)
        with pytest.raises(RateLimited):
            await asyncio.wait_for(oms.cancel_replace(order, REPLACEMENT), 2)
        [new] = [o for o in oms.orders() if o is not order]
        assert (order.state, order.cancel_in_flight) == (OrderState.NEW, False)
        assert new.state is OrderState.REJECTED
        transport.faults.config = FaultConfig()
        await oms.cancel(order)
        assert order.state is OrderState.CANCELED
        await settle(oms, ex)
        assert_matches_exchange(oms, ex)


async def test_a_lost_cancel_replace_leaves_the_old_order_open_as_the_exchange_has_it() -> None:
    clock = ManualClock()
    ex = new_exchange(clock)
    transport = SimTransport(ex, TRADER, faults=FaultConfig(), request_timeout_s=0.01)
    config = fast_config(not_found_margin_ms=0, unstamped_margin_ms=0)
    async with OrderManager(transport, config=config) as oms:
        order = await oms.execute_spot_sell(SYMBOL, D("0.01"), D("62000.00"))
        assert transport.faults is not None
        transport.faults.config = FaultConfig(lose_request=1.0)  # never reaches the exchange
        replacing = asyncio.ensure_future(oms.cancel_replace(order, REPLACEMENT))
        await asyncio.sleep(0.1)
        clock.now_ms += 10_000  # past the new order's recvWindow: -2013 is final
        with pytest.raises(OutcomeUnknown):
            await asyncio.wait_for(replacing, 5)
        transport.faults.config = FaultConfig()
        [new] = [o for o in oms.orders() if o is not order]
        assert new.state is OrderState.REJECTED
        # The cancel half never happened: once checked, the old order is open again.
        await wait_until(lambda: order.state is OrderState.NEW)
        await settle(oms, ex)
        assert_matches_exchange(oms, ex)


class AmendUnanswered(SimTransport):
    """The exchange applies the amend; its answer never comes (the connection dies)."""

    async def amend_keep_priority(self, amend: AmendKeepPriority) -> AmendResponse:
        await super().amend_keep_priority(amend)
        raise OutcomeUnknown("connection reset after sending; outcome unknown")


async def test_an_amend_without_an_answer_is_checked_and_found_applied() -> None:
    ex = new_exchange()
    # No stream (its x=REPLACED report is lost) and no periodic sweep: only a check can tell.
    config = fast_config(stream=False, reconcile_interval=None)
    async with OrderManager(AmendUnanswered(ex, TRADER), config=config) as oms:
        order = await oms.execute_spot_sell(SYMBOL, D("0.02"), D("62000.00"))
        with pytest.raises(OutcomeUnknown):
            await oms.amend(order, D("0.01"), new_client_order_id="renamed-2")
        await wait_until(lambda: order.quantity == D("0.01"))
        assert oms.order("renamed-2") is order
        await oms.reconcile("balances: no stream")
        await settle(oms, ex)
        assert_matches_exchange(oms, ex)

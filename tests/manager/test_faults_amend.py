"""Amend keep priority under faults: the order stays manageable when its x=REPLACED report
is lost."""

from __future__ import annotations

from decimal import Decimal

from oms.core.state import OrderState
from oms.runtime.manager import OrderManager
from oms.testing.sim import SYMBOL, TRADER, fast_config, new_exchange, settle, wait_until
from transports.sim.transport import SimTransport

from .support import assert_matches_exchange

D = Decimal


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

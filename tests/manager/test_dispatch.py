"""The dispatcher's waiters: woken by applied outputs, gone once they return or time out."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest

from oms.core.commands import Intent, Sent
from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.wire.enums import OrderType, Side, TimeInForce
from tests.manager.support import bare_dispatcher

SPEC = OrderSpec(symbol="X", side=Side.BUY, order_type=OrderType.LIMIT, quantity=D(1),
                 price=D(1), time_in_force=TimeInForce.GTC)  # fmt: skip


async def test_wait_for_wakes_on_an_applied_output_and_leaves_no_waiter() -> None:
    with bare_dispatcher() as dispatcher:
        dispatcher.apply(Intent(client_order_id="a", at_ms=0, spec=SPEC))  # no output: no wake-up
        order = dispatcher.engine.order("a")
        assert order is not None
        waiting = asyncio.ensure_future(
            dispatcher.wait_for(lambda: order.state is OrderState.PENDING_ACK)
        )
        await asyncio.sleep(0)
        assert len(dispatcher._waiters) == 1
        dispatcher.apply(Sent(client_order_id="a", at_ms=0))
        await asyncio.wait_for(waiting, 1.0)
        assert dispatcher._waiters == []


async def test_wait_for_that_times_out_leaves_no_waiter() -> None:
    with bare_dispatcher() as dispatcher:
        with pytest.raises(TimeoutError):
            await dispatcher.wait_for(lambda: False, timeout=0.01)
        assert dispatcher._waiters == []

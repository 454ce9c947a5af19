"""The plugin's ``restart_manager`` fixture: a manager restarted mid-test on the same journal
and exchange recovers what it knew and what happened while it was down."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oms.core.state import OrderState
from oms.runtime.manager import OrderManager
from oms.testing.oracle import discrepancies
from oms.testing.plugin import SIM_ACCOUNT, Restart
from oms.testing.sim import limit
from oms.wire.enums import Side, TimeInForce
from transports.sim.exchange import SimExchange


async def test_restart_recovers_orders_from_the_journal(
    order_manager: OrderManager, restart_manager: Restart, sim_exchange: SimExchange
) -> None:
    order = await order_manager.execute_spot_buy("BTCUSDT", Decimal("0.01"), Decimal("50000"))
    cid = order.client_order_id
    manager = await restart_manager(order_manager)
    assert manager is not order_manager
    again = manager.order(cid)
    assert again is not None and again.state is OrderState.NEW
    assert again.order_id == order.order_id
    await manager.cancel(again)
    assert again.state in (OrderState.CANCELED,)  # (read anew: mypy narrowed it to NEW)
    await manager.reconcile("check")
    assert discrepancies(manager, sim_exchange, SIM_ACCOUNT) == []


async def test_a_fill_while_down_is_found_on_restart(
    order_manager: OrderManager, restart_manager: Restart, sim_exchange: SimExchange
) -> None:
    order = await order_manager.execute_spot_sell("BTCUSDT", Decimal("0.1"), Decimal("70000"))
    await order_manager.close()  # the process stops; the market trades through its order
    sim_exchange.create_account("taker", {"USDT": Decimal(100000)})
    sim_exchange.place_order("taker", limit(Side.BUY, "0.1", "70000", tif=TimeInForce.IOC))
    manager = await restart_manager(order_manager)
    again = manager.order(order.client_order_id)
    assert again is not None and again.state is OrderState.FILLED
    assert again.filled == Decimal("0.1")
    await manager.reconcile("check")
    assert discrepancies(manager, sim_exchange, SIM_ACCOUNT) == []


@pytest.mark.oms_faults(duplicate_event=0.3, reorder_events=0.3, drop_event=0.2, seed=5)
async def test_restarts_under_faults_end_without_discrepancies(
    order_manager: OrderManager, restart_manager: Restart, sim_exchange: SimExchange
) -> None:
    manager = order_manager
    for i in range(3):
        await manager.execute_spot_buy("BTCUSDT", Decimal("0.01"), Decimal(50000 + i))
        manager = await restart_manager(manager)
        assert manager.transport.faults is not None  # type: ignore[attr-defined]
        assert manager.transport.faults.config.seed == 5 + i + 1  # type: ignore[attr-defined]
    assert len(manager.open_orders()) == 3
    await manager.reconcile("end")
    assert discrepancies(manager, sim_exchange, SIM_ACCOUNT) == []

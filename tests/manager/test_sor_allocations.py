"""An order placed with smart order routing by another client of the account, whose events the
manager never saw: reconciliation adopts it from ``openOrders`` and the trades check finds its
fills in ``myAllocations``, since ``myTrades`` does not list allocations (rest-api.md, Query
Allocations; faqs/sor_faq.md, What are allocations?)."""

from __future__ import annotations

import pytest

from oms.core.order import allocation_key
from oms.core.state import OrderState
from oms.runtime.manager import OrderManager
from oms.testing import sim
from oms.testing.sim import MAKER, TRADER, D, fast_config, new_exchange, wait_until
from oms.wire.enums import Side
from transports.sim.faults import FaultConfig
from transports.sim.markets import default_markets
from transports.sim.transport import SimTransport

pytestmark = pytest.mark.timeout(30)


async def test_allocations_missed_by_the_stream_are_fetched_from_my_allocations() -> None:
    ex = new_exchange(config=default_markets(), trader={"USDT": D("100000"), "BTC": D("0")})
    # faqs/sor_faq.md's books, smaller: BTCUSDC is cheaper than BTCUSDT.
    for symbol, qty, price in (("BTCUSDC", "1", "28000"), ("BTCUSDT", "1", "30500")):
        ex.create_account(f"{MAKER}-{symbol}", {"BTC": D("10")})
        ex.place_order(f"{MAKER}-{symbol}", sim.limit(Side.SELL, qty, price, symbol=symbol))
    transport = SimTransport(ex, TRADER, faults=FaultConfig(drop_event=1.0))
    async with OrderManager(transport, config=fast_config()) as oms:
        # Another client of the account buys 3 with SOR: 2 allocations, 1 left resting.
        order = sim.limit(Side.BUY, "3", "31000", symbol="BTCUSDT")
        answer = ex.place_sor_order(TRADER, order)
        assert answer.status == "PARTIALLY_FILLED"
        # The stream lost every event: only the exchange's answers can tell.
        assert oms.engine.order_by_id("BTCUSDT", answer.order_id) is None
        await oms.reconcile("stream gap: test")
        adopted = oms.engine.order_by_id("BTCUSDT", answer.order_id)
        assert adopted is not None
        await wait_until(lambda: adopted.filled == D(2))
        assert adopted.state is OrderState.PARTIALLY_FILLED
        assert sorted(adopted.fills) == [allocation_key(1), allocation_key(0)]
        assert {(f.price, f.quantity) for f in adopted.fills.values()} == {
            (D(28000), D(1)),
            (D(30500), D(1)),
        }
        assert not adopted.awaiting_fills

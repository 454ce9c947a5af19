"""Issue 6 point 2 through the manager: each pre-trade rule refuses before anything is sent
(the exchange sees no order, the journal no intent), naming the rule and the nearest valid
value; the rounding helpers give values the checks accept.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.errors import OrderValidationError
from oms.runtime.manager import OrderManager
from oms.testing.sim import SYMBOL, TRADER, fast_config, new_exchange, quote_book
from oms.wire.enums import OrderType, Side
from tests.manager.support import Venue, exchange_orders
from transports.sim.transport import SimTransport

pytestmark = pytest.mark.timeout(30)
D = Decimal

# (side, quantity, price, rule, suggestion); the trader holds 100000 USDT and 1 BTC.
REFUSALS = [
    (Side.BUY, "0.01", "60000.005", "PRICE_FILTER", "60000.00"),
    (Side.SELL, "0.01", "60000.005", "PRICE_FILTER", "60000.01"),
    (Side.BUY, "0.000015", "60000.00", "LOT_SIZE", "0.00001"),
    (Side.BUY, "0.00001", "60000.00", "NOTIONAL", "0.00009"),
    (Side.BUY, "2", "60000.00", "BALANCE", "100000.00000000"),
    (Side.SELL, "1.5", "60000.00", "BALANCE", "1.00000000"),
    (Side.BUY, "0.01", "0.001", "PRICE_FILTER", "0.01"),
]


async def test_each_rule_refuses_before_sending(venue: Venue) -> None:
    manager = await venue.manager()
    for side, qty, price, rule, suggestion in REFUSALS:
        place = manager.execute_spot_buy if side is Side.BUY else manager.execute_spot_sell
        with pytest.raises(OrderValidationError) as refused:
            await place(SYMBOL, D(qty), D(price))
        found = refused.value
        assert found.rule == rule, (side, qty, price)
        assert found.suggestion is not None and D(found.suggestion) == D(suggestion), found
        # The message names the nearest valid value, exactly as suggested.
        assert found.suggestion in str(found)

    with pytest.raises(OrderValidationError) as unknown:
        await manager.execute_spot_buy("NOSUCHUSDT", D("1"), D("1.00"))
    assert unknown.value.rule == "symbol"
    assert "NOSUCHUSDT" in str(unknown.value)
    with pytest.raises(OrderValidationError) as nothing:
        await manager.execute_spot_buy(SYMBOL, None)
    assert nothing.value.rule == "quantity"

    assert exchange_orders(venue.ex, TRADER) == []
    assert manager.orders() == []
    assert [e.kind for e in manager.journal.entries() if e.kind == "Intent"] == []
    snap = manager.metrics_snapshot()
    assert snap.precheck_refused_total == len(REFUSALS) + 2
    assert snap.orders_placed_total == 0


async def test_market_orders_are_checked_at_the_last_trade_price(venue: Venue) -> None:
    quote_book(venue.ex)
    manager = await venue.manager()
    first = await manager.execute_spot_buy(SYMBOL, D("0.001"))
    assert first.state is OrderState.FILLED
    # Now the manager knows a price: a market buy worth less than 5 USDT is refused.
    with pytest.raises(OrderValidationError) as refused:
        await manager.execute_spot_buy(SYMBOL, D("0.00005"))
    assert refused.value.rule == "NOTIONAL"
    assert len(exchange_orders(venue.ex, TRADER)) == 1


async def test_rounding_helpers_give_values_the_exchange_accepts(venue: Venue) -> None:
    manager = await venue.manager()
    price = manager.round_price(SYMBOL, D("59999.996"), Side.BUY)
    qty = manager.round_quantity(SYMBOL, D("0.0123456"))
    assert (price, qty) == (D("59999.99"), D("0.01234"))
    assert manager.round_price(SYMBOL, D("59999.991"), Side.SELL) == D("60000.00")
    assert manager.round_quantity(SYMBOL, D("0.0000099")) == 0
    order = await manager.execute_spot_buy(SYMBOL, qty, price)
    assert order.state is OrderState.NEW
    with pytest.raises(OrderValidationError):
        manager.rules("NOSUCHUSDT")


async def test_stop_orders_and_lists_are_checked_before_sending() -> None:
    """Issue 13: MAX_NUM_ALGO_ORDERS from the open stops we track, TRAILING_DELTA on a list's
    leg, both refused locally: the exchange sees nothing more (filters.md)."""
    ex = new_exchange()  # MAX_NUM_ALGO_ORDERS 5, TRAILING_DELTA 10..2000
    async with OrderManager(SimTransport(ex, TRADER), config=fast_config()) as oms:
        stop = OrderSpec(symbol=SYMBOL, side=Side.SELL, order_type=OrderType.STOP_LOSS,
                         quantity=D("0.001"), stop_price=D("50000.00"))  # fmt: skip
        for _ in range(5):
            await oms.place(stop)
        with pytest.raises(OrderValidationError) as refused:
            await oms.place(stop)
        assert refused.value.rule == "MAX_NUM_ALGO_ORDERS"
        above = OrderSpec(symbol=SYMBOL, side=Side.SELL, order_type=OrderType.LIMIT_MAKER,
                          quantity=D("0.001"), price=D("62000.00"))  # fmt: skip
        trailing = OrderSpec(symbol=SYMBOL, side=Side.SELL, order_type=OrderType.STOP_LOSS,
                             quantity=D("0.001"), trailing_delta=5000)  # fmt: skip
        with pytest.raises(OrderValidationError) as leg:
            await oms.place_oco(above, trailing)
        assert leg.value.rule == "TRAILING_DELTA"
        assert oms.order_lists() == []
        assert len(exchange_orders(ex, TRADER)) == 5
        assert oms.metrics_snapshot().precheck_refused_total == 2

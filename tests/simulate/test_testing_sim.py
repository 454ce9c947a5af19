"""``oms.testing.sim``, the public building blocks: a funded exchange with a market maker, a
manager over it, ``settle``; and the same manager restarted on its journal."""

from __future__ import annotations

from decimal import Decimal

from oms.core.state import OrderState
from oms.testing.sim import (
    MAKER,
    SYMBOL,
    TRADER,
    TRADER_START,
    exchange_balances,
    lift,
    new_exchange,
    quote_book,
    settle,
    sim_order_manager,
)
from oms.wire.enums import Side


async def test_a_market_buy_fills_against_the_makers_book_and_balances_settle() -> None:
    ex = new_exchange()
    quote_book(ex)
    async with sim_order_manager(ex) as manager:
        order = await manager.execute_spot_buy(SYMBOL, Decimal("0.01"))
        await settle(manager, ex)
        assert order.state is OrderState.FILLED
        assert [f.price for f in order.fills.values()] == [Decimal("60010.00")]
        # Paid 0.01 x 60010 in USDT; the 0.1 % fee is taken from the BTC received.
        assert exchange_balances(ex, TRADER)["USDT"][0] == TRADER_START["USDT"] - Decimal("600.1")
        assert manager.balances()["BTC"] == exchange_balances(ex, TRADER)["BTC"]
        assert manager.balances()["BTC"][0] == Decimal("1.00999")


async def test_lift_fills_a_resting_order_and_the_manager_hears_of_it() -> None:
    ex = new_exchange()
    async with sim_order_manager(ex) as manager:
        order = await manager.execute_spot_sell(SYMBOL, Decimal("0.5"), Decimal("61000"))
        assert order.state is OrderState.NEW
        lift(ex, Side.BUY, "0.2", "61000")
        await settle(manager, ex)
        assert order.state is OrderState.PARTIALLY_FILLED and order.filled == Decimal("0.2")
        assert exchange_balances(ex, MAKER)["BTC"][0] == Decimal("100.1998")  # less the 0.1 % fee

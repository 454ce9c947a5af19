"""The seed scenario through the OrderManager, over SimTransport and over the local server
through BinanceClient: market buy, a limit sell that rests and fills, a cancel, balances and
positions from the stream, and every update delivered to subscribers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest

from oms.core.outputs import (
    BalanceChanged,
    FillApplied,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderPartiallyFilled,
    Output,
)
from oms.core.state import OrderState
from oms.testing.sim import (
    SYMBOL,
    TRADER,
    exchange_balances,
    lift,
    new_exchange,
    quote_book,
    settle,
)
from oms.wire.enums import Side
from tests.manager.support import ZERO, D, Venue, assert_matches_exchange, fills_of, state

pytestmark = pytest.mark.timeout(30)
MakeVenue = Callable[..., Awaitable[Venue]]


async def test_market_buy_is_filled_on_return_and_balances_follow(venue: Venue) -> None:
    quote_book(venue.ex)
    manager = await venue.manager()
    order = await manager.execute_spot_buy(SYMBOL, D("0.05"))

    # The FULL answer carries the fills: the order is complete when the call returns.
    assert order.state is OrderState.FILLED
    assert order.filled == D("0.05")
    trades = venue.ex.my_trades(TRADER, SYMBOL)
    assert fills_of(order) == sorted((t.id, t.qty, t.price) for t in trades)
    assert [t.price for t in trades] == [D("60010.00"), D("60020.00")]
    assert order.fees == {"BTC": sum((t.commission for t in trades), ZERO)}
    assert order.avg_price == (D("0.03") * D("60010") + D("0.02") * D("60020")) / D("0.05")
    assert manager.order(order.client_order_id) is order
    await settle(manager, venue.ex)
    fee = order.fees["BTC"]
    assert manager.balances()["BTC"] == (D("1.05") - fee, ZERO)
    assert_matches_exchange(manager, venue.ex)


async def test_limit_sell_rests_then_fills_from_the_stream(venue: Venue) -> None:
    manager = await venue.manager()
    sell = await manager.execute_spot_sell(SYMBOL, D("0.5"), D("60500.00"))

    assert sell.state is OrderState.NEW
    [resting] = venue.ex.open_orders(TRADER, SYMBOL)
    assert (resting.order_id, resting.client_order_id) == (sell.order_id, sell.client_order_id)
    await settle(manager, venue.ex)
    assert manager.balances()["BTC"] == (D("0.5"), D("0.5"))
    assert manager.locked_by_open_orders() == {"BTC": D("0.5")}

    # Another trader lifts part of it: only the stream tells the manager.
    lift(venue.ex, Side.BUY, "0.2", "60500.00")
    await manager.wait_for(lambda: sell.filled == D("0.2"))
    assert state(sell) is OrderState.PARTIALLY_FILLED
    assert manager.locked_by_open_orders() == {"BTC": D("0.3")}
    lift(venue.ex, Side.BUY, "0.3", "60500.00")
    await manager.wait_for(lambda: sell.is_terminal)
    assert state(sell) is OrderState.FILLED
    assert sell.filled == D("0.5")
    assert manager.open_orders() == []

    await settle(manager, venue.ex)
    free_usdt = exchange_balances(venue.ex)["USDT"][0]
    fee = sell.fees["USDT"]
    assert free_usdt == D("100000") + D("0.5") * D("60500") - fee
    assert manager.balances()["USDT"] == (free_usdt, ZERO)
    assert_matches_exchange(manager, venue.ex)


async def test_cancel_of_a_resting_order(venue: Venue) -> None:
    manager = await venue.manager()
    bid = await manager.execute_spot_buy(SYMBOL, D("0.02"), D("50000.00"))
    assert bid.state is OrderState.NEW
    await settle(manager, venue.ex)
    assert manager.balances()["USDT"] == (D("99000"), D("1000"))

    returned = await manager.cancel(bid)
    assert returned is bid
    assert state(bid) is OrderState.CANCELED
    assert venue.ex.open_orders(TRADER) == []
    await settle(manager, venue.ex)
    assert manager.balances()["USDT"] == (D("100000"), ZERO)
    assert_matches_exchange(manager, venue.ex)


async def test_cancel_all_cancels_every_open_order_of_the_symbol(venue: Venue) -> None:
    manager = await venue.manager()
    bids = [await manager.execute_spot_buy(SYMBOL, D("0.01"), D(p)) for p in ("50000", "50001")]
    canceled = await manager.cancel_all(SYMBOL)
    assert set(canceled) == set(bids)
    assert all(b.state is OrderState.CANCELED for b in bids)
    assert venue.ex.open_orders(TRADER) == []
    await settle(manager, venue.ex)
    assert_matches_exchange(manager, venue.ex)


async def test_positions_follow_fills_and_a_base_fee_limits_the_next_sell(
    make_venue: MakeVenue,
) -> None:
    venue = await make_venue(ex=new_exchange(trader={"USDT": D("100000")}))
    quote_book(venue.ex)
    manager = await venue.manager()
    buy = await manager.execute_spot_buy(SYMBOL, D("0.05"))
    await settle(manager, venue.ex)
    base_fee = buy.fees["BTC"]
    assert base_fee > 0
    held = D("0.05") - base_fee

    pos = manager.positions_by_symbol()[SYMBOL]
    cost = D("0.03") * D("60010") + D("0.02") * D("60020")
    assert pos.net_quantity == held
    assert abs(pos.avg_entry_price - cost / held) < D("1e-18")
    assert pos.realized_pnl == ZERO
    assert pos.fees == {}  # a base fee is in the cost basis, not listed apart (positions.py)

    # The fee was paid in BTC: selling the whole 0.05 is refused locally, naming what is held.
    with pytest.raises(Exception) as refused:
        await manager.execute_spot_sell(SYMBOL, D("0.05"), D("60500.00"))
    assert getattr(refused.value, "rule", None) == "BALANCE"
    assert getattr(refused.value, "suggestion", None) == str(held)

    sell = await manager.execute_spot_sell(SYMBOL, D("0.04"), D("60500.00"))
    lift(venue.ex, Side.BUY, "0.04", "60500.00")
    await manager.wait_for(lambda: sell.is_terminal)
    await settle(manager, venue.ex)
    quote_fee = sell.fees["USDT"]
    pos = manager.positions_by_symbol()[SYMBOL]
    assert pos.net_quantity == held - D("0.04")
    expected_pnl = D("0.04") * D("60500") - quote_fee - D("0.04") * (cost / held)
    assert abs(pos.realized_pnl - expected_pnl) < D("1e-16")
    assert pos.fees == {}  # base and quote fees: in the basis only (specs/positions.md)
    assert pos.trades == 3
    assert_matches_exchange(manager, venue.ex)


async def test_updates_iterator_and_callbacks_see_every_fill_and_state_change(
    venue: Venue,
) -> None:
    quote_book(venue.ex)
    manager = await venue.manager()
    called: list[Output] = []
    manager.on_update(called.append)
    iterated: list[Output] = []
    updates = manager.updates()

    async def consume() -> None:
        async for out in updates:
            iterated.append(out)

    consumer = asyncio.ensure_future(consume())
    buy = await manager.execute_spot_buy(SYMBOL, D("0.01"))
    sell = await manager.execute_spot_sell(SYMBOL, D("0.02"), D("60600.00"))
    lift(venue.ex, Side.BUY, "0.01", "60600.00")
    await manager.wait_for(lambda: sell.filled == D("0.01"))
    await manager.cancel(sell)
    await settle(manager, venue.ex)
    await asyncio.sleep(0.05)  # let the consumer drain its queue
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer

    assert iterated == called
    trade_ids = {t.id for t in venue.ex.my_trades(TRADER, SYMBOL)}
    assert {o.trade_id for o in called if isinstance(o, FillApplied)} == trade_ids
    filled = [o.client_order_id for o in called if isinstance(o, OrderFilled)]
    assert filled == [buy.client_order_id]
    assert [o.client_order_id for o in called if isinstance(o, OrderAccepted)] == [
        sell.client_order_id
    ]
    partial = [o for o in called if isinstance(o, OrderPartiallyFilled)]
    assert [(o.client_order_id, o.filled) for o in partial] == [(sell.client_order_id, D("0.01"))]
    canceled = [o for o in called if isinstance(o, OrderCanceled)]
    assert [(o.client_order_id, o.filled) for o in canceled] == [(sell.client_order_id, D("0.01"))]
    assets = {o.asset for o in called if isinstance(o, BalanceChanged)}
    assert {"BTC", "USDT"} <= assets
    # Each fill is delivered once, however many reports carried it.
    fill_ids = [o.trade_id for o in called if isinstance(o, FillApplied)]
    assert len(fill_ids) == len(set(fill_ids))


def _sum(values: list[Decimal]) -> Decimal:
    return sum(values, ZERO)

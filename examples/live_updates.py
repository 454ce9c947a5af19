"""Every update as it happens: a market buy against a resting ask, a limit bid, a cancel;
then balances, the position and the correctness counters.

Run: python examples/live_updates.py   (an in-process simulated exchange; no keys)
"""

import asyncio
import time
from decimal import Decimal

from oms import OrderManager, OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from transports.sim.exchange import SimExchange
from transports.sim.transport import SimTransport


async def main() -> None:
    exchange = SimExchange(clock=lambda: time.time_ns() // 1_000_000)
    exchange.create_account("me", {"USDT": Decimal("1000")})
    exchange.create_account("maker", {"BTC": Decimal("1")})
    ask = NewOrder(
        symbol="BTCUSDT",
        side=Side.SELL,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=Decimal("0.1"),
        price=Decimal("60000.00"),
    )
    exchange.place_order("maker", ask)

    async with OrderManager(SimTransport(exchange, "me")) as oms:
        oms.on_update(lambda out: print("update:", type(out).__name__))
        buy = await oms.execute_spot_buy("BTCUSDT", Decimal("0.001"))  # MARKET
        bid = await oms.execute_spot_buy("BTCUSDT", Decimal("0.001"), Decimal("50000.00"))
        print(buy.state.name, buy.filled, buy.avg_price, buy.fees)
        await oms.cancel(bid)
        print(bid.state.name, oms.balances()["USDT"], oms.positions_by_symbol()["BTCUSDT"])
        print(oms.metrics_snapshot().fills_total, "fill(s)")


asyncio.run(main())

"""Embed oms with a durable journal, then "restart" and find the order again.

Run: python examples/durable_journal.py   (an in-process simulated exchange; no keys)
"""

import asyncio
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from oms import Journal, OrderManager, OrderState
from transports.sim.exchange import SimExchange
from transports.sim.transport import SimTransport


async def main(folder: Path) -> None:
    exchange = SimExchange(clock=lambda: time.time_ns() // 1_000_000)
    exchange.create_account("me", {"USDT": Decimal("1000")})
    path = str(folder / "orders.sqlite3")

    async with OrderManager(SimTransport(exchange, "me"), journal=Journal(path)) as oms:
        bid = await oms.execute_spot_buy("BTCUSDT", Decimal("0.001"), Decimal("50000.00"))
        print("placed:", bid.client_order_id, bid.state.name)

    # A new process (here: a new manager) replays the journal and reconciles.
    async with OrderManager(SimTransport(exchange, "me"), journal=Journal(path)) as oms:
        again = oms.order(bid.client_order_id)
        assert again is not None and again.state is OrderState.NEW
        print("after restart:", again.client_order_id, again.state.name)
        await oms.cancel(again)
        print("canceled:", again.state.name)


with tempfile.TemporaryDirectory() as tmp:
    asyncio.run(main(Path(tmp)))

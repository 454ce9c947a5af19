"""Orders per second through the in-process simulated exchange (placement + matching + events).

Run: ``python bench/sim_exchange.py [N]``. Prints figures for:
- baseline: ``test_order`` (parameter and filter checks only), the floor of any placement;
- resting: LIMIT GTC orders that rest (NEW report + account position);
- crossing: half the orders rest, the other half take them (NEW + 2 TRADE reports +
  2 positions per taker), events drained as they come;
- mixed: crossing plus MARKET/IOC/cancel flow with a listener encoding every event to JSON.
Each figure is also given as a ratio to the baseline measured in the same run. Times are
CPU time of this process (``time.process_time``), so other load on the machine skews less.

The suite (``python -m bench``) calls ``figures``: the crossing rate (goal >= 30k orders/s)
and the ``oms demo`` scenario scaled up: rounds of a market buy, a limit sell lifted by
another trader, a limit buy canceled, through the OrderManager over SimTransport, with the
user-data events the manager received and applied per second.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path

from oms.wire.enums import OrderResponseType, OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.requests import CancelOrder, NewOrder

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Row
from oms.core.order import Order
from oms.runtime.manager import ManagerConfig, OrderManager
from oms.wire.events import UserDataEvent
from oms.wire.stream import StreamItem
from transports.sim.config import SimConfig, make_symbol
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.transport import SimTransport
from transports.wire import encode_json

BTC = "BTCUSDT"
RICH = {"USDT": Decimal(10) ** 12, "BTC": Decimal(10) ** 8}


def _exchange() -> tuple[SimExchange, ManualClock]:
    clock = ManualClock()
    # MAX_NUM_ORDERS lifted: the resting run keeps every order open.
    config = SimConfig(symbols=(make_symbol(BTC, "BTC", "USDT", max_num_orders=10**9),))
    ex = SimExchange(clock=clock, config=config)
    for name in ("a", "b"):
        ex.create_account(name, RICH)
    return ex, clock


def _limit(
    side: Side, price: Decimal, qty: str = "0.001", tif: TimeInForce = TimeInForce.GTC
) -> NewOrder:
    return NewOrder(
        symbol=BTC,
        side=side,
        order_type=OrderType.LIMIT,
        time_in_force=tif,
        quantity=Decimal(qty),
        price=price,
        client_order_id=None,
        self_trade_prevention_mode=SelfTradePreventionMode.NONE,
        response_type=OrderResponseType.RESULT,
    )


def _prices(n: int) -> list[Decimal]:
    base = Decimal("59000.00")
    return [base + Decimal(i % 500) * Decimal("0.5") for i in range(n)]


def baseline(n: int) -> float:
    ex, _ = _exchange()
    orders = [_limit(Side.BUY, p) for p in _prices(n)]
    start = time.process_time()
    for order in orders:
        ex.test_order("a", order)
    return n / (time.process_time() - start)


def resting(n: int) -> float:
    ex, _ = _exchange()
    orders = [_limit(Side.BUY, p) for p in _prices(n)]
    start = time.process_time()
    for i, order in enumerate(orders):
        ex.place_order("a", order)
        if i % 100 == 99:
            ex.drain_events("a")
    return n / (time.process_time() - start)


def crossing(n: int) -> float:
    ex, _ = _exchange()
    prices = _prices(n)
    makers = [_limit(Side.SELL, p) for p in prices]
    takers = [_limit(Side.BUY, p) for p in prices]
    start = time.process_time()
    for i in range(0, n, 2):
        ex.place_order("a", makers[i])
        ex.place_order("b", takers[i])
        if i % 100 == 98:
            ex.drain_events("a")
            ex.drain_events("b")
    return n / (time.process_time() - start)


def mixed(n: int) -> float:
    ex, clock = _exchange()
    sink: list[bytes] = []
    ex.set_listener(lambda account, event: sink.append(encode_json(event)))
    prices = _prices(n)
    market = NewOrder(
        symbol=BTC, side=Side.BUY, order_type=OrderType.MARKET, quantity=Decimal("0.001"),
        self_trade_prevention_mode=SelfTradePreventionMode.NONE,
    )  # fmt: skip
    start = time.process_time()
    done = 0
    while done < n:
        p = prices[done]
        ex.place_order("a", _limit(Side.SELL, p, "0.002"))
        ex.place_order("b", market)
        ex.place_order("b", _limit(Side.BUY, p, tif=TimeInForce.IOC))
        rest = ex.place_order("b", _limit(Side.BUY, p - 100))
        ex.cancel_order("b", CancelOrder(symbol=BTC, order_id=rest.order_id))
        clock.advance(1)
        done += 4
        if len(sink) > 10_000:
            sink.clear()
    return done / (time.process_time() - start)


def _best(fn: Callable[[int], float], n: int, runs: int = 3) -> float:
    return max(fn(n) for _ in range(runs))


def _both_done(a: Order, b: Order) -> bool:
    return a.is_terminal and b.is_terminal


class CountingTransport(SimTransport):
    """SimTransport counting the user-data events it delivers."""

    events = 0

    def _wire(self, events: list[UserDataEvent]) -> list[StreamItem]:
        self.events += len(events)
        return super()._wire(events)


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


async def scenario(rounds: int) -> tuple[float, float, float]:
    """The demo scaled up: (orders/s, events/s, updates/s) over ``rounds`` rounds."""
    ex = SimExchange(clock=_wall_ms, config=SimConfig(
        symbols=(make_symbol(BTC, "BTC", "USDT", max_num_orders=10**9),)))  # fmt: skip
    ex.create_account("demo", RICH)
    ex.create_account("mm", RICH)
    for side, price in ((Side.SELL, "60010.00"), (Side.BUY, "59990.00")):
        ex.place_order("mm", _limit(side, Decimal(price), "50"))
    transport = CountingTransport(ex, "demo", poll_interval_s=0.0005)
    updates = 0

    def count(_: object) -> None:
        nonlocal updates
        updates += 1

    qty = Decimal("0.001")
    manager = OrderManager(transport, config=ManagerConfig(balance_settle=0.0))
    async with manager:
        manager.on_update(count)
        start = time.perf_counter()
        for _ in range(rounds):
            buy = await manager.execute_spot_buy(BTC, qty)
            sell = await manager.execute_spot_sell(BTC, qty, Decimal("60005.00"))
            ex.place_order("mm", _limit(Side.BUY, Decimal("60005.00"), "0.001", TimeInForce.IOC))
            bid = await manager.execute_spot_buy(BTC, qty, Decimal("50000.00"))
            await manager.cancel(bid)
            await manager.wait_for(partial(_both_done, buy, sell))
        elapsed = time.perf_counter() - start
    return 3 * rounds / elapsed, transport.events / elapsed, updates / elapsed


def figures(quick: bool) -> list[Row]:
    """Section 3 of the suite."""
    n, runs = (4_000, 3) if quick else (20_000, 5)
    sec = "3 sim exchange"
    base = statistics.median([baseline(n) for _ in range(runs)])
    cross = statistics.median([crossing(n) for _ in range(runs)])
    rows = [
        Row(sec, "test_order (checks only, floor)", base, "orders/s"),
        Row(sec, "placed+matched, events drained", cross, "orders/s", "test_order",
            cross / base, ">= 30,000/s", cross >= 30_000),
    ]  # fmt: skip
    rounds = 200 if quick else 1_000
    results = [asyncio.run(scenario(rounds)) for _ in range(runs)]
    orders, events, updates = (statistics.median(r[i] for r in results) for i in range(3))
    rows.append(Row(sec, f"demo x{rounds}: manager over SimTransport", orders, "orders/s"))
    rows.append(Row(sec, "  user-data events received+applied", events, "events/s"))
    rows.append(Row(sec, "  updates dispatched to the app", updates, "updates/s"))
    return rows


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    base = _best(baseline, n)
    print(f"simulated exchange, {n} orders per run, best of 3 (orders/s)")
    print(f"  baseline test_order (checks only): {base:10,.0f}/s  1.00x")
    for name, fn in (
        ("resting LIMIT GTC", resting),
        ("crossing half/half", crossing),
        ("mixed + JSON events", mixed),
    ):
        rate = _best(fn, n)
        print(f"  {name:33s}: {rate:10,.0f}/s  {rate / base:.2f}x of baseline")


if __name__ == "__main__":
    main()

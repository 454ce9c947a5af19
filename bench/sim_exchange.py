"""Orders per second through the in-process simulated exchange (placement + matching + events).

Run: ``python bench/sim_exchange.py [N]``. Prints figures for:
- baseline: ``test_order`` (parameter and filter checks only), the floor of any placement;
- resting: LIMIT GTC orders that rest (NEW report + account position);
- crossing: half the orders rest, the other half take them (NEW + 2 TRADE reports +
  2 positions per taker), events drained as they come;
- mixed: crossing plus MARKET/IOC/cancel flow with a listener encoding every event to JSON.
Each figure is also given as a ratio to the baseline measured in the same run. Times are
CPU time of this process (``time.process_time``), so other load on the machine skews less.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from decimal import Decimal

from oms.enums import OrderResponseType, OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.requests import CancelOrder, NewOrder
from transports.sim.config import SimConfig, make_symbol
from transports.sim.exchange import ManualClock, SimExchange
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

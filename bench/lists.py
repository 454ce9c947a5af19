"""Order lists and triggers: the simulator's trigger processing and the core's list events.

Run: ``python bench/lists.py``; the suite (``python -m bench --only 7``) calls ``figures``.
- Trigger processing: replayed market trades per second through the simulated exchange with
  500 armed stops waiting (5 per account, MAX_NUM_ALGO_ORDERS), against the same trades with
  none waiting, in the same run (interleaved). Prices stay away from the stops, so the figure
  is the cost of watching them.
- OCO lifecycles per second (place, the limit leg fills, the stop leg expires, listStatus),
  against single LIMIT orders placed and filled the same way.
- Event path: ``listStatus`` events applied by ``Engine.apply`` per second, against
  ``executionReport``s of the same list's legs.
Times are CPU time of this process; ratios are medians of per-repeat ratios (bench/common).
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Row, interleaved, median, ratio
from oms.core.engine import Engine
from oms.core.ids import SequentialIds
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.events import ExecutionReport, ListStatus
from oms.wire.orderlists import ListLeg, NewOco
from oms.wire.requests import NewOrder
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.trade_replay import PublicTrade, TradeReplay

__all__ = ["figures"]

BTC = "BTCUSDT"
RICH = {"USDT": Decimal(10) ** 9, "BTC": Decimal(10) ** 5}
D = Decimal


def _exchange(accounts: int) -> SimExchange:
    ex = SimExchange(clock=ManualClock())
    for i in range(accounts):
        ex.create_account(f"a{i}", RICH)
    ex.create_account("t", RICH)
    return ex


def _trades(n: int) -> list[PublicTrade]:
    prices = [D("60000") + D(i % 40) for i in range(n)]
    return [
        PublicTrade(id=i, price=p, qty=D("0.001"), quote_qty=p * D("0.001"), time=0,
                    is_buyer_maker=i % 2 == 0, is_best_match=True)
        for i, p in enumerate(prices)
    ]  # fmt: skip


def replay_rate(n: int, armed: bool) -> float:
    ex = _exchange(100)
    if armed:
        for i in range(100):
            for k in range(5):
                stop = NewOrder(symbol=BTC, side=Side.SELL, order_type=OrderType.STOP_LOSS,
                                quantity=D("0.001"), stop_price=D("50000") - D(k))  # fmt: skip
                ex.place_order(f"a{i}", stop)
    replay = TradeReplay(ex, BTC, _trades(n))
    start = time.process_time()
    replay.run()
    return n / (time.process_time() - start)


def _oco() -> NewOco:
    return NewOco(
        symbol=BTC, side=Side.SELL, quantity=D("0.001"),
        above=ListLeg(order_type=OrderType.LIMIT_MAKER, price=D("60500")),
        below=ListLeg(order_type=OrderType.STOP_LOSS, stop_price=D("59000")),
    )  # fmt: skip


_TAKE = NewOrder(symbol=BTC, side=Side.BUY, order_type=OrderType.LIMIT, quantity=D("0.001"),
                 price=D("60500"), time_in_force=TimeInForce.IOC)  # fmt: skip
_REST = NewOrder(symbol=BTC, side=Side.SELL, order_type=OrderType.LIMIT, quantity=D("0.001"),
                 price=D("60500"), time_in_force=TimeInForce.GTC)  # fmt: skip


def oco_rate(n: int) -> float:
    ex = _exchange(1)
    start = time.process_time()
    for _ in range(n):
        ex.set_reference_price(BTC, D("60000"))  # the market trades back (OCO prices hold)
        ex.place_order_list("a0", _oco())
        ex.place_order("t", _TAKE)
        ex.drain_events("a0")
        ex.drain_events("t")
    return n / (time.process_time() - start)


def single_rate(n: int) -> float:
    ex = _exchange(1)
    start = time.process_time()
    for _ in range(n):
        ex.set_reference_price(BTC, D("60000"))
        ex.place_order("a0", _REST)
        ex.place_order("t", _TAKE)
        ex.drain_events("a0")
        ex.drain_events("t")
    return n / (time.process_time() - start)


def _list_events(n: int) -> tuple[list[ListStatus], list[ExecutionReport]]:
    ex = _exchange(1)
    lists: list[ListStatus] = []
    reports: list[ExecutionReport] = []
    for _ in range(n):
        ex.set_reference_price(BTC, D("60000"))
        ex.place_order_list("a0", _oco())
        ex.place_order("t", _TAKE)
        ex.drain_events("t")
        for event in ex.drain_events("a0"):
            if isinstance(event, ListStatus):
                lists.append(event)
            elif isinstance(event, ExecutionReport):
                reports.append(event)
    return lists, reports


def apply_rate(events: list[ListStatus] | list[ExecutionReport]) -> float:
    engine = Engine(clock=lambda: 0, new_client_order_id=SequentialIds("b-"))
    start = time.process_time()
    for event in events:
        engine.apply(event)
    return len(events) / (time.process_time() - start)


def figures(quick: bool) -> list[Row]:
    """Section 8 of the suite."""
    n, repeats = (2_000, 3) if quick else (10_000, 5)
    sec = "8 lists, triggers"
    rates = interleaved(
        {
            "idle": lambda: replay_rate(n, armed=False),
            "armed": lambda: replay_rate(n, armed=True),
            "single": lambda: single_rate(n // 4),
            "oco": lambda: oco_rate(n // 4),
        },
        repeats,
    )
    lists, reports = _list_events(n // 4)
    applied = interleaved(
        {"reports": lambda: apply_rate(reports), "lists": lambda: apply_rate(lists)}, repeats
    )
    armed_ratio = ratio(rates, "armed", "idle")
    return [
        Row(sec, "replayed trades, no stop armed", median(rates["idle"]), "trades/s"),
        Row(sec, "replayed trades, 500 stops armed", median(rates["armed"]), "trades/s",
            "no stop armed", armed_ratio),
        Row(sec, "OCO placed, limit leg filled, stop expired", median(rates["oco"]), "lists/s",
            "LIMIT placed and filled", ratio(rates, "oco", "single")),
        Row(sec, "listStatus applied (Engine.apply)", median(applied["lists"]), "events/s",
            "executionReport of the legs", ratio(applied, "lists", "reports")),
    ]  # fmt: skip


if __name__ == "__main__":
    from bench.common import print_table

    print_table(figures(quick="--quick" in sys.argv))

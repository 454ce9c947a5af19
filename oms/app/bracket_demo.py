"""``oms demo``, part two: a bracket on the embedded simulated exchange.

An entry limit buy with a take-profit and a stop-loss exit (an OTOCO): another trader fills
the entry, the exit OCO goes live, the market moves (replayed trades), the take-profit fills,
the stop-loss expires and the position closes; the list and its legs are printed after each
step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from oms.app.list_cli import LIST_COLUMNS, list_rows
from oms.app.render import table
from oms.core.list_state import ListState
from oms.core.lists import OrderList
from oms.core.state import OrderState
from oms.runtime.manager import OrderManager
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from transports.sim.exchange import SimExchange
from transports.sim.trade_replay import PublicTrade, TradeReplay

__all__ = ["run_bracket"]

SYMBOL = "BTCUSDT"
QTY = Decimal("0.02")


_ENTRY = "4a. Bracket: buy 0.02 @ 59500, then take profit @ 61000 or stop @ 58500"
_LIVE = "4b. The entry fills: the exit OCO goes live"
_RISE = "4c. The market rises: the take-profit fills, the stop-loss expires"


class StepPrinter(Protocol):
    """The demo's printer: a titled step begun before its action, shown after it."""

    def line(self, text: str) -> None: ...

    def begin(self, title: str) -> None: ...

    def step(self, title: str, manager: OrderManager, order: object | None = None) -> None: ...


async def run_bracket(
    manager: OrderManager,
    exchange: SimExchange,
    out: StepPrinter,
    json_output: bool,
) -> None:
    """Walk the bracket through ``manager``; ``out`` prints each titled step."""
    line, step = out.line, out.step
    out.begin(_ENTRY)
    bracket = await manager.bracket(
        SYMBOL, Side.BUY, QTY, entry_price=Decimal("59500.00"),
        take_profit=Decimal("61000.00"), stop_loss=Decimal("58500.00"),
    )  # fmt: skip
    show = _shower(manager, bracket, line, json_output)
    # The entry's funds are locked once the account update arrives: show the balance after it.
    locked = QTY * Decimal("59500.00")
    await _until(manager, lambda: manager.balances().get("USDT", (None, None))[1] == locked)
    step(_ENTRY, manager)
    show()
    out.begin(_LIVE)
    _take(exchange, Side.SELL, "59500.00")
    entry, profit, stop = manager.engine.legs(bracket)
    await _until(manager, lambda: profit.state is OrderState.NEW and stop.state is OrderState.NEW)
    step(_LIVE, manager)
    show()
    out.begin(_RISE)
    trades = [
        PublicTrade(id=i, price=Decimal(p), qty=Decimal("0.001"), quote_qty=Decimal(p) / 1000,
                    time=0, is_buyer_maker=False, is_best_match=True)
        for i, p in enumerate(("59800.00", "60300.00", "60900.00"))
    ]  # fmt: skip
    TradeReplay(exchange, SYMBOL, trades).run()
    _take(exchange, Side.BUY, "61000.00")
    await _until(manager, lambda: bracket.state is ListState.ALL_DONE)
    await _until(manager, lambda: stop.is_terminal and profit.is_terminal and entry.is_terminal)
    step(_RISE, manager)
    show()


def _shower(
    manager: OrderManager, bracket: OrderList, line: Callable[[str], None], json_output: bool
) -> Callable[[], None]:
    def show() -> None:
        if not json_output:
            line(table(list_rows(manager, bracket), LIST_COLUMNS))

    return show


def _take(exchange: SimExchange, side: Side, price: str) -> None:
    """The market maker trades 0.02 at ``price`` against whatever rests there (IOC)."""
    exchange.place_order(
        "market-maker",
        NewOrder(
            symbol=SYMBOL,
            side=side,
            order_type=OrderType.LIMIT,
            quantity=QTY,
            price=Decimal(price),
            time_in_force=TimeInForce.IOC,
        ),
    )


async def _until(manager: OrderManager, predicate: Callable[[], bool]) -> None:
    with contextlib.suppress(TimeoutError):
        await manager.wait_for(predicate, timeout=2.0)

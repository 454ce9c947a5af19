"""``oms demo``: the seed scenario on the embedded simulated exchange, no keys, no network.

A market buy, a limit sell that rests and then fills when another trader lifts it, a limit
buy that is canceled, then a bracket (``oms.app.bracket_demo``), and the balances after each
step; every order state change and fill is printed as it happens.
"""

from __future__ import annotations

import contextlib
import json
import time
from decimal import Decimal

from oms.app.bracket_demo import run_bracket
from oms.app.render import (
    BALANCE_COLUMNS,
    ORDER_COLUMNS,
    UpdatePrinter,
    balance_rows,
    order_row,
    table,
)
from oms.runtime.manager import OrderManager
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.money import to_wire
from oms.wire.requests import NewOrder
from transports.sim.exchange import SimExchange
from transports.sim.transport import SimTransport

__all__ = ["run_demo"]

SYMBOL = "BTCUSDT"
START = {"USDT": Decimal("10000"), "BTC": Decimal("0")}
MAKER = {"USDT": Decimal("1000000"), "BTC": Decimal("100")}


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


async def run_demo(*, json_output: bool = False) -> int:
    """Run the walkthrough; returns the exit status."""
    exchange = SimExchange(clock=_wall_ms, seed=7)
    exchange.create_account("demo", START)
    exchange.create_account("market-maker", MAKER)
    _quote_book(exchange)
    out = _Output(json_output)
    manager = OrderManager(SimTransport(exchange, "demo"))
    manager.on_update(UpdatePrinter(json_output=json_output, write=out.line))
    out.begin("Start")  # the start's own updates (the opening balances) print under it
    async with manager:
        out.step("Start", manager)
        out.begin("1. Market buy 0.05 BTC")
        buy = await manager.execute_spot_buy(SYMBOL, Decimal("0.05"))
        await manager.wait_for(lambda: buy.is_terminal)
        await _balance(manager, "BTC", free=Decimal("0.05"))
        out.step("1. Market buy 0.05 BTC", manager, buy)

        out.begin("2a. Limit sell 0.05 BTC @ 60500 rests on the book")
        sell = await manager.execute_spot_sell(SYMBOL, Decimal("0.05"), Decimal("60500.00"))
        await _balance(manager, "BTC", locked=Decimal("0.05"))
        out.step("2a. Limit sell 0.05 BTC @ 60500 rests on the book", manager, sell)
        out.begin("2b. Another trader lifts it: the limit sell fills")
        exchange.place_order(
            "market-maker",
            NewOrder(
                symbol=SYMBOL,
                side=Side.BUY,
                order_type=OrderType.LIMIT,
                time_in_force=TimeInForce.IOC,
                quantity=Decimal("0.05"),
                price=Decimal("60500.00"),
            ),
        )
        await manager.wait_for(lambda: sell.is_terminal)
        await _balance(manager, "BTC", locked=Decimal(0))
        out.step("2b. Another trader lifts it: the limit sell fills", manager, sell)

        out.begin("3a. Limit buy 0.02 BTC @ 50000 rests")
        bid = await manager.execute_spot_buy(SYMBOL, Decimal("0.02"), Decimal("50000.00"))
        await _balance(manager, "USDT", locked=Decimal("1000"))
        out.step("3a. Limit buy 0.02 BTC @ 50000 rests", manager, bid)
        out.begin("3b. Canceled")
        await manager.cancel(bid)
        await _balance(manager, "USDT", locked=Decimal(0))
        out.step("3b. Canceled", manager, bid)
        await run_bracket(manager, exchange, out, json_output)
        out.summary(manager)
    return 0


async def _balance(
    manager: OrderManager, asset: str, *, free: Decimal | None = None, locked: Decimal | None = None
) -> None:
    """Wait (briefly) until the stream's balance update for ``asset`` has arrived."""

    def arrived() -> bool:
        have_free, have_locked = manager.balances().get(asset, (Decimal(0), Decimal(0)))
        return (free is None or have_free == free) and (locked is None or have_locked == locked)

    with contextlib.suppress(TimeoutError):
        await manager.wait_for(arrived, timeout=2.0)


def _quote_book(exchange: SimExchange) -> None:
    """The market maker rests a few asks and bids around 60000."""
    for i, (side, price) in enumerate(
        [
            (Side.SELL, "60010.00"),
            (Side.SELL, "60020.00"),
            (Side.BUY, "59990.00"),
            (Side.BUY, "59980.00"),
        ]
    ):
        exchange.place_order(
            "market-maker",
            NewOrder(
                symbol=SYMBOL,
                side=side,
                order_type=OrderType.LIMIT,
                time_in_force=TimeInForce.GTC,
                quantity=Decimal("0.03") if i == 0 else Decimal("1"),
                price=Decimal(price),
            ),
        )
    exchange.drain_events("market-maker")


class _Output:
    def __init__(self, json_output: bool) -> None:
        self.json = json_output
        self.closed = False
        self._begun = ""

    def line(self, text: str) -> None:
        if self.closed:
            return
        try:
            print(text, flush=True)
        except BrokenPipeError:  # `oms demo | head`: stop writing, finish quietly
            self.closed = True

    def summary(self, manager: OrderManager) -> None:
        """The position and the correctness counters at the end (one JSON record with --json)."""
        pos = manager.positions_by_symbol().get(SYMBOL)
        net = to_wire(pos.net_quantity.normalize()) if pos is not None else "0"
        pnl = to_wire(pos.realized_pnl.quantize(Decimal("0.00000001"))) if pos is not None else "0"
        snap = manager.metrics_snapshot()
        if self.json:
            record = {
                "position": {"symbol": SYMBOL, "net": net, "realized_pnl": pnl},
                "fills": snap.fills_total,
                "reconciliations": snap.reconciliations_total,
                "corrections": snap.reconcile_corrections_total,
            }
            self.line(json.dumps(record))
            return
        self.line(f"\nPosition {SYMBOL}: net {net} BTC, realised PnL {pnl} USDT")
        self.line(
            f"Fills {snap.fills_total}, reconciliations {snap.reconciliations_total}, "
            f"discrepancies corrected {snap.reconcile_corrections_total}"
        )

    def begin(self, title: str) -> None:
        """Print a step's title before its action, so its updates print under it."""
        if not self.json:
            self.line(f"\n== {title}")
        self._begun = title

    def step(self, title: str, manager: OrderManager, order: object | None = None) -> None:
        balances = [r for r in balance_rows(manager.balances()) if r["asset"] in ("BTC", "USDT")]
        if self.json:
            record = {
                "step": title,
                "balances": balances,
                "order": order_row(order) if order is not None else None,
            }
            self.line(json.dumps(record))
            return
        if title != self._begun:
            self.line(f"\n== {title}")
        if order is not None:
            self.line(table([order_row(order)], ORDER_COLUMNS))
        self.line(table(balances, BALANCE_COLUMNS))

"""Building blocks for tests against the simulated exchange: order requests, funded
exchanges with liquidity, a manager over it, and waiting for the stream to catch up.

Rules:
- Everything here is a real ``SimExchange`` / ``SimTransport`` / ``OrderManager``: nothing
  is mocked or patched. Amounts are ``Decimal`` (strings in the builders' arguments).
- ``new_exchange`` funds a ``TRADER`` and a ``MAKER`` account; ``quote_book`` has the maker
  rest a small book around 60000 on BTCUSDT, ``lift`` has it take liquidity, so a user's
  MARKET orders fill and resting orders get filled.
- Needs neither hypothesis nor pytest (use it from any test runner).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

from oms.runtime.config import ManagerConfig
from oms.runtime.journal import Journal
from oms.runtime.manager import OrderManager
from oms.wire.enums import OrderResponseType, OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.requests import NewOrder
from transports.sim.config import SimConfig
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.faults import FaultConfig
from transports.sim.transport import SimTransport

__all__ = [
    "BTC",
    "MAKER",
    "MAKER_START",
    "START",
    "SYMBOL",
    "TRADER",
    "TRADER_START",
    "exchange_balances",
    "fast_config",
    "lift",
    "limit",
    "make_exchange",
    "market",
    "new_exchange",
    "quote_book",
    "settle",
    "sim_order_manager",
    "wait_until",
    "wall_ms",
]

D = Decimal
_ZERO = Decimal(0)
BTC = SYMBOL = "BTCUSDT"
START = {"USDT": D("1000000"), "BTC": D("10"), "ETH": D("100"), "BNB": D("1000")}
TRADER = "trader"
MAKER = "maker"
TRADER_START = {"USDT": D("100000"), "BTC": D("1")}
MAKER_START = {"USDT": D("10000000"), "BTC": D("100")}


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


# --- order requests ------------------------------------------------------------------------


def limit(
    side: Side,
    qty: str,
    price: str,
    *,
    symbol: str = BTC,
    tif: TimeInForce = TimeInForce.GTC,
    cid: str | None = None,
    stp: SelfTradePreventionMode | None = SelfTradePreventionMode.NONE,
    resp: OrderResponseType | None = None,
) -> NewOrder:
    """A LIMIT order request (self-trade prevention off unless ``stp`` says otherwise)."""
    return NewOrder(
        symbol=symbol,
        side=side,
        order_type=OrderType.LIMIT,
        time_in_force=tif,
        quantity=D(qty),
        price=D(price),
        client_order_id=cid,
        self_trade_prevention_mode=stp,
        response_type=resp,
    )


def market(
    side: Side,
    qty: str | None = None,
    *,
    quote: str | None = None,
    symbol: str = BTC,
    stp: SelfTradePreventionMode | None = SelfTradePreventionMode.NONE,
) -> NewOrder:
    """A MARKET order request for ``qty`` of the base asset or ``quote`` of the quote asset."""
    return NewOrder(
        symbol=symbol,
        side=side,
        order_type=OrderType.MARKET,
        quantity=D(qty) if qty is not None else None,
        quote_order_qty=D(quote) if quote is not None else None,
        self_trade_prevention_mode=stp,
    )


# --- exchanges -----------------------------------------------------------------------------


def make_exchange(
    *accounts: str, config: SimConfig | None = None, seed: int = 0
) -> tuple[SimExchange, ManualClock]:
    """An exchange on a ``ManualClock`` with ``accounts`` funded with ``START``."""
    clock = ManualClock()
    ex = SimExchange(clock=clock, config=config, seed=seed)
    for name in accounts:
        ex.create_account(name, START)
    return ex, clock


def new_exchange(
    clock: Callable[[], int] = wall_ms,
    *,
    config: SimConfig | None = None,
    trader: dict[str, Decimal] | None = None,
) -> SimExchange:
    """An exchange with a funded trader and market maker (no orders yet; 0.1 % fees)."""
    if config is None:
        config = SimConfig(maker_commission=D("0.001"), taker_commission=D("0.001"))
    ex = SimExchange(clock=clock, config=config, seed=3)
    ex.create_account(TRADER, dict(TRADER_START if trader is None else trader))
    ex.create_account(MAKER, dict(MAKER_START))
    return ex


def quote_book(ex: SimExchange) -> None:
    """The market maker rests asks at 60010 / 60020 and bids at 59990 / 59980."""
    for side, price, qty in (
        (Side.SELL, "60010.00", "0.03"),
        (Side.SELL, "60020.00", "1"),
        (Side.BUY, "59990.00", "1"),
        (Side.BUY, "59980.00", "1"),
    ):
        ex.place_order(MAKER, limit(side, qty, price, stp=None))


def lift(ex: SimExchange, side: Side, qty: str, price: str) -> None:
    """The market maker takes up to ``qty`` at ``price`` (an IOC limit).

    Its own quotes in front are expired by self-trade prevention (EXPIRE_MAKER, the
    symbol's default), so the IOC reaches the trader's order; ``quote_book`` again to
    restore them.
    """
    ex.place_order(MAKER, limit(side, qty, price, tif=TimeInForce.IOC, stp=None))


def exchange_balances(ex: SimExchange, account: str = TRADER) -> dict[str, tuple[Decimal, Decimal]]:
    """``account``'s (free, locked) per asset, as the exchange has them."""
    info = ex.account_info(account)
    return {b.asset: (b.free, b.locked) for b in info.balances}


# --- a manager over it ---------------------------------------------------------------------


def fast_config(**overrides: Any) -> ManagerConfig:
    """Manager tuning for tests: quick backoff, short waits."""
    base: dict[str, Any] = {
        "resolve_initial_delay": 0.01,
        "resolve_max_delay": 0.05,
        "stream_start_timeout": 5.0,
        "balance_settle": 0.5,
    }
    base.update(overrides)
    return ManagerConfig(**base)


@contextlib.asynccontextmanager
async def sim_order_manager(
    ex: SimExchange,
    account: str = TRADER,
    *,
    faults: FaultConfig | None = None,
    journal: Journal | None = None,
    config: ManagerConfig | None = None,
) -> AsyncIterator[OrderManager]:
    """A started manager over a ``SimTransport`` to ``account`` (with ``faults``), closed
    on exit (with its journal)."""
    transport = SimTransport(ex, account, faults=faults, request_timeout_s=0.05)
    manager = OrderManager(transport, journal=journal, config=config or fast_config())
    try:
        await manager.start()  # inside: a failed start closes the journal too
        yield manager
    finally:
        await manager.close()


async def settle(
    manager: OrderManager, ex: SimExchange, timeout: float = 5.0, account: str = TRADER
) -> None:
    """Wait until the manager's balances equal the exchange's (the stream has caught up).

    Raises:
        AssertionError: they still differ after ``timeout`` seconds (both are shown).
    """

    def caught_up() -> bool:
        theirs = exchange_balances(ex, account)
        return all(manager.balances().get(a, (_ZERO, _ZERO)) == v for a, v in theirs.items())

    try:
        await manager.wait_for(caught_up, timeout=timeout)
    except TimeoutError:
        theirs = exchange_balances(ex, account)
        mine = {a: manager.balances().get(a) for a in theirs}
        raise AssertionError(f"balances {mine} never reached {theirs}") from None


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` (for conditions outside the manager's own updates)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)

"""Builders shared by the simulated-exchange tests: orders, funded exchanges, invariants."""

from __future__ import annotations

from decimal import Decimal

from oms.wire.enums import OrderResponseType, OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.events import ExecutionReport, UserDataEvent
from oms.wire.requests import NewOrder
from transports.sim.config import SimConfig
from transports.sim.exchange import ManualClock, SimExchange

D = Decimal
Z = Decimal(0)
BTC = "BTCUSDT"
START = {"USDT": D("1000000"), "BTC": D("10"), "ETH": D("100"), "BNB": D("1000")}


def make_exchange(
    *accounts: str, config: SimConfig | None = None, seed: int = 0
) -> tuple[SimExchange, ManualClock]:
    clock = ManualClock()
    ex = SimExchange(clock=clock, config=config, seed=seed)
    for name in accounts:
        ex.create_account(name, START)
    return ex, clock


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
    return NewOrder(
        symbol=symbol,
        side=side,
        order_type=OrderType.MARKET,
        quantity=D(qty) if qty is not None else None,
        quote_order_qty=D(quote) if quote is not None else None,
        self_trade_prevention_mode=stp,
    )


def reports(events: list[UserDataEvent]) -> list[ExecutionReport]:
    return [e for e in events if isinstance(e, ExecutionReport)]


def assets_conserved(ex: SimExchange, initial: dict[str, Decimal]) -> None:
    for asset, amount in initial.items():
        assert ex.total(asset) == amount, asset


def book_not_crossed(ex: SimExchange, symbol: str = BTC) -> None:
    bids, asks = ex.book(symbol)
    if bids and asks:
        assert bids[0][0] < asks[0][0]

"""Hypothesis properties of the matching engine, and a stateful fuzz of random order flow.

Invariants checked (after every step in the stateful test):
- the book is never crossed after matching;
- every asset is conserved across all accounts plus the fee account;
- each account's locked balance is exactly what its open orders hold;
- every resting price is on the tick, every quantity on the step;
- every fill: price on the tick, qty on the step, and the fills of an order sum to its
  executed quantity;
- price-time priority: makers fill best price first, then oldest first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from oms.testing.sim import BTC, START, limit, make_exchange, market
from oms.wire.enums import (
    ExecutionType,
    OrderStatus,
    OrderType,
    SelfTradePreventionMode,
    Side,
    TimeInForce,
)
from oms.wire.events import ExecutionReport
from oms.wire.requests import CancelOrder, NewOrder
from oms.wire.rest import NewOrderFull
from transports.sim.config import SimConfig
from transports.sim.errors import SimError
from transports.sim.exchange import SimExchange

from .support import D, Z

ACCOUNTS = ("a", "b", "c")
TICK = D("0.01")
STEP = D("0.00001")
FEES = SimConfig(maker_commission=D("0.001"), taker_commission=D("0.00075"))

sides = st.sampled_from([Side.BUY, Side.SELL])
# Prices on a few ticks around 60000 so that orders collide; quantities of whole steps.
prices = st.integers(min_value=-40, max_value=40).map(lambda k: D("60000.00") + k * D("0.25"))
quantities = st.integers(min_value=10, max_value=20000).map(lambda k: k * STEP)
tifs = st.sampled_from([TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK])
stps = st.sampled_from(list(SelfTradePreventionMode)[:4])


def _limit_orders() -> st.SearchStrategy[NewOrder]:
    return st.builds(
        lambda side, qty, price, tif, stp: NewOrder(
            symbol=BTC,
            side=side,
            order_type=OrderType.LIMIT,
            time_in_force=tif,
            quantity=qty,
            price=price,
            self_trade_prevention_mode=stp,
        ),
        sides,
        quantities,
        prices,
        tifs,
        stps,
    )


def _expected_locks(ex: SimExchange, account: str) -> dict[str, Decimal]:
    locks = {"USDT": Z, "BTC": Z}
    for o in ex.open_orders(account):
        remaining = o.orig_qty - o.executed_qty
        if o.side is Side.BUY:
            locks["USDT"] += o.price * remaining
        else:
            locks["BTC"] += remaining
    return locks


def check_invariants(ex: SimExchange, initial: dict[str, Decimal]) -> None:
    bids, asks = ex.book(BTC)
    if bids and asks:
        assert bids[0][0] < asks[0][0], "book crossed"
    assert [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)
    assert [p for p, _ in asks] == sorted(p for p, _ in asks)
    for price, qty in bids + asks:
        assert price % TICK == 0 and qty % STEP == 0 and qty > 0
    for asset, amount in initial.items():
        assert ex.total(asset) == amount, f"{asset} not conserved"
    for account in ex.accounts():
        for asset, locked in _expected_locks(ex, account).items():
            free, held = ex.balance(account, asset)
            assert held == locked, (account, asset, held, locked)
            assert free >= 0
        _check_fills(ex, account)


def _check_fills(ex: SimExchange, account: str) -> None:
    by_order: dict[int, Decimal] = {}
    for t in ex.my_trades(account, BTC, limit=1000):
        assert t.price % TICK == 0 and t.qty % STEP == 0
        by_order[t.order_id] = by_order.get(t.order_id, Z) + t.qty
    for o in ex.open_orders(account):
        assert by_order.get(o.order_id, Z) == o.executed_qty


@given(
    makers=st.lists(st.tuples(st.sampled_from(["a", "b"]), quantities, prices), max_size=25),
    taker_qty=quantities,
    taker_price=prices,
    side=sides,
)
def test_sweep_respects_price_time_priority_and_conserves(
    makers: list[tuple[str, Decimal, Decimal]], taker_qty: Decimal, taker_price: Decimal, side: Side
) -> None:
    ex, _ = make_exchange("a", "b", "t", config=FEES)
    initial = {a: v * 3 for a, v in START.items()}
    maker_side = Side.BUY if side is Side.SELL else Side.SELL
    for account, qty, price in makers:  # all on one side: they rest, never trade
        ex.place_order(account, limit(maker_side, str(qty), str(price)))
    before = ex.book(BTC)
    for account in ("a", "b"):
        ex.drain_events(account)
    ex.place_order("t", limit(side, str(taker_qty), str(taker_price), tif=TimeInForce.IOC))
    fills = [
        e
        for account in ("a", "b")
        for e in ex.drain_events(account)
        if isinstance(e, ExecutionReport) and e.execution_type is ExecutionType.TRADE
    ]
    fills.sort(key=lambda e: e.execution_id)
    # Best price first, then the oldest order first.
    order = [(e.last_price, e.order_id) for e in fills]
    if maker_side is Side.SELL:
        assert order == sorted(order)
    else:
        assert order == sorted(order, key=lambda k: (-k[0], k[1]))
    # Everything strictly better than the last fill price was taken completely.
    levels = before[1] if maker_side is Side.SELL else before[0]
    if fills:
        last = fills[-1].last_price
        better = [q for p, q in levels if (p < last if maker_side is Side.SELL else p > last)]
        taken = sum((e.last_quantity for e in fills if e.last_price != last), Z)
        assert taken == sum(better, Z)
    # The fills never exceed the taker's quantity nor cross its limit.
    assert sum((e.last_quantity for e in fills), Z) <= taker_qty
    for e in fills:
        assert e.last_price <= taker_price if side is Side.BUY else e.last_price >= taker_price
    check_invariants(ex, initial)


@given(orders=st.lists(st.tuples(st.sampled_from(ACCOUNTS), _limit_orders()), max_size=30))
def test_random_limit_flow_keeps_invariants(orders: list[tuple[str, NewOrder]]) -> None:
    ex, _ = make_exchange(*ACCOUNTS, config=FEES)
    initial = {a: v * len(ACCOUNTS) for a, v in START.items()}
    for account, order in orders:
        with contextlib.suppress(SimError):
            ex.place_order(account, order)
        check_invariants(ex, initial)


@given(qty=quantities, quote=st.integers(min_value=6, max_value=20000).map(D), side=sides)
def test_market_orders_never_overspend(qty: Decimal, quote: Decimal, side: Side) -> None:
    ex, _ = make_exchange("m", "t", config=FEES)
    ex.place_order("m", limit(Side.SELL, "0.05", "60001"))
    ex.place_order("m", limit(Side.SELL, "0.1", "60010"))
    ex.place_order("m", limit(Side.BUY, "0.05", "59999"))
    ex.place_order("m", limit(Side.BUY, "0.1", "59990"))
    by_quote = ex.place_order("t", market(side, quote=str(quote)))
    assert isinstance(by_quote, NewOrderFull)
    assert by_quote.cummulative_quote_qty <= quote
    assert by_quote.executed_qty % STEP == 0
    try:
        ex.place_order("t", market(side, str(qty)))
    except SimError as err:
        assert err.code == -1013  # a market quantity too small for NOTIONAL
    check_invariants(ex, {a: v * 2 for a, v in START.items()})


class RandomOrderFlow(RuleBasedStateMachine):
    """Several accounts send random orders and cancels; the invariants hold at every step."""

    def __init__(self) -> None:
        super().__init__()
        self.ex, self.clock = make_exchange(*ACCOUNTS, config=FEES, seed=7)
        self.initial = {a: v * len(ACCOUNTS) for a, v in START.items()}

    def _snapshot(self) -> tuple[object, ...]:
        balances = [self.ex.balance(a, s) for a in ACCOUNTS for s in ("BTC", "USDT")]
        return (*balances, self.ex.book(BTC))

    def _refused_without_trace(self, action: Callable[[], object]) -> None:
        before = self._snapshot()
        try:
            action()
        except SimError:
            assert self._snapshot() == before
            for account in ACCOUNTS:
                assert self.ex.drain_events(account) == []
        else:
            for account in ACCOUNTS:
                events = self.ex.drain_events(account)
                ids = [e.execution_id for e in events if isinstance(e, ExecutionReport)]
                assert ids == sorted(ids)

    @rule(account=st.sampled_from(ACCOUNTS), order=_limit_orders())
    def place_limit(self, account: str, order: NewOrder) -> None:
        self._refused_without_trace(lambda: self.ex.place_order(account, order))

    @rule(
        account=st.sampled_from(ACCOUNTS),
        side=sides,
        qty=quantities,
        quote=st.none() | st.integers(min_value=5, max_value=5000).map(D),
        stp=stps,
    )
    def place_market(
        self,
        account: str,
        side: Side,
        qty: Decimal,
        quote: Decimal | None,
        stp: SelfTradePreventionMode,
    ) -> None:
        order = market(
            side, None if quote else str(qty), quote=str(quote) if quote else None, stp=stp
        )
        self._refused_without_trace(lambda: self.ex.place_order(account, order))

    @precondition(lambda self: any(self.ex.open_orders(a) for a in ACCOUNTS))
    @rule(data=st.data())
    def cancel_one(self, data: st.DataObject) -> None:
        account = data.draw(st.sampled_from([a for a in ACCOUNTS if self.ex.open_orders(a)]))
        order = data.draw(st.sampled_from(self.ex.open_orders(account)))
        by_client = data.draw(st.booleans())
        cancel = (
            CancelOrder(symbol=BTC, orig_client_order_id=order.client_order_id)
            if by_client
            else CancelOrder(symbol=BTC, order_id=order.order_id)
        )
        response = self.ex.cancel_order(account, cancel)
        assert response.status is OrderStatus.CANCELED
        self.ex.drain_events(account)

    @rule(account=st.sampled_from(ACCOUNTS))
    def cancel_all(self, account: str) -> None:
        self._refused_without_trace(lambda: self.ex.cancel_open_orders(account, BTC))

    @rule(ms=st.integers(min_value=0, max_value=5000))
    def tick(self, ms: int) -> None:
        self.clock.advance(ms)

    @invariant()
    def invariants_hold(self) -> None:
        check_invariants(self.ex, self.initial)


TestRandomOrderFlow = RandomOrderFlow.TestCase
TestRandomOrderFlow.settings = settings(TestRandomOrderFlow.settings)

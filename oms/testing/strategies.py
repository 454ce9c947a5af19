"""Hypothesis strategies for fuzzing trading code: valid orders, Binance histories, faults.

- ``order_specs(rules, reference_price)``: ``OrderSpec``s (LIMIT GTC/IOC, LIMIT_MAKER,
  MARKET by quantity or quote) that pass ``oms.core.checks.check_order`` for the symbol:
  prices on the tick within ``[reference/2, reference*2]`` (inside PERCENT_PRICE_BY_SIDE's
  usual 0.2..5 band, filters.md), quantities on the step within LOT_SIZE, notional within
  NOTIONAL / MIN_NOTIONAL.
- ``event_histories()``: real user-data histories (executionReports and account positions,
  as Binance sends them, user-data-stream.md) made by a ``SimExchange``: an order of ours,
  then trades of the market that cross it, then perhaps a cancel.
- ``deliveries(events)``: how a stream delivers them: each event lost, duplicated, or held
  back and delivered late, in any order (``Delivery``), with restart points.
- ``fault_configs()``: ``FaultConfig``s for the simulated exchange and transport (dropped,
  duplicated, delayed and reordered events; unknown outcomes; lost requests; disconnects).
- ``symbol_rules()``: the simulator's symbols as ``SymbolRules`` with their start prices.

All draws shrink towards "nothing goes wrong"; everything is exact ``Decimal``.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec
from hypothesis import strategies as st

from oms.core.checks import SymbolRules
from oms.core.spec import OrderSpec
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.events import UserDataEvent
from oms.wire.requests import CancelOrder, NewOrder
from transports.sim.config import DEFAULT_REFERENCE_PRICES, default_symbols
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.faults import FaultConfig

__all__ = [
    "Delivery",
    "deliveries",
    "event_histories",
    "fault_configs",
    "order_specs",
    "symbol_rules",
]

_D = Decimal


def symbol_rules() -> st.SearchStrategy[tuple[SymbolRules, Decimal]]:
    """(rules, reference price) of BTCUSDT, ETHUSDT or BNBUSDT as the simulator has them."""
    return st.sampled_from(
        [
            (SymbolRules.from_symbol(s), DEFAULT_REFERENCE_PRICES[s.symbol])
            for s in default_symbols()
        ]
    )


def _bounds(rules: SymbolRules) -> tuple[Decimal, Decimal, Decimal]:
    """(min notional, max notional, step) the order must respect."""
    low, high = _D(0), _D(10) ** 12
    if rules.notional is not None:
        low, high = rules.notional.min_notional, rules.notional.max_notional or high
    elif rules.min_notional is not None:
        low = rules.min_notional.min_notional
    step = rules.lot.step_size if rules.lot is not None else _D("0.00000001")
    return low, high, step


@st.composite
def order_specs(
    draw: st.DrawFn, rules: SymbolRules, reference_price: Decimal, *, market: bool = True
) -> OrderSpec:
    """One valid order for ``rules`` around ``reference_price`` (see the module rules)."""
    tick = rules.price.tick_size if rules.price is not None else _D("0.01")
    low, high, step = _bounds(rules)
    ticks = int(reference_price / tick)
    price = tick * draw(st.integers(max(1, ticks // 2), ticks * 2))
    kinds = [OrderType.LIMIT, OrderType.LIMIT_MAKER] + ([OrderType.MARKET] if market else [])
    kind = draw(st.sampled_from(kinds))
    side = draw(st.sampled_from([Side.BUY, Side.SELL]))
    at = reference_price if kind is OrderType.MARKET else price
    min_qty = max(rules.lot.min_qty if rules.lot else step, step)
    lo_steps = max(int(min_qty / step), int(low * _D("1.01") / at / step) + 1)
    max_qty = rules.lot.max_qty if rules.lot else _D(10) ** 6
    if kind is OrderType.MARKET and rules.market_lot is not None and rules.market_lot.max_qty:
        max_qty = min(max_qty, rules.market_lot.max_qty)
    hi_steps = min(int(max_qty / step), int(high / at / step), lo_steps * 50)
    quantity = step * draw(st.integers(lo_steps, max(lo_steps, hi_steps)))
    if kind is OrderType.MARKET:
        if draw(st.booleans(), label="by quote"):
            quote = (quantity * at).quantize(_D("0.01"))
            return OrderSpec(symbol=rules.symbol, side=side, order_type=kind, quote_order_qty=quote)
        return OrderSpec(symbol=rules.symbol, side=side, order_type=kind, quantity=quantity)
    tif = None
    if kind is OrderType.LIMIT:
        tif = draw(st.sampled_from([TimeInForce.GTC, TimeInForce.IOC]))
    return OrderSpec(
        symbol=rules.symbol,
        side=side,
        order_type=kind,
        quantity=quantity,
        price=price,
        time_in_force=tif,
    )


def fault_configs(*, max_probability: float = 0.3) -> st.SearchStrategy[FaultConfig]:
    """Fault settings for ``SimTransport`` / ``oms exchange`` (probabilities per event or
    per order request); shrinks to no faults."""
    p = st.floats(0.0, max_probability, allow_nan=False)
    return st.builds(
        FaultConfig,
        seed=st.integers(0, 2**16),
        drop_event=p,
        duplicate_event=p,
        delay_event=p,
        reorder_events=p,
        error_after_execution=p,
        timeout_after_execution=p,
        lose_request=p,
        disconnect_every=st.none() | st.integers(5, 200),
    )


@st.composite
def event_histories(draw: st.DrawFn) -> list[UserDataEvent]:
    """One order's real user-data history from a ``SimExchange`` (see the module rules)."""
    rules, ref = draw(symbol_rules())
    spec = draw(
        order_specs(rules, ref, market=False).filter(
            lambda s: s.time_in_force is not TimeInForce.IOC
        )
    )
    clock = ManualClock()
    ex = SimExchange(clock=clock)
    rich = {a: _D(10) ** 9 for a in ("USDT", "BTC", "ETH", "BNB")}
    ex.create_account("me", rich)
    ex.create_account("market", rich)
    request = NewOrder(**{f: getattr(spec, f) for f in _NEW_ORDER_FIELDS})
    placed = ex.place_order("me", request)
    assert spec.price is not None and spec.quantity is not None
    hit = Side.SELL if spec.side is Side.BUY else Side.BUY
    for part in draw(st.lists(st.integers(1, 4), max_size=4), label="market trades (quarters)"):
        clock.advance(draw(st.integers(1, 5000)))
        ex.cross("market", spec.symbol, hit, spec.price, spec.quantity * part / 4)
    if draw(st.booleans(), label="cancel the rest"):
        clock.advance(1)
        if any(o.order_id == placed.order_id for o in ex.open_orders("me", spec.symbol)):
            ex.cancel_order("me", CancelOrder(symbol=spec.symbol, order_id=placed.order_id))
    ex.drain_events("market")
    return ex.drain_events("me")


_NEW_ORDER_FIELDS = ("symbol", "side", "order_type", "quantity", "price", "time_in_force")


class Delivery(msgspec.Struct, frozen=True):
    """A stream's delivery of a history: what arrives, in which order, and when the consumer
    restarts (after ``restarts`` deliveries). ``lost`` events never arrive."""

    delivered: list[UserDataEvent]
    lost: list[UserDataEvent]
    duplicated: int
    restarts: list[int]


@st.composite
def deliveries(draw: st.DrawFn, events: list[UserDataEvent]) -> Delivery:
    """Each event lost, delivered once or more, maybe late (any order): see the module rules."""
    on_time: list[UserDataEvent] = []
    late: list[UserDataEvent] = []
    lost: list[UserDataEvent] = []
    duplicated = 0
    for event in events:
        fate = draw(st.sampled_from(["once", "twice", "late", "lost"]), label="fate")
        if fate == "lost":
            lost.append(event)
            continue
        (late if fate == "late" else on_time).append(event)
        if fate == "twice":
            duplicated += 1
            on_time.append(event)
    if draw(st.booleans(), label="reorder"):
        on_time = draw(st.permutations(on_time))
    delivered = on_time + draw(st.permutations(late))
    restarts = sorted(
        draw(st.sets(st.integers(0, max(0, len(delivered) - 1)), max_size=2), label="restarts")
    )
    return Delivery(delivered=delivered, lost=lost, duplicated=duplicated, restarts=restarts)
